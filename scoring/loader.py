"""Load the model a scheme is scored with: ``models:/xinping-<scheme>@champion``.

The alias is resolved to a version number first and the version is loaded by
number, so a promotion during a run cannot mix two models in one batch, and
every rating names the exact version and run that produced it. Loaded
pipelines are cached per process (one-subject re-rating must not pay MLflow's
load time every time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from features.schemes import rule_only
from models.pipeline import RatingPipeline
from models.pyfunc import load_pipeline
from models.registry import (
    CHAMPION,
    connect,
    is_uri,
    model_name,
    registry_uri,
    version_by_alias,
)
from scoring.rule_rating import (
    RULE_ALIAS,
    RULE_MODEL_PREFIX,
    RulePipeline,
    rule_pipeline,
    rule_version,
)


class NoModelError(LookupError):
    """The scheme has no model version under the alias asked for."""


@dataclass(frozen=True)
class LoadedModel:
    """A registered model version and the rating pipeline inside it."""

    scheme: str
    name: str
    version: str
    run_id: str | None
    alias: str
    pipeline: RatingPipeline | RulePipeline  # RulePipeline: a scheme rated by its rule alone


_CACHE: dict[tuple[str, str, str], RatingPipeline] = {}
#: the run of each loaded version (a registered version never changes its run)
_RUNS: dict[tuple[str, str, str], str | None] = {}


def rule_model(scheme: str) -> LoadedModel:
    """The stand-in champion of a scheme rated by its published rule alone.

    Named ``rule:<scheme>``, its version a digest of the rule's declaration (a
    changed rule is a new version in the ratings), no run, alias ``rule``; its
    pipeline is :class:`scoring.rule_rating.RulePipeline`.

    Raises
    ------
    ValueError
        When ``scheme`` is not rated by a rule alone.
    """
    pipe = rule_pipeline(scheme)
    return LoadedModel(
        scheme, RULE_MODEL_PREFIX + scheme, rule_version(pipe), None, RULE_ALIAS, pipe
    )


def load_model(scheme: str, home: Path | str, alias: str = CHAMPION) -> LoadedModel:
    """The version of ``xinping-<scheme>`` holding ``alias`` in the registry at ``home``.

    Parameters
    ----------
    scheme
        Scheme key (``enterprise``, ``sme``, ``household``, ``driver``).
    home
        MLflow home (``mlflow.db`` and ``artifacts/``), or the URI of a tracking
        server or database holding the registry (a cluster, docs/spark-runbook.md).
    alias
        ``champion`` (what scoring uses) or ``challenger``.

    A scheme rated by a published rule alone (:func:`features.schemes.rule_only`)
    has no model: its stand-in (:func:`rule_model`) is returned.

    Raises
    ------
    NoModelError
        When no version holds the alias: train and promote first.
    """
    if scheme in rule_only():
        # rated by its published rule alone: no model to load, whatever the alias
        return rule_model(scheme)
    client = connect(home)
    version = version_by_alias(client, scheme, alias)
    if version is None:
        raise NoModelError(
            f"{model_name(scheme)} has no {alias!r} version in {registry_uri(home)}: "
            f"run `xinping train --subject {scheme}` and `xinping promote --subject {scheme}`"
        )
    key = (registry_uri(home), model_name(scheme), str(version.version))
    if key not in _CACHE:
        _CACHE[key] = load_pipeline(f"models:/{model_name(scheme)}/{version.version}")
    _RUNS[key] = version.run_id
    return LoadedModel(
        scheme, model_name(scheme), str(version.version), version.run_id, alias, _CACHE[key]
    )


def champions(
    home: Path | str, schemes: Iterable[str]
) -> tuple[dict[str, LoadedModel], tuple[str, ...]]:
    """The champion of each of ``schemes`` that has one, and why each other has none.

    Returns
    -------
    (dict, tuple)
        Scheme → loaded champion, and one :class:`NoModelError` message per
        scheme without a champion (train and promote first).
    """
    models: dict[str, LoadedModel] = {}
    missing: list[str] = []
    # one read of every alias instead of one per scheme: a change re-rated from the app
    # asks for every champion (7 registry reads were 0.15-0.4 s of a resolution)
    held = _champion_versions(home)
    uri = registry_uri(home)
    for key in schemes:
        cached = (uri, model_name(key), held.get(model_name(key), ""))
        if key not in rule_only() and cached in _CACHE and cached in _RUNS:
            name, version = cached[1], cached[2]
            models[key] = LoadedModel(key, name, version, _RUNS[cached], CHAMPION, _CACHE[cached])
            continue
        try:  # not loaded yet, a rule, or no champion: the one authoritative look-up
            models[key] = load_model(key, home)
        except NoModelError as exc:
            missing.append(str(exc))
    return models, tuple(missing)


#: the last alias read of each local registry, with the file's signature when read
_ALIASES: dict[str, tuple[tuple[int, ...], dict[str, str]]] = {}


def _registry_signature(home: Path | str) -> tuple[int, ...] | None:
    """The local registry file's (inode, size, mtime), and its write-ahead log's if it
    has one: every promotion writes one of them, so an unchanged signature means
    unchanged aliases (``None`` for a remote registry)."""
    if is_uri(home):
        return None
    db = Path(home) / "mlflow.db"
    out: list[int] = []
    for path in (db, db.with_name(db.name + "-wal")):
        try:
            st = path.stat()
        except FileNotFoundError:
            if path == db:
                return None
            out += [0, 0, 0]
            continue
        out += [st.st_ino, st.st_size, st.st_mtime_ns]
    return tuple(out)


def _champion_versions(home: Path | str) -> dict[str, str]:
    """Registered model name → the version holding ``champion``, of every xinping model
    (read in one search; a model whose aliases the registry does not list is left out).

    A local registry whose file has not changed since the last read is not read again:
    a change re-rated from the app asks for every champion (0.1-0.3 s of a resolution
    on 2 busy cores), and only a promotion (a write to the file) moves an alias.
    """
    signature = _registry_signature(home)
    key = registry_uri(home)
    held = _ALIASES.get(key)
    if signature is not None and held is not None and held[0] == signature:
        return dict(held[1])
    out = _read_champion_versions(home)
    if signature is not None:
        _ALIASES[key] = (signature, dict(out))
    return out


def _read_champion_versions(home: Path | str) -> dict[str, str]:
    client = connect(home)
    out: dict[str, str] = {}
    token = None
    while True:
        page = client.search_registered_models(
            filter_string="name LIKE 'xinping-%'", page_token=token
        )
        for registered in page:
            version = (getattr(registered, "aliases", None) or {}).get(CHAMPION)
            if version is not None:
                out[registered.name] = str(version)
        token = getattr(page, "token", None)
        if not token:
            return out
