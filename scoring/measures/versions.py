"""Versions of the measures catalogue in the store (``measure_versions``, append-only).

A steward's change is a new version: the whole catalogue as canonical JSON, its
SHA-256, who saved it, when and why. Nothing rewrites an earlier version. The
catalogue in force is the latest saved version, or the shipped file when none
was saved; :func:`catalogue_in_force` returns it with its version id, which a
credit check records so that what it returned can be told again later.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd

from features.store.base import Store
from scoring.audit import write_audit
from scoring.measures.catalogue import Catalogue
from scoring.measures.checks import (
    CatalogueError,
    Problem,
    parse_catalogue,
    shipped_catalogue,
)

TABLE = "measure_versions"


@dataclass(frozen=True)
class CatalogueInForce:
    """A catalogue and the version it is.

    Attributes
    ----------
    catalogue
        The measures.
    version_id
        ``MV-0003`` for the third saved version, ``shipped-<first 12 hex of its
        SHA-256>`` for the shipped file.
    sha256
        Digest of the catalogue's canonical JSON.
    version
        The saved version number, ``None`` for the shipped file.
    """

    catalogue: Catalogue
    version_id: str
    sha256: str
    version: int | None


def version_id(version: int) -> str:
    """The id of saved version ``version`` (``MV-0003``)."""
    return f"MV-{version:04d}"


def shipped_in_force() -> CatalogueInForce:
    """The shipped catalogue as a :class:`CatalogueInForce` (its id ``shipped-<sha12>``)."""
    cat = shipped_catalogue()
    digest = cat.sha256()
    return CatalogueInForce(cat, f"shipped-{digest[:12]}", digest, None)


def _from_row(row: pd.Series) -> CatalogueInForce:
    version = int(row["version"])
    cat = parse_catalogue(json.loads(row["catalogue"]), f"{TABLE} {version_id(version)}")
    return CatalogueInForce(cat, version_id(version), str(row["sha256"]), version)


def catalogue_in_force(store: Store) -> CatalogueInForce:
    """The latest saved catalogue, or the shipped one when none was saved.

    Raises
    ------
    CatalogueError
        When a stored version no longer passes the checks (the vocabulary changed
        under it): the message names the version.
    """
    rows = store.query(f"SELECT * FROM {TABLE} ORDER BY version DESC LIMIT 1")
    return shipped_in_force() if rows.empty else _from_row(rows.iloc[0])


def catalogue_version(store: Store, wanted: str) -> CatalogueInForce | None:
    """The catalogue of version id ``wanted`` (``MV-0002`` or the shipped id), or ``None``.

    A credit check made earlier is told again with the catalogue it recorded.
    """
    shipped = shipped_in_force()
    if wanted == shipped.version_id:
        return shipped
    if not wanted.startswith("MV-") or not wanted[3:].isdigit():
        return None
    rows = store.query(f"SELECT * FROM {TABLE} WHERE version = ?", [int(wanted[3:])])
    return None if rows.empty else _from_row(rows.iloc[0])


def save_version(
    store: Store, catalogue: Catalogue, saved_by: str, reason: str, role: str = "steward"
) -> CatalogueInForce:
    """Append ``catalogue`` as the next version and audit it; return it as now in force.

    Parameters
    ----------
    store
        The store (written in one transaction: the version number is taken and the
        row written together).
    catalogue
        A checked catalogue (:func:`scoring.measures.catalogue.parse_catalogue`).
    saved_by, reason
        Who saves it and why (both required).
    role
        The saver's role, for the audit log.

    Raises
    ------
    CatalogueError
        When ``reason`` or ``saved_by`` is empty, or the catalogue is the one in
        force already (a new version must change something).
    """
    where = f"{TABLE} (new version)"
    if not reason.strip():
        raise CatalogueError(
            [Problem(where, "(version)", "reason", reason, "why it changes", "修订理由")]
        )
    if not saved_by.strip():
        raise CatalogueError(
            [Problem(where, "(version)", "saved_by", saved_by, "a name", "保存人")]
        )
    digest = catalogue.sha256()
    with store.transaction() as tx:
        current = catalogue_in_force(tx)
        if current.sha256 == digest:
            raise CatalogueError(
                [
                    Problem(
                        where,
                        "(version)",
                        "sha256",
                        digest[:12],
                        f"a change: it equals the catalogue in force ({current.version_id})",
                        f"有修改的清单：与现行版本 {current.version_id} 相同",
                    )
                ]
            )
        version = (current.version or 0) + 1
        row = pd.DataFrame(
            [
                {
                    "version": version,
                    "saved_at": dt.datetime.now(),
                    "saved_by": saved_by.strip(),
                    "reason": reason.strip(),
                    "measures": len(catalogue.measures),
                    "sha256": digest,
                    "catalogue": catalogue.to_json(),
                }
            ]
        )
        tx.append(TABLE, row)
    write_audit(
        store,
        saved_by.strip(),
        role,
        "measures_saved",
        None,
        {
            "version": version_id(version),
            "previous": current.version_id,
            "sha256": digest,
            "measures": len(catalogue.measures),
            "reason": reason.strip(),
        },
    )
    return CatalogueInForce(catalogue, version_id(version), digest, version)


def version_history(store: Store) -> pd.DataFrame:
    """Every saved version, newest first: ``version_id``, ``saved_at``, ``saved_by``,
    ``reason``, ``measures``, ``sha256`` (the catalogues themselves are not returned)."""
    rows = store.query(
        f"SELECT version, saved_at, saved_by, reason, measures, sha256 FROM {TABLE} "
        "ORDER BY version DESC"
    )
    rows.insert(0, "version_id", [version_id(int(v)) for v in rows["version"]])
    return rows
