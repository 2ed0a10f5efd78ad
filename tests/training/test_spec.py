"""Training specs: typed, unknown keys rejected, snapshots in time order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from features.schemes import modelled
from training.spec import SPECS_DIR, Features, TrainingSpec, load_spec

SHIPPED = sorted(p.stem for p in SPECS_DIR.glob("*.toml"))

MINIMAL = """
scheme = "tiny"
{top}

[snapshots]
train = [{train}]
validation = [{validation}]
oot = [{oot}]

[gbm]
n_estimators = 50
{gbm}
"""


def _write(
    folder: Path,
    top: str = "",
    gbm: str = "",
    train: str = "2022-12-31, 2023-03-31",
    validation: str = "2023-06-30",
    oot: str = "2024-06-30, 2024-09-30",
) -> Path:
    path = folder / "tiny.toml"
    path.write_text(
        MINIMAL.format(top=top, gbm=gbm, train=train, validation=validation, oot=oot),
        encoding="utf-8",
    )
    return path


def test_every_modelled_scheme_ships_a_spec() -> None:
    assert set(SHIPPED) == set(modelled())


@pytest.mark.parametrize("scheme", SHIPPED)
def test_every_shipped_spec_loads(scheme: str) -> None:
    spec = load_spec(scheme)
    assert isinstance(spec, TrainingSpec)
    assert spec.scheme == scheme
    s = spec.snapshots
    assert max(s.train) < min(s.validation) and max(s.validation) < min(s.oot)
    assert list(s.train) == sorted(s.train) and list(s.oot) == sorted(s.oot)
    assert len(s.oot) >= 2  # the migration matrix needs two out-of-time dates
    assert spec.family in ("scorecard", "gbm", "both")


def test_minimal_spec_takes_defaults(tmp_path: Path) -> None:
    _write(tmp_path)
    spec = load_spec("tiny", tmp_path)
    assert spec.family == "both" and spec.gbm.n_estimators == 50
    assert spec.snapshots.validation == (dt.date(2023, 6, 30),)
    assert spec.gates.min_auc == TrainingSpec.model_fields["gates"].default.min_auc


def test_specs_are_frozen(tmp_path: Path) -> None:
    _write(tmp_path)
    spec = load_spec("tiny", tmp_path)
    with pytest.raises(ValueError):
        spec.seed = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"top": "colour = 1"}, "colour"),
        ({"gbm": "max_depth = 3"}, "max_depth"),
        ({"top": "[gates]\nmin_gini = 0.3"}, "min_gini"),
    ],
    ids=["top level", "gbm", "gates"],
)
def test_unknown_key_rejected_naming_the_file(tmp_path: Path, kwargs: dict, key: str) -> None:
    path = _write(tmp_path, **kwargs)
    with pytest.raises(ValueError, match=key) as err:
        load_spec("tiny", tmp_path)
    assert str(path) in str(err.value)


def test_bad_values_rejected(tmp_path: Path) -> None:
    _write(tmp_path, top='family = "forest"')
    with pytest.raises(ValueError, match="family"):
        load_spec("tiny", tmp_path)
    _write(tmp_path, gbm="learning_rate = 0")
    with pytest.raises(ValueError, match="learning_rate"):
        load_spec("tiny", tmp_path)


@pytest.mark.parametrize("validation", ["2023-03-31", "2023-01-31"])
def test_validation_after_every_training_snapshot(tmp_path: Path, validation: str) -> None:
    _write(tmp_path, validation=validation)
    with pytest.raises(ValueError, match="validation snapshots must come after") as err:
        load_spec("tiny", tmp_path)
    assert "tiny.toml" in str(err.value)


@pytest.mark.parametrize("oot", ["2023-06-30, 2024-06-30", "2023-05-31"])
def test_oot_after_validation(tmp_path: Path, oot: str) -> None:
    _write(tmp_path, oot=oot)
    with pytest.raises(ValueError, match="out-of-time snapshots must come after"):
        load_spec("tiny", tmp_path)


def test_empty_snapshot_lists_rejected(tmp_path: Path) -> None:
    _write(tmp_path, oot="")
    with pytest.raises(ValueError, match="oot"):
        load_spec("tiny", tmp_path)


def test_missing_spec(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no training spec for 'village'"):
        load_spec("village", tmp_path)


@pytest.mark.parametrize("scheme", SHIPPED)
def test_a_shipped_spec_excludes_only_indicators_of_its_scheme(scheme: str) -> None:
    from features.schemes import get_scheme
    from training.fit import model_indicators

    spec = load_spec(scheme)
    used = {i.name for i in model_indicators(get_scheme(scheme), spec)}
    names = {i.name for i in get_scheme(scheme).indicators}
    assert used == names - set(spec.features.exclude)


def test_an_excluded_indicator_is_left_out_of_the_model_and_a_stray_name_refused(
    tmp_path: Path,
) -> None:
    from features.schemes import get_scheme
    from training.fit import make_estimator, model_indicators

    scheme = get_scheme("practitioner")
    path = _write(tmp_path)
    with path.open("a", encoding="utf-8") as f:
        f.write('\n[features]\nexclude = ["profession"]\n')
    spec = load_spec("tiny", tmp_path)
    assert spec.features.exclude == ("profession",)
    used = [i.name for i in model_indicators(scheme, spec)]
    assert "profession" not in used and len(used) == len(scheme.indicators) - 1
    assert "profession" not in make_estimator("gbm", scheme, spec).categorical_features
    stray = spec.model_copy(update={"features": Features(exclude=("nope",))})
    with pytest.raises(ValueError, match=r"practitioner.*exclude names no indicator.*nope"):
        model_indicators(scheme, stray)
