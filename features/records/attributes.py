"""Declared subject attributes in a subjects file, and their rows in ``subject_attributes``.

A subject type may declare attributes beyond the fixed ``subjects`` columns
(:class:`features.declare.AttributeDecl`, e.g. a tour guide's ``profession``).
A subjects file carries them as extra columns, headed by the attribute's name
or either label. A value is checked against the row's type: a string attribute
with ``choices`` accepts only those, a number attribute only a number. A
column that no type declares keeps today's behaviour (read as an ignored
column), and a value in a column the row's type does not declare is ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from features import registry
from features.declare import AttributeDecl
from features.store.base import Store

#: ``(mask, column, values, message)`` as :class:`features.records.validate._Problems` adds them.
Finding = tuple[pd.Series, str, pd.Series, Callable[[str, int], tuple[str, str]]]


def declared() -> dict[str, dict[str, AttributeDecl]]:
    """Subject type → attribute name → its declaration, for the types declaring any."""
    return {
        key: {a.name: a for a in t.attributes}
        for key, t in registry.active().subject_types().items()
        if t.attributes
    }


def attribute_names() -> tuple[str, ...]:
    """Every declared attribute name, in declaration order."""
    return tuple(dict.fromkeys(n for attrs in declared().values() for n in attrs))


def header_aliases(key: Callable[[str], str]) -> dict[str, str]:
    """Header spelling (compared with ``key``) → attribute name: the name and both labels."""
    out: dict[str, str] = {}
    for attrs in declared().values():
        for a in attrs.values():
            for spelling in (a.name, a.label_en, a.label_zh):
                out.setdefault(key(spelling), a.name)
    return out


def _number(text: pd.Series) -> pd.Series:
    folded = text.map(lambda v: unicodedata.normalize("NFKC", v) if v else v)
    return pd.to_numeric(folded.where(folded != ""), errors="coerce")


def findings(text: dict[str, pd.Series], stype: pd.Series) -> list[Finding]:
    """Problems of the declared attribute columns in ``text`` for rows of type ``stype``.

    Parameters
    ----------
    text
        Stripped string columns of the chunk by name (attribute columns among them).
    stype
        Each row's subject type code, aligned with ``text``.
    """
    out: list[Finding] = []
    types = registry.active().subject_types()
    for key, attrs in declared().items():
        of_type = stype == key
        label = types[key].label_zh
        for name, a in attrs.items():
            if name not in text:
                continue
            s = text[name]
            given = of_type & (s != "")
            if a.choices:
                out.append((given & ~s.isin(a.choices), name, s, _not_a_choice(a, key, label)))
            elif a.dtype == "number":
                out.append((given & _number(s).isna(), name, s, _not_a_number(a, key, label)))
    return out


def _not_a_choice(a: AttributeDecl, key: str, label: str) -> Callable[[str, int], tuple[str, str]]:
    return lambda v, _p: (
        f"{label}的{a.label_zh}“{v}”不是可接受的值，应为：{'、'.join(a.choices)}",
        f"{a.name} {v!r} is not one of {', '.join(a.choices)} (an attribute of {key})",
    )


def _not_a_number(a: AttributeDecl, key: str, label: str) -> Callable[[str, int], tuple[str, str]]:
    return lambda v, _p: (
        f"{label}的{a.label_zh}“{v}”不是数字",
        f"{a.name} {v!r} is not a number (an attribute of {key})",
    )


def long_rows(
    text: dict[str, pd.Series], stype: pd.Series, row_numbers: np.ndarray, good: np.ndarray
) -> pd.DataFrame:
    """The declared attribute values of the good rows, as ``subject_attributes`` rows.

    Parameters
    ----------
    text
        The chunk's stripped string columns by name (``subject_id`` and the
        attribute columns among them), aligned by position.
    stype
        Each row's subject type code, aligned by position.
    row_numbers
        Each row's number in the file.
    good
        Booleans: the rows that passed validation.

    Returns
    -------
    pandas.DataFrame
        ``row_number, subject_id, name, value_text, value_num`` in file order
        (the version is set when the row is stored).
    """
    parts = []
    types = stype.to_numpy()
    for key, attrs in declared().items():
        for name, a in attrs.items():
            if name not in text:
                continue
            values = text[name].to_numpy()
            keep = good & (types == key) & (values != "")
            if not keep.any():
                continue
            kept = pd.Series(values[keep], dtype=object)
            number = a.dtype == "number"
            parts.append(
                pd.DataFrame(
                    {
                        "row_number": row_numbers[keep],
                        "subject_id": text["subject_id"].to_numpy()[keep],
                        "name": name,
                        "value_text": None if number else kept,
                        "value_num": _number(kept).to_numpy() if number else np.nan,
                    }
                )
            )
    columns = {
        "row_number": pd.Series([], dtype=np.int64),
        "subject_id": pd.Series([], dtype=object),
        "name": pd.Series([], dtype=object),
        "value_text": pd.Series([], dtype=object),
        "value_num": pd.Series([], dtype=float),
    }
    if not parts:
        return pd.DataFrame(columns)
    out = pd.concat(parts, ignore_index=True).astype({"value_num": float})
    return out.sort_values(["row_number", "name"], kind="stable").reset_index(drop=True)


def changed(store: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """The attribute rows that change a value: the rest repeat the current one.

    Each row is compared with the value before it: the previous row of the same
    subject and attribute in ``rows``, else the latest stored one.
    """
    if rows.empty:
        return rows
    incoming = rows.assign(_i=np.arange(len(rows)))
    same_as_stored = store.query(
        """
        WITH latest AS (
            SELECT * FROM subject_attributes
            WHERE subject_id IN (SELECT subject_id FROM incoming)
            QUALIFY row_number() OVER (
                PARTITION BY subject_id, name ORDER BY version_from DESC
            ) = 1
        )
        SELECT i._i FROM incoming AS i
        JOIN latest AS l ON l.subject_id = i.subject_id AND l.name = i.name
        WHERE l.value_text IS NOT DISTINCT FROM i.value_text
          AND l.value_num IS NOT DISTINCT FROM i.value_num
        """,
        frames={"incoming": incoming},
    )["_i"].to_numpy()
    keys = [rows["subject_id"].to_numpy(), rows["name"].to_numpy()]
    previous = pd.Series(np.arange(len(rows))).groupby(keys).shift(1).fillna(-1)
    previous = previous.to_numpy().astype(np.int64)
    text = rows["value_text"].fillna("\0").to_numpy()
    num = rows["value_num"].fillna(np.inf).to_numpy()
    before = np.maximum(previous, 0)
    repeats = np.where(
        previous >= 0,
        (text == text[before]) & (num == num[before]),
        np.isin(np.arange(len(rows)), same_as_stored),
    )
    return rows[~repeats]
