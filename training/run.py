"""Train a scheme: snapshots → fit → calibrate → grade bands → validate → MLflow.

``train_scheme`` picks the family the spec allows by time-series
cross-validation over the fully observed snapshots (each validation snapshot
predicted by a model fitted a full label horizon before it), refits it on all of
them, calibrates the PDs to the latest fully observed default level, fits the
grade bands, writes the validation report on the out-of-time snapshots, and
registers the whole inference path as a new version of ``xinping-<scheme>`` with
alias ``challenger``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features import registry
from features.build import build_training_frame, snapshot_counts
from features.dsl import Scheme
from features.exports import write_csv
from features.history import scheme_history_start, uncovered
from features.sample import NonDefaultSample, fraction_for
from features.schemes import get_scheme
from features.store.base import Store
from models.pipeline import RatingPipeline, encode_ordinal
from training import tracking
from training.evaluate import evaluate
from training.fit import Frames, Progress, fit_pipeline
from training.gates import check_gates
from training.reference import REFERENCE_PATH, population_reference
from training.report import render_html
from training.report_figures import figures
from training.spec import TrainingSpec, spec_file


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced."""

    scheme: str
    run_id: str
    version: str
    family: str
    report: dict
    fingerprint: str


def history_check(store: Store, scheme: Scheme, spec: TrainingSpec) -> dict:
    """Which of the spec's snapshots the store's history covers (:mod:`features.history`).

    Returns ``start`` (history start per kind), ``waived`` (the spec's waived
    indicators), ``kept`` (per part, the dates kept), ``dropped`` (each dropped date,
    its part and the uncovered indicators) and ``waived_uncovered`` (dates kept although
    a waived indicator is uncovered there, with those indicators).
    """
    starts = scheme_history_start(store, scheme)
    waived = set(spec.history.waived)
    snaps = spec.snapshots
    out: dict = {
        "start": {k: v.isoformat() for k, v in sorted(starts.items())},
        "waived": sorted(waived),
        "kept": {},
        "dropped": [],
        "waived_uncovered": [],
    }
    for part, dates in (
        ("train", snaps.train),
        ("validation", snaps.validation),
        ("oot", snaps.oot),
    ):
        gaps = uncovered(scheme, starts, dates)
        out["kept"][part] = []
        for day in dates:
            hard = [n for n in gaps[day] if n not in waived]
            if hard:
                out["dropped"].append({"as_of": day.isoformat(), "part": part, "uncovered": hard})
                continue
            out["kept"][part].append(day.isoformat())
            soft = [n for n in gaps[day] if n in waived]
            if soft:
                out["waived_uncovered"].append({"as_of": day.isoformat(), "indicators": soft})
    return out


def training_sample(
    store: Store,
    scheme: Scheme,
    spec: TrainingSpec,
    dates: list[dt.date],
    engine: str = "duckdb",
    bound: int | None = None,
) -> tuple[NonDefaultSample | None, dict]:
    """The sample of the snapshots ``dates`` under ``bound`` rows (default: the spec's
    ``[sample] max_rows``; 0 never samples).

    Returns the sample (``None`` when the full snapshots fit) and what the report and
    MLflow record of it: the bound, the full snapshots' rows and defaults, the share of
    non-defaults kept and their weight.
    """
    bound = spec.sample.max_rows if bound is None else bound
    info: dict = {"max_rows": bound, "seed": spec.seed, "sampled": False}
    if bound == 0:
        return None, info
    counts = snapshot_counts(store, scheme, dates, engine)
    subjects, defaults = int(counts["subjects"].sum()), int(counts["defaults"].sum())
    info.update({"full_rows": subjects, "full_defaults": defaults})
    fraction = fraction_for(bound, subjects, defaults)
    if fraction >= 1:
        return None, info
    sample = NonDefaultSample(fraction, spec.seed)
    info.update(
        {
            "sampled": True,
            "non_default_share": sample.kept_share,
            "non_default_weight": sample.weight,
        }
    )
    return sample, info


def build_frames(
    store: Store,
    scheme: Scheme,
    spec: TrainingSpec,
    progress: Progress | None = None,
    engine: str = "duckdb",
) -> Frames:
    """Labelled snapshots for training, validation and out-of-time, each kept only when
    the store's history covers it (:func:`history_check`; the result is ``history``).

    The fitted snapshots (``train`` and ``validation``) are drawn as the weighted sample
    of :func:`training_sample` when they exceed the spec's ``[sample] max_rows``, the
    out-of-time ones when they exceed ``oot_max_rows`` (the result's ``sample`` says how,
    the out-of-time draw under ``oot``). ``engine`` runs the queries (``duckdb`` or
    ``spark``: the same rows either way).
    """
    say = progress or (lambda msg: None)
    history = history_check(store, scheme, spec)
    for d in history["dropped"]:
        say(
            f"snapshot {d['as_of']} ({d['part']}) left out: history does not cover "
            f"{', '.join(d['uncovered'])}"
        )
    for d in history["waived_uncovered"]:
        say(f"snapshot {d['as_of']}: waived in the spec, not covered: {', '.join(d['indicators'])}")
    empty = [part for part, dates in history["kept"].items() if not dates]
    if empty:
        raise ValueError(
            f"scheme {scheme.key}: no {' or '.join(empty)} snapshot is covered by the store's "
            f"history (records of each kind begin: {history['start']}); move the snapshots "
            f"in {spec_file(scheme.key)} later or shorten the windows of: "
            + ", ".join(sorted({n for d in history["dropped"] for n in d["uncovered"]}))
        )
    kept = {k: [dt.date.fromisoformat(d) for d in v] for k, v in history["kept"].items()}
    sample, info = training_sample(store, scheme, spec, kept["train"] + kept["validation"], engine)
    oot_sample, info["oot"] = training_sample(
        store, scheme, spec, kept["oot"], engine, spec.sample.oot_max_rows
    )
    for what, drawn, about in (
        ("fitted", sample, info),
        ("out-of-time", oot_sample, info["oot"]),
    ):
        if drawn is not None:
            say(
                f"sampling the {what} snapshots: every default and {drawn.kept_share:.2%} of "
                f"the {about['full_rows'] - about['full_defaults']:,} non-defaults "
                f"(bound {about['max_rows']:,} rows)"
            )
    parts = {
        part: build_training_frame(
            store,
            scheme,
            tuple(dates),
            engine=engine,
            sample=oot_sample if part == "oot" else sample,
        )
        for part, dates in kept.items()
    }
    info["rows"] = {part: len(frame) for part, frame in parts.items()}
    return Frames(parts["train"], parts["validation"], parts["oot"], history=history, sample=info)


def fingerprint(frames: Frames) -> str:
    """SHA-256 of the training data (rows, columns and values, order-independent of memory)."""
    h = hashlib.sha256()
    for part in (frames.train, frames.validation, frames.oot):
        h.update(",".join(part.columns).encode())
        h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _flat(prefix: str, obj: object) -> dict[str, str]:
    if isinstance(obj, dict):
        out: dict[str, str] = {}
        for k, v in obj.items():
            out.update(_flat(f"{prefix}.{k}" if prefix else str(k), v))
        return out
    return {prefix: json.dumps(obj, default=str) if isinstance(obj, list | tuple) else str(obj)}


def _shap_plot(pipeline: RatingPipeline, oot: pd.DataFrame, path: Path, seed: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shap

    sample = oot.sample(min(len(oot), 2000), random_state=seed)
    x = encode_ordinal(sample[list(pipeline.features)], pipeline.ordinal)
    # the summary plot is the usual one: contributions against the expected output
    contrib = pipeline.estimator.explain(x).drop(columns="base")  # type: ignore[attr-defined]
    shown = x[contrib.columns].apply(
        lambda c: (
            pd.to_numeric(c, errors="coerce")
            if c.dtype != object
            else c.astype("category").cat.codes.astype(float)
        )
    )
    plt.figure()
    shap.summary_plot(contrib.to_numpy(), shown, show=False, max_display=20)
    unit = "points (higher = safer)" if pipeline.family == "scorecard" else "log-odds (SHAP)"
    plt.xlabel(f"contribution, {unit}")
    plt.savefig(path, dpi=110, bbox_inches="tight")
    plt.close("all")


def train_scheme(
    store: Store,
    scheme_key: str,
    spec: TrainingSpec,
    home: Path,
    code_version: str = "unknown",
    progress: Progress | None = None,
    engine: str = "duckdb",
) -> TrainResult:
    """Train, validate and register a new ``challenger`` version of ``xinping-<scheme>``.

    ``engine``: where the snapshots are built and sampled (``duckdb``, or ``spark`` for
    a lake at province scale); the model is fitted in this process either way.
    """
    import mlflow
    from mlflow.models import infer_signature

    from models.pyfunc import ARTIFACT, XinpingModel, save_pipeline

    say = progress or (lambda msg: None)
    scheme = get_scheme(scheme_key)
    if scheme.target is None:
        raise ValueError(f"scheme {scheme_key} is not modelled (it aggregates its members)")
    say("building snapshots")
    frames = build_frames(store, scheme, spec, progress, engine)
    fp = fingerprint(frames)
    notes: dict = {}
    pipeline, val_auc = fit_pipeline(scheme, spec, frames, progress, notes)
    truth = _truth(store, scheme_key, spec)
    say("validating out of time")
    report = evaluate(
        pipeline, frames.train, frames.validation, frames.oot, truth, gates=spec.gates
    )
    report["validation_auc"] = val_auc
    report["history"] = frames.history
    report["sample"] = frames.sample
    report["selection"] = notes
    report["gates"] = check_gates(report, spec.gates)
    say("ROC curves and SHAP summary")
    report.update(figures(pipeline, frames.train, frames.validation, frames.oot, spec.seed))
    report["fingerprint"] = fp
    report["code_version"] = code_version

    client = tracking.connect(home)
    exp = tracking.experiment_id(client, home, scheme_key)
    name = tracking.model_name(scheme_key)
    # SIGTERM / Ctrl-C end the run FAILED; a run whose process is killed outright is found
    # by its owner tags and marked FAILED by the next command (tracking.mark_dead_runs)
    with (
        tempfile.TemporaryDirectory() as tmp,
        tracking.owned_run(exp, f"{scheme_key}-{pipeline.family}") as run,
    ):
        out = Path(tmp)
        mlflow.set_tags(
            {
                "scheme": scheme_key,
                "family": pipeline.family,
                "data_fingerprint": fp,
                "code_version": code_version,
            }
        )
        mlflow.log_params(_flat("", spec.model_dump(mode="json")))
        # the sample the bound gave (training_sample): share and weight of non-defaults
        mlflow.log_params(_flat("sample_drawn", frames.sample or {}))
        mlflow.set_tag("engine", engine)
        _log_declaration(scheme_key)
        oot_d = report["discrimination"]["oot"]
        mets = {f"oot_{k}": v for k, v in oot_d.items() if isinstance(v, float)}
        mets.update({f"validation_auc_{k}": v for k, v in val_auc.items()})
        mets["score_psi"] = report["stability"]["score_psi"]
        mets["grades_within_ci"] = report["model_grades"]["within_ci_share"]
        mets["grades_monotone"] = float(report["model_grades"]["monotone"])
        mets["grade_hhi"] = report["model_grades"]["hhi"]
        # the validator-grade gates' values (training/evaluate.py check_gates)
        mets.update({f"gate_{g['gate']}": g["value"] for g in report["gates"]})
        if "oracle" in report:
            mets["oracle_gini_ratio"] = report["oracle"]["ratio"]
            mets["oracle_gini"] = report["oracle"]["oracle_gini"]
        mlflow.log_metrics(
            {k: float(v) for k, v in mets.items() if v is not None and np.isfinite(v)}
        )
        (out / "report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        (out / "report.html").write_text(
            render_html(report, f"{scheme.label_zh} / {scheme.label_en} — validation report"),
            encoding="utf-8",
        )
        # inert CSVs (features.exports), as every table file the platform writes
        write_csv(pd.DataFrame(report["model_grades"]["table"]), out / "grades.csv")
        write_csv(
            pd.DataFrame(
                {"grade": pipeline.scale.keys, "pd_upper": [*pipeline.scale.cutoffs, 1.0]}
            ),
            out / "grade_bands.csv",
        )
        if pipeline.family == "scorecard":
            write_csv(pipeline.estimator.points_table(), out / "points_table.csv")  # type: ignore[attr-defined]
        _shap_plot(pipeline, frames.oot, out / "shap_summary.png", spec.seed)
        mlflow.log_artifacts(str(out), artifact_path="report")
        # the training population's bins and shares: what `xinping monitor` compares with
        fitted = pd.concat([frames.train, frames.validation], ignore_index=True)
        mlflow.log_dict(population_reference(pipeline, fitted), REFERENCE_PATH)
        example = frames.oot[list(pipeline.features)].head(5)
        signature = infer_signature(example, pipeline.rate(example))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=XinpingModel(),
            artifacts={ARTIFACT: str(save_pipeline(pipeline, out / "pipeline.pkl"))},
            signature=signature,
            input_example=example,
            registered_model_name=name,
            pip_requirements=_requirements(),
        )
        version = str(info.registered_model_version)
        client.set_registered_model_alias(name, tracking.CHALLENGER, version)
        client.set_model_version_tag(name, version, "family", pipeline.family)
        client.set_model_version_tag(name, version, "data_fingerprint", fp)
        client.set_model_version_tag(
            name, version, "gates_passed", str(all(g["passed"] for g in report["gates"]))
        )
        run_id = run.info.run_id
    return TrainResult(scheme_key, run_id, version, pipeline.family, report, fp)


def declaration_files(scheme_key: str) -> dict[str, Path]:
    """The files that declare scheme ``scheme_key``, by artifact name, from its registry entry:
    the declaration module (a shipped ``features/definitions/<module>.py`` or a scheme folder's
    ``declaration.py``), its grade scale, its training spec and its demo-city generator (when
    it has one)."""
    entry = registry.active().entry(scheme_key)
    if entry.folder is not None:
        module = entry.folder / registry.DECLARATION_FILE
    else:
        module = Path(importlib.import_module(entry.origin).__file__ or "")
    files = {module.name: module, "scale.toml": entry.scale_path, "spec.toml": entry.spec_path}
    if entry.generator is not None:
        files["generator.toml"] = entry.generator
    return files


def _log_declaration(scheme_key: str) -> None:
    """Log what the model is trained on as its scheme declares it: the declaration's files
    under ``declaration/`` (scale, spec and generator under their scheme-folder names) and the
    registry origin as the tag ``scheme_origin``, so that a validator reads the exact
    indicators, target, grades and overrides of the run, shipped or from a folder."""
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        for name, path in declaration_files(scheme_key).items():
            shutil.copyfile(path, Path(tmp) / name)
        mlflow.log_artifacts(tmp, artifact_path="declaration")
    mlflow.set_tag("scheme_origin", registry.active().entry(scheme_key).origin)


def _requirements() -> list[str]:
    """The model's runtime requirements, from the installed versions (saves MLflow's slow
    inference of them in a subprocess)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for dist in (
        "xinping",
        "mlflow",
        "lightgbm",
        "optbinning",
        "scikit-learn",
        "pandas",
        "numpy",
        "scipy",
    ):
        try:
            out.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            continue
    return out


def _truth(store: Store, scheme: str, spec: TrainingSpec) -> pd.DataFrame | None:
    """The oracle's PD at the out-of-time dates (generated data only)."""
    dates = ", ".join(f"DATE '{d.isoformat()}'" for d in spec.snapshots.oot)
    frame = store.query(
        f"SELECT subject_id, as_of, pd_true FROM synthetic_truth "
        f"WHERE scheme = ? AND as_of IN ({dates})",
        [scheme],
    )
    if frame.empty:
        return None
    frame["as_of"] = pd.to_datetime(frame["as_of"]).astype("datetime64[s]")
    return frame
