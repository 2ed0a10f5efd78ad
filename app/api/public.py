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

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as FastPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.api.errors import ErrorBody
from app.public_access import listing, object_online, search
from app.settings import settings
from features.date_limit import date_limit
from features.store.access import StoreBusy
from features.store.base import Store
from scoring.disclosure import DisclosureError
from scoring.objections import ObjectionError
from scoring.self_service import Claim, IdentityError

router = APIRouter(
    prefix="/public",
    tags=["信用公示"],
    responses={
        400: {
            "model": ErrorBody,
            "description": "请求无法办理（如类别不存在、异议不予受理），附中文说明",
        },
        422: {"model": ErrorBody, "description": "请求参数有误"},
        503: {"model": ErrorBody, "description": "平台正在写入数据，请稍后再试"},
    },
)
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


LangQuery = Annotated[
    Literal["zh", "en"], Query(description="返回文字的语言：zh 中文（默认），en 英文")
]


@router.get(
    "/disclosures",
    summary="双公示查询：行政许可与行政处罚信息",
    description="无需密钥。返回已公示、未撤销、仍在公示期内的行政许可与行政处罚信息（异议核查中的不公示），"
    "自然人身份证号码与姓名按规则遮蔽；企业可按名称片段或统一社会信用代码查询，自然人须输入完整姓名或证件号码。",
)
def disclosures(
    store: StoreDep,
    q: Annotated[
        str, Query(description="查询词：企业名称片段、统一社会信用代码，或自然人完整姓名/证件号码")
    ] = "",
    kind: Annotated[
        str,
        Query(
            description="信息类别：all 全部（默认），administrative_licence 行政许可，"
            "administrative_penalty 行政处罚"
        ),
    ] = "all",
    lang: LangQuery = "zh",
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


@router.get(
    "/lists/{list_key}",
    responses={404: {"model": ErrorBody, "description": "没有该公示名单"}},
    summary="红名单、黑名单（严重失信主体名单）公示",
    description="无需密钥。返回核查当日有效且已公示的列入；异议核查中暂停的、已届满、已移出或已撤销的不公示。"
    "重点关注名单不对外公示。",
)
def lists(
    list_key: Annotated[str, FastPath(description="名单：red 红名单，black 黑名单")],
    store: StoreDep,
    lang: LangQuery = "zh",
) -> JSONResponse:
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

    code: str = Field("", description="统一社会信用代码（企业）或居民身份证号码（自然人）")
    name: str = Field("", description="企业名称或自然人姓名，须与登记一致")
    legal_rep_id: str = Field("", description="企业法定代表人居民身份证号码；自然人留空")
    record_id: str = Field("", description="提出异议的记录编号（本主体查询结果中的编号）")
    reason: str = Field("", description="异议理由")
    contact: str = Field("", description="联系方式（电话或电子邮箱），用于答复")


@router.post(
    "/objections",
    status_code=201,
    responses={
        403: {"model": ErrorBody, "description": "身份信息不符"},
        429: {"model": ErrorBody, "description": "身份核验失败次数过多，暂时锁定"},
    },
    summary="本主体在线提出异议",
    description="无需密钥，但须核验身份：企业填统一社会信用代码、名称和法定代表人身份证号码，自然人填身份证号码和姓名，"
    "均须与平台登记一致（不符只提示“信息不符”，连续失败将暂时锁定）。异议进入平台异议处理流程，"
    "该记录在核查期间不再计入，主体即时重新评价；返回异议编号与办理时限。",
)
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
