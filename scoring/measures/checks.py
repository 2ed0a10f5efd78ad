"""Checking a measures catalogue: plain data in, a :class:`~scoring.measures.catalogue.Catalogue`
out, or every problem named.

:func:`parse_catalogue` refuses a catalogue with *every* problem found, each naming
the file, the entry, the field, the value and what was expected, in Chinese and
English (:class:`Problem`, :class:`CatalogueError`): an unknown trigger or matter, a
duplicate id, a reward triggered by a punishment list, a missing basis, a punishment
without a legal basis, a duration that is not positive …
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.measures.catalogue import Basis, Catalogue, Measure
from scoring.measures.vocabulary import (
    FORCES,
    MATTERS,
    MEASURE_TYPES,
    PUNISHING_TRIGGERS,
    REACHES,
    REWARDING_TRIGGERS,
    WHILE_LISTED,
    grade_side,
    trigger_problem,
)

#: ``P-PROC-01``: R (reward) or P (punishment), a code, a two-digit number.
ID_PATTERN = re.compile(r"^([RP])-[A-Z]{2,8}-\d{2}$")
SHIPPED = "scoring/measures/catalogue.toml"
_MEASURE_KEYS = {
    "id",
    "name_zh",
    "name_en",
    "type",
    "force",
    "basis",
    "initiating",
    "implementing",
    "triggers",
    "matters",
    "reaches",
    "duration",
    "note_zh",
    "note_en",
}
_BASIS_KEYS = {"document", "text", "source"}


@dataclass(frozen=True)
class Problem:
    """One defect of a catalogue: where, which field, what value, what was expected."""

    file: str
    entry: str
    field: str
    value: Any
    expected: str
    expected_zh: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field} = {self.value!r}: expected {self.expected}"

    def text(self, lang: str = "zh") -> str:
        """The problem in ``lang``: Chinese first (the English message when no Chinese)."""
        if lang != "zh":
            return str(self)
        entry = self.entry.replace("measure ", "措施 ").replace("(file)", "（文件）")
        entry = entry.replace("(version)", "（版本）")
        return (
            f"{self.file}：{entry}：字段 {self.field} = {self.value!r}："
            f"应为{self.expected_zh or self.expected}"
        )


class CatalogueError(ValueError):
    """A catalogue that cannot be used; ``problems`` lists every defect found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        head = f"{len(problems)} problem(s) in the measures catalogue"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


def _one_of_zh(allowed: dict) -> str:
    return "以下之一：" + "、".join(allowed)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


class _Checker:
    """Collects problems while one catalogue is parsed."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, entry: str, field: str, value: Any, expected: str, zh: str = "") -> None:
        self.problems.append(Problem(self.file, entry, field, value, expected, zh))

    def text(self, entry: str, data: dict, field: str) -> str:
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            self.add(entry, field, value, "a non-empty text", "非空文字")
            return ""
        return value.strip()

    def texts(self, entry: str, data: dict, field: str, allowed: dict | None = None) -> tuple:
        value = data.get(field)
        if not _texts(value) or not value:
            want = f"a non-empty list of {', '.join(allowed) if allowed else 'texts'}"
            zh = "非空列表" + (f"（取值：{'、'.join(allowed)}）" if allowed else "")
            self.add(entry, field, value, want, zh)
            return ()
        out = []
        for v in value:
            if allowed is not None and v not in allowed:
                self.add(entry, field, v, f"one of {', '.join(allowed)}", _one_of_zh(allowed))
            elif v in out:
                self.add(entry, field, v, "each value once", "每个值只出现一次")
            else:
                out.append(v.strip())
        return tuple(out)

    def choice(self, entry: str, data: dict, field: str, allowed: dict) -> str:
        value = data.get(field)
        if value not in allowed:
            self.add(entry, field, value, f"one of {', '.join(allowed)}", _one_of_zh(allowed))
            return ""
        return value


def _basis(ck: _Checker, entry: str, data: dict, kind: str) -> Basis:
    raw = data.get("basis")
    if not isinstance(raw, dict):
        ck.add(
            entry,
            "basis",
            raw,
            "a table with document, text and source (设定依据)",
            "设定依据表（document、text、source）",
        )
        return Basis("", "", "")
    for key in sorted(set(raw) - _BASIS_KEYS):
        ck.add(
            entry,
            f"basis.{key}",
            raw[key],
            f"only {', '.join(sorted(_BASIS_KEYS))}",
            "仅限 document、text、source",
        )
    text = ck.text(entry, raw, "text")
    source = ck.text(entry, raw, "source")
    document = raw.get("document", "")
    if not isinstance(document, str):
        ck.add(entry, "basis.document", document, "a text", "文字")
        document = ""
    if kind == "punishment" and not document.strip():
        ck.add(
            entry,
            "basis.document",
            document,
            "the law, regulation, policy or memorandum that sets this punishment "
            "(no punishment without a legal basis, 国办发〔2020〕49号)",
            "设定该惩戒措施的法律、法规、政策文件或合作备忘录（无设定依据不得惩戒，国办发〔2020〕49号）",
        )
    return Basis(document.strip(), text, source)


def _duration(ck: _Checker, entry: str, data: dict) -> int | None:
    value = data.get("duration")
    if value == WHILE_LISTED:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    ck.add(
        entry,
        "duration",
        value,
        f'a positive number of months or "{WHILE_LISTED}"',
        f'正整数月数或 "{WHILE_LISTED}"（触发条件存续期间）',
    )
    return None


def _triggers(ck: _Checker, entry: str, data: dict, kind: str) -> tuple[str, ...]:
    triggers = ck.texts(entry, data, "triggers")
    for t in triggers:
        problem = trigger_problem(t)
        if problem is not None:
            ck.add(entry, "triggers", t, problem, f"词表中的触发条件：{problem}")
            continue
        side = grade_side(t)
        if kind == "reward" and (t in PUNISHING_TRIGGERS or side == "worse"):
            want = "a reward's trigger (list:red, green_channel, a good grade)"
            ck.add(entry, "triggers", t, want, "激励措施的触发条件（红名单、绿色通道、较好等级）")
        if kind == "punishment" and (t in REWARDING_TRIGGERS or side == "better"):
            ck.add(
                entry,
                "triggers",
                t,
                "a punishment's trigger (list:black|watch, record:…, tier:…, a poor grade)",
                "惩戒措施的触发条件（黑名单、重点关注名单、失信记录、失信等级、较差等级）",
            )
    return triggers


def _measure(ck: _Checker, index: int, data: Any) -> Measure | None:
    raw_id = data.get("id") if isinstance(data, dict) else None
    entry = f"measure {raw_id}" if isinstance(raw_id, str) else f"measures[{index}]"
    if not isinstance(data, dict):
        ck.add(entry, "(entry)", data, "a table of the measure's fields", "措施字段表")
        return None
    for key in sorted(set(data) - _MEASURE_KEYS):
        ck.add(
            entry,
            key,
            data[key],
            f"only the fields {', '.join(sorted(_MEASURE_KEYS))}",
            "仅限清单规定的字段",
        )
    kind = ck.choice(entry, data, "type", MEASURE_TYPES)
    m = ID_PATTERN.match(raw_id) if isinstance(raw_id, str) else None
    if m is None:
        ck.add(
            entry,
            "id",
            raw_id,
            "R-XXXX-NN (reward) or P-XXXX-NN (punishment)",
            "R-XXXX-NN（激励）或 P-XXXX-NN（惩戒）",
        )
    elif kind and m.group(1) != kind[0].upper():
        ck.add(
            entry,
            "id",
            raw_id,
            f"an id starting {kind[0].upper()}- for a {kind}",
            f"以 {kind[0].upper()}- 开头的编号",
        )
    notes = {}
    for key in ("note_zh", "note_en"):
        value = data.get(key, "")
        if not isinstance(value, str):
            ck.add(entry, key, value, "a text", "文字")
            value = ""
        notes[key] = value.strip()
    return Measure(
        id=raw_id if isinstance(raw_id, str) else "",
        name_zh=ck.text(entry, data, "name_zh"),
        name_en=ck.text(entry, data, "name_en"),
        type=kind,
        force=ck.choice(entry, data, "force", FORCES),
        basis=_basis(ck, entry, data, kind),
        initiating=ck.texts(entry, data, "initiating"),
        implementing=ck.texts(entry, data, "implementing"),
        triggers=_triggers(ck, entry, data, kind),
        matters=ck.texts(entry, data, "matters", MATTERS),
        reaches=ck.texts(entry, data, "reaches", REACHES),
        duration_months=_duration(ck, entry, data),
        **notes,
    )


def parse_catalogue(data: Any, file: str = "<catalogue>") -> Catalogue:
    """Check plain data and return the catalogue it holds.

    Parameters
    ----------
    data
        ``{"title": str, "measures": [ {...}, ... ]}`` as read from TOML or JSON.
    file
        The file's name, for the messages.

    Raises
    ------
    CatalogueError
        With every problem found (unknown trigger or matter, duplicate id, a reward
        triggered by a punishment list, missing basis, a punishment without a legal
        basis, a duration that is not positive …).
    """
    ck = _Checker(file)
    if not isinstance(data, dict):
        raise CatalogueError(
            [Problem(file, "(file)", "(top)", type(data).__name__, "a table", "表")]
        )
    for key in sorted(set(data) - {"title", "measures"}):
        ck.add("(file)", key, data[key], "only title and measures", "仅限 title 和 measures")
    title = ck.text("(file)", data, "title")
    raw = data.get("measures")
    if not isinstance(raw, list) or not raw:
        ck.add(
            "(file)",
            "measures",
            raw,
            "a non-empty list of measures ([[measures]])",
            "非空的措施列表（[[measures]]）",
        )
        raw = []
    measures = [_measure(ck, i, m) for i, m in enumerate(raw)]
    seen: set[str] = set()
    for m in measures:
        if m is None or not m.id:
            continue
        if m.id in seen:
            ck.add(
                f"measure {m.id}",
                "id",
                m.id,
                "an id no other measure has",
                "不与其他措施重复的编号",
            )
        seen.add(m.id)
    if ck.problems:
        raise CatalogueError(ck.problems)
    return Catalogue(title, tuple(m for m in measures if m is not None))


def read_catalogue(path: Path) -> Catalogue:
    """Read and check a catalogue file (``.toml`` or ``.json``).

    Raises
    ------
    CatalogueError
        When the file cannot be read or parsed, or its content is refused.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CatalogueError(
            [
                Problem(
                    name,
                    "(file)",
                    "(file)",
                    name,
                    f"a readable file ({why})",
                    f"可读取的文件（{why}）",
                )
            ]
        ) from None
    return parse_text(text, name)


def parse_text(text: str, file: str) -> Catalogue:
    """Parse catalogue text: JSON when ``file`` ends in ``.json``, else TOML."""
    try:
        data = json.loads(text) if file.lower().endswith(".json") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        fmt = "JSON" if file.lower().endswith(".json") else "TOML"
        raise CatalogueError(
            [Problem(file, "(file)", "(syntax)", str(exc), f"valid {fmt}", f"合法的 {fmt}")]
        ) from None
    return parse_catalogue(data, file)


def shipped_catalogue() -> Catalogue:
    """The catalogue shipped with the platform (package data, reviewed with the code)."""
    path = resources.files("scoring").joinpath("measures", "catalogue.toml")
    return parse_text(path.read_text(encoding="utf-8"), SHIPPED)
