"""What a credit repair (信用修复) requires, per record kind and tier: configuration.

The texts and their sources are in ``repair_requirements.toml`` beside this module
(the NDRC 《信用修复管理办法》 2025 and the SAMR rules, DOMAIN.md sources 1, 2, 5–7); a
city passes its own file (settings ``[repair_plan] requirements``). No requirement is
written in code: :func:`load_requirements` reads a file and :meth:`RepairRequirements.rule`
picks the entry of a record.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: the shipped file (beside this module)
SHIPPED = "repair_requirements.toml"


@dataclass(frozen=True)
class RepairRule:
    """How one group of records is repaired.

    Attributes
    ----------
    kinds
        Record kinds (``"*"``: any).
    severities
        Tiers (empty: any).
    repairable
        False: the platform does not repair these records (a court list…); ``how_*`` says
        how they leave.
    how_zh, how_en
        One sentence: who repairs and when.
    steps
        What the subject must do, ``(zh, en)`` each.
    source
        The rule's source (document and article).
    """

    kinds: tuple[str, ...]
    severities: tuple[str, ...]
    repairable: bool
    how_zh: str
    how_en: str
    steps: tuple[tuple[str, str], ...]
    source: str

    def matches(self, kind: str, severity: str | None) -> bool:
        """Whether a record of ``kind`` and ``severity`` takes this entry."""
        kind_ok = "*" in self.kinds or kind in self.kinds
        return kind_ok and (not self.severities or severity in self.severities)


@dataclass(frozen=True)
class RepairRequirements:
    """The entries of a requirements file, in order (the first match wins)."""

    rules: tuple[RepairRule, ...]
    path: str = SHIPPED

    def rule(self, kind: str, severity: str | None) -> RepairRule | None:
        """The first entry a record of ``kind`` and ``severity`` matches (None: none)."""
        return next((r for r in self.rules if r.matches(kind, severity)), None)


def _rule(entry: dict, where: str) -> RepairRule:
    steps_zh, steps_en = list(entry.get("steps_zh", [])), list(entry.get("steps_en", []))
    if len(steps_zh) != len(steps_en):
        raise ValueError(f"{where}: steps_zh has {len(steps_zh)} steps, steps_en {len(steps_en)}")
    for key in ("kinds", "how_zh", "how_en", "source"):
        if not entry.get(key):
            raise ValueError(f"{where}: `{key}` is missing or empty")
    return RepairRule(
        kinds=tuple(entry["kinds"]),
        severities=tuple(entry.get("severities", [])),
        repairable=bool(entry.get("repairable", True)),
        how_zh=str(entry["how_zh"]),
        how_en=str(entry["how_en"]),
        steps=tuple(zip(steps_zh, steps_en, strict=True)),
        source=str(entry["source"]),
    )


def load_requirements(path: str | Path | None = None) -> RepairRequirements:
    """The requirements of ``path`` (default: the shipped file).

    Raises
    ------
    ValueError
        An entry without kinds, texts or source, or with unequal Chinese and English steps
        (the message names the file and the entry).
    """
    if path:
        text, name = Path(path).read_text(encoding="utf-8"), str(path)
    else:
        text, name = resources.files("scoring").joinpath(SHIPPED).read_text("utf-8"), SHIPPED
    data = tomllib.loads(text)
    rules = tuple(
        _rule(entry, f"{name} [[rules]] #{i + 1}") for i, entry in enumerate(data.get("rules", []))
    )
    return RepairRequirements(rules, name)
