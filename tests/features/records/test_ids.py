"""Identifiers: 统一社会信用代码 (GB 32100) and 居民身份证号码 (GB 11643).

The reference implementations below are written from the standards' formulas
(weights derived as powers, not copied from the module) so that a wrong weight
table in ``features/records/ids.py`` cannot agree with itself.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from features.records import ids
from features.records.ids import (
    division_code_problem,
    generate_id_numbers,
    generate_uscc,
    id_number_problem,
    is_id_number,
    is_uscc,
    mask_id,
    party_id_problem,
    region_code_problem,
    subject_id_problem,
    uscc_problem,
    valid_id_mask,
    valid_uscc_mask,
)
from features.records.regions import COUNTIES

# --- independent reference implementations --------------------------------

REF_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FORBIDDEN_USCC_LETTERS = "IOZSV"
ID_ALPHABET = "0123456789X"


def ref_uscc_check(body: str) -> str:
    """GB 32100: weight of position i is 3**i mod 31; check = (31 - sum mod 31) mod 31."""
    assert len(body) == 17
    total = sum(REF_USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return REF_USCC_ALPHABET[(31 - total % 31) % 31]


def ref_id_check(body: str) -> str:
    """ISO 7064 MOD 11-2, recursive form: p = 2 (p + d) mod 11; check c with p + c ≡ 1."""
    assert len(body) == 17 and body.isdigit()
    p = 0
    for ch in body:
        p = (p + int(ch)) * 2 % 11
    c = (12 - p) % 11
    return "X" if c == 10 else str(c)


def ref_org_check(body: str) -> str:
    """GB 11714: weight of position i (1..8) is 2**(9 - i) mod 11; 10 → X, 11 → 0."""
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in body]
    total = sum(v * pow(2, 9 - i, 11) for i, v in enumerate(values, start=1))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def test_reference_weights_match_the_published_tables() -> None:
    # The power forms above are the tables DOMAIN.md prints.
    uscc_weights = "1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28"
    id_weights = "7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2"
    assert [pow(3, i, 31) for i in range(17)] == [int(w) for w in uscc_weights.split()]
    assert [pow(2, 17 - i, 11) for i in range(17)] == [int(w) for w in id_weights.split()]
    assert ref_uscc_check("91110000600037341") == "L"
    assert ref_uscc_check("91350100M000100Y4") == "3"
    assert ref_id_check("11010519491231002") == "X"


def with_uscc_check(body: str) -> str:
    return body + ref_uscc_check(body)


def with_id_check(body: str) -> str:
    return body + ref_id_check(body)


# --- known examples -------------------------------------------------------

VALID_USCC = "91110000600037341L"
INVALID_USCC = "91350100M000100Y4Z"
VALID_ID = "11010519491231002X"


def test_domain_examples() -> None:
    assert uscc_problem(VALID_USCC) is None
    assert is_uscc(VALID_USCC)
    assert id_number_problem(VALID_ID) is None
    assert is_id_number(VALID_ID)


def test_invalid_uscc_example_names_the_expected_check_character() -> None:
    problem = uscc_problem(INVALID_USCC)
    assert problem is not None
    assert "'3'" in problem and "expected" in problem
    assert not is_uscc(INVALID_USCC)
    assert is_uscc(INVALID_USCC[:17] + "3")


def test_check_character_functions_agree_with_reference() -> None:
    assert ids.uscc_check_char(VALID_USCC[:17]) == "L"
    assert ids.uscc_check_char(INVALID_USCC[:17]) == "3"
    assert ids.id_check_char(VALID_ID[:17]) == "X"
    rng = np.random.default_rng(11)
    for _ in range(300):
        body = (
            "".join(rng.choice(list(REF_USCC_ALPHABET), 2))
            + "".join(rng.choice(list("0123456789"), 6))
            + "".join(rng.choice(list(REF_USCC_ALPHABET), 9))
        )
        assert ids.uscc_check_char(body) == ref_uscc_check(body), body
        digits = "".join(rng.choice(list("0123456789"), 17))
        assert ids.id_check_char(digits) == ref_id_check(digits), digits


# --- malformed codes ------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["", VALID_USCC[:17], VALID_USCC + "0", VALID_USCC * 2, None, 91110000600037341]
)
def test_uscc_wrong_length_or_type(code: object) -> None:
    problem = uscc_problem(code)  # type: ignore[arg-type]
    assert problem is not None and "18" in problem


@pytest.mark.parametrize(
    "code", ["", VALID_ID[:17], VALID_ID + "1", "1101051949123100", None, 110105194912310021]
)
def test_id_wrong_length_or_type(code: object) -> None:
    problem = id_number_problem(code)  # type: ignore[arg-type]
    assert problem is not None and "18" in problem


@pytest.mark.parametrize("letter", list(FORBIDDEN_USCC_LETTERS))
@pytest.mark.parametrize("position", [0, 1, 9, 12, 16])
def test_uscc_forbidden_letters(letter: str, position: int) -> None:
    code = VALID_USCC[:position] + letter + VALID_USCC[position + 1 :]
    problem = uscc_problem(code)
    assert problem is not None
    assert letter in problem


def test_uscc_region_part_must_be_digits() -> None:
    code = with_uscc_check("91A10000600037341")
    problem = uscc_problem(code)
    assert problem is not None and "region" in problem


def test_uscc_lowercase_is_invalid() -> None:
    assert uscc_problem(VALID_USCC.lower()) is not None
    assert uscc_problem(VALID_USCC[:17] + "l") is not None


def test_id_lowercase_x_is_invalid() -> None:
    assert id_number_problem(VALID_ID[:17] + "x") is not None
    assert not is_id_number(VALID_ID.lower())


def test_id_x_only_in_last_position() -> None:
    assert id_number_problem("X" + VALID_ID[1:]) is not None
    assert id_number_problem(VALID_ID[:10] + "X" + VALID_ID[11:]) is not None


@pytest.mark.parametrize(
    "birth",
    [
        "19490230",  # 30 February
        "19491331",  # month 13
        "19490001",  # month 0
        "19490100",  # day 0
        "19010229",  # not a leap year
        "18991231",  # before 1900
    ],
)
def test_id_bad_birth_dates(birth: str) -> None:
    code = with_id_check("110105" + birth + "002")  # right check: only the date is wrong
    problem = id_number_problem(code)
    assert problem is not None
    assert "birth date" in problem


def test_id_birth_date_in_the_future() -> None:
    code = with_id_check("110105" + "20300101" + "002")
    assert id_number_problem(code, today=dt.date(2029, 12, 31)) is not None
    assert id_number_problem(code, today=dt.date(2030, 1, 1)) is None


def test_id_leap_day_is_a_date() -> None:
    assert id_number_problem(with_id_check("110105" + "20000229" + "002")) is None


# --- the check-digit property: every single-character error is detected ----


def _uscc_corruptions(code: str):
    for pos in range(18):
        for ch in REF_USCC_ALPHABET + FORBIDDEN_USCC_LETTERS + "a-":
            if ch != code[pos]:
                yield pos, code[:pos] + ch + code[pos + 1 :]


def _id_corruptions(code: str):
    for pos in range(18):
        for ch in ID_ALPHABET + "xA":
            if ch != code[pos]:
                yield pos, code[:pos] + ch + code[pos + 1 :]


def _valid_usccs() -> list[str]:
    rng = np.random.default_rng(3)
    regions = np.array([c.code for c in COUNTIES])
    generated = list(generate_uscc(rng, rng.choice(regions, 5)))
    return [VALID_USCC, INVALID_USCC[:17] + "3", *generated]


def _valid_ids() -> list[str]:
    rng = np.random.default_rng(4)
    regions = np.array([c.code for c in COUNTIES])
    births = np.array(
        ["1960-02-29", "1975-07-01", "1988-12-31", "2001-01-09", "1949-10-01"],
        dtype="datetime64[D]",
    )
    generated = list(generate_id_numbers(rng, rng.choice(regions, 5), births, [1, 0, 1, 0, 1]))
    return [VALID_ID, *generated]


@pytest.mark.parametrize("code", _valid_usccs())
def test_every_single_substitution_of_a_uscc_is_detected(code: str) -> None:
    assert is_uscc(code)
    missed = [(pos, bad) for pos, bad in _uscc_corruptions(code) if is_uscc(bad)]
    assert missed == []


@pytest.mark.parametrize("code", _valid_ids())
def test_every_single_substitution_of_an_id_is_detected(code: str) -> None:
    assert is_id_number(code)
    missed = [(pos, bad) for pos, bad in _id_corruptions(code) if is_id_number(bad)]
    assert missed == []


@pytest.mark.parametrize("code", _valid_usccs() + _valid_ids())
def test_every_adjacent_transposition_is_detected(code: str) -> None:
    valid = is_uscc if is_uscc(code) else is_id_number
    for pos in range(17):
        a, b = code[pos], code[pos + 1]
        if a != b:
            swapped = code[:pos] + b + a + code[pos + 2 :]
            assert not valid(swapped), (code, swapped)


def test_reference_and_module_agree_on_random_codes() -> None:
    """Random codes: valid exactly when the reference check matches."""
    rng = np.random.default_rng(5)
    regions = [c.code for c in COUNTIES]
    n = 2000
    firsts = rng.choice(list("9N15"), n)
    county = rng.choice(regions, (2, n))
    tails = rng.choice(list(REF_USCC_ALPHABET), (n, 10))
    seqs = rng.integers(0, 1000, n)
    id_lasts = rng.choice(list(ID_ALPHABET), n)
    valid = 0
    for i in range(n):
        body = f"{firsts[i]}1{county[0, i]}{''.join(tails[i, :9])}"
        code = body + tails[i, 9]
        assert is_uscc(code) == (tails[i, 9] == ref_uscc_check(body)), code
        valid += is_uscc(code)
        id_body = f"{county[1, i]}19800101{seqs[i]:03d}"
        assert is_id_number(id_body + id_lasts[i]) == (id_lasts[i] == ref_id_check(id_body))
    assert valid > 20  # about 1 in 31 drawn codes is valid


# --- generators -----------------------------------------------------------

N = 1000


def _uscc_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    regions = rng.choice(np.array([c.code for c in COUNTIES]), N)
    return regions, generate_uscc(rng, regions)


def _id_batch(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    regions = rng.choice(np.array([c.code for c in COUNTIES]), N)
    births = np.datetime64("1930-01-01") + rng.integers(0, 365 * 75, N).astype("timedelta64[D]")
    male = rng.random(N) < 0.5
    return regions, births, male, generate_id_numbers(rng, regions, births, male)


def test_generate_uscc_gives_valid_codes_in_the_right_region() -> None:
    regions, codes = _uscc_batch(2024)
    assert len(codes) == N
    for region, code in zip(regions, codes, strict=True):
        assert isinstance(code, str)
        assert uscc_problem(code) is None, code
        assert code[17] == ref_uscc_check(code[:17])
        assert code[:2] == "91"
        assert code[2:8] == region
        assert code[16] == ref_org_check(code[8:16]), code  # GB 11714 organisation code
    assert len(set(codes)) > N * 0.99


def test_generate_uscc_category() -> None:
    rng = np.random.default_rng(1)
    codes = generate_uscc(rng, np.array(["530302"] * 20), category="93")
    assert all(c.startswith("93530302") and is_uscc(c) for c in codes)


def test_generate_id_numbers_gives_valid_codes() -> None:
    regions, births, male, codes = _id_batch(2024)
    assert len(codes) == N
    for region, birth, is_male, code in zip(regions, births, male, codes, strict=True):
        assert isinstance(code, str)
        assert id_number_problem(code) is None, code
        assert code[17] == ref_id_check(code[:17])
        assert code[:6] == region
        assert code[6:14] == str(birth).replace("-", "")
        assert int(code[16]) % 2 == int(is_male), code
    assert 0.4 < male.mean() < 0.6


def test_generators_are_deterministic() -> None:
    assert list(_uscc_batch(7)[1]) == list(_uscc_batch(7)[1])
    assert list(_id_batch(7)[3]) == list(_id_batch(7)[3])
    assert list(_uscc_batch(7)[1]) != list(_uscc_batch(8)[1])
    assert list(_id_batch(7)[3]) != list(_id_batch(8)[3])


def test_generators_handle_empty_input() -> None:
    rng = np.random.default_rng(0)
    assert len(generate_uscc(rng, np.array([], dtype=str))) == 0
    empty_dates = np.array([], dtype="datetime64[D]")
    assert len(generate_id_numbers(rng, np.array([], dtype=str), empty_dates, [])) == 0


# --- subject and party identifiers ---------------------------------------

VILLAGE = "530302100201"
TOWNSHIP = "530302100"


@pytest.mark.parametrize(
    ("subject_id", "subject_type"),
    [
        (VALID_USCC, "enterprise"),
        (VALID_ID, "household"),
        (VALID_ID, "driver"),
        (VILLAGE, "village"),
        (TOWNSHIP, "township"),
    ],
)
def test_subject_id_valid(subject_id: str, subject_type: str) -> None:
    assert subject_id_problem(subject_id, subject_type) is None


@pytest.mark.parametrize(
    ("subject_id", "subject_type", "fragment"),
    [
        (INVALID_USCC, "enterprise", "统一社会信用代码"),
        (VALID_ID, "enterprise", "统一社会信用代码"),
        (VALID_USCC, "household", "居民身份证号码"),
        (VALID_ID[:17] + "1", "household", "居民身份证号码"),
        (VALID_ID[:17] + "x", "driver", "居民身份证号码"),
        (VALID_USCC, "driver", "居民身份证号码"),
        (TOWNSHIP, "village", "12"),
        (VILLAGE + "0", "village", "12"),
        ("53030210020A", "village", "12"),
        ("930302100201", "village", "6"),
        (VILLAGE, "township", "9"),
        ("53030210", "township", "9"),
        ("030302100", "township", "6"),
        (None, "village", "12"),
        (None, "enterprise", "18"),
        (VALID_USCC, "company", "unknown subject type"),
    ],
)
def test_subject_id_invalid(subject_id: str, subject_type: str, fragment: str) -> None:
    problem = subject_id_problem(subject_id, subject_type)
    assert problem is not None
    assert fragment in problem


def test_party_id_accepts_uscc_and_id_numbers() -> None:
    assert party_id_problem(VALID_USCC) is None
    assert party_id_problem(VALID_ID) is None
    _, codes = _uscc_batch(1)
    assert all(party_id_problem(c) is None for c in codes[:100])
    assert all(party_id_problem(c) is None for c in _id_batch(1)[3][:100])


def test_party_id_accepts_an_all_digit_uscc() -> None:
    body = next(
        b for b in (f"9111000060003734{d}" for d in range(10)) if ref_uscc_check(b).isdigit()
    )
    code = body + ref_uscc_check(body)
    assert code.isdigit() and is_uscc(code) and not is_id_number(code)
    assert party_id_problem(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (INVALID_USCC, "统一社会信用代码"),
        (VALID_ID[:17] + "1", "居民身份证号码"),
        (with_id_check("110105" + "19490230" + "002"), "居民身份证号码"),
        ("", "18"),
        (None, "18"),
    ],
)
def test_party_id_rejects(code: str, fragment: str) -> None:
    problem = party_id_problem(code)
    assert problem is not None
    assert fragment in problem


# --- today ----------------------------------------------------------------

BORN_2030 = with_id_check("110105" + "20300101" + "002")


def test_party_and_subject_checks_take_today() -> None:
    before, on = dt.date(2029, 12, 31), dt.date(2030, 1, 1)
    for problem in (
        lambda t: party_id_problem(BORN_2030, t),
        lambda t: subject_id_problem(BORN_2030, "household", t),
        lambda t: subject_id_problem(BORN_2030, "driver", today=t),
    ):
        assert "out of range" in (problem(before) or "")
        assert problem(on) is None


# --- division codes --------------------------------------------------------

FULL_WIDTH = str.maketrans({d: chr(ord(d) + 0xFEE0) for d in "0123456789"})


@pytest.mark.parametrize("code", [TOWNSHIP, VILLAGE])
def test_division_codes_must_be_ascii_digits(code: str) -> None:
    assert division_code_problem(code) is None
    for bad in (
        code.translate(FULL_WIDTH),  # all full-width
        code[:-1] + code[-1].translate(FULL_WIDTH),  # one full-width digit
        code[:-1] + "٣",  # Arabic-Indic three: str.isdigit() is True
        code[:-1] + "²",  # superscript two: str.isdigit() is True
        code + "\n",
    ):
        assert bad[:-1].isdigit() or bad.isdigit() or bad.endswith("\n")
        assert division_code_problem(bad) is not None, bad
    subject_type = "township" if len(code) == 9 else "village"
    assert subject_id_problem(code.translate(FULL_WIDTH), subject_type) is not None


def test_region_codes_must_be_ascii_digits_without_a_trailing_newline() -> None:
    assert region_code_problem("530302") is None
    assert region_code_problem("530302".translate(FULL_WIDTH)) is not None
    assert region_code_problem("530302\n") is not None


# --- vectorised checks -----------------------------------------------------

MASK_TODAY = dt.date(2026, 11, 22)


def _mask_cases(seed: int, n: int) -> list[object]:
    """``n`` codes: valid USCCs and ID numbers and many ways of breaking them."""
    rng = np.random.default_rng(seed)
    regions = np.array([c.code for c in COUNTIES])
    usccs = list(generate_uscc(rng, rng.choice(regions, n)))
    births = np.datetime64("1890-01-01") + rng.integers(0, 365 * 145, n).astype("timedelta64[D]")
    people = list(generate_id_numbers(rng, rng.choice(regions, n), births, rng.random(n) < 0.5))
    noise = REF_USCC_ALPHABET + FORBIDDEN_USCC_LETTERS + "xal-* 中"
    out: list[object] = []
    for i in range(n):
        code = usccs[i] if i % 2 else people[i]
        how = int(rng.integers(0, 12))
        pos = int(rng.integers(0, 18))
        if how == 1:  # one character replaced by anything
            code = code[:pos] + str(rng.choice(list(noise))) + code[pos + 1 :]
        elif how == 2:  # one digit made full-width
            code = code[:pos] + code[pos].translate(FULL_WIDTH) + code[pos + 1 :]
        elif how == 3 and pos < 17:  # adjacent transposition
            code = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
        elif how == 4:  # too short or too long
            code = code[:pos] if rng.random() < 0.5 else code + code[: pos + 1]
        elif how == 5:  # lower case
            code = code.lower()
        elif how == 6:  # impossible or out-of-range birth date, right check character
            date = str(rng.choice(["19490230", "20011301", "18991231", "20301231", "00000101"]))
            code = with_id_check(people[i][:6] + date + people[i][14:17])
        elif how == 7:  # an all-digit body with the right USCC check character
            body = "9" + "".join(rng.choice(list("0123456789"), 16))
            code = with_uscc_check(body)
        elif how == 8:  # whitespace around or inside
            code = str(rng.choice([" ", "\t", "\n"])).join([code[:pos], code[pos:]])
        elif how == 9:  # random letters and digits
            code = "".join(rng.choice(list(noise), int(rng.integers(0, 20))))
        out.append(code)
    return [*out, None, "", "None", "nan", 91110000600037341, VALID_USCC, VALID_ID]


def test_vectorised_checks_agree_with_the_explaining_functions() -> None:
    codes = _mask_cases(seed=2026, n=2000)
    # a non-default index: the masks align by position
    series = pd.Series(codes, index=np.arange(len(codes)) * 3 + 7, dtype=object)
    expected_uscc = np.array([uscc_problem(c) is None for c in codes])  # type: ignore[arg-type]
    expected_id = np.array(
        [id_number_problem(c, MASK_TODAY) is None for c in codes]  # type: ignore[arg-type]
    )
    # both outcomes of both checks are exercised, and codes valid as both (all digits)
    assert 350 < expected_uscc.sum() < 700 and 200 < expected_id.sum() < 450
    assert (~expected_uscc & ~expected_id).sum() > 800
    assert (expected_uscc & expected_id).any()
    got_uscc, got_id = valid_uscc_mask(series), valid_id_mask(series, MASK_TODAY)
    assert got_uscc.dtype == bool and got_uscc.shape == (len(codes),)
    np.testing.assert_array_equal(got_uscc, expected_uscc)
    np.testing.assert_array_equal(got_id, expected_id)
    as_strings = pd.Series([c for c in codes if isinstance(c, str)], dtype="string")
    np.testing.assert_array_equal(
        valid_id_mask(as_strings, MASK_TODAY),
        [id_number_problem(c, MASK_TODAY) is None for c in as_strings],
    )


def test_vectorised_id_check_takes_today() -> None:
    series = pd.Series([BORN_2030, VALID_ID])
    assert valid_id_mask(series, dt.date(2029, 12, 31)).tolist() == [False, True]
    assert valid_id_mask(series, dt.date(2030, 1, 1)).tolist() == [True, True]


def test_vectorised_checks_of_nothing() -> None:
    empty = pd.Series([], dtype=object)
    assert valid_uscc_mask(empty).shape == (0,)
    assert valid_id_mask(empty, MASK_TODAY).shape == (0,)


# --- masking --------------------------------------------------------------


def test_mask_hides_the_birth_date_of_an_id_number() -> None:
    masked = mask_id(VALID_ID)
    assert masked is not None
    assert len(masked) == 18
    assert masked.startswith("110105")
    assert "19491231" not in masked
    assert masked[6:14] == "*" * 8
    assert masked == "110105**********2X"


def test_mask_hides_generated_id_numbers() -> None:
    _, births, _, codes = _id_batch(9)
    for birth, code in zip(births[:200], codes[:200], strict=True):
        masked = mask_id(code)
        assert masked != code
        assert str(birth).replace("-", "") not in masked[6:]


def test_mask_hides_mistyped_id_numbers() -> None:
    # A wrong check digit or impossible date is still someone's personal ID.
    for code in (VALID_ID[:17] + "1", with_id_check("110105" + "19490230" + "002")):
        assert not is_id_number(code)
        masked = mask_id(code)
        assert masked is not None and masked[6:14] == "*" * 8, masked


def test_mask_leaves_public_codes_unchanged() -> None:
    assert mask_id(VALID_USCC) == VALID_USCC
    _, codes = _uscc_batch(3)
    assert all(mask_id(c) == c for c in codes[:200])
    assert mask_id(VILLAGE) == VILLAGE
    assert mask_id(TOWNSHIP) == TOWNSHIP
    assert mask_id(None) is None
    assert mask_id("") == ""


def test_every_identifier_problem_reads_in_chinese() -> None:
    import re

    from features.records.ids import (
        division_code_problem,
        problem_zh,
        region_code_problem,
        subject_id_problem,
    )

    today = dt.date(2026, 11, 22)
    problems = [
        uscc_problem("123"),
        uscc_problem("91110000600037341I"[:17] + "I"),  # I is outside the alphabet
        uscc_problem("91ABCDEF600037341L"),
        uscc_problem("91110000600037341X"),
        id_number_problem("123", today),
        id_number_problem("11010519491231002A", today),
        id_number_problem("110105194913310021", today),
        id_number_problem("110105180001010021", today),
        id_number_problem("110105194912310021", today),
        region_code_problem("99"),
        division_code_problem("12"),
        subject_id_problem("1234567890", "village", today),
        subject_id_problem("12345", "township", today),
        subject_id_problem("x", "alien", today),
        subject_id_problem("123", "enterprise", today),
        subject_id_problem("123", "driver", today),
    ]
    assert all(problems), problems
    for problem in problems:
        zh = problem_zh(problem)
        assert zh != problem and re.search(r"[\u4e00-\u9fff]", zh), (problem, zh)
    assert problem_zh("something new") == "something new"


# --- declared identifier rules (IdRule) -------------------------------------------

SOCIAL_ORG = ids.IdRule("uscc", prefixes=("5",))
RULES = (
    ids.USCC,
    ids.ID_NUMBER,
    ids.DIVISION9,
    ids.DIVISION12,
    SOCIAL_ORG,
    ids.IdRule("uscc", prefixes=("93", "N")),
)


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_valid_mask_agrees_with_the_rule_s_problem(rule: ids.IdRule) -> None:
    divisions = ["110105001", "110105001001", "910105001", "11010500100", "1101050010011"]
    divisions += ["１10105001", "110105001\n", "11010500100X", "000000001"]
    usccs = [with_uscc_check("5" + VALID_USCC[1:17]), with_uscc_check("93" + VALID_USCC[2:17])]
    codes = [c for c in _mask_cases(seed=18, n=600) if isinstance(c, str)]
    codes += divisions + usccs
    expected = [rule.problem(c, MASK_TODAY) is None for c in codes]
    assert any(expected) and not all(expected)
    got = ids.valid_mask(rule, pd.Series(codes, dtype=object), MASK_TODAY)
    np.testing.assert_array_equal(got, expected)


def test_a_wrong_uscc_prefix_names_the_type_and_the_expected_start() -> None:
    firm = VALID_USCC  # a valid enterprise code, 91…
    problem = SOCIAL_ORG.problem(firm, label_zh="社会组织")
    assert problem == "the 统一社会信用代码 of a 社会组织 begins with 5, not 9"
    assert ids.problem_zh(problem) == "社会组织的统一社会信用代码以 5 开头，实为 9"
    social = with_uscc_check("5" + VALID_USCC[1:17])
    assert SOCIAL_ORG.problem(social) is None
    # a broken code is reported as broken first, whatever its prefix
    assert SOCIAL_ORG.problem(firm[:17] + "0").startswith("not a valid 统一社会信用代码: check")


def test_rules_say_what_they_accept_in_both_languages() -> None:
    assert ids.USCC.describe("zh") == "统一社会信用代码（GB 32100，18位）"
    assert SOCIAL_ORG.describe("zh").endswith("以 5 开头")
    assert SOCIAL_ORG.describe("en").endswith("beginning with 5")
    assert ids.DIVISION12.describe("zh") == "12位统计用区划代码（村）"
    assert ids.ID_NUMBER.person and not ids.USCC.person and not ids.DIVISION9.person


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "passport"}, "is not one of"),
        ({"kind": "division"}, "needs length 9 or 12"),
        ({"kind": "division", "length": 6}, "needs length 9 or 12"),
        ({"kind": "uscc", "length": 9}, "division codes only"),
    ],
)
def test_bad_rules_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ids.IdRule(**kwargs)
