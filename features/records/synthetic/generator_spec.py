"""The ``generator.toml`` of a declared scheme, typed at the file boundary.

A declared scheme's demo-city data (sizes per scale, attributes, latent risk,
links to the existing city, events and their hazards, the target) is
described in a TOML file instead of code. This module reads it with pydantic
(unknown keys rejected) and hands the generator the same frozen
:class:`~.params.LatentSpec` and :class:`~.params.Hazard` the built-in kinds use.

Record kinds are *not* looked up here: a file may name kinds that are not
registered yet (the registry adds them later). An event on an unregistered
kind must then say its ``polarity`` and ``domain`` itself; the generator checks
that when it runs.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from features.records.synthetic.params import MULTIPLES, Hazard, LatentSpec

SEVERITIES = ("minor", "general", "serious")
POLARITIES = ("negative", "positive", "neutral")
#: Name of the built-in loan-default process, usable in ``target.events``.
LOAN_DEFAULT = "loan_default"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Mix = dict[str, float]


def _check_mix(mix: Mix, what: str) -> None:
    if any(v < 0 for v in mix.values()) or (mix and sum(mix.values()) <= 0):
        raise ValueError(f"{what} shares must be ≥ 0 and not all zero, got {mix}")


class Sizes(_Strict):
    """Subjects per city scale (``tiny`` is for tests)."""

    tiny: int = Field(ge=1)
    small: int = Field(ge=1)
    city: int = Field(ge=1)


class Subject(_Strict):
    """How subjects are named and when they start."""

    names: Literal["person", "organisation"]
    #: for organisations: the attribute whose value picks the name's suffix
    name_by: str | None = None
    #: attribute value -> suffix (协会, 农民专业合作社 …); ``default`` when not listed
    suffixes: dict[str, str] = {}
    #: registration or licensing date range (``subjects.established_on``)
    established: tuple[dt.date, dt.date] | None = None


class Identifier(_Strict):
    """How identifiers are made. USCC: the first two characters (registration
    authority and category, GB 32100) come from ``categories`` by the value of
    attribute ``by``, else ``category``. ID number: birth dates in ``born``."""

    kind: Literal["uscc", "id_number"]
    by: str | None = None
    categories: dict[str, str] = {}
    category: str | None = None
    born: tuple[dt.date, dt.date] = (dt.date(1960, 1, 1), dt.date(2000, 12, 31))
    male_share: float = Field(0.5, ge=0, le=1)
    #: share of person subjects who are legal representatives already in the city
    existing_legal_reps: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _categories(self) -> Identifier:
        for code in [*self.categories.values(), self.category or "91"]:
            if len(code) != 2:
                raise ValueError(f"a USCC category is 2 characters (e.g. '51'), got {code!r}")
        return self


class Attribute(_Strict):
    """One declared attribute: exactly one of ``choices`` (shares per value),
    ``lognormal`` (median, sigma), ``uniform`` (low, high) or ``integers``
    (low, high inclusive). ``when`` limits it to subjects with those values of
    other (earlier) attributes."""

    choices: Mix = {}
    lognormal: tuple[float, float] | None = None
    uniform: tuple[float, float] | None = None
    integers: tuple[int, int] | None = None
    round: int = 1
    when: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _one(self) -> Attribute:
        given = [bool(self.choices), *(v is not None for v in (self.lognormal, self.uniform))]
        if sum(given) + (self.integers is not None) != 1:
            raise ValueError("give exactly one of choices, lognormal, uniform, integers")
        _check_mix(self.choices, "choices")
        return self

    @property
    def numeric(self) -> bool:
        """Stored in ``value_num`` (else ``value_text``)."""
        return not self.choices


class Latent(_Strict):
    """Permanent risk ``mu`` and its AR(1) drift.

    ``mu`` is the standardised sum of the loadings on categorical attributes,
    ``village_effect`` times the village's credit culture, ``employer`` times
    the employer's permanent risk, ``members`` times the member households'
    mean permanent risk, and a normal noise of ``noise_sd``.
    """

    mu_sd: float = Field(gt=0)
    x_sd: float = Field(gt=0)
    rho: float = Field(gt=0, lt=1)
    noise_sd: float = Field(0.8, gt=0)
    loadings: dict[str, dict[str, float]] = {}
    village_effect: float = 0.0
    employer: float = 0.0
    members: float = 0.0  # times the member households' mean permanent risk

    def spec(self) -> LatentSpec:
        """The frozen latent spec the built-in kinds use."""
        return LatentSpec(mu_sd=self.mu_sd, x_sd=self.x_sd, rho=self.rho)


class HazardDecl(_Strict):
    """A yearly rate, its loading on the latent and optional seasonal peaks
    (calendar month -> relative weight; the season is normalised to mean 1)."""

    per_year: float = Field(ge=0)
    beta: float
    peaks: dict[int, float] = {}

    @model_validator(mode="after")
    def _months(self) -> HazardDecl:
        bad = [m for m, w in self.peaks.items() if not 1 <= m <= 12 or w <= 0]
        if bad:
            raise ValueError(f"peaks are month (1–12) = weight > 0, got months {bad}")
        return self

    def hazard(self) -> Hazard:
        """The frozen hazard the built-in kinds use."""
        season = np.ones(12)
        for month, weight in self.peaks.items():
            season[month - 1] = weight
        return Hazard(self.per_year, self.beta, season * 12 / season.sum())


class Event(HazardDecl):
    """Events drawn from a hazard, each written as one record.

    ``severity``/``value_text`` are a fixed value or shares; ``value_num`` a
    fixed number or a (low, high) uniform range; ``valid_months`` a fixed
    window or a (low, high) range of months (a listing lifted once cured);
    ``only`` limits the event to subjects with those attribute values and
    ``rate_by`` multiplies the rate per attribute value (not renormalised:
    ``per_year`` is the rate of a subject at multiplier 1); ``dept_by`` picks the
    department per attribute value (else ``dept``). ``polarity``/``domain``
    are needed only for kinds not registered yet.
    """

    kind: str
    severity: str | Mix | None = None
    value_text: str | Mix | None = None
    value_num: float | tuple[float, float] | None = None
    amount: tuple[float, float] | None = None  # lognormal (median, sigma)
    valid_months: int | tuple[int, int] | None = None
    #: decided on the event day and published for its tier's window (WindowPolicy)
    window: bool = False
    lag_days: tuple[int, int] = (1, 30)
    dept: str | None = None
    dept_by: dict[str, dict[str, str]] = {}
    polarity: Literal["negative", "positive", "neutral"] | None = None
    domain: str | None = None
    only: dict[str, list[str]] = {}
    rate_by: dict[str, dict[str, float]] = {}
    detail: str | None = None

    @model_validator(mode="after")
    def _values(self) -> Event:
        sev = self.severity
        for s in [sev] if isinstance(sev, str) else list(sev or {}):
            if s not in SEVERITIES:
                raise ValueError(f"severity {s!r} is not one of {', '.join(SEVERITIES)}")
        for mix, what in ((sev, "severity"), (self.value_text, "value_text")):
            if isinstance(mix, dict):
                _check_mix(mix, what)
        if self.window and (sev is None or self.valid_months is not None):
            raise ValueError("window = true needs a severity and no valid_months")
        lo, hi = self.lag_days
        if lo < 0 or hi < lo:
            raise ValueError(f"lag_days must be 0 ≤ low ≤ high, got {self.lag_days}")
        return self


class Yearly(_Strict):
    """Once a year in ``month``, a record for each subject with probability
    ``logistic(logit(share) + beta * z)`` (``beta`` < 0: the less risky file it)."""

    kind: str
    month: int = Field(ge=1, le=12)
    share: float = Field(gt=0, lt=1)
    beta: float = 0.0
    value_text: str | Mix | None = None
    value_num: float | tuple[float, float] | None = None
    valid_months: int | None = 12
    lag_days: tuple[int, int] = (5, 40)
    dept: str | None = None
    polarity: Literal["negative", "positive", "neutral"] | None = None
    domain: str | None = None
    only: dict[str, list[str]] = {}


class Loans(_Strict):
    """A loan book per borrower, as households and SMEs have (reuses
    :func:`~.loans.simulate_loans`); its default is the event ``loan_default``."""

    borrower_share: float = Field(gt=0, le=1)
    amount: tuple[float, float] = (200_000.0, 0.5)  # lognormal (median, sigma)
    renew: float = Field(0.85, ge=0, le=1)
    dept: str = "bank"
    default: HazardDecl
    dpd30: HazardDecl
    late: HazardDecl


class EmployerLink(_Strict):
    """``employer_id``: an enterprise of the sections mapped from attribute ``by``."""

    share: float = Field(1.0, ge=0, le=1)
    by: str | None = None
    sections: dict[str, list[str]] = {}
    default: list[str] = []


class LegalRepLink(_Strict):
    """``legal_rep_id``: a new person, or (``existing`` share) one who already
    represents a firm in the city, or (``households`` share, needs the village
    link) the head of a household of the subject's village, or (``persons`` share)
    a person rated by a declared scheme generated before this one (a practitioner)."""

    existing: float = Field(0.0, ge=0, le=1)
    households: float = Field(0.0, ge=0, le=1)
    persons: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _shares(self) -> LegalRepLink:
        if self.existing + self.households + self.persons > 1:
            raise ValueError("existing + households + persons must not exceed 1")
        return self


class VillageLink(_Strict):
    """``village_code``/``township_code``: a village drawn by its households."""

    share: float = Field(1.0, ge=0, le=1)


class MembersLink(_Strict):
    """Rows of ``subject_links`` naming households of the subject's village."""

    relation: str
    when: dict[str, list[str]] = {}
    count: tuple[int, int] = (5, 60)
    roles: Mix = {"member": 1.0}
    # who files the member roll: a co-op's 成员名册 is filed with its registration
    # authority (农民专业合作社法), i.e. market regulation
    dept: str = "samr"


class Links(_Strict):
    """Links to subjects already in the city."""

    employer: EmployerLink | None = None
    legal_rep: LegalRepLink | None = None
    village: VillageLink | None = None
    members: MembersLink | None = None


class Licence(_Strict):
    """The record that makes a firm one of the sector's (a qualification or a
    licence), filed once when the firm enters the sector and renewed every
    ``valid_months``; dated no earlier than the platform's start."""

    kind: str
    valid_months: int = Field(60, ge=1)
    lag_days: tuple[int, int] = (1, 30)
    dept: str | None = None
    polarity: Literal["negative", "positive", "neutral"] | None = None
    domain: str | None = None


class Existing(_Strict):
    """A sector of firms already in the city, instead of new subjects.

    The sector's events are drawn for the city's enterprises of the GB/T 4754
    ``industries`` (section letters), of which a ``share`` (drawn on the scheme's
    own stream) are the sector's firms and hold its ``licence``. Their permanent
    risk is the firm's own (``mu`` of the city) times ``risk`` plus a normal noise
    of ``latent.noise_sd``; their drift is the scheme's own AR(1). Events fall between
    the firm's registration and its closure.
    """

    subject_type: Literal["enterprise"] = "enterprise"
    industries: list[str] = Field(min_length=1)
    share: float = Field(1.0, gt=0, le=1)
    risk: float = 1.0
    licence: Licence | None = None


class Target(_Strict):
    """The scheme's target: any of ``events`` in (T, T+12]. ``population``
    ``loan`` limits the truth to subjects with a loan on record."""

    events: list[str] = Field(min_length=1)
    population: Literal["all", "loan"] = "all"


class Lifecycle(_Strict):
    """Which of the scheme's own record kinds subjects dispute (异议) and repair (信用修复)
    in the demo city, besides the built-in kinds the city disputes and repairs anyway
    (:data:`~.lifecycle.DISPUTABLE`, :data:`~.lifecycle.REPAIRABLE`)."""

    disputed: list[str] = []
    repaired: list[str] = []


class GeneratorSpec(_Strict):
    """Everything the declared generator needs for one scheme."""

    scheme: str
    #: new subjects: how many, named and identified how (all three, or ``existing``)
    sizes: Sizes | None = None
    subject: Subject | None = None
    identifier: Identifier | None = None
    #: or: events on a sector of the city's firms (no new subjects)
    existing: Existing | None = None
    attributes: dict[str, Attribute] = {}
    latent: Latent
    links: Links = Links()
    events: dict[str, Event] = {}
    yearly: dict[str, Yearly] = {}
    loans: Loans | None = None
    #: ``None``: no truth rows (a scheme rated by its published rule alone)
    target: Target | None = None
    lifecycle: Lifecycle = Lifecycle()

    @model_validator(mode="after")
    def _references(self) -> GeneratorSpec:
        new = (self.sizes, self.subject, self.identifier)
        if self.existing is not None:
            if any(x is not None for x in new) or self.attributes or self.loans:
                raise ValueError(
                    "[existing] adds events to the city's firms: it takes no sizes, subject, "
                    "identifier, attributes or loans"
                )
            if self.links != Links():
                raise ValueError("[existing] firms keep their own links: no [links]")
        elif any(x is None for x in new):
            raise ValueError("new subjects need [sizes], [subject] and [identifier]")
        known = set(self.attributes)
        for name, attr in self.attributes.items():
            _names(attr.when, known, f"attributes.{name}.when")
        for name, ev in self.events.items():
            _names(ev.only, known, f"events.{name}.only")
            _names(ev.rate_by, known, f"events.{name}.rate_by")
            _names(ev.dept_by, known, f"events.{name}.dept_by")
        _names(self.latent.loadings, known, "latent.loadings")
        refs: list[str | None] = []
        if self.identifier is not None and self.subject is not None:  # new subjects
            refs = [self.identifier.by, self.subject.name_by]
        if self.links.employer is not None:
            refs.append(self.links.employer.by)
        if self.links.members is not None:
            _names(self.links.members.when, known, "links.members.when")
        for ref in refs:
            if ref is not None and ref not in known:
                raise ValueError(f"attribute {ref!r} is not declared under [attributes]")
        events = set(self.events) | ({LOAN_DEFAULT} if self.loans else set())
        target = self.target.events if self.target else []
        for name in target:
            if name not in events:
                listed = ", ".join(sorted(events))
                raise ValueError(
                    f"target.events: event {name!r} is not declared (events: {listed})"
                )
        if self.target and self.target.population == "loan" and self.loans is None:
            raise ValueError("target population 'loan' needs a [loans] table")
        if self.latent.village_effect and self.links.village is None:
            raise ValueError("latent.village_effect needs [links.village]")
        if self.latent.employer and self.links.employer is None:
            raise ValueError("latent.employer needs [links.employer]")
        rep = self.links.legal_rep
        if rep is not None and rep.households and self.links.village is None:
            raise ValueError("links.legal_rep.households needs [links.village]")
        if self.latent.members and self.links.members is None:
            raise ValueError("latent.members needs [links.members]")
        if LOAN_DEFAULT in target and len(target) > 1:
            raise ValueError("a loan_default target stands alone (its truth follows the loan book)")
        idr = self.identifier
        if idr is not None and idr.existing_legal_reps and idr.kind != "id_number":
            raise ValueError("identifier.existing_legal_reps is for persons (kind id_number)")
        return self

    def size(self, scale: str) -> int:
        """Number of new subjects at ``scale`` (0 for a sector of existing firms)."""
        if self.sizes is None:
            return 0
        if scale in MULTIPLES and getattr(self.sizes, scale, None) is None:
            base, times = MULTIPLES[scale]
            return times * self.size(base)
        try:
            return int(getattr(self.sizes, scale))
        except AttributeError:
            raise ValueError(f"unknown scale {scale!r}; expected tiny, small or city") from None


def _names(table: dict[str, object], known: set[str], where: str) -> None:
    for name in table:
        if name not in known:
            raise ValueError(f"{where}: attribute {name!r} is not declared under [attributes]")


class GeneratorSpecError(ValueError):
    """A ``generator.toml`` that cannot be used; the message names file, key and value."""


def load_generator_spec(path: Path) -> GeneratorSpec:
    """Read and validate a ``generator.toml``.

    Raises
    ------
    GeneratorSpecError
        Naming the file, the key (dotted path), the value found and what was
        expected, one line per problem.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeneratorSpecError(f"{path}: no such generator file") from None
    except tomllib.TOMLDecodeError as exc:
        raise GeneratorSpecError(f"{path}: not valid TOML: {exc}") from None
    try:
        return GeneratorSpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            value = err.get("input")
            shown = "missing" if err["type"] == "missing" else repr(value)
            if isinstance(value, dict) and err["type"] != "missing":
                shown = "{…}"
            lines.append(f"{path}: key {key!r}: value {shown}: {err['msg']}")
        raise GeneratorSpecError("\n".join(lines)) from None
