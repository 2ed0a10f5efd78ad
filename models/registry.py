"""Where registered models live: the SQLite MLflow registry under the MLflow home.

Shared by training (which registers and promotes) and scoring (which loads
the champion); the two never import each other. mlflow is imported lazily: it
costs a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient

CHALLENGER, CHAMPION = "challenger", "champion"


def model_name(scheme: str) -> str:
    """Registered model name of a scheme."""
    return f"xinping-{scheme}"


def tracking_uri(home: Path) -> str:
    """SQLite URI of the tracking and registry database in ``home``."""
    return f"sqlite:///{(Path(home) / 'mlflow.db').resolve()}"


def connect(home: Path) -> MlflowClient:
    """Point MLflow at ``home`` (created if needed) and return a client."""
    import mlflow

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / "artifacts").mkdir(exist_ok=True)
    uri = tracking_uri(home)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


def version_by_alias(client: MlflowClient, scheme: str, alias: str):
    """The model version holding ``alias``, or ``None``."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(model_name(scheme), alias)
    except MlflowException:
        return None
