"""The public API (信用公示): ``/public/disclosures``, ``/public/lists/{red|black}`` and
``POST /public/objections`` — no key, the same use cases and masking as the 信用公示 page.

Include :data:`router` in the server (``app.include_router(router)``) and install
:data:`ERROR_HANDLERS` there too (FastAPI attaches exception handlers to the app, not to a
router) so that a malformed request gets the same Chinese error body as every other
refusal: ``{"error": {"code", "message", "message_en"}}``. The store comes from the
:func:`get_store` dependency (the configured store, opened once per process); a server
that manages its own store overrides it (``app.dependency_overrides[get_store] = ...``).

Every call goes through :mod:`app.public_access`: a search and a list read are audited
(role ``public``, door ``api``), an objection checks identity (rate-limited per code) and
enters the steward's objection workflow.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.public_access import listing, object_online, search
from app.settings import settings
from features.date_limit import date_limit
from features.store.access import StoreBusy
from features.store.base import Store
from scoring.disclosure import DisclosureError
from scoring.objections import ObjectionError
from scoring.self_service import Claim, IdentityError

router = APIRouter(prefix="/public", tags=["信用公示 public disclosure"])
# one connection per process: requests run in FastAPI's thread pool, the store is not
# shared across threads without this lock
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _store(path: str, memory_limit: str) -> Store:
    from features.store.duckdb_store import DuckDBStore

    cfg = settings().store
    return DuckDBStore(
        path,
        memory_limit=memory_limit or None,
        wait_seconds=cfg.wait_seconds,
        command="xinping public api",
    )


def get_store() -> Store:
    """The configured store (override in a server that opens its own)."""
    cfg = settings().store
    return _store(str(Path(cfg.path).resolve()), cfg.memory_limit)


#: the store of a request (FastAPI dependency)
StoreDep = Annotated[Store, Depends(get_store)]


def error(status: int, code: str, zh: str, en: str) -> JSONResponse:
    """The error body every refusal of this API has."""
    return JSONResponse(
        status_code=status, content={"error": {"code": code, "message": zh, "message_en": en}}
    )


def _today(store: Store) -> dt.date:
    # the data date or today, whichever is earlier (settings [dates] latest), as the page
    return date_limit(store, settings().dates.latest, dt.date.today()).day


def _busy(exc: StoreBusy) -> JSONResponse:
    return error(503, "busy", exc.message("zh"), exc.message("en"))


def _rows(found: Any) -> list[dict[str, Any]]:
    return found.rows.rename(columns=lambda c: c.removeprefix("pub_")).to_dict("records")


@router.get("/disclosures")
def disclosures(
    store: StoreDep,
    q: str = "",
    kind: str = "all",
    lang: Literal["zh", "en"] = "zh",
) -> JSONResponse:
    """双公示: licences and penalties published and inside their window, persons masked."""
    try:
        with _LOCK:
            on = _today(store)
            found = search(store, on, q.strip(), kind, lang, "api")
    except DisclosureError as exc:
        return error(400, exc.code, exc.zh, str(exc))
    except StoreBusy as exc:
        return _busy(exc)
    return JSONResponse(
        {"as_of": on.isoformat(), "cut": found.cut, "count": len(found.rows), "items": _rows(found)}
    )


@router.get("/lists/{list_key}")
def lists(list_key: str, store: StoreDep, lang: Literal["zh", "en"] = "zh") -> JSONResponse:
    """The red (``red``) or black (``black``) list in force; suspended listings left out."""
    try:
        with _LOCK:
            on = _today(store)
            found = listing(store, on, list_key, lang, "api")
    except DisclosureError as exc:
        return error(404, exc.code, exc.zh, str(exc))
    except StoreBusy as exc:
        return _busy(exc)
    return JSONResponse(
        {"as_of": on.isoformat(), "cut": found.cut, "count": len(found.rows), "items": _rows(found)}
    )


class ObjectionIn(BaseModel):
    """An online objection: who (identity checked), which record, why, how to reply.

    ``code``: 统一社会信用代码 or 居民身份证号码; ``legal_rep_id``: a firm's legal
    representative's 居民身份证号码 (empty for a person). Missing fields are empty and
    refused by the use case with a Chinese message.
    """

    code: str = ""
    name: str = ""
    legal_rep_id: str = ""
    record_id: str = ""
    reason: str = ""
    contact: str = ""


@router.post("/objections", status_code=201)
def objections(body: ObjectionIn, store: StoreDep) -> JSONResponse:
    """File an objection on one of the subject's own records; returns its ID and deadline."""
    claim = Claim(body.code, body.name, body.legal_rep_id)
    try:
        with _LOCK:
            on = _today(store)
            receipt = object_online(store, claim, body.record_id, body.reason, body.contact, on)
    except IdentityError as exc:
        status = 429 if exc.code == "too_many_attempts" else 403
        return error(status, exc.code, exc.zh, str(exc))
    except ObjectionError as exc:
        return error(400, "objection_refused", exc.zh, str(exc))
    except StoreBusy as exc:
        return _busy(exc)
    return JSONResponse(
        status_code=201,
        content={
            "objection_id": receipt.objection_id,
            "record_id": receipt.record_id,
            "opened_on": receipt.opened_on.isoformat(),
            "due_by": receipt.due_by.isoformat(),
        },
    )


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    return error(
        422, "invalid_request", "请求格式不正确，请检查参数", "The request is malformed: check it."
    )


#: exception handlers for the server that includes :data:`router`
ERROR_HANDLERS = {RequestValidationError: _invalid}
