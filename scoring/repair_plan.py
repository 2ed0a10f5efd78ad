"""Credit-repair guidance (信用修复指引) for one subject: when each negative record stops
counting, when a repair could end it early and what it requires, the projected grade month by
month, and which repairs would lift the grade most — exactly, by re-rating.

A **projection** (预测) is the champion of every scheme rating the subject applied at each of
the next ``months`` month-ends to the records that would still count if nothing new happened:
the same indicators, model, points rules, lists and household rules as every rating
(:func:`scoring.batch.rate_subjects`), so a grade a rule fixes stays fixed. It is never
stored (:mod:`features.date_limit`: a rating dated after the data would become the rating in
force) and is labelled a projection on every door.

A **repair option** is one repairable record (or a pair of the best ones) repaired at its
earliest approval date, not before ``on``: a hypothetical approved ``repairs`` row is added to
an in-memory slice of the store (:meth:`features.store.sliced.SlicedStore.with_rows`; nothing
is written) and the subject is re-rated on it with the same champions and rules. Options are
ranked by grade steps gained (summed over the subject's schemes), then by the PD drop, then by
the earlier date, each against the projection without repair on the same day.

Cost: the subject's rows are fetched once (:func:`features.store.sliced.slice_store`); each
scheme's rows of every (slice, date) asked for are built from that slice and rated in one call
of the pipeline (the pipeline rates row by row: a row's grade is the one
:func:`~scoring.batch.rate_subjects` gives alone, which tests/scoring/test_repair_plan.py
checks). A repaired record changes nothing once it would have stopped counting anyway, so the
curve with the best repair re-rates only the month-ends before that day and takes the others
from the projection — exact, not a surrogate.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

import pandas as pd

from features.build import build_features, slice_columns
from features.compile import BuildConfig
from features.schemes import get_scheme, rated
from features.store.base import Store
from features.store.sliced import SlicedStore, slice_store
from features.subjects import current_subject
from scoring.batch import RatingPolicies, rate_frame
from scoring.evidence import date_or_none, records_behind
from scoring.loader import LoadedModel, champions
from scoring.repair_records import RecordGuide, RelatedRecord, record_guides, related_records
from scoring.repair_requirements import RepairRequirements

#: who a hypothetical repair row names (never written: it lives in a slice)
PLAN_HANDLER = "repair-plan"
#: the best single repairs paired with each other
PAIR_OF_BEST = 4


class RepairPlanError(LookupError):
    """The subject is unknown or no scheme rates it; ``zh`` is the Chinese message."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


@dataclass(frozen=True)
class Point:
    """A rating computed for a day and never stored (a projection after the plan's day)."""

    day: dt.date
    grade: str
    pd: float
    score: float
    rules: tuple[tuple[str, str], ...] = ()
    #: the indicators of the rules that set the grade (``ratings.overrides``)
    rule_indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Projection:
    """One scheme's projected grades (预测), the plan's day first."""

    scheme: str
    model_name: str
    model_version: str
    grades: tuple[str, ...]  # best first
    points: tuple[Point, ...]
    #: grade → (Chinese, English) label, from the model's own scale
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def label(self, grade: str, lang: str) -> str:
        """``C 信用风险较高`` / ``C Higher credit risk``."""
        zh, en = self.labels.get(grade, ("", ""))
        return f"{grade} {zh if lang == 'zh' else en}".strip()

    def at(self, day: dt.date) -> Point | None:
        """The point of ``day`` (None: not a projected day)."""
        return next((p for p in self.points if p.day == day), None)


@dataclass(frozen=True)
class SchemeLift:
    """What a repair does to one scheme's rating on the day the lift arrives."""

    scheme: str
    without: Point
    with_repair: Point
    steps: int  # grades gained (negative: lost)
    #: a scheme graded by its points rule alone (no PD): points towards a better grade
    points_gain: float = 0.0

    @property
    def pd_drop(self) -> float:
        """PD without minus PD with the repair (NaN: a scheme graded by its rule alone has
        no PD)."""
        return self.without.pd - self.with_repair.pd


@dataclass(frozen=True)
class RepairOption:
    """One repair (or a pair) and its effect, against no repair on the same day."""

    record_ids: tuple[str, ...]
    approve_on: tuple[dt.date, ...]  # per record: its earliest approval
    lift_on: dt.date  # the day every repair of the option is in effect
    lifts: tuple[SchemeLift, ...]

    @property
    def steps(self) -> int:
        """Grade steps gained over the subject's schemes."""
        return sum(x.steps for x in self.lifts)

    @property
    def pd_drop(self) -> float:
        """PD drop summed over the subject's modelled schemes (a rule-only scheme has none)."""
        return sum(x.pd_drop for x in self.lifts if math.isfinite(x.pd_drop))

    @property
    def points_gain(self) -> float:
        """Points gained towards a better grade in the schemes graded by their rule alone."""
        return sum(x.points_gain for x in self.lifts)

    def gain_in(self, scheme: str) -> tuple[int, float]:
        """Steps and the PD drop (or, for a rule-only scheme, points gained) in ``scheme``."""
        for x in self.lifts:
            if x.scheme == scheme:
                return x.steps, x.pd_drop if math.isfinite(x.pd_drop) else x.points_gain
        return 0, 0.0

    @property
    def helps(self) -> bool:
        """The option lifts a grade or lowers a PD."""
        return self.steps > 0 or self.pd_drop > 1e-9


@dataclass(frozen=True)
class RepairPlan:
    """The guidance for one subject on ``on`` (:func:`repair_plan`).

    ``projections``: per scheme, ``on`` then ``months`` month-ends. ``options``: single
    repairs then pairs, each ranked (best first). ``best``: the first-ranked option of all
    that helps; ``best_curve``: per scheme, the month-ends from its lift on with it (empty
    when no option helps). ``seconds``: time of the plan.
    """

    subject_id: str
    subject_type: str
    on: dt.date
    months: int
    records: tuple[RecordGuide, ...]
    projections: tuple[Projection, ...]
    options: tuple[RepairOption, ...]
    best_curve: Mapping[str, tuple[Point, ...]]
    seconds: float
    #: the first-ranked option, single or pair, that helps (the curve's); None: none helps
    best: RepairOption | None = None
    #: why a rated scheme has no champion (not planned), one message each
    skipped: tuple[str, ...] = ()
    #: related parties' records behind a rule in force on the plan's day
    related: tuple[RelatedRecord, ...] = ()


def month_ends(on: dt.date, months: int) -> list[dt.date]:
    """``on`` and the next ``months`` month-ends after it."""
    out = [on]
    for k in range(1, months + 1):
        out.append((pd.Timestamp(on) + pd.offsets.MonthEnd(k)).date())
    return out


def _rules_of(overrides: object) -> tuple[tuple[str, str], ...]:
    """The rules that set a grade (lists, points, household rules), ``(zh, en)`` each."""
    if not isinstance(overrides, str) or not overrides:
        return ()
    return tuple(
        (o["reason_zh"], o.get("reason_en", ""))
        for o in json.loads(overrides)
        if o.get("reason_zh")
    )


def _rule_indicators(overrides: object) -> tuple[str, ...]:
    if not isinstance(overrides, str) or not overrides:
        return ()
    # aligned with _rules_of: one per rule with a text (a points rule names no indicator: "")
    return tuple(str(o.get("indicator") or "") for o in json.loads(overrides) if o.get("reason_zh"))


class _Rater:
    """Rates one subject in one scheme on (slice, day) pairs, each row as
    :func:`~scoring.batch.rate_subjects` would, the pipeline called once per batch."""

    def __init__(
        self, model: LoadedModel, build: BuildConfig, policies: RatingPolicies, subject_id: str
    ) -> None:
        self.model = model
        self.scheme = policies.scheme(model.pipeline.scheme)
        self.build = build
        self.subject_id = subject_id
        self.order = tuple(model.pipeline.scale.keys)

    def rate(self, cases: Sequence[tuple[SlicedStore, dt.date]]) -> list[Point | None]:
        frames = [
            build_features(
                view, self.scheme, day, cfg=self.build, subjects=[self.subject_id], with_rules=True
            )
            for view, day in cases
        ]
        present = [i for i, f in enumerate(frames) if len(f)]
        out: list[Point | None] = [None] * len(cases)
        if not present:
            return out
        features = pd.concat([frames[i] for i in present], ignore_index=True)
        rows = rate_frame(
            self.model,
            features,
            cases[present[0]][1],
            dt.datetime.now(),
            rules=tuple(self.scheme.rules),
            explain=False,  # grades never stored nor explained: no contributions
        )
        for i, (_, r) in zip(present, rows.iterrows(), strict=True):
            out[i] = Point(
                cases[i][1],
                str(r["final_grade"]),
                float(r["pd"]),
                float(r["score"]),
                _rules_of(r["overrides"]),
                _rule_indicators(r["overrides"]),
            )
        return out

    def steps(self, without: Point, with_repair: Point) -> int:
        return self.order.index(without.grade) - self.order.index(with_repair.grade)

    def points_gain(self, without: Point, with_repair: Point) -> float:
        """Points towards a better grade when the exact points rule alone grades (no PD)."""
        if math.isfinite(without.pd) or not math.isfinite(without.score):
            return 0.0
        rule = next((r for r in self.scheme.rules if r.binding == "exact"), None)
        moved = with_repair.score - without.score
        return -moved if rule is not None and rule.better == "lower" else moved


def _repair_row(guide: RecordGuide, subject_id: str) -> dict:
    day = guide.earliest_approval
    return {
        "repair_id": f"PLAN-{guide.record_id}",
        "record_id": guide.record_id,
        "subject_id": subject_id,
        "status": "approved",
        "applied_on": day,
        "approved_on": day,
        "handled_by": PLAN_HANDLER,
        "recorded_at": dt.datetime.now(),
    }


def _with_repairs(view: SlicedStore, guides: Sequence[RecordGuide], sid: str) -> SlicedStore:
    return view.with_rows("repairs", pd.DataFrame([_repair_row(g, sid) for g in guides]))


def _options(
    view: SlicedStore,
    sid: str,
    combos: Sequence[tuple[RecordGuide, ...]],
    raters: Sequence[_Rater],
    projections: Mapping[str, Projection],
) -> list[RepairOption]:
    """Each combination of repairs rated on the day its last repair takes effect, against
    the projection without repair that day (rated too when it is not a projected day)."""
    cases = []
    for combo in combos:
        lift_on = max(g.earliest_approval for g in combo)  # type: ignore[type-var]
        cases.append((combo, lift_on, _with_repairs(view, combo, sid)))
    options: list[RepairOption] = []
    per_scheme: dict[str, tuple[list[Point | None], list[Point | None]]] = {}
    for rater in raters:
        key = rater.scheme.key
        base_days = [day for _, day, _ in cases if projections[key].at(day) is None]
        base_days = list(dict.fromkeys(base_days))
        base = dict(zip(base_days, rater.rate([(view, d) for d in base_days]), strict=True))
        with_rows = rater.rate([(v, day) for _, day, v in cases])
        without = [projections[key].at(day) or base[day] for _, day, _ in cases]
        per_scheme[key] = (without, with_rows)
    for i, (combo, lift_on, _) in enumerate(cases):
        lifts = []
        for rater in raters:
            without, with_rows = per_scheme[rater.scheme.key]
            a, b = without[i], with_rows[i]
            if a is not None and b is not None:
                lifts.append(
                    SchemeLift(rater.scheme.key, a, b, rater.steps(a, b), rater.points_gain(a, b))
                )
        options.append(
            RepairOption(
                tuple(g.record_id for g in combo),
                tuple(g.earliest_approval for g in combo),  # type: ignore[misc]
                lift_on,
                tuple(lifts),
            )
        )
    return options


def _rank(options: Sequence[RepairOption]) -> list[RepairOption]:
    return sorted(
        options,
        key=lambda o: (-o.steps, -round(o.pd_drop, 12), -round(o.points_gain, 9), o.lift_on),
    )


def _paired_ids(singles: Sequence[RepairOption], schemes: Iterable[str], k: int) -> list[str]:
    """The records tried in pairs: the ``k`` best singles overall and the ``k`` best in each
    scheme (steps, then PD drop or points gained). Two records may lift a grade together
    that neither lifts alone (two deductions of a points rule), and a scheme graded by its
    rule alone has no PD to rank them by overall."""
    ids = [o.record_ids[0] for o in singles[:k]]
    for key in schemes:
        ranked = sorted(singles, key=lambda o: o.gain_in(key), reverse=True)
        ids += [o.record_ids[0] for o in ranked[:k] if o.gain_in(key) > (0, 0.0)]
    return list(dict.fromkeys(ids))


def _counted_until(
    guides: list[RecordGuide],
    view: SlicedStore,
    subject_id: str,
    on: dt.date,
    build: BuildConfig,
    projections: Mapping[str, Projection],
) -> list[RecordGuide]:
    """Each guide with the first day no indicator of the subject's schemes counts it
    (:func:`scoring.evidence.records_behind`; the latest over the schemes)."""
    if not guides:
        return guides
    wanted = {g.record_id for g in guides}
    ends: dict[str, list[dt.date | None]] = {}
    for key in projections:
        scheme = get_scheme(key)
        names = [i.name for i in scheme.indicators]
        behind = records_behind(view, scheme, subject_id, names, on, build.windows)
        behind = behind[behind["record_id"].isin(wanted) & (behind["owner_id"] == subject_id)]
        for rid, until in zip(behind["record_id"], behind["counts_until"], strict=True):
            ends.setdefault(str(rid), []).append(date_or_none(until))
    # a points rule counts a record by its own cycle: the models' windows do not bound it
    ruled = {
        k
        for key in projections
        for rule in get_scheme(key).rules
        for item in rule.items
        for k in item.match.kinds
    }
    out = []
    for g in guides:
        days = ends.get(g.record_id, [])
        last = None if not days or any(d is None for d in days) else max(days)  # type: ignore[type-var]
        # a repair that takes effect once no indicator counts the record lifts nothing
        gains = g.gains and not (
            g.kind not in ruled
            and last is not None
            and g.earliest_approval is not None
            and last <= g.earliest_approval
        )
        out.append(
            replace(g, counts_in_rating_until=last, gains=gains, read_by_rule=g.kind in ruled)
        )
    return out


def repair_plan(
    store: Store,
    subject_id: str,
    on: dt.date,
    models: Mapping[str, LoadedModel],
    build: BuildConfig,
    policies: RatingPolicies,
    requirements: RepairRequirements,
    months: int = 36,
    pair_of_best: int = PAIR_OF_BEST,
) -> RepairPlan:
    """The repair guidance of ``subject_id`` on ``on``; nothing is written.

    Parameters
    ----------
    store
        The store (a slice of the subject is fetched once; a slice covering it is reused).
    subject_id
        The subject.
    on
        The plan's day (the doors bound it by :func:`features.date_limit.date_limit`).
    models
        The champions (:func:`scoring.loader.champions`); the schemes whose population holds
        the subject on ``on`` are the ones planned.
    build, policies
        The indicator build (its ``windows`` bound repairs) and the rating policies in force:
        the same as every rating (settings).
    requirements
        What repair requires (:func:`scoring.repair_requirements.load_requirements`).
    months
        Month-ends projected after ``on``.
    pair_of_best
        The best single repairs tried in pairs.

    Raises
    ------
    RepairPlanError
        The subject is unknown, or no champion's scheme rates it on ``on``.
    """
    started = time.perf_counter()
    subject = current_subject(store, subject_id)
    if subject is None:
        raise RepairPlanError(f"no subject {subject_id!r}", f"没有主体 {subject_id}")
    stype = str(subject["subject_type"])
    mine = {k: m for k, m in models.items() if get_scheme(k).population.subject_type == stype}
    columns = tuple(dict.fromkeys(c for k in mine for c in slice_columns(k))) or ("subject_id",)
    view = slice_store(store, [subject_id], columns)
    days = month_ends(on, months)
    raters: list[_Rater] = []
    projections: dict[str, Projection] = {}
    for key, model in mine.items():
        rater = _Rater(model, build, policies, subject_id)
        points = rater.rate([(view, d) for d in days])
        if points[0] is None:  # not in the scheme's population on the plan's day
            continue
        raters.append(rater)
        projections[key] = Projection(
            key,
            model.name,
            model.version,
            rater.order,
            tuple(p for p in points if p is not None),
            {g.key: (g.label_zh, g.label_en) for g in model.pipeline.scale.grades},
        )
    if not raters:
        raise RepairPlanError(
            f"no champion rates {subject_id} on {on}", f"{on} 没有评级模型对主体 {subject_id} 评级"
        )
    guides = _counted_until(
        record_guides(view, subject_id, on, build, requirements),
        view,
        subject_id,
        on,
        build,
        projections,
    )
    candidates = [g for g in guides if g.repairable]
    singles = _rank(_options(view, subject_id, [(g,) for g in candidates], raters, projections))
    best_ids = _paired_ids(singles, projections, pair_of_best)
    by_id = {g.record_id: g for g in candidates}
    pairs = [(by_id[a], by_id[b]) for a, b in combinations(best_ids, 2)]
    paired = _rank(_options(view, subject_id, pairs, raters, projections)) if pairs else []
    options = _rank([*singles, *paired])  # every door shows them in this order
    best = next((o for o in _rank(options) if o.helps), None)
    curve: dict[str, tuple[Point, ...]] = {}
    if best is not None:
        chosen = [by_id[r] for r in best.record_ids]
        # after every chosen record would have stopped anyway, nothing differs
        ends = [g.stops_on for g in chosen]
        last = None if any(e is None for e in ends) else max(ends)  # type: ignore[type-var]
        repaired = _with_repairs(view, chosen, subject_id)
        for rater in raters:
            proj = projections[rater.scheme.key]
            redo = [p.day for p in proj.points if p.day >= best.lift_on]
            redo = [d for d in redo if last is None or d < last]
            fresh = dict(zip(redo, rater.rate([(repaired, d) for d in redo]), strict=True))
            curve[rater.scheme.key] = tuple(
                fresh.get(p.day) or p for p in proj.points if p.day >= best.lift_on
            )
    related = tuple(
        x
        for p in projections.values()
        for x in related_records(
            view,
            on,
            subject_id,
            p.scheme,
            [
                (n, zh, en)
                for n, (zh, en) in zip(p.points[0].rule_indicators, p.points[0].rules, strict=True)
            ],
            build,
        )
    )
    return RepairPlan(
        subject_id,
        stype,
        on,
        months,
        tuple(guides),
        tuple(projections.values()),
        tuple(options),
        curve,
        time.perf_counter() - started,
        best,
        related=related,
    )


def guidance(
    store: Store,
    subject_id: str,
    on: dt.date,
    home: Path | str,
    build: BuildConfig,
    policies: RatingPolicies,
    requirements: RepairRequirements,
    months: int = 36,
    pair_of_best: int = PAIR_OF_BEST,
) -> RepairPlan:
    """The use case every door calls (``xinping repair plan``, the profile, objections and
    report pages): the champions (cached per process, :func:`scoring.loader.champions`) of
    the rated schemes whose population is of the subject's type, then :func:`repair_plan`;
    ``skipped`` names those without a champion.

    Raises
    ------
    RepairPlanError
        As :func:`repair_plan`.
    """
    subject = current_subject(store, subject_id)
    stype = None if subject is None else subject["subject_type"]
    # only the champions of the schemes that may rate the subject: a cold process loads each
    # from MLflow (about a third of a second apiece)
    keys = [k for k in rated() if get_scheme(k).population.subject_type == stype]
    models, skipped = champions(home, keys)
    plan = repair_plan(
        store, subject_id, on, models, build, policies, requirements, months, pair_of_best
    )
    return replace(plan, skipped=skipped)
