"""Identifiers: 统一社会信用代码 (GB 32100-2015) and 居民身份证号码 (GB 11643-1999).

Validators return a reason (``None`` when valid) so that ingestion can say what
is wrong; generators are vectorised and seeded for the synthetic city.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

# --- 统一社会信用代码 --------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_BODY_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{9}$")

# GB 11714 organisation code (positions 9–17 of a USCC): 8 characters + check.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(body: str) -> str:
    """Check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, or ``None`` when it is.

    Examples
    --------
    >>> uscc_problem("91110000600037341L") is None
    True
    >>> uscc_problem("91350100M000100Y4Z")
    "check character is 'Z', expected '3'"
    """
    if not isinstance(code, str) or len(code) != 18:
        return "must be 18 characters"
    # The check character is judged last, so a wrong one (even a letter outside
    # the alphabet, as in the example above) is reported with the expected value.
    bad = sorted({ch for ch in code[:17] if ch not in _USCC_VALUE})
    if bad:
        return f"characters not allowed in GB 32100: {''.join(bad)!r}"
    if not _USCC_BODY_RE.match(code[:17]):
        return "positions 3–8 must be the 6-digit region code"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


def is_uscc(code: str) -> bool:
    """True when ``code`` is a valid 统一社会信用代码."""
    return uscc_problem(code) is None


def _org_code(digits: np.ndarray) -> list[str]:
    """GB 11714 organisation codes from rows of 8 digits (0–9)."""
    total = (digits * np.array(_ORG_WEIGHTS)).sum(axis=1)
    check = 11 - total % 11
    chars = np.where(check == 10, "X", np.where(check == 11, "0", check.astype(str)))
    bodies = ["".join(map(str, row)) for row in digits]
    return [b + c for b, c in zip(bodies, chars, strict=True)]


def generate_uscc(
    rng: np.random.Generator, region_codes: np.ndarray, category: str = "91"
) -> np.ndarray:
    """Generate valid 统一社会信用代码 for enterprises registered in ``region_codes``.

    Parameters
    ----------
    rng
        Seeded generator.
    region_codes
        6-digit county codes, one per code to generate.
    category
        Registration authority and type: ``91`` enterprise, ``92`` individual
        business, ``93`` farmers' cooperative.

    Returns
    -------
    numpy.ndarray
        Codes as Python strings (object array). Duplicates are possible in
        principle (1 in 10^8 per pair within a region); callers de-duplicate.
    """
    n = len(region_codes)
    orgs = _org_code(rng.integers(0, 10, size=(n, 8)))
    out = np.empty(n, dtype=object)
    for i, (region, org) in enumerate(zip(region_codes, orgs, strict=True)):
        body = f"{category}{region}{org}"
        out[i] = body + uscc_check_char(body)
    return out


# --- 居民身份证号码 ----------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")  # not \d: it matches full-width digits


def id_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(ch) * w for ch, w in zip(body, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_number_problem(code: str, today: dt.date | None = None) -> str | None:
    """Why ``code`` is not a valid 居民身份证号码, or ``None`` when it is.

    Examples
    --------
    >>> id_number_problem("11010519491231002X") is None
    True
    """
    if not isinstance(code, str) or len(code) != 18:
        return "must be 18 characters"
    if not _ID_RE.match(code):
        return "must be 17 digits and a digit or X"
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return f"birth date {code[6:14]} is not a date"
    if born.year < 1900 or born > (today or dt.date.today()):
        return f"birth date {born.isoformat()} is out of range"
    expected = id_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


def is_id_number(code: str) -> bool:
    """True when ``code`` is a valid 居民身份证号码."""
    return id_number_problem(code) is None


def generate_id_numbers(
    rng: np.random.Generator,
    region_codes: np.ndarray,
    birth_dates: np.ndarray,
    male: np.ndarray,
) -> np.ndarray:
    """Generate valid 居民身份证号码.

    Parameters
    ----------
    rng
        Seeded generator.
    region_codes
        6-digit county codes of the place of registration.
    birth_dates
        ``datetime64[D]`` birth dates.
    male
        Booleans; the sequence number is odd for men, even for women.

    Returns
    -------
    numpy.ndarray
        ID numbers as Python strings (object array).
    """
    n = len(region_codes)
    seq = rng.integers(0, 500, size=n) * 2 + np.asarray(male, dtype=int)
    births = np.datetime_as_string(np.asarray(birth_dates, dtype="datetime64[D]"))
    out = np.empty(n, dtype=object)
    for i in range(n):
        body = f"{region_codes[i]}{births[i].replace('-', '')}{seq[i]:03d}"
        out[i] = body + id_check_char(body)
    return out


# --- vectorised checks ------------------------------------------------------
# Most identifiers are valid: validation checks them all at once with numpy and
# calls the per-value functions above (which explain what is wrong) only for the rest.

_USCC_PATTERN = r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}"
_ID_PATTERN = r"[0-9]{17}[0-9X]"
_USCC_BYTE_VALUE = np.full(256, 0, dtype=np.int64)
_USCC_BYTE_VALUE[[ord(ch) for ch in USCC_ALPHABET]] = np.arange(len(USCC_ALPHABET))
_ID_CHECK_BYTES = np.frombuffer(ID_CHECK.encode("ascii"), dtype=np.uint8)


def _as_bytes(codes: pd.Series, width: int) -> np.ndarray:
    """ASCII codes of exactly ``width`` characters as a (n, width) uint8 matrix."""
    joined = "".join(codes.tolist()).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, width)


def valid_uscc_mask(codes: pd.Series) -> np.ndarray:
    """True where a code is a valid 统一社会信用代码 (same rule as :func:`uscc_problem`).

    Parameters
    ----------
    codes
        Codes as strings (anything else is converted with ``astype(str)``).

    Returns
    -------
    numpy.ndarray
        Booleans aligned with ``codes`` by position.
    """
    text = codes.astype(str)
    shaped = text.str.fullmatch(_USCC_PATTERN).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(text), dtype=bool)
    if shaped.any():
        values = _USCC_BYTE_VALUE[_as_bytes(text[shaped], 18)]
        total = values[:, :17] @ np.asarray(USCC_WEIGHTS)
        out[shaped] = values[:, 17] == (31 - total % 31) % 31
    return out


def valid_id_mask(codes: pd.Series, today: dt.date) -> np.ndarray:
    """True where a code is a valid 居民身份证号码 (same rule as :func:`id_number_problem`).

    Parameters
    ----------
    codes
        Codes as strings (anything else is converted with ``astype(str)``).
    today
        Latest allowed birth date.

    Returns
    -------
    numpy.ndarray
        Booleans aligned with ``codes`` by position.
    """
    text = codes.astype(str)
    shaped = text.str.fullmatch(_ID_PATTERN).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(text), dtype=bool)
    if shaped.any():
        sel = text[shaped]
        digits = _as_bytes(sel, 18)
        total = (digits[:, :17].astype(np.int64) - 48) @ np.asarray(ID_WEIGHTS)
        check_ok = digits[:, 17] == _ID_CHECK_BYTES[total % 11]
        born = pd.to_datetime(sel.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        born_ok = (born.dt.year >= 1900) & (born <= pd.Timestamp(today))
        out[shaped] = check_ok & born_ok.fillna(False).to_numpy(dtype=bool)
    return out


# --- statistical division codes --------------------------------------------

# Matched with fullmatch: "$" would accept a trailing newline. [0-9], not \d or
# str.isdigit, which accept full-width and other Unicode digits.
_REGION_RE = re.compile(r"[1-8][0-9]{5}")
_DIVISION_RE = re.compile(r"[0-9]{9}|[0-9]{12}")


def region_code_problem(code: str) -> str | None:
    """Why ``code`` is not a 6-digit 行政区划代码, or ``None``."""
    if not isinstance(code, str) or not _REGION_RE.fullmatch(code):
        return "must be 6 digits starting 1–8"
    return None


def division_code_problem(code: str) -> str | None:
    """Why ``code`` is not a 9-digit (township) or 12-digit (village) 统计用区划代码."""
    if not isinstance(code, str) or not _DIVISION_RE.fullmatch(code):
        return "must be a 9-digit township or 12-digit village code"
    return region_code_problem(code[:6])


def subject_id_problem(
    subject_id: str, subject_type: str, today: dt.date | None = None
) -> str | None:
    """Why ``subject_id`` is not a valid identifier for ``subject_type``.

    The rule is the declared :class:`IdRule` of the type in the active registry
    (``features/definitions/types.py`` or a scheme folder). ``today`` bounds the
    birth date of an ID number (default: today's date).
    """
    from features import registry  # at call time: the registry imports the declarations

    types = registry.active().subject_types()
    if subject_type not in types:
        return f"unknown subject type {subject_type!r}"
    return types[subject_type].id_problem(subject_id, today)


def party_id_problem(party_id: str, today: dt.date | None = None) -> str | None:
    """Why ``party_id`` is neither a valid USCC nor a valid ID number, or ``None``.

    A record may be about an enterprise or a person (a legal representative,
    a household head, a driver); an 18-character identifier is checked as
    an ID number when it is all digits (with a final X), else as a USCC.
    ``today`` bounds the birth date of an ID number (default: today's date).
    """
    if isinstance(party_id, str) and _ID_RE.match(party_id):
        problem = id_number_problem(party_id, today)
        if problem is None or is_uscc(party_id):
            return None
        return f"not a valid 居民身份证号码: {problem}"
    problem = uscc_problem(party_id)
    return None if problem is None else f"not a valid 统一社会信用代码: {problem}"


def mask_id(code: str | None) -> str | None:
    """Mask a personal ID for display: keep the region and the last two characters.

    Anything shaped like an ID number is masked, even when its check character
    or birth date is wrong (a mistyped ID is still personal data), unless it is
    a valid USCC that is not a valid ID number. USCCs and division codes are
    public and returned unchanged.

    >>> mask_id("11010519491231002X")
    '110105**********2X'
    """
    if is_personal_id(code):
        return code[:6] + "*" * 10 + code[-2:]  # type: ignore[index]
    return code


def is_personal_id(code: object) -> bool:
    """True when ``code`` is shaped like a 居民身份证号码 (:func:`mask_id` masks it).

    A mistyped ID (wrong check character or birth date) counts: it is still
    personal data. A valid USCC that is not a valid ID number does not.
    """
    if not isinstance(code, str) or not _ID_RE.match(code):
        return False
    return id_number_problem(code) is None or not is_uscc(code)


# --- declared identifier rules ---------------------------------------------

_ID_KINDS = ("uscc", "id_number", "division")
_DIVISION_LENGTHS = {9: ("乡镇", "township"), 12: ("村", "village")}


@dataclass(frozen=True)
class IdRule:
    """Which identifier a subject type carries (declared with the type).

    Attributes
    ----------
    kind
        ``uscc`` (统一社会信用代码, GB 32100), ``id_number`` (居民身份证号码,
        GB 11643) or ``division`` (统计用区划代码).
    prefixes
        Accepted leading characters, e.g. ``("5",)`` for social organisations
        (51/52/53: 社会团体, 民办非企业单位, 基金会) or ``("93",)`` for farmers'
        co-operatives; empty accepts any.
    length
        Digits of a division code: 9 (township) or 12 (village).
    """

    kind: Literal["uscc", "id_number", "division"]
    prefixes: tuple[str, ...] = ()
    length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in _ID_KINDS:
            raise ValueError(f"IdRule kind {self.kind!r} is not one of {', '.join(_ID_KINDS)}")
        if self.kind == "division" and self.length not in _DIVISION_LENGTHS:
            raise ValueError(f"a division IdRule needs length 9 or 12, got {self.length!r}")
        if self.kind != "division" and self.length is not None:
            raise ValueError(f"length applies to division codes only, not {self.kind!r}")

    @property
    def person(self) -> bool:
        """True for a personal identifier (masked on every masked path, never prefix-found)."""
        return self.kind == "id_number"

    def problem(self, code: str, today: dt.date | None = None, label_zh: str = "") -> str | None:
        """Why ``code`` does not follow the rule, or ``None`` (English; see :func:`problem_zh`).

        ``label_zh`` names the subject type in a wrong-prefix message.
        """
        if self.kind == "division":
            assert self.length is not None
            ok = isinstance(code, str) and len(code) == self.length
            if not ok:
                return f"must be a {self.length}-digit {_DIVISION_LENGTHS[self.length][1]} code"
            return division_code_problem(code)
        if self.kind == "uscc":
            found = uscc_problem(code)
            name = "统一社会信用代码"
        else:
            found = id_number_problem(code, today)
            name = "居民身份证号码"
        if found is not None:
            return f"not a valid {name}: {found}"
        if self.prefixes and not code.startswith(self.prefixes):
            whose = f"a {label_zh}" if label_zh else "this subject type"
            return (
                f"the {name} of {whose} begins with {'/'.join(self.prefixes)}, "
                f"not {code[: max(len(p) for p in self.prefixes)]}"
            )
        return None

    def describe(self, lang: str = "zh") -> str:
        """The rule in words, for the schema and the catalogue."""
        zh = lang == "zh"
        if self.kind == "division":
            assert self.length is not None
            place_zh, place_en = _DIVISION_LENGTHS[self.length]
            if zh:
                return f"{self.length}位统计用区划代码（{place_zh}）"
            return f"{self.length}-digit statistical division code ({place_en})"
        if self.kind == "uscc":
            text = (
                "统一社会信用代码（GB 32100，18位）"
                if zh
                else "统一社会信用代码 (USCC, GB 32100, 18 characters)"
            )
        else:
            text = (
                "居民身份证号码（GB 11643，18位）"
                if zh
                else "居民身份证号码 (ID number, GB 11643, 18 characters)"
            )
        if self.prefixes:
            alts = ("或" if zh else " or ").join(self.prefixes)
            text += f"，以 {alts} 开头" if zh else f", beginning with {alts}"
        return text


USCC = IdRule("uscc")
ID_NUMBER = IdRule("id_number")
DIVISION9 = IdRule("division", length=9)
DIVISION12 = IdRule("division", length=12)


def valid_mask(rule: IdRule, codes: pd.Series, today: dt.date) -> np.ndarray:
    """True where a code follows ``rule`` (the same rule as :meth:`IdRule.problem`), vectorised.

    Parameters
    ----------
    rule
        The declared identifier rule.
    codes
        Codes as strings (anything else is converted with ``astype(str)``).
    today
        Latest allowed birth date of an ID number.

    Returns
    -------
    numpy.ndarray
        Booleans aligned with ``codes`` by position.
    """
    text = codes.astype(str)
    if rule.kind == "division":
        pattern = f"[1-8][0-9]{{{(rule.length or 0) - 1}}}"
        return text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    out = valid_uscc_mask(text) if rule.kind == "uscc" else valid_id_mask(text, today)
    if rule.prefixes:
        out &= text.str.startswith(rule.prefixes).fillna(False).to_numpy(dtype=bool)
    return out


# --- problems in Chinese -----------------------------------------------------

# The problem texts above in Chinese, for quarantine reasons a steward reads on a
# Chinese page. Kept beside the texts they translate; a text not listed is returned
# as written (a test walks every problem the functions above can give).
_PROBLEMS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"must be 18 characters", "应为18位"),
        (r"characters not allowed in GB 32100: (?P<c>.*)", "含有 GB 32100 不允许的字符：{c}"),
        (r"positions 3–8 must be the 6-digit region code", "第3–8位应为6位行政区划代码"),
        (r"check character is (?P<a>.*), expected (?P<b>.*)", "校验码为 {a}，应为 {b}"),
        (r"must be 17 digits and a digit or X", "应为17位数字加1位数字或X"),
        (r"birth date (?P<d>.*) is not a date", "出生日期 {d} 不是有效日期"),
        (r"birth date (?P<d>.*) is out of range", "出生日期 {d} 超出合理范围"),
        (r"must be 6 digits starting 1–8", "应为以1–8开头的6位数字"),
        (r"must be a 9-digit township or 12-digit village code", "应为9位乡镇代码或12位村代码"),
        (r"must be a 12-digit village code", "应为12位村代码"),
        (r"must be a 9-digit township code", "应为9位乡镇代码"),
        (r"unknown subject type (?P<t>.*)", "未知的主体类型 {t}"),
        (
            r"the (?P<n>统一社会信用代码|居民身份证号码) of a (?P<t>.*) begins with (?P<p>.*), "
            r"not (?P<g>.*)",
            "{t}的{n}以 {p} 开头，实为 {g}",
        ),
        (
            r"the (?P<n>统一社会信用代码|居民身份证号码) of this subject type begins with "
            r"(?P<p>.*), not (?P<g>.*)",
            "该类主体的{n}以 {p} 开头，实为 {g}",
        ),
        (r"not a valid 统一社会信用代码: (?P<p>.*)", "不是有效的统一社会信用代码：{p}"),
        (r"not a valid 居民身份证号码: (?P<p>.*)", "不是有效的居民身份证号码：{p}"),
    )
)


def problem_zh(problem: str) -> str:
    """An identifier problem of this module (English) in Chinese.

    >>> problem_zh("not a valid 居民身份证号码: must be 18 characters")
    '不是有效的居民身份证号码：应为18位'
    """
    for pattern, zh in _PROBLEMS_ZH:
        found = pattern.fullmatch(problem)
        if found:
            parts = found.groupdict()
            if "p" in parts:
                parts["p"] = problem_zh(parts["p"])
            return zh.format(**parts)
    return problem
