"""Where registered models live: the SQLite MLflow registry under the MLflow home.

Shared by training (which registers and promotes) and scoring (which loads
the champion); the two never import each other. mlflow is imported lazily: it
costs a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

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


#: the tables and columns where MLflow 3 keeps absolute artifact locations (checked on
#: mlflow 3.17: experiments, runs, logged models, model versions)
LOCATIONS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
    ("model_versions", "storage_location"),
    ("model_versions", "source"),
)


def _old_home(db: Any) -> tuple[str, list[str]] | None:
    """The folder the home was created in and the schemes with artifacts under it, read
    from the xinping experiments' locations (``file://<home>/artifacts/<scheme>``)."""
    rows = db.execute(
        "SELECT artifact_location FROM experiments WHERE name LIKE 'xinping-%'"
    ).fetchall()
    found: dict[str, list[str]] = {}
    for (location,) in rows:
        if not str(location).startswith("file://"):
            continue
        path = unquote(urlparse(location).path)
        head, sep, scheme = path.rpartition("/artifacts/")
        if sep:
            found.setdefault(head, []).append(scheme)
    return next(iter(found.items()), None)


def rehome(home: Path | str) -> str | None:
    """Point the stored artifact locations of a moved or copied MLflow home at ``home``.

    MLflow stores absolute artifact locations (experiments, runs, model versions)
    and has no way to move them (mlflow/mlflow#3144; relative locations are made
    absolute when an experiment is created, #7670). A platform folder copied with
    its ``mlruns/`` would still read, and train into, the old place. Here every
    location under the home's old folder is rewritten to ``home`` in one
    transaction, when the artifacts came along (``artifacts/<scheme>`` is in
    ``home``) or the old folder is gone; locations elsewhere (a bucket, another
    disk) are left alone.

    Returns
    -------
    str or None
        The old folder when locations were rewritten, else ``None``.
    """
    import sqlite3

    if is_uri(home):
        return None
    db_path = Path(home) / "mlflow.db"
    if not db_path.is_file():
        return None
    new = str(Path(home).resolve())
    db = sqlite3.connect(db_path, timeout=30)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "experiments" not in tables:
            return None
        found = _old_home(db)
        if found is None or found[0] == new:
            return None
        old, schemes = found
        # moved or copied with its artifacts (or the old folder is gone): rehome; a copy
        # of the database alone still reads the artifacts where they are
        if Path(old).exists() and not any((Path(new) / "artifacts" / s).is_dir() for s in schemes):
            return None
        with db:  # one transaction: every location moves, or none
            for table, column in LOCATIONS:
                if table not in tables:
                    continue
                for before, after in (
                    (Path(old).as_uri(), Path(new).as_uri()),  # file:///old/…
                    (old, new),  # a bare path (MLflow's Default experiment)
                ):
                    db.execute(
                        f"UPDATE {table} SET {column} = ? || substr({column}, ?) "
                        f"WHERE {column} = ? OR {column} LIKE ? ESCAPE '\\'",
                        [after, len(before) + 1, before, _like_prefix(before + "/")],
                    )
        return old
    finally:
        db.close()


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching strings that start with ``text`` (wildcards escaped)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def connect(home: Path | str) -> MlflowClient:
    """Point MLflow at ``home`` and return a client.

    ``home`` is a local MLflow home folder (created if needed: ``mlflow.db``
    and ``artifacts/``) or, on a cluster, the URI of a tracking server or
    database that holds the registry (see docs/spark-runbook.md). A local home
    that was moved or copied with the store is pointed at its new place first
    (:func:`rehome`).
    """
    import mlflow

    uri = registry_uri(home)
    if not is_uri(home):
        folder = Path(home)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "artifacts").mkdir(exist_ok=True)
        rehome(folder)
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
