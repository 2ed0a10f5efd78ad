"""Champion/challenger: move ``champion`` only through the spec's gates.

The challenger must pass every gate on its own out-of-time report and rank at
least as well as the current champion (minus the spec's tolerance) on the same
out-of-time snapshots, rebuilt from the store now. Otherwise nothing changes
and the failing gates are named. ``force`` with a reason overrides, and the
reason is written on the version.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from features.build import build_training_frame
from features.schemes import get_scheme
from features.store.base import Store
from models import metrics
from models.pipeline import MissingIndicatorsError
from training import tracking
from training.fit import weights_of
from training.gates import check_gates
from training.run import training_sample
from training.spec import TrainingSpec


@dataclass
class PromoteResult:
    """The decision and the evidence behind it."""

    scheme: str
    promoted: bool
    challenger: str | None
    champion_before: str | None
    challenger_auc: float | None = None
    champion_auc: float | None = None
    failed: list[str] = field(default_factory=list)
    forced: bool = False
    unchanged: bool = False  # the challenger already is the champion
    notes: list[str] = field(default_factory=list)


def _num(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _auc_on(model_uri: str, frame) -> float:
    from models.pyfunc import load_pipeline

    pipeline = load_pipeline(model_uri)
    return metrics.auc(frame["label"].to_numpy(int), pipeline.predict_pd(frame), weights_of(frame))


def promote(
    store: Store,
    scheme: str,
    spec: TrainingSpec,
    home: Path,
    force: bool = False,
    reason: str | None = None,
    user: str = "cli",
) -> PromoteResult:
    """Promote the challenger of ``scheme`` if it passes the gates and beats the champion."""
    if force and not reason:
        raise ValueError("--force needs --reason: the reason is recorded on the version")
    client = tracking.connect(home)
    name = tracking.model_name(scheme)
    challenger = tracking.version_by_alias(client, scheme, tracking.CHALLENGER)
    champion = tracking.version_by_alias(client, scheme, tracking.CHAMPION)
    if challenger is None:
        return PromoteResult(
            scheme,
            False,
            None,
            champion.version if champion else None,
            failed=["no challenger: run `xinping train` first"],
        )
    result = PromoteResult(
        scheme, False, challenger.version, champion.version if champion else None, forced=force
    )
    if champion is not None and champion.version == challenger.version:
        result.unchanged = True
        return result
    # the spec's gates, judged on the challenger's own out-of-time report
    report_path = client.download_artifacts(challenger.run_id, "report/report.json")
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    result.failed += [
        f"gate {g['gate']}: {_num(g['value'])} vs {_num(g['threshold'])}"
        + (f" ({g['detail']})" if g.get("detail") else "")
        for g in check_gates(report, spec.gates)
        if not g["passed"]
    ]
    # the out-of-time snapshots under the spec's bound, as training drew them (weighted)
    oot_sample, _ = training_sample(
        store, get_scheme(scheme), spec, list(spec.snapshots.oot), bound=spec.sample.oot_max_rows
    )
    oot = build_training_frame(store, scheme, spec.snapshots.oot, sample=oot_sample)
    try:
        result.challenger_auc = _auc_on(f"models:/{name}/{challenger.version}", oot)
    except MissingIndicatorsError as exc:
        # trained on indicators the declarations no longer build: it could not rate
        result.failed.append(
            f"challenger v{challenger.version} cannot read today's indicators "
            f"({', '.join(exc.missing)}): retrain"
        )
        return result
    if champion is not None:
        try:
            result.champion_auc = _auc_on(f"models:/{name}/{champion.version}", oot)
        except MissingIndicatorsError as exc:
            # the champion reads indicators the declarations no longer build: it cannot
            # rate today's data at all, so there is nothing to compare with
            result.notes.append(
                f"champion v{champion.version} cannot read today's indicators "
                f"({', '.join(exc.missing)}): not compared"
            )
    tolerance = spec.gates.tolerance_vs_champion
    if result.champion_auc is not None and (
        result.challenger_auc < result.champion_auc - tolerance
    ):
        result.failed.append(
            f"out-of-time AUC {result.challenger_auc:.4f} below the champion's "
            f"{result.champion_auc:.4f} (tolerance {tolerance})"
        )
    if result.failed and not force:
        return result
    client.set_registered_model_alias(name, tracking.CHAMPION, challenger.version)
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    client.set_model_version_tag(name, challenger.version, "promoted_at", stamp)
    client.set_model_version_tag(name, challenger.version, "promoted_by", user)
    if champion is not None:
        client.set_model_version_tag(name, challenger.version, "replaced", champion.version)
    if force:
        client.set_model_version_tag(name, challenger.version, "forced_reason", reason or "")
        client.set_model_version_tag(
            name, challenger.version, "forced_over", "; ".join(result.failed)
        )
    result.promoted = True
    return result
