"""Policy sections of the settings: DOMAIN.md defaults, typed configs, strict validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import load_settings
from scoring.policies.driver import DriverConfig
from scoring.policies.green_channel import GreenChannelConfig
from scoring.policies.inspection import InspectionConfig
from scoring.policies.lending import LendingConfig
from scoring.policies.rural import RuralConfig


def test_shipped_settings_are_the_domain_defaults() -> None:
    s = load_settings()
    assert s.inspection.config() == InspectionConfig()
    assert s.lending.config() == LendingConfig()
    assert s.rural.config() == RuralConfig()
    assert s.driver.config() == DriverConfig()
    assert s.green_channel.config() == GreenChannelConfig()


def test_a_deployment_overrides_values(tmp_path) -> None:
    local = tmp_path / "local.toml"
    local.write_text(
        "[inspection.classes.A]\nratio = 0.04\ncap_per_year = 1\n"
        "[inspection.classes.D]\nratio = 0.9\n"
        "[rural]\nvillage_min_credit_share = 0.5\nvillage_max_npl_increment = 0.01\n"
        "[lending.multiples]\nAAA = 6\n"
        "[green_channel]\nyears = 2\n",
        encoding="utf-8",
    )
    s = load_settings(local)
    insp = s.inspection.config()
    assert insp.policy("A").ratio == 0.04 and insp.policy("A").cap_per_year == 1
    assert insp.policy("A").allowed == (0.0, 0.05)  # kept from the defaults
    assert insp.policy("D").ratio == 0.9 and insp.policy("D").cap_per_year is None
    assert s.rural.config().village_min_credit_share == 0.5
    assert s.rural.config().village_max_npl_increment == 0.01
    assert load_settings().rural.config().village_max_npl_increment is None  # off by default
    assert dict(s.lending.config().multiples)["AAA"] == 6
    assert s.green_channel.config().years == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[inspection.classes.A]\nratio = 0.08\n", "outside the allowed range"),
        ("[inspection.classes.C]\nratio = 0.1\n", "outside the allowed range"),
        ("[inspection]\nflor = 0.03\n", "flor"),
        ("[rural]\nvillage_max_npl = 3\n", "village_max_npl"),
        ('[lending.tiers]\nAAA = "cheap"\n', "rate tier"),
        ("[driver.grades]\nAAA = 5\n", "rising from 0"),
        # the points grade caps the final grade: it must be a grade of the driver scale
        ("[driver.grades]\nC = 30\n", "not grades of the driver scale"),
        # arrears are a stock at the date now: the old flow rule's keys are unknown
        ("[rural]\non_time_grace_days = 30\n", "on_time_grace_days"),
        ("[rural]\nvillage_max_npl_increment = 2\n", "village_max_npl_increment"),
        (
            '[[driver.rules]]\nkey = "x"\nkind = "overloading"\npoints = 1\nlabel_zh = "超载"\n'
            'label_en = "overloading"\ncolour = "red"\n',
            "colour",
        ),
    ],
)
def test_bad_values_and_unknown_keys_are_rejected(tmp_path, text, match) -> None:
    local = tmp_path / "bad.toml"
    local.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=match):
        load_settings(local)
