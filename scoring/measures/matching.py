"""Which measures apply to a subject for a matter, and why.

Pure: a subject's state (:class:`SubjectState`, the small typed input a credit
check fills from the managed lists, the records and the ratings in force) and a
matter in, every applicable measure out with the triggers that matched. The
suspension of measures while an objection is verified (seed 002 #19) is the
caller's: a listing or record under verification is simply left out of the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scoring.measures.catalogue import Catalogue, Measure
from scoring.measures.vocabulary import (
    GREEN_CHANNEL,
    LIST_KEYS,
    MATTERS,
    MEASURE_TYPES,
    RECORD_KINDS,
    TIERS,
    grade_schemes,
    scale_grades,
)


class StateError(ValueError):
    """A subject state or matter outside the vocabulary (names the field and the value)."""


@dataclass(frozen=True)
class SubjectState:
    """What a credit check knows about a subject on the day it is made.

    Attributes
    ----------
    lists
        Managed lists the subject is on now (``red``, ``black``, ``watch``).
    records
        Incoming record kinds in force against it (``dishonest_judgment_debtor``,
        ``abnormal_operations_list``).
    tiers
        Breach tiers of its records in force (``general``, ``heavier``, ``serious``,
        seed 004); each tier present is listed, a serious breach does not imply the others.
    grades
        Grade in force per scheme (``{"enterprise": "D", "sme": "BB"}``).
    green_channel
        Whether the rating in force grants the green channel (seed 002 #2).
    """

    lists: frozenset[str] = frozenset()
    records: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    grades: Mapping[str, str] = field(default_factory=dict)
    green_channel: bool = False

    def __post_init__(self) -> None:
        for name, values, known in (
            ("lists", self.lists, LIST_KEYS),
            ("records", self.records, RECORD_KINDS),
            ("tiers", self.tiers, TIERS),
        ):
            for v in values:
                if v not in known:
                    raise StateError(f"state.{name}: {v!r} is not one of {', '.join(known)}")
        for scheme, grade in self.grades.items():
            if scheme not in grade_schemes():
                raise StateError(
                    f"state.grades: scheme {scheme!r} is not one of {', '.join(grade_schemes())}"
                )
            if grade not in scale_grades(scheme):
                raise StateError(
                    f"state.grades[{scheme}]: {grade!r} is not one of "
                    f"{', '.join(scale_grades(scheme))}"
                )

    def holds(self) -> frozenset[str]:
        """Every trigger expression true of this state."""
        out = {f"list:{k}" for k in self.lists}
        out |= {f"record:{k}" for k in self.records}
        out |= {f"tier:{k}" for k in self.tiers}
        out |= {f"grade:{s}:{g}" for s, g in self.grades.items()}
        if self.green_channel:
            out.add(GREEN_CHANNEL)
        return frozenset(out)


@dataclass(frozen=True)
class AppliedMeasure:
    """A measure that applies, and the triggers of the state that made it apply."""

    measure: Measure
    matched: tuple[str, ...]


def measures_for(
    catalogue: Catalogue, state: SubjectState, matter: str, kind: str | None = None
) -> tuple[AppliedMeasure, ...]:
    """Every measure of ``catalogue`` that applies to ``state`` for ``matter``.

    A measure applies when the matter is one of its matters and any of its
    triggers holds (any-of). Punishments come first, then rewards; within each,
    mandatory before recommended, then catalogue order. Rewards and punishments
    may both apply (a red-listed firm with a general breach): the department
    sees both, and the published rules say which prevails.

    Parameters
    ----------
    catalogue
        The catalogue in force (:func:`scoring.measures.versions.catalogue_in_force`).
    state
        The subject's lists, records, tiers, grades and green channel.
    matter
        A matter key (``procurement`` …).
    kind
        ``reward`` or ``punishment`` to keep only those; ``None`` for both.

    Raises
    ------
    StateError
        When ``matter`` or ``kind`` is not in the vocabulary.
    """
    if matter not in MATTERS:
        raise StateError(f"matter {matter!r} is not one of {', '.join(MATTERS)}")
    if kind is not None and kind not in MEASURE_TYPES:
        raise StateError(f"type {kind!r} is not one of {', '.join(MEASURE_TYPES)}")
    holds = state.holds()
    found = [
        AppliedMeasure(m, tuple(t for t in m.triggers if t in holds))
        for m in catalogue.measures
        if matter in m.matters and (kind is None or m.type == kind)
    ]
    found = [a for a in found if a.matched]
    order = {m.id: i for i, m in enumerate(catalogue.measures)}
    found.sort(
        key=lambda a: (
            a.measure.type != "punishment",
            a.measure.force != "mandatory",
            order[a.measure.id],
        )
    )
    return tuple(found)


def select(catalogue: Catalogue, matter: str | None = None, kind: str | None = None) -> tuple:
    """The measures for ``matter`` (any when ``None``) of ``kind`` (both when ``None``)."""
    if matter is not None and matter not in MATTERS:
        raise StateError(f"matter {matter!r} is not one of {', '.join(MATTERS)}")
    if kind is not None and kind not in MEASURE_TYPES:
        raise StateError(f"type {kind!r} is not one of {', '.join(MEASURE_TYPES)}")
    return tuple(
        m
        for m in catalogue.measures
        if (matter is None or matter in m.matters) and (kind is None or m.type == kind)
    )
