"""Loading champions: one registry read of every alias gives what each scheme's own
look-up gives, and follows the aliases as they move."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.schemes import rule_only
from models.registry import CHAMPION, connect, model_name
from scoring.loader import NoModelError, champions, load_model


def _one_by_one(home: Path, keys: list[str]) -> tuple[dict, tuple[str, ...]]:
    models, missing = {}, []
    for key in keys:
        try:
            models[key] = load_model(key, home)
        except NoModelError as exc:
            missing.append(str(exc))
    return models, tuple(missing)


def test_champions_are_each_scheme_s_own_look_up(mlflow_home: Path) -> None:
    keys = ["enterprise", "driver", "household", sorted(rule_only())[0]]
    first = champions(mlflow_home, keys)  # loads (the slow path)
    again = champions(mlflow_home, keys)  # the loaded versions, by one alias read
    assert first == again == _one_by_one(mlflow_home, keys)
    models, missing = again
    assert set(models) == {"enterprise", "driver", keys[-1]}
    assert len(missing) == 1 and "xinping-household" in missing[0]
    assert models["enterprise"].run_id and models["enterprise"].alias == CHAMPION


def test_champions_follow_the_alias(mlflow_home: Path) -> None:
    client = connect(mlflow_home)
    name = model_name("driver")
    version = client.get_model_version_by_alias(name, CHAMPION).version
    assert "driver" in champions(mlflow_home, ["driver"])[0]
    client.delete_registered_model_alias(name, CHAMPION)
    try:
        models, missing = champions(mlflow_home, ["driver"])
        assert models == {} and missing == _one_by_one(mlflow_home, ["driver"])[1]
        with pytest.raises(NoModelError):
            load_model("driver", mlflow_home)
    finally:
        client.set_registered_model_alias(name, CHAMPION, version)
    assert champions(mlflow_home, ["driver"])[0]["driver"].version == str(version)


def test_the_aliases_are_read_again_only_when_the_registry_file_changed(
    mlflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scoring.loader as loader

    reads: list[int] = []
    read = loader._read_champion_versions

    def counted(home):
        reads.append(1)
        return read(home)

    monkeypatch.setattr(loader, "_read_champion_versions", counted)
    champions(mlflow_home, ["driver"])
    champions(mlflow_home, ["driver"])
    assert len(reads) <= 1  # the second call found the file as the first read it
    client = connect(mlflow_home)
    name = model_name("driver")
    version = client.get_model_version_by_alias(name, CHAMPION).version
    client.delete_registered_model_alias(name, CHAMPION)
    try:
        before = len(reads)
        assert champions(mlflow_home, ["driver"])[0] == {}  # the alias moved: read again
        assert len(reads) == before + 1
    finally:
        client.set_registered_model_alias(name, CHAMPION, version)
    assert champions(mlflow_home, ["driver"])[0]["driver"].version == str(version)
