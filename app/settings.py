"""Settings: the only place that reads settings files and environment variables.

``app/settings.toml`` ships DOMAIN.md's defaults. ``XINPING_SETTINGS`` may name
another TOML file whose values override them; ``XINPING_STORE`` overrides the
store path. The result is validated (unknown keys are errors) and handed down
as typed objects.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from features.compile import BuildConfig
from features.date_limit import DateLimit, LatestRule, date_limit, limit_on
from features.records.windows import TierWindow, WindowPolicy
from features.store.base import Store
from scoring.data_quality_config import DEFAULT_WEIGHTS, DEFAULT_ZERO_AT
from scoring.policies.driver import DriverConfig, PointRule
from scoring.policies.green_channel import GreenChannelConfig
from scoring.policies.inspection import ClassPolicy, InspectionConfig
from scoring.policies.lending import KnockOut, LendingConfig
from scoring.policies.rural import RuralConfig

DEFAULT_FILE = Path(__file__).with_name("settings.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Strict):
    path: str = ".data/xinping.duckdb"
    memory_limit: str = ""
    #: How long a command or a page waits for another process's write before it says so
    #: and stops (features/store/access.py).
    wait_seconds: float = Field(600.0, gt=0)
    #: Seconds the app keeps its write connection open after a change, for the next
    #: one (0: close at once); another process that wants the file is let in at once.
    app_keep_writer_seconds: float = Field(30.0, ge=0)


class SchemesSettings(_Strict):
    """Scheme folders beyond the shipped declarations (features/registry.py)."""

    #: Each subfolder holding a ``declaration.py`` is one scheme folder (relative paths
    #: are relative to the working directory).
    folders: tuple[Path, ...] = ()


class MlflowSettings(_Strict):
    home: str = "mlruns"
    ui_port: int = Field(5000, gt=0, lt=65536)


class DatesSettings(_Strict):
    """The latest day a rating, objection, repair, assessment or draw may be dated
    (:mod:`features.date_limit`): ``earliest`` = the store's data date or today, whichever
    is earlier; ``data`` = the data date; ``today`` = today."""

    latest: LatestRule = "earliest"

    def limit(self, store: Store, today: dt.date | None = None) -> DateLimit:
        """The limit on ``store`` today (or on ``today``)."""
        return date_limit(store, self.latest, today or dt.date.today())

    def limit_on(self, data: dt.date | None, today: dt.date | None = None) -> DateLimit:
        """The limit on a store whose data date is ``data`` (read already), today (or on
        ``today``)."""
        return limit_on(data, self.latest, today or dt.date.today())


class IngestSettings(_Strict):
    chunk_rows: int = Field(200_000, gt=0)


class LegacyWindows(_Strict):
    legacy_before: dt.date
    minor: tuple[int, int]
    general: tuple[int, int]
    serious: tuple[int, int]


class WindowSettings(_Strict):
    tiers: dict[str, tuple[int, int]]
    legacy: LegacyWindows
    sector_min_months: dict[str, int]
    list_months: dict[str, int]
    list_repair_min_months: dict[str, int]

    def policy(self) -> WindowPolicy:
        """The typed window policy the features package uses."""
        legacy = {k: TierWindow(*getattr(self.legacy, k)) for k in ("minor", "general", "serious")}
        return WindowPolicy(
            tiers={k: TierWindow(*v) for k, v in self.tiers.items()},
            legacy_tiers=legacy,
            legacy_before=self.legacy.legacy_before,
            sector_min_months=dict(self.sector_min_months),
            list_months=dict(self.list_months),
            list_repair_min_months=dict(self.list_repair_min_months),
        )


class FeatureSettings(_Strict):
    severity_weights: dict[str, float]


class ObjectionSettings(_Strict):
    acceptance_workdays: int = Field(2, ge=0)
    check_workdays: int = Field(2, ge=0)
    department_workdays: int = Field(10, ge=0)
    cap_days: int = Field(20, gt=0)
    holidays: tuple[dt.date, ...] = ()

    def rules(self):
        """The typed deadline rules the scoring package uses."""
        from scoring.objections import DeadlineRules

        return DeadlineRules(
            self.acceptance_workdays,
            self.check_workdays,
            self.department_workdays,
            self.cap_days,
            tuple(self.holidays),
        )


class RepairPlanSettings(_Strict):
    """``[repair_plan]``: the repair guidance (issue 19): month-ends projected, the best
    single repairs tried in pairs, and a city's own requirements file (empty: the shipped
    scoring/repair_requirements.toml)."""

    months: int = Field(36, ge=1, le=120)
    pair_of_best: int = Field(4, ge=0, le=10)
    requirements: str = ""

    def load(self):
        """The requirements (:func:`scoring.repair_requirements.load_requirements`)."""
        from scoring.repair_requirements import load_requirements

        return load_requirements(self.requirements or None)


class _Policy(_Strict):
    """A policy section: building its typed config at load time validates it."""

    def config(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @model_validator(mode="after")
    def _valid(self):
        self.config()
        return self


class InspectionClass(_Strict):
    ratio: float = Field(ge=0, le=1)
    allowed: tuple[float, float]
    cap_per_year: float | Literal["none"] = "none"


class InspectionSettings(_Policy):
    floor: float = Field(ge=0, le=1)
    top_up_order: tuple[str, ...]
    classes: dict[str, InspectionClass]

    def config(self) -> InspectionConfig:
        """The typed inspection policy."""
        return InspectionConfig(
            classes=tuple(
                ClassPolicy(
                    key, c.ratio, c.allowed, None if c.cap_per_year == "none" else c.cap_per_year
                )
                for key, c in self.classes.items()
            ),
            floor=self.floor,
            top_up_order=self.top_up_order,
        )


class KnockOutSettings(_Strict):
    key: str
    column: str
    op: str
    value: float | str
    reason_zh: str
    reason_en: str


class LendingSettings(_Policy):
    line_cap: float = Field(ge=0)
    line_step: float = Field(gt=0)
    multiples: dict[str, float]
    tiers: dict[str, str]
    knockouts: list[KnockOutSettings]

    def config(self) -> LendingConfig:
        """The typed 信易贷 policy."""
        return LendingConfig(
            knockouts=tuple(KnockOut(**k.model_dump()) for k in self.knockouts),
            multiples=tuple(self.multiples.items()),
            line_cap=self.line_cap,
            line_step=self.line_step,
            tiers=tuple(self.tiers.items()),
        )


class RuralSettings(_Policy):
    credit_grades: tuple[str, ...]
    village_min_credit_share: float
    village_min_on_time_share: float
    village_max_npl: float
    village_max_npl_increment: float | None = None
    township_min_credit_village_share: float
    township_max_npl: float
    top_n: int
    line_base: dict[str, float]
    line_asset_share: float
    line_income_share: float
    line_cap: float
    discount: dict[str, float]
    credit_village_discount: float
    credit_township_discount: float
    discount_cap: float

    def config(self) -> RuralConfig:
        """The typed rural policy."""
        data = self.model_dump()
        data["credit_grades"] = tuple(data["credit_grades"])
        data["line_base"] = tuple(self.line_base.items())
        data["discount"] = tuple(self.discount.items())
        return RuralConfig(**data)


class PointRuleSettings(_Strict):
    key: str
    kind: str
    points: int
    label_zh: str
    label_en: str
    values: tuple[str, ...] = ()
    min_value: float | None = None


class RuleFiguresSettings(_Strict):
    """A deployment's own figures for a declared points rule (``[rules.<key>]``,
    :meth:`features.rules.PointsRule.with_figures`); unset ones keep the declaration's."""

    cycle_months: int | None = None
    start: float | None = None
    bands: dict[str, float] = {}
    points: dict[str, float] = {}
    caps: dict[str, float] = {}


class DriverSettings(_Policy):
    window_months: int
    grades: dict[str, int]
    rules: list[PointRuleSettings]

    def config(self) -> DriverConfig:
        """The typed driver points rule (its grades must be the driver scale's: the points
        grade caps the final grade)."""
        from models.rating import load_scale

        scale = load_scale("driver").keys
        unknown = [g for g in self.grades if g not in scale]
        if unknown:
            raise ValueError(
                f"driver.grades {unknown} are not grades of the driver scale "
                f"({', '.join(scale)}, models/scales/driver.toml)"
            )
        return DriverConfig(
            rules=tuple(PointRule(**r.model_dump()) for r in self.rules),
            grades=tuple(self.grades.items()),
            window_months=self.window_months,
        )


class GreenChannelSettings(_Policy):
    years: int
    require_full_period: bool
    listing_kinds: tuple[str, ...]

    def config(self) -> GreenChannelConfig:
        """The typed green-channel rule."""
        return GreenChannelConfig(self.years, self.require_full_period, self.listing_kinds)


class ListRuleSettings(_Strict):
    """One entry rule of the managed lists (:class:`scoring.lists.ListRule`)."""

    id: str
    list: Literal["red", "black", "watch"]
    label_zh: str = ""
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    grade: str | None = None
    while_record: bool = False
    unless: tuple[Literal["red", "black", "watch"], ...] = ()

    @model_validator(mode="after")
    def _trigger(self):
        from features.records.kinds import KINDS
        from features.records.schema import SEVERITIES

        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"lists rule {self.id}: unknown record kinds {unknown}")
        bad = [s for s in self.severities if s not in SEVERITIES]
        if bad:
            raise ValueError(f"lists rule {self.id}: unknown severities {bad}")
        if self.grade is None and not (self.kinds or self.severities):
            raise ValueError(f"lists rule {self.id}: give kinds, severities or a grade")
        if self.grade is not None and self.grade.count(":") != 1:
            raise ValueError(f"lists rule {self.id}: grade {self.grade!r} is not scheme:grade")
        return self


class ListsSettings(_Strict):
    """The managed red, black and watch lists (DOMAIN.md "Lists", seed 002)."""

    months: dict[Literal["red", "black", "watch"], int] = {"black": 36, "red": 12, "watch": 36}
    repair_min_months: dict[Literal["red", "black", "watch"], int] = {
        "black": 12,
        "red": 0,
        "watch": 0,
    }
    red_drop_severities: tuple[str, ...] = ("general", "serious")
    reach_lists: tuple[Literal["red", "black", "watch"], ...] = ("black",)
    rules: tuple[ListRuleSettings, ...] = ()

    @model_validator(mode="after")
    def _unique(self):
        ids = [r.id for r in self.rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"lists: rule ids used twice: {twice}")
        return self

    def config(self):
        """The typed lists configuration."""
        from scoring.lists import ListRule, ListsConfig

        return ListsConfig(
            months=dict(self.months),
            repair_min_months=dict(self.repair_min_months),
            red_drop_severities=self.red_drop_severities,
            reach_lists=tuple(self.reach_lists),
            rules=tuple(
                ListRule(r.id, r.list, **r.model_dump(exclude={"id", "list"})) for r in self.rules
            ),
        )


class SigninSettings(_Strict):
    """Throttling and temporary locks of failed sign-ins (:class:`app.auth.SigninPolicy`)."""

    max_failures: int = Field(5, gt=0)
    window_minutes: float = Field(15, gt=0)
    lock_minutes: float = Field(15, gt=0)
    delay_seconds: float = Field(1.0, ge=0)
    max_delay_seconds: float = Field(30.0, ge=0)
    client_max_failures: int = Field(20, ge=0)

    def policy(self):
        """The typed sign-in policy."""
        from app.auth import SigninPolicy

        return SigninPolicy(**self.model_dump())


class AppSettings(_Strict):
    """The Streamlit app: address, demo accounts, who may see full personal IDs and who
    must give the subject's authorisation reference (授权编号) before any of its data;
    how long a signed session lasts and how failed sign-ins are throttled."""

    host: str = "127.0.0.1"
    port: int = Field(8501, gt=0, lt=65536)
    seed_demo_users: bool = True
    demo_password: str = "xinping2026"
    session_hours: float = Field(8, gt=0)
    signin: SigninSettings = SigninSettings()
    full_id_roles: tuple[str, ...] = ("rural", "admin")
    authorisation_roles: tuple[str, ...] = ("bank",)

    @model_validator(mode="after")
    def _known_roles(self):
        from app.auth import ROLES

        for key in ("full_id_roles", "authorisation_roles"):
            unknown = [r for r in getattr(self, key) if r not in ROLES]
            if unknown:
                raise ValueError(f"app.{key}: unknown roles {unknown}; known: {', '.join(ROLES)}")
        return self


class MonitorSettings(_Strict):
    """Monitoring thresholds (``xinping monitor``, 模型管理): PSI traffic lights (green below
    ``psi_amber``, red above ``psi_red``) and the one-sided Jeffreys test of the back-test."""

    psi_amber: float = Field(0.10, gt=0)
    psi_red: float = Field(0.25, gt=0)
    backtest_alpha: float = Field(0.05, gt=0, lt=0.5)

    @model_validator(mode="after")
    def _ordered(self):
        if self.psi_amber >= self.psi_red:
            raise ValueError(f"monitor: psi_amber {self.psi_amber} must be below psi_red")
        return self

    def config(self, min_auc: float):
        """The typed thresholds, with the training spec's ``min_auc`` for matured cohorts."""
        from training.monitor import MonitorConfig

        return MonitorConfig(self.psi_amber, self.psi_red, self.backtest_alpha, min_auc)


class ChecksSettings(_Strict):
    """Credit checks (信用核查, issue 17): record severity → seed 004 breach tier."""

    tiers: dict[
        Literal["minor", "general", "serious"], Literal["general", "heavier", "serious"]
    ] = {
        "minor": "general",
        "general": "heavier",
        "serious": "serious",
    }

    def config(self, windows: WindowPolicy):
        """The typed check configuration (reads records with ``windows``)."""
        from scoring.credit_check import CheckConfig

        return CheckConfig(tiers=dict(self.tiers), windows=windows)


class DisclosureSettings(_Strict):
    """Public credit disclosure (信用公示, issue 17): what the public sees, the 双公示
    deadline, the rate limit of the online identity check."""

    publish_minor: bool = False
    licence_months: int = Field(36, gt=0)
    deadline_workdays: int = Field(7, gt=0)
    max_rows: int = Field(200, gt=0)
    max_failures: int = Field(5, gt=0)
    window_minutes: int = Field(60, gt=0)

    def config(self, windows: WindowPolicy, holidays: tuple[dt.date, ...] = ()):
        """The typed disclosure configuration (windows and holidays from their sections)."""
        from scoring.disclosure import DisclosureConfig

        return DisclosureConfig(
            publish_minor=self.publish_minor,
            licence_months=self.licence_months,
            deadline_workdays=self.deadline_workdays,
            holidays=tuple(holidays),
            max_rows=self.max_rows,
            windows=windows,
        )

    def identity_rules(self):
        """The rate limit of failed identity checks per code."""
        from scoring.self_service import IdentityRules

        return IdentityRules(self.max_failures, self.window_minutes)


class ApiSettings(_Strict):
    """The departments' HTTP API (``xinping serve``, issue 17): address, the rate limit a new
    key gets unless told otherwise, and the most subjects one batch call may check."""

    host: str = "127.0.0.1"
    port: int = Field(8600, gt=0, lt=65536)
    default_rate_per_minute: int = Field(60, gt=0)
    batch_max: int = Field(100, gt=0)
    public_rate_per_minute: int = Field(60, gt=0)


class WatchSettings(_Strict):
    """Early warning (信用监测预警, issue 19; sources in settings.toml ``[watch]``): who is
    watched by rule and which changes raise an alert (:class:`scoring.watch.WatchConfig`)."""

    classes: tuple[Literal["A", "B", "C", "D"], ...] = ("D",)
    serious_lists: tuple[Literal["red", "black", "watch"], ...] = ("black",)
    alert_lists: tuple[Literal["red", "black", "watch"], ...] = ("black", "watch")
    serious_severities: tuple[Literal["minor", "general", "serious"], ...] = ("serious",)
    pd_threshold: float = Field(0.20, gt=0, le=1)
    pd_factor: float = Field(2.0, gt=1)
    pd_floor: float = Field(0.05, ge=0, le=1)
    deadline_workdays: int = Field(3, ge=0)
    period_months: int = Field(1, ge=1)
    top_movers: int = Field(20, ge=1)
    #: scheme → the grade a lowered grade must cross into to alert (unnamed schemes: any)
    boundaries: dict[str, str] = {
        "enterprise": "C",
        "sme": "B",
        "household": "NR",
        "driver": "B",
        "practitioner": "C",
        "social_org": "C",
        "agri_business": "B",
        "construction_credit": "C",
        "travel_agency_credit": "C",
    }

    def problem(self) -> str | None:
        """A ``boundaries`` entry naming a scheme that is not rated or a grade not on its
        scale, in one line; ``None`` when they hold (checked once the registry is active)."""
        from features.registry import scale_file
        from features.schemes import rated
        from models.rating import has_scale, load_scale

        for scheme, grade in self.boundaries.items():
            if scheme not in rated():
                return f"[watch] boundaries: {scheme!r} is not a rated scheme"
            keys = ("A", "B", "C", "D") if scheme == "enterprise" else ()
            if has_scale(scheme, scale_file(scheme)):
                keys = load_scale(scheme, path=scale_file(scheme)).keys
            if grade not in keys:
                return f"[watch] boundaries: {scheme} has no grade {grade!r} ({', '.join(keys)})"
        return None

    def config(self):
        """The typed thresholds."""
        from scoring.watch import WatchConfig

        return WatchConfig(
            classes=tuple(self.classes),
            serious_lists=tuple(self.serious_lists),
            alert_lists=tuple(self.alert_lists),
            serious_severities=tuple(self.serious_severities),
            pd_threshold=self.pd_threshold,
            pd_factor=self.pd_factor,
            pd_floor=self.pd_floor,
            deadline_workdays=self.deadline_workdays,
            period_months=self.period_months,
            top_movers=self.top_movers,
            boundaries=tuple(sorted(self.boundaries.items())),
        )


class QualitySettings(_Strict):
    """Department data quality (数据质量考核, issue 19): score weights, the defect rate at
    which each metric scores 0, volume bounds and required fields per kind."""

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    zero_at: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_ZERO_AT))
    volume_months: int = Field(12, gt=0)
    volume_low: float = Field(0.5, ge=0)
    volume_high: float = Field(2.0, gt=1)
    volume_min_usual: int = Field(30, ge=0)
    min_count: int = Field(20, ge=1)
    volume_basis: Literal["same_month", "previous_months"] = "same_month"
    volume_years: int = Field(3, ge=1)
    required: dict[str, tuple[str, ...]] = {}

    @model_validator(mode="after")
    def _valid(self) -> QualitySettings:
        self.config(DisclosureSettings().config(WindowPolicy()))  # checked at start
        return self

    def config(self, disclosure: Any):
        """The typed rules (deadline, its kinds and holidays from the disclosure config)."""
        from features.records.kinds import all_kinds
        from features.records.schema import TABLES
        from scoring.data_quality_config import QualityConfig

        for kind, cols in self.required.items():
            if kind != "*" and kind not in all_kinds():
                raise ValueError(f"[quality.required]: unknown record kind {kind!r}")
            unknown = set(cols) - set(TABLES["records"].column_names)
            if unknown:
                raise ValueError(f"[quality.required] {kind}: no records column {sorted(unknown)}")
        return QualityConfig(
            deadline_workdays=disclosure.deadline_workdays,
            holidays=tuple(disclosure.holidays),
            deadline_kinds=tuple(disclosure.kinds),
            required=dict(self.required),
            weights=dict(self.weights),
            zero_at=dict(self.zero_at),
            volume_months=self.volume_months,
            volume_low=self.volume_low,
            volume_high=self.volume_high,
            volume_min_usual=self.volume_min_usual,
            min_count=self.min_count,
            volume_basis=self.volume_basis,
            volume_years=self.volume_years,
        )


class Settings(_Strict):
    store: StoreSettings
    mlflow: MlflowSettings
    ingest: IngestSettings
    dates: DatesSettings = DatesSettings()
    windows: WindowSettings
    features: FeatureSettings
    objections: ObjectionSettings = ObjectionSettings()
    inspection: InspectionSettings
    lending: LendingSettings
    rural: RuralSettings
    driver: DriverSettings
    green_channel: GreenChannelSettings
    lists: ListsSettings = ListsSettings()
    checks: ChecksSettings = ChecksSettings()
    disclosure: DisclosureSettings = DisclosureSettings()
    app: AppSettings = AppSettings()
    monitor: MonitorSettings = MonitorSettings()
    api: ApiSettings = ApiSettings()
    quality: QualitySettings = QualitySettings()
    repair_plan: RepairPlanSettings = RepairPlanSettings()
    schemes: SchemesSettings = SchemesSettings()
    watch: WatchSettings = WatchSettings()
    #: a city's own figures of the declared points rules, by rule key (``[driver]`` sets
    #: the drivers' driver_integrity)
    rules: dict[str, RuleFiguresSettings] = {}

    def activate_schemes(self) -> None:
        """Make the shipped declarations plus ``[schemes] folders`` the process's registry.

        Raises
        ------
        features.registry.RegistryError
            A folder that is missing, a declaration that imports what it may not or
            fails to load, or a key declared twice (the message names where).
        """
        from features import registry

        wanted = tuple(Path(f) for f in self.schemes.folders)
        now = registry.current()
        if now is not None and now.folders == wanted:
            return  # already this process's registry: every door may call this on each start
        if wanted or (now is not None and now.folders):
            registry.activate(registry.build(wanted))

    def schemes_problem(self) -> str | None:
        """Activate the configured scheme folders (:meth:`activate_schemes`); why they cannot
        be, in one line naming the folder and file, or ``None``. Every door (command line, app,
        HTTP API, Spark job) calls this before it reads a scheme."""
        from features.registry import RegistryError

        try:
            self.activate_schemes()
        except RegistryError as exc:
            return f"[schemes] folders: {' '.join(str(exc).split())}"
        try:  # a [rules.<key>] may name a rule a scheme folder declares: checked once active
            self.rule_figures()
        except ValueError as exc:
            return " ".join(str(exc).split())
        return self.watch.problem()  # [watch] boundaries name schemes and their grades

    def rating_policies(self):
        """The published rules and flags every rating computes, with this deployment's
        parameters: ``[driver]`` is the declared driver_integrity rule's, ``[green_channel]``
        the declared green_channel flag's (features/definitions/), ``[rules.<key>]`` a city's
        own figures of any other declared points rule (:meth:`rule_figures`)."""
        from scoring.batch import RatingPolicies

        return RatingPolicies(
            rules=(self.driver.config().rule(), *self.rule_figures()),
            flags=(self.green_channel.config().flag(),),
        )

    def rule_figures(self) -> tuple:
        """The declared points rules that ``[rules.<key>]`` gives figures of, with them.

        Raises
        ------
        ValueError
            A key no scheme declares a rule under, the drivers' rule (set by ``[driver]``),
            or figures the rule refuses; the message names ``[rules.<key>]``.
        """
        from features.schemes import schemes

        declared = {r.key: r for sch in schemes().values() for r in sch.rules}
        driver = self.driver.config().rule().key
        out = []
        for key, figures in self.rules.items():
            if key == driver:
                raise ValueError(f"[rules.{key}]: the drivers' points rule is set in [driver]")
            if key not in declared:
                raise ValueError(
                    f"[rules.{key}]: no scheme declares a points rule {key!r}; declared: "
                    f"{', '.join(sorted(declared))}"
                )
            try:
                out.append(declared[key].with_figures(**figures.model_dump()))
            except ValueError as exc:
                raise ValueError(f"[rules.{key}]: {exc}") from None
        return tuple(out)

    def casework(self) -> tuple[Path, BuildConfig, Any]:
        """What every re-rating after a change takes (:mod:`scoring.casework`): the MLflow
        home, the indicator build and the rating policies — the same on every door."""
        return Path(self.mlflow.home), self.build_config(), self.rating_policies()

    def disclosure_config(self):
        """The disclosure configuration with the windows and holidays in force."""
        return self.disclosure.config(self.windows.policy(), self.objections.holidays)

    def quality_config(self):
        """The department data-quality rules with the 双公示 deadline and holidays in force."""
        return self.quality.config(self.disclosure_config())

    def build_config(self) -> BuildConfig:
        """The typed configuration of indicator builds."""
        return BuildConfig(
            windows=self.windows.policy(),
            severity_weights=tuple(self.features.severity_weights.items()),
        )


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(path: str | Path | None = None) -> Settings:
    """Default settings, overlaid with ``path`` (or ``$XINPING_SETTINGS``) and the environment."""
    # through importlib.resources: also readable when the package runs from a
    # zip (a wheel on spark-submit's --py-files)
    shipped = resources.files("app").joinpath(DEFAULT_FILE.name)
    data = tomllib.loads(shipped.read_text(encoding="utf-8"))
    extra = path or os.environ.get("XINPING_SETTINGS")
    if extra:
        data = _merge(data, tomllib.loads(Path(extra).read_text(encoding="utf-8")))
    if os.environ.get("XINPING_STORE"):
        data["store"]["path"] = os.environ["XINPING_STORE"]
    return Settings.model_validate(data)


SECRET_ENV = "XINPING_SECRET_KEY"
_MEMORY_KEY = secrets.token_hex(32)


def secret_key(store_path: str | Path) -> bytes:
    """The key that signs the app's session tokens.

    ``$XINPING_SECRET_KEY`` when set (at least 32 characters), else the key kept in
    ``<store>.secret_key`` beside the store file, created (64 random hex digits, mode
    0600) when missing. A store in memory gets a key that lives as long as the process.

    Raises
    ------
    ValueError
        When the environment's key is shorter than 32 characters.
    """
    env = os.environ.get(SECRET_ENV)
    if env:
        if len(env) < 32:
            raise ValueError(f"{SECRET_ENV} is {len(env)} characters long; use at least 32")
        return env.encode("utf-8")
    if str(store_path) == ":memory:":
        return _MEMORY_KEY.encode("ascii")
    path = Path(store_path)
    path = path.with_name(path.name + ".secret_key")
    try:
        # created exclusively, owner-only from the first byte (no window with wider rights)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fd = None
    if fd is not None:
        key = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
        return key.encode("ascii")
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    key = path.read_text(encoding="ascii").strip()
    for _ in range(50):  # another thread or process may be writing it this instant
        if key:
            break
        time.sleep(0.02)
        key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"{path} holds a key of {len(key)} characters; use at least 32")
    return key.encode("ascii")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Settings of this process (read once)."""
    return load_settings()
