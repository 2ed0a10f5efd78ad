"""Validation of department rows for ``records`` and ``subjects`` (pure, no I/O).

A chunk arrives as strings (empty string = missing) indexed by the row's line
number in the file. :func:`validate_chunk` returns the good rows typed per
:mod:`features.records.schema` and, for every bad row, *all* its problems as
``{column, value, problem}`` with a problem text a steward can act on.

Checks run column by column over the whole chunk (pandas string operations,
vectorised date and number parsing); identifiers are checked with numpy
first, and only the invalid ones, once per distinct value, by the functions
of :mod:`features.records.ids` that explain what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features import registry
from features.records import attributes
from features.records.csv_files import EXTRA_FIELDS
from features.records.ids import (
    DIVISION9,
    DIVISION12,
    id_number_problem,
    is_uscc,
    party_id_problem,
    problem_zh,
    region_code_problem,
    subject_id_problem,
    uscc_problem,
    valid_id_mask,
    valid_mask,
    valid_uscc_mask,
)
from features.records.kinds import PARTY_ENTERPRISE, PARTY_PERSON, all_kinds
from features.records.schema import POLARITIES, SEVERITIES, TABLES
from features.records.spellings import (
    canonical_codes,
    canonical_kind_values,
    choices_text,
    code_labels,
)
from features.records.values import KIND_VALUES

Problem = dict[str, str]
#: A problem text in Chinese and English; a plain string is used for both.
Text = str | tuple[str, str]

#: Columns a file may not set: ingestion fills them.
SET_BY_INGEST: frozenset[str] = frozenset({"ingest_id", "recorded_at"})
#: Tables this module validates.
VALIDATED_TABLES: tuple[str, ...] = ("records", "subjects")
#: Required columns that validation fills when the file leaves them out.
FILLED_FROM_KIND: frozenset[str] = frozenset({"domain", "polarity"})


def domains() -> tuple[str, ...]:
    """The business domains of the record kinds (built in and declared)."""
    return tuple(dict.fromkeys(k.domain for k in all_kinds().values()))


_REQUIRED_EMPTY = ("必填项为空", "required field is empty")
# C0 control characters (and DEL) other than tab, line feed and carriage return: a
# value holding one is damaged (a NUL from a binary export, an escape sequence)
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Dates that are window ends may lie in the future; all others may not.
_FUTURE_ALLOWED = frozenset({"valid_until"})
# (later column, earlier column): the later one may not be before the earlier one.
_RECORD_ORDER = (
    ("published_on", "event_date"),
    ("decided_on", "event_date"),
    ("valid_until", "event_date"),
)
_NON_NEGATIVE = frozenset(
    {
        "amount",
        "registered_capital",
        "household_size",
        "labour_count",
        "land_mu",
        "assets_value",
        "annual_income",
    }
)
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"


def business_columns(table: str) -> tuple[str, ...]:
    """Columns of ``table`` a file provides (all but those ingestion sets)."""
    return tuple(c for c in TABLES[table].column_names if c not in SET_BY_INGEST)


def required_columns(table: str, dept: str | None = None) -> tuple[str, ...]:
    """Columns a file for ``table`` must have.

    Non-nullable columns, except those ingestion sets (``ingest_id``,
    ``recorded_at``), those filled from the record kind (``domain``,
    ``polarity``) and ``source_dept`` when a department is given.
    """
    _check_table(table)
    skip = set(SET_BY_INGEST) | (set(FILLED_FROM_KIND) if table == "records" else set())
    if dept:
        skip.add("source_dept")
    return tuple(c for c in TABLES[table].required if c not in skip)


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of validating one chunk.

    Attributes
    ----------
    clean
        Good rows, typed per the schema (dates ``datetime64[s]``, floats,
        nullable ints, strings with NA for missing), all business columns in
        schema order, indexed by row number.
    rejected
        Bad rows exactly as read (strings), indexed by row number.
    problems
        Row number → every problem of that row, in column order.
    attributes
        Subjects only: the good rows' declared attribute values (extra columns
        of the file), ``row_number, subject_id, name, value_text, value_num``.
    """

    clean: pd.DataFrame
    rejected: pd.DataFrame
    problems: dict[int, list[Problem]]
    attributes: pd.DataFrame | None = None


class _Problems:
    """Collects problems column by column, vectorised."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self,
        mask: pd.Series | np.ndarray,
        column: str,
        values: pd.Series,
        message: Text | Callable[[str, int], Text],
    ) -> None:
        """Record ``message`` for the rows in ``mask``.

        ``message`` is a constant or a function of (value, position) called
        only for the flagged rows; either gives ``(Chinese, English)`` (or one
        text for both).
        """
        flags = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
        if not flags.any():
            return
        positions = np.flatnonzero(flags)
        vals = [str(v) for v in values.to_numpy()[positions]]
        if callable(message):
            texts = [_pair(message(v, p)) for v, p in zip(vals, positions, strict=True)]
        else:
            texts = [_pair(message)] * len(positions)
        self.parts.append(
            pd.DataFrame(
                {
                    "pos": positions,
                    "column": column,
                    "value": vals,
                    "problem": [en for _, en in texts],
                    "problem_zh": [zh for zh, _ in texts],
                }
            )
        )

    def by_position(self) -> dict[int, list[Problem]]:
        if not self.parts:
            return {}
        allp = pd.concat(self.parts, ignore_index=True).sort_values("pos", kind="stable")
        out: dict[int, list[Problem]] = {}
        for pos, column, value, problem, zh in allp.itertuples(index=False):
            out.setdefault(int(pos), []).append(
                {"column": column, "value": value, "problem": problem, "problem_zh": zh}
            )
        return out


def _prefixed(prefix: tuple[str, str], problem: Text) -> tuple[str, str]:
    # the identifier checks of ids.py explain in English; problem_zh translates them
    zh, en = (problem_zh(problem), problem) if isinstance(problem, str) else problem
    return prefix[0] + zh, prefix[1] + en


def _extra_message(value: str, _pos: int) -> tuple[str, str]:
    n = value.count(",") + 1
    shown = value if len(value) <= 80 else value[:79] + "…"
    return (
        f"本行比表头多 {n} 个字段（多出：{shown}），请检查未加引号的逗号",
        f"the row has {n} more field(s) than the header (extra: {shown!r}); "
        "check for an unquoted comma",
    )


def _control_message(value: str, _pos: int) -> tuple[str, str]:
    found = re.search(_CONTROL, value)
    code = f"U+{ord(found.group()):04X}" if found else "?"
    return (f"含有控制字符 {code}（文件可能已损坏）", f"contains a control character {code}")


def _pair(text: Text) -> tuple[str, str]:
    return (text, text) if isinstance(text, str) else text


def _label(table: str, col: str) -> str:
    return TABLES[table].column(col).label_zh


def problem_text(problem: Problem) -> str:
    """One problem as a person reads it: Chinese first, then English."""
    zh, en = problem.get("problem_zh") or "", problem.get("problem") or ""
    return en if not zh or zh == en else f"{zh} / {en}"


# --- parsing helpers --------------------------------------------------------


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse ``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYYMMDD`` strings; NaT when not a date."""
    text = values.astype(str).str.replace("/", "-", regex=False)
    compact = text.str.fullmatch(r"\d{8}")
    text = text.where(
        ~compact, text.str.slice(0, 4) + "-" + text.str.slice(4, 6) + "-" + text.str.slice(6, 8)
    )
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    return parsed.astype("datetime64[s]")


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse decimal numbers (``1,234.5`` thousands separators allowed); NaN otherwise."""
    text = values.astype(str)
    grouped = text.str.fullmatch(_THOUSANDS)
    text = text.where(~grouped, text.str.replace(",", "", regex=False))
    # "0x10" and the like are not department numbers; to_numeric already rejects them
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


def _cached(fn: Callable[..., str | None], keys: pd.DataFrame) -> pd.Series:
    """Apply ``fn`` once per distinct row of ``keys``; result aligned with ``keys``."""
    if keys.empty:
        return pd.Series([], dtype=object, index=keys.index)
    distinct = keys.drop_duplicates()
    results = [fn(*row) for row in distinct.itertuples(index=False)]
    lookup = distinct.assign(_result=pd.Series(results, index=distinct.index, dtype=object))
    merged = keys.merge(lookup, how="left", on=list(keys.columns))
    return pd.Series(merged["_result"].to_numpy(), index=keys.index, dtype=object)


# --- shared checks -----------------------------------------------------------


class _Chunk:
    """Stripped string columns of a chunk and the problems found so far."""

    def __init__(self, frame: pd.DataFrame, table: str, today: dt.date) -> None:
        n = len(frame)
        self.table = table
        self.today = today
        self.today_ts = pd.Timestamp(today)
        self.problems = _Problems()
        self.text: dict[str, pd.Series] = {}
        empty = pd.Series([""] * n, dtype=str)
        for col in business_columns(table):
            if col in frame.columns:
                self.text[col] = (
                    frame[col].fillna("").astype(str).str.strip().reset_index(drop=True)
                )
            else:
                self.text[col] = empty
        if table == "subjects":  # declared attributes a subjects file carries as extra columns
            for col in attributes.attribute_names():
                if col in frame.columns and col not in self.text:
                    self.text[col] = (
                        frame[col].fillna("").astype(str).str.strip().reset_index(drop=True)
                    )
        self.typed: dict[str, pd.Series] = {}
        for col, s in self.text.items():
            damaged = s.str.contains(_CONTROL, regex=True)
            self.problems.add(damaged, col, s, _control_message)
        if EXTRA_FIELDS in frame.columns:  # a ragged CSV row, read record by record
            extra = frame[EXTRA_FIELDS].fillna("").astype(str).reset_index(drop=True)
            self.problems.add(extra != "", EXTRA_FIELDS, extra, _extra_message)

    def present(self, col: str) -> pd.Series:
        return self.text[col] != ""

    def required(self, cols: Iterable[str]) -> None:
        for col in cols:
            self.problems.add(~self.present(col), col, self.text[col], _REQUIRED_EMPTY)

    def coded(self, col: str) -> pd.Series:
        """Turn the accepted spellings of ``col``'s codes (行政处罚, 一般…) into the codes."""
        self.text[col] = canonical_codes(self.text[col], self.table, col)
        return self.text[col]

    def choice(self, col: str, choices: tuple[str, ...]) -> None:
        s = self.text[col]
        zh_list, en_list = choices_text(code_labels(self.table, col), choices)
        label = _label(self.table, col)
        self.problems.add(
            self.present(col) & ~s.isin(choices),
            col,
            s,
            lambda v, _p: (
                f"{label}“{v}”不是可接受的值，应为：{zh_list}",
                f"{col} {v!r} is not one of {', '.join(choices)} (accepted: {en_list})",
            ),
        )

    def dates(self, col: str) -> pd.Series:
        s = self.text[col]
        parsed = parse_dates(s)
        self.problems.add(
            self.present(col) & parsed.isna(),
            col,
            s,
            lambda v, _p: (
                f"“{v}”不是有效日期（应为“年-月-日”，如 2026-01-31）",
                f"date {v!r} is not a date (expected YYYY-MM-DD)",
            ),
        )
        if col not in _FUTURE_ALLOWED:
            today = self.today.isoformat()
            self.problems.add(
                parsed > self.today_ts,
                col,
                s,
                lambda _v, p: (
                    f"日期 {parsed.iat[p]:%Y-%m-%d} 晚于今天（{today}）",
                    f"date {parsed.iat[p]:%Y-%m-%d} is in the future (today is {today})",
                ),
            )
        self.typed[col] = parsed
        return parsed

    def numbers(self, col: str, *, whole: bool = False) -> pd.Series:
        s = self.text[col]
        parsed = parse_numbers(s)
        bad = self.present(col) & parsed.isna()
        self.problems.add(bad, col, s, lambda v, _p: (f"“{v}”不是数字", f"{v!r} is not a number"))
        if whole:
            # also bounds the value so that the cast to a 64-bit integer is safe
            self.problems.add(
                parsed.notna() & ((parsed != np.floor(parsed)) | (parsed.abs() > 1e15)),
                col,
                s,
                lambda v, _p: (f"“{v}”不是整数", f"{v!r} is not a whole number"),
            )
        if col in _NON_NEGATIVE:
            label = _label(self.table, col)
            self.problems.add(
                parsed < 0, col, s, lambda v, _p: (f"{label} {v} 为负数", f"{col} {v} is negative")
            )
        self.typed[col] = parsed
        return parsed

    def identifier(
        self,
        col: str,
        check: Callable[[str, str], Text | None],
        *,
        context: pd.Series | None = None,
        valid: np.ndarray | None = None,
        prefix: tuple[str, str] = ("", ""),
    ) -> None:
        """Flag identifiers in ``col`` for which ``check(context, code)`` gives a problem.

        ``valid`` marks codes already known to be valid (the vectorised fast
        path); ``check`` runs once per distinct (context, code) of the rest.
        """
        s = self.text[col]
        todo = self.present(col).to_numpy(dtype=bool, copy=True)
        if valid is not None:
            todo &= ~valid
        if not todo.any():
            return
        ctx = context if context is not None else pd.Series([""] * len(s), dtype=str)
        found = _cached(check, pd.DataFrame({"ctx": ctx[todo], "code": s[todo]}))
        messages = pd.Series(None, index=s.index, dtype=object)
        messages[todo] = found
        self.problems.add(
            messages.notna(),
            col,
            s,
            lambda _v, p: _prefixed(prefix, messages.iat[p]),
        )

    def order(self, later: str, earlier: str) -> None:
        a, b = self.typed[later], self.typed[earlier]
        self.problems.add(
            a < b,
            later,
            self.text[later],
            lambda _v, p: (
                f"{_label(self.table, later)} {a.iat[p]:%Y-%m-%d} 早于"
                f"{_label(self.table, earlier)} {b.iat[p]:%Y-%m-%d}",
                f"{later} {a.iat[p]:%Y-%m-%d} is before {earlier} {b.iat[p]:%Y-%m-%d}",
            ),
        )

    def result(self, frame: pd.DataFrame) -> ValidationResult:
        """Typed good rows, raw bad rows and problems keyed by row number."""
        by_pos = self.problems.by_position()
        bad = np.zeros(len(frame), dtype=bool)
        bad[list(by_pos)] = True
        columns: dict[str, pd.Series] = {}
        for col in business_columns(self.table):
            if col in self.typed:
                values = self.typed[col]
                if TABLES[self.table].column(col).dtype == "int":
                    values = values.round().astype("Int64")
            else:
                values = self.text[col].where(self.present(col))
            columns[col] = values.reset_index(drop=True)
        typed = pd.DataFrame(columns)
        typed.index = frame.index
        row_numbers = frame.index.to_numpy()
        problems = {int(row_numbers[pos]): items for pos, items in by_pos.items()}
        attrs = None
        if self.table == "subjects":
            attrs = attributes.long_rows(self.text, self.text["subject_type"], row_numbers, ~bad)
        return ValidationResult(typed[~bad], frame[bad], problems, attrs)


# --- records -----------------------------------------------------------------


def _party_problem(party: str, code: str, today: dt.date) -> Text | None:
    """Why ``code`` cannot identify a party of kind ``party`` (enterprise/person/any)."""
    if party == PARTY_ENTERPRISE:
        problem = uscc_problem(code)
        if problem is None:
            return None
        if id_number_problem(code, today) is None:
            return (
                "这是居民身份证号码，该信息类别只适用于企业（统一社会信用代码）",
                "a 居民身份证号码 where the kind needs a 统一社会信用代码 (enterprises only)",
            )
        return f"not a valid 统一社会信用代码: {problem}"
    if party == PARTY_PERSON:
        problem = id_number_problem(code, today)
        if problem is None:
            return None
        if is_uscc(code):
            return (
                "这是统一社会信用代码，该信息类别只适用于个人（居民身份证号码）",
                "a 统一社会信用代码 where the kind needs a 居民身份证号码 (persons only)",
            )
        return f"not a valid 居民身份证号码: {problem}"
    return party_id_problem(code, today)


def _kind_party_problem(kind_key: str, code: str, today: dt.date) -> Text | None:
    """Why ``code`` cannot be the subject of a record of kind ``kind_key``: its party's
    check, unless a declared subject type the kind also accepts takes the code."""
    rk = all_kinds().get(kind_key)
    problem = _party_problem(rk.party if rk is not None else "any", code, today)
    if problem is None or rk is None or not rk.also_types:
        return problem
    types = registry.active().subject_types()
    also = [types[t] for t in rk.also_types if t in types]
    if any(t.id_problem(code, today) is None for t in also):
        return None
    zh, en = problem if isinstance(problem, tuple) else (problem, problem)
    names_zh = "、".join(t.label_zh for t in also)
    names_en = ", ".join(t.label_en for t in also)
    return (
        f"{zh}；也可为{names_zh}的统一社会信用代码" if also else zh,
        f"{en}; or the code of a {names_en}" if also else en,
    )


def _kind_name(key: str) -> str:
    return all_kinds()[key].label_zh


def _validate_records(c: _Chunk, dept: str | None) -> None:
    t = c.text
    if dept:
        t["source_dept"] = t["source_dept"].where(c.present("source_dept"), dept)
    c.required(("record_id", "subject_id", "kind", "event_date", "published_on", "source_dept"))
    # departments write coded values in Chinese (行政处罚, 一般): store the codes
    for col in ("kind", "severity", "polarity", "domain", "source_dept"):
        c.coded(col)
    t["value_text"] = canonical_kind_values(t["value_text"], t["kind"])

    kind = t["kind"]
    known = kind.isin(all_kinds())
    kinds_zh, kinds_en = choices_text(code_labels("records", "kind"))
    c.problems.add(
        c.present("kind") & ~known,
        "kind",
        kind,
        lambda v, _p: (
            f"未知的信息类别“{v}”，应为以下之一：{kinds_zh}",
            f"unknown record kind {v!r}; expected a kind's code or Chinese name: {kinds_en}",
        ),
    )

    # subject_id: checked for the kind's party; unknown kinds accept either identifier
    party = kind.map({k: v.party for k, v in all_kinds().items()}).fillna("any").astype(str)
    uscc_ok = valid_uscc_mask(t["subject_id"])
    id_ok = valid_id_mask(t["subject_id"], c.today)
    c.identifier(
        "subject_id",
        lambda k, code: _kind_party_problem(k, code, c.today),
        context=kind.fillna("").astype(str),
        valid=np.select(
            [(party == PARTY_ENTERPRISE).to_numpy(), (party == PARTY_PERSON).to_numpy()],
            [uscc_ok, id_ok],
            uscc_ok | id_ok,
        ),
    )

    # severity: a known tier, allowed by the kind, present when the kind requires one
    sev = t["severity"]
    has_sev = c.present("severity")
    c.choice("severity", SEVERITIES)
    allowed = {f"{k}|{s}" for k, rk in all_kinds().items() for s in rk.severities}
    pair = kind + "|" + sev
    tier_labels = code_labels("records", "severity")

    def severity_message(v: str, p: int) -> tuple[str, str]:
        rk = all_kinds()[kind.iat[p]]
        if not rk.severities:
            return (
                f"{_kind_name(rk.key)}不分失信程度，失信程度应留空（填写的是“{v}”）",
                f"severity {v!r} given, but kind {rk.key!r} takes no severity",
            )
        zh, en = choices_text(tier_labels, rk.severities)
        return (
            f"{_kind_name(rk.key)}的失信程度不能是“{v}”，应为：{zh}",
            f"severity {v!r} is not allowed for kind {rk.key!r} ({en})",
        )

    c.problems.add(
        known & has_sev & sev.isin(SEVERITIES) & ~pair.isin(allowed),
        "severity",
        sev,
        severity_message,
    )
    needs = kind.isin([k for k, v in all_kinds().items() if v.severity_required])
    c.problems.add(
        needs & ~has_sev,
        "severity",
        sev,
        lambda _v, p: (
            f"{_REQUIRED_EMPTY[0]}：{_kind_name(kind.iat[p])}须填写失信程度，应为："
            f"{choices_text(tier_labels, all_kinds()[kind.iat[p]].severities)[0]}",
            f"{_REQUIRED_EMPTY[1]}: kind {kind.iat[p]!r} needs one of "
            f"{choices_text(tier_labels, all_kinds()[kind.iat[p]].severities)[1]}",
        ),
    )

    # value_text: one of the kind's declared values, when it declares them
    vt = t["value_text"]
    valued = {f"{k}|{v}" for k, rk in all_kinds().items() for v in rk.values}
    declares = kind.isin([k for k, v in all_kinds().items() if v.values])
    c.problems.add(
        declares & c.present("value_text") & ~(kind + "|" + vt).isin(valued),
        "value_text",
        vt,
        lambda v, p: _value_text_message(v, kind.iat[p]),
    )

    # polarity and domain: valid when given, else filled from the kind
    c.choice("polarity", POLARITIES)
    c.choice("domain", domains())
    by_value = {
        f"{k}|{v}": p for k, rk in all_kinds().items() for v, p in rk.polarity_by_value.items()
    }
    default = kind.map({k: v.polarity for k, v in all_kinds().items()})
    derived = (kind + "|" + vt).map(by_value).fillna(default).fillna("")
    t["polarity"] = t["polarity"].where(c.present("polarity"), derived)
    t["domain"] = t["domain"].where(
        c.present("domain"), kind.map({k: v.domain for k, v in all_kinds().items()}).fillna("")
    )

    for col in ("event_date", "decided_on", "published_on", "valid_until", "revoked_on"):
        c.dates(col)
    for later, earlier in _RECORD_ORDER:
        c.order(later, earlier)
    c.numbers("value_num")
    c.numbers("amount")


def _value_text_message(value: str, key: str) -> tuple[str, str]:
    zh, en = choices_text(KIND_VALUES.get(key, {}), all_kinds()[key].values)
    return (
        f"{_kind_name(key)}的文本值不能是“{value}”，应为：{zh}",
        f"value_text {value!r} is not one of {', '.join(all_kinds()[key].values)} "
        f"for kind {key!r} (accepted: {en})",
    )


# --- subjects ----------------------------------------------------------------


def _subject_id_problem(typ: str, code: str, today: dt.date) -> Text | None:
    """Why ``code`` is no identifier of a ``typ``, naming the type (declared types differ)."""
    problem = subject_id_problem(code, typ, today)
    declared = registry.active().subject_types().get(typ)
    if problem is None or declared is None:
        return problem
    zh = problem_zh(problem)
    if declared.label_zh in zh:  # a wrong-prefix message names the type already
        return problem
    return f"{zh}（主体类型：{declared.label_zh}）", f"{problem} (subject type {typ})"


def _validate_subjects(c: _Chunk) -> None:
    t = c.text
    c.required(("subject_id", "subject_type", "name", "region_code", "status"))
    for col in ("subject_type", "industry", "scale", "licence_class", "status"):
        c.coded(col)
    declared = registry.active().subject_types()
    c.choice("subject_type", tuple(declared))

    stype = t["subject_type"]
    sid = t["subject_id"]
    # one vectorised mask per declared identifier rule; the per-value check (which
    # explains) runs only on the rest. An unknown type is reported on subject_type:
    # its identifier cannot be judged, so it counts as valid here.
    valid = ~stype.isin(list(declared)).to_numpy()
    for rule in dict.fromkeys(t.identifier for t in declared.values()):
        of_rule = stype.isin([k for k, t in declared.items() if t.identifier == rule]).to_numpy()
        if of_rule.any():
            valid |= of_rule & valid_mask(rule, sid, c.today)
    c.identifier(
        "subject_id",
        lambda typ, code: _subject_id_problem(typ, code, c.today),
        context=stype,
        valid=valid,
    )
    for mask, col, values, message in attributes.findings(c.text, stype):
        c.problems.add(mask, col, values, message)
    c.identifier("region_code", lambda _c, v: region_code_problem(v))
    # division-code columns, not subject types: checked by their length directly
    c.identifier("township_code", lambda _c, v: DIVISION9.problem(v))
    c.identifier("village_code", lambda _c, v: DIVISION12.problem(v))
    for col in ("industry", "scale", "licence_class", "status"):
        c.choice(col, TABLES["subjects"].column(col).choices or ())
    for col in ("registered_capital", "land_mu", "assets_value", "annual_income"):
        c.numbers(col)
    for col in ("household_size", "labour_count"):
        c.numbers(col, whole=True)
    for col in ("established_on", "closed_on"):
        c.dates(col)
    c.identifier(
        "legal_rep_id",
        lambda _c, v: id_number_problem(v, c.today),
        valid=valid_id_mask(t["legal_rep_id"], c.today),
        prefix=("不是有效的居民身份证号码：", "not a valid 居民身份证号码: "),
    )
    c.identifier(
        "employer_id",
        lambda _c, v: uscc_problem(v),
        valid=valid_uscc_mask(t["employer_id"]),
        prefix=("不是有效的统一社会信用代码：", "not a valid 统一社会信用代码: "),
    )


# --- entry point -------------------------------------------------------------


def _check_table(table: str) -> None:
    if table not in VALIDATED_TABLES:
        raise ValueError(f"cannot validate table {table!r}; expected one of records, subjects")


def validate_chunk(
    frame: pd.DataFrame,
    table: str,
    *,
    dept: str | None = None,
    today: dt.date | None = None,
) -> ValidationResult:
    """Validate a chunk of rows read as strings.

    Parameters
    ----------
    frame
        Rows as read: string columns named after the table's columns (missing
        optional columns may be absent; unknown columns are ignored), indexed
        by row number. Not modified.
    table
        ``records`` or ``subjects``.
    dept
        Department key that fills an empty ``source_dept`` (records).
    today
        Dates after it are in the future (default: today's date).

    Returns
    -------
    ValidationResult
        Typed good rows, bad rows as read, and every problem of each bad row.
    """
    _check_table(table)
    chunk = _Chunk(frame, table, today or dt.date.today())
    if table == "records":
        _validate_records(chunk, dept)
    else:
        _validate_subjects(chunk)
    return chunk.result(frame)
