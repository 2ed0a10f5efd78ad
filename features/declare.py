"""Declarations of rated subject types and their attributes (DESIGN.md §3).

A new kind of rated subject (tour guides, social organisations…) is declared
with a :class:`SubjectType` in a declaration module, not edited into the
schema, the validators and the label tables: those read the declarations of
the active registry (:mod:`features.registry`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from features.records.ids import IdRule

_DTYPES = ("string", "number")
#: Keys and attribute names go into SQL and file headers: plain snake_case only.
_KEY = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class AttributeDecl:
    """An attribute a subject type carries beyond the fixed ``subjects`` columns.

    Stored in the long table ``subject_attributes`` (one row per subject,
    version and attribute); a subjects file may carry it as an extra column.

    Attributes
    ----------
    name
        Column name in a subjects file (snake_case).
    dtype
        ``string`` (stored in ``value_text``) or ``number`` (``value_num``).
    label_zh, label_en
        Labels.
    choices
        Accepted values of a ``string`` attribute; empty accepts any.
    choice_labels
        ``(value, Chinese, English)`` for the choices, so that a page or report shows
        ``导游``, not the stored code ``tour_guide``; a choice without one is shown as stored.
    """

    name: str
    dtype: Literal["string", "number"]
    label_zh: str
    label_en: str
    choices: tuple[str, ...] = ()
    choice_labels: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.name):
            raise ValueError(f"attribute name {self.name!r} must be snake_case ([a-z][a-z0-9_]*)")
        if self.dtype not in _DTYPES:
            raise ValueError(
                f"attribute {self.name}: dtype {self.dtype!r} is not one of {', '.join(_DTYPES)}"
            )
        if self.choices and self.dtype != "string":
            raise ValueError(f"attribute {self.name}: choices apply to string attributes only")
        stray = [v for v, *_ in self.choice_labels if v not in self.choices]
        if stray:
            raise ValueError(f"attribute {self.name}: choice_labels name no choice: {stray}")

    def value_label(self, value: str, lang: str = "zh") -> str:
        """A stored value as a reader sees it: its choice label in ``lang``, else the value."""
        for v, zh, en in self.choice_labels:
            if v == value:
                return zh if lang == "zh" else en
        return value


@dataclass(frozen=True)
class SubjectType:
    """A kind of rated subject: its identifier rule, labels and declared attributes.

    Attributes
    ----------
    key
        Code stored in ``subjects.subject_type``.
    label_zh, label_en
        Labels (the Chinese label is also accepted on ingest for the code).
    identifier
        The identifier rule; a type identified by a 居民身份证号码 is a person
        (masked, never completed from a prefix).
    attributes
        Declared attributes (:class:`AttributeDecl`).
    links
        Links to other subjects this type declares (``features.links.Link``).
    label_en_long, label_zh_long
        Longer labels for reports ("Road-transport driver"); default the short ones.
    """

    key: str
    label_zh: str
    label_en: str
    identifier: IdRule
    attributes: tuple[AttributeDecl, ...] = ()
    links: tuple[Any, ...] = ()
    label_en_long: str = ""
    label_zh_long: str = ""

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"subject type key {self.key!r} must be snake_case ([a-z][a-z0-9_]*)")
        names = [a.name for a in self.attributes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"subject type {self.key}: duplicate attributes {dup}")

    @property
    def person(self) -> bool:
        """True when the identifier is a personal ID number."""
        return self.identifier.person

    def long_label(self, lang: str = "zh") -> str:
        """The report label: the long one when declared, else the short one."""
        if lang == "zh":
            return self.label_zh_long or self.label_zh
        return self.label_en_long or self.label_en

    def attribute(self, name: str) -> AttributeDecl:
        """The declared attribute called ``name``."""
        for a in self.attributes:
            if a.name == name:
                return a
        raise KeyError(f"subject type {self.key} has no attribute {name!r}")

    def id_problem(self, code: str, today: dt.date | None = None) -> str | None:
        """Why ``code`` is not an identifier of this type, or ``None``."""
        return self.identifier.problem(code, today, self.label_zh)
