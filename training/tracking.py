"""MLflow plumbing: SQLite tracking and registry under ``mlruns/``, artifacts beside it.

The file tracking backend is refused by MLflow 3 (STACK.md), so the home folder
holds ``mlflow.db`` and ``artifacts/``; experiments get absolute artifact
locations under it. mlflow is imported lazily: it costs a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient

from models.registry import (  # noqa: F401 (re-exported: training's MLflow API)
    CHALLENGER,
    CHAMPION,
    connect,
    model_name,
    tracking_uri,
    version_by_alias,
)


def experiment_id(client: MlflowClient, home: Path, scheme: str) -> str:
    """The scheme's experiment, created with its artifact folder under ``home``."""
    name = model_name(scheme)
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = (home / "artifacts" / scheme).resolve().as_uri()
    return client.create_experiment(name, artifact_location=location)
