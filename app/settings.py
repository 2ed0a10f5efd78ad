"""Settings: the only place that reads settings files and environment variables.

``app/settings.toml`` ships DOMAIN.md's defaults. ``XINPING_SETTINGS`` may name
another TOML file whose values override them; ``XINPING_STORE`` overrides the
store path. The result is validated (unknown keys are errors) and handed down
as typed objects.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from features.compile import BuildConfig
from features.records.windows import TierWindow, WindowPolicy

DEFAULT_FILE = Path(__file__).with_name("settings.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Strict):
    path: str = ".data/xinping.duckdb"
    memory_limit: str = ""


class MlflowSettings(_Strict):
    home: str = "mlruns"
    ui_port: int = Field(5000, gt=0, lt=65536)


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
        legacy = {
            k: TierWindow(*getattr(self.legacy, k)) for k in ("minor", "general", "serious")
        }
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

        return DeadlineRules(self.acceptance_workdays, self.check_workdays,
                             self.department_workdays, self.cap_days, tuple(self.holidays))


class AppSettings(_Strict):
    """The Streamlit app: address, demo accounts and who may see full personal IDs."""

    host: str = "127.0.0.1"
    port: int = Field(8501, gt=0, lt=65536)
    seed_demo_users: bool = True
    demo_password: str = "xinping2026"
    full_id_roles: tuple[str, ...] = ("rural", "admin")


class Settings(_Strict):
    store: StoreSettings
    mlflow: MlflowSettings
    ingest: IngestSettings
    windows: WindowSettings
    features: FeatureSettings
    objections: ObjectionSettings = ObjectionSettings()
    app: AppSettings = AppSettings()

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
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    extra = path or os.environ.get("XINPING_SETTINGS")
    if extra:
        data = _merge(data, tomllib.loads(Path(extra).read_text(encoding="utf-8")))
    if os.environ.get("XINPING_STORE"):
        data["store"]["path"] = os.environ["XINPING_STORE"]
    return Settings.model_validate(data)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Settings of this process (read once)."""
    return load_settings()
