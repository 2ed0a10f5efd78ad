"""The measures catalogue (措施清单): frozen measures and the catalogue that holds them.

A catalogue is reviewed configuration: the shipped file
(``scoring/measures/catalogue.toml``, package data) or a version a steward saved
(:mod:`scoring.measures.versions`). :mod:`scoring.measures.checks` turns plain
data (TOML or JSON) into a :class:`Catalogue` or refuses it naming every problem;
:meth:`Catalogue.to_data` gives the plain data back, so a catalogue round-trips
through JSON unchanged and its SHA-256 identifies its content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from scoring.measures.vocabulary import WHILE_LISTED


@dataclass(frozen=True)
class Basis:
    """Where a measure comes from (设定依据).

    Attributes
    ----------
    document
        The law, regulation, policy or memorandum that sets the measure
        (``《中华人民共和国政府采购法》第二十二条``); required for a punishment
        (国办发〔2020〕49号: no punishment without a basis), may be empty for a reward.
    text
        What it says, in short.
    source
        Where this catalogue took it from (``seed 002 第八条``, ``DOMAIN.md §Measures``).
    """

    document: str
    text: str
    source: str


@dataclass(frozen=True)
class Measure:
    """One reward or punishment measure.

    Attributes
    ----------
    id
        Stable identifier, ``R-…`` for a reward, ``P-…`` for a punishment.
    name_zh, name_en
        Its name.
    type
        ``reward`` or ``punishment``.
    force
        ``mandatory`` (强制性) or ``recommended`` (推荐性), seed 002 #17.
    basis
        Its 设定依据 (:class:`Basis`).
    initiating, implementing
        Departments that initiate it (decide who is listed) and apply it (发起/实施部门).
    triggers
        Trigger expressions of the vocabulary; the measure applies when any holds.
    matters
        The matters (事项) it applies to.
    reaches
        Whom it reaches: ``subject`` and, for a firm, ``legal_representative``,
        ``principal``, ``responsible_persons`` (seed 002 #12).
    duration_months
        惩戒期限 in months, or ``None`` for as long as the trigger holds.
    note_zh, note_en
        Optional remark.
    """

    id: str
    name_zh: str
    name_en: str
    type: str
    force: str
    basis: Basis
    initiating: tuple[str, ...]
    implementing: tuple[str, ...]
    triggers: tuple[str, ...]
    matters: tuple[str, ...]
    reaches: tuple[str, ...]
    duration_months: int | None
    note_zh: str = ""
    note_en: str = ""

    def name(self, lang: str = "zh") -> str:
        """The measure's name in ``lang``."""
        return self.name_zh if lang == "zh" else self.name_en

    def to_data(self) -> dict[str, Any]:
        """Plain data, as in the catalogue file."""
        data: dict[str, Any] = {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "type": self.type,
            "force": self.force,
            "basis": {
                "document": self.basis.document,
                "text": self.basis.text,
                "source": self.basis.source,
            },
            "initiating": list(self.initiating),
            "implementing": list(self.implementing),
            "triggers": list(self.triggers),
            "matters": list(self.matters),
            "reaches": list(self.reaches),
            "duration": WHILE_LISTED if self.duration_months is None else self.duration_months,
        }
        if self.note_zh:
            data["note_zh"] = self.note_zh
        if self.note_en:
            data["note_en"] = self.note_en
        return data


@dataclass(frozen=True)
class Catalogue:
    """The measures, in file order, and the catalogue's title."""

    title: str
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure | None:
        """The measure called ``measure_id``, or ``None``."""
        return next((m for m in self.measures if m.id == measure_id), None)

    def to_data(self) -> dict[str, Any]:
        """Plain data (``title`` and ``measures``): what :func:`parse_catalogue` reads."""
        return {"title": self.title, "measures": [m.to_data() for m in self.measures]}

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): what a saved version stores and hashes."""
        return json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        """SHA-256 of :meth:`to_json`: the same content has the same digest, whatever its file."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()
