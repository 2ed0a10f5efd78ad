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


def is_uri(home: Path | str) -> bool:
    """Whether ``home`` names a tracking server or database (``http://…``,
    ``postgresql://…``, ``databricks``) rather than a local MLflow home folder."""
    text = str(home)
    return "://" in text or text == "databricks"


def registry_uri(home: Path | str) -> str:
    """The tracking and registry URI of ``home``: itself if it is a URI, else the
    SQLite database in the folder."""
    return str(home) if is_uri(home) else tracking_uri(Path(home))


def connect(home: Path | str) -> MlflowClient:
    """Point MLflow at ``home`` and return a client.

    ``home`` is a local MLflow home folder (created if needed: ``mlflow.db``
    and ``artifacts/``) or, on a cluster, the URI of a tracking server or
    database that holds the registry (see docs/spark-runbook.md).
    """
    import mlflow

    uri = registry_uri(home)
    if not is_uri(home):
        folder = Path(home)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "artifacts").mkdir(exist_ok=True)
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
