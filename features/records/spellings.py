"""Accepted spellings of coded values: the code, its Chinese label, its English label.

Departments write coded columns the way their own systems print them: a record
kind as 行政处罚, a severity as 一般, a scale as 小型, a status as 存续. The store
keeps the codes (``administrative_penalty``, ``general``, ``small``, ``active``),
so ingestion turns every accepted spelling into its code before validation, the
same way :func:`features.records.readers.header_aliases` accepts the Chinese
headers. Spellings are compared after Unicode NFKC normalisation (full-width
letters and brackets fold to ASCII), trimming and case folding. A value that
matches no spelling is left as written, for validation to quarantine.

The labels come from :mod:`features.records.values` and the record-kind and
department catalogue (:mod:`features.records.kinds`); nothing here declares a
new name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache

import pandas as pd

from features import registry
from features.records.kinds import all_departments, all_kinds
from features.records.values import (
    COLUMN_VALUES,
    DOMAINS,
    KIND_VALUES,
    SUBJECT_STATUSES,
    Labels,
)

__all__ = [
    "canonical_codes",
    "canonical_kind_values",
    "choices_text",
    "code_labels",
    "coded_columns",
    "spelling_key",
]


def spelling_key(text: object) -> str:
    """The form spellings are compared in: NFKC, no BOM, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().casefold()


def _kind_labels() -> Labels:
    return {k: (v.label_zh, v.label_en) for k, v in all_kinds().items()}


def _department_labels() -> Labels:
    return {k: (d.label_zh, d.label_en) for k, d in all_departments().items()}


def coded_columns() -> Mapping[tuple[str, str], Labels]:
    """(table, column) → the labels of its codes, for every coded column a file may spell.

    Record kinds, departments and subject types include the declared ones of the
    active registry, so a declared type's Chinese label is accepted on ingest.
    """
    return {
        ("records", "kind"): _kind_labels(),
        ("records", "severity"): COLUMN_VALUES["severity"],
        ("records", "polarity"): COLUMN_VALUES["polarity"],
        ("records", "domain"): DOMAINS,
        ("records", "source_dept"): _department_labels(),
        ("subjects", "subject_type"): COLUMN_VALUES["subject_type"],
        ("subjects", "industry"): COLUMN_VALUES["industry"],
        ("subjects", "scale"): COLUMN_VALUES["scale"],
        ("subjects", "licence_class"): COLUMN_VALUES["licence_class"],
        ("subjects", "status"): SUBJECT_STATUSES,
    }


def code_labels(table: str, column: str) -> Labels:
    """The labels of a coded column's codes (empty for a column that is not coded)."""
    return coded_columns().get((table, column), {})


def _aliases(labels: Labels, where: str) -> dict[str, str]:
    """Every spelling of every code → the code; a spelling of two codes is an error."""
    out: dict[str, str] = {}
    for code, (zh, en) in labels.items():
        for spelling in (code, zh, en):
            key = spelling_key(spelling)
            if out.setdefault(key, code) != code:
                raise ValueError(f"{where}: {spelling!r} spells both {out[key]!r} and {code!r}")
    return out


@cache
def _column_aliases(table: str, column: str) -> dict[str, str]:
    return _aliases(code_labels(table, column), f"{table}.{column}")


registry.on_change(_column_aliases.cache_clear)  # declared types and kinds change the spellings


@cache
def _kind_value_aliases(kind: str) -> dict[str, str]:
    return _aliases(KIND_VALUES.get(kind, {}), f"value_text of {kind}")


def _changes(values: pd.Series, lookup: Mapping[str, str]) -> dict[str, str]:
    """The distinct values that spell a code differently → that code (few per column)."""
    out = {}
    for v in pd.unique(values.to_numpy()):
        code = lookup.get(spelling_key(v)) if isinstance(v, str) and v else None
        if code is not None and code != v:
            out[v] = code
    return out


def _replace(values: pd.Series, changes: Mapping[str, str]) -> pd.Series:
    if not changes:  # the usual case: the department wrote codes
        return values
    hit = values.isin(list(changes)).to_numpy()
    out = values.copy()
    out[hit] = values[hit].map(changes)
    return out


def canonical_codes(values: pd.Series, table: str, column: str) -> pd.Series:
    """``values`` with every accepted spelling of a code replaced by the code.

    Empty strings and values that spell no code are returned as they are.
    """
    lookup = _column_aliases(table, column)
    if not lookup or values.empty:
        return values
    return _replace(values, _changes(values, lookup))


@cache
def _all_value_codes() -> frozenset[str]:
    return frozenset(code for labels in KIND_VALUES.values() for code in labels)


# a declared kind brings its value labels (RecordKind.value_labels): they change with the registry
registry.on_change(_kind_value_aliases.cache_clear)
registry.on_change(_all_value_codes.cache_clear)


def canonical_kind_values(values: pd.Series, kinds: pd.Series) -> pd.Series:
    """``value_text`` with each kind's accepted spellings replaced by the code.

    ``kinds`` are already codes; a kind without declared values keeps its text.
    """
    codes = _all_value_codes()
    odd = [v for v in pd.unique(values.to_numpy()) if v and v not in codes]
    if not odd:  # every value is empty or some kind's code: nothing to spell out
        return values
    rows = values.isin(odd).to_numpy()
    out = values.copy()
    for kind in pd.unique(kinds[rows].to_numpy()):
        if kind not in KIND_VALUES:
            continue
        these = rows & (kinds == kind).to_numpy()
        changes = _changes(values[these], _kind_value_aliases(str(kind)))
        if changes:
            out[these] = values[these].map(lambda v, c=changes: c.get(v, v))
    return out


def choices_text(labels: Labels, codes: tuple[str, ...] | None = None) -> tuple[str, str]:
    """The accepted values in words, ``(Chinese, English)``.

    Chinese lists the labels only (``轻微、一般``: a code is an English word on a Chinese
    page), English the codes with their Chinese labels (``minor=轻微, general=一般``); ``codes``
    limits and orders the list (default: every code of ``labels``).
    """
    keys = codes if codes is not None else tuple(labels)
    zh = "、".join(labels[c][0] if c in labels else c for c in keys)
    en = ", ".join(f"{c}={labels[c][0]}" if c in labels and labels[c][0] != c else c for c in keys)
    return zh, en
