"""The HTTP API application: :func:`create_app` and :func:`serve` (``xinping serve``).

One process, one uvicorn worker: the store is opened once and shared by the
request threads (every query on its own cursor, :mod:`features.store.duckdb_store`),
and the per-key rate-limit counters live in this process (:mod:`app.api.limiter`).
Every ``/v1`` call — refused ones too — is written to ``audit_log`` (action
``api_call``: department, key id, route, status, purpose, matter; a person's ID
kept as its keyed hash by :func:`scoring.audit.write_audit`). ``/public`` is
the public-disclosure router (``app/api/public.py``, ``router``, no key;
it audits its own look-ups).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from app.api import departments, public
from app.api.errors import error_response, install_handlers, unexpected
from app.api.limiter import KeyLimiter
from scoring.audit import write_audit

log = logging.getLogger("xinping.api")

DESCRIPTION = """
信评（xinping）公共信用信息共享平台 **部门信用核查接口**。

各部门在办理行政许可、政府采购、招标投标、评优评先、财政资金等事项时，按“应查必查”
要求调用本接口核查主体信用：返回该事项适用的守信激励与失信惩戒措施（附依据、触发条件与证据），
并回填措施实施情况（实施反馈）与办件量，平台据此统计应查必查覆盖率与反馈率。

* **身份认证**：每个部门一个接口密钥，放在请求头 `X-API-Key`（平台管理员以
  `xinping api-keys issue --dept 部门 --scope 事项` 签发，只显示一次）。核查部门一律取自密钥。
* **权限**：密钥只能核查签发时指定的事项，其他事项返回 403。
* **限流**：每个密钥每分钟调用次数有上限（滑动窗口），超过返回 429，
  响应头 `Retry-After` 给出等待秒数。
* **错误**：一律为 `{"error": {"code", "message", "message_en"}}`，`message` 为中文说明。
* **隐私与留痕**：居民身份证号码在响应中一律脱敏；每次调用记入查询日志。

English: the departments' credit-check API of the xinping platform. Authenticate with the
department's key in `X-API-Key`; errors carry a Chinese `message` and an English `message_en`.
"""

TAGS = [
    {"name": "信用核查", "description": "按事项核查主体适用的奖惩措施（单个、批量、查看留存结果）"},
    {"name": "实施反馈", "description": "回填核查所返回措施的实施情况"},
    {"name": "应查必查统计", "description": "填报办件量，查看本部门的核查覆盖率与反馈率"},
    {"name": "措施清单", "description": "事项清单与现行联合奖惩措施清单"},
]


def _open_store(settings: Any):
    from features.store.duckdb_store import DuckDBStore

    cfg = settings.store
    return DuckDBStore(
        cfg.path,
        memory_limit=cfg.memory_limit or None,
        wait_seconds=cfg.wait_seconds,
        command="xinping serve",
    )


def _audit_call(store: Any, request: Request, status: int) -> None:
    facts = dict(getattr(request.state, "audit", {}))
    key_id = facts.get("key_id", "")
    subjects = [str(s).strip().upper() for s in facts.get("subjects", []) if str(s).strip()]
    detail = {
        "route": f"{request.method} {request.url.path}",
        "status": status,
        "department": facts.get("department", ""),
        "key_id": key_id,
        "purpose": facts.get("purpose", ""),
        "matter": facts.get("matter", ""),
    }
    who = f"api:{key_id}" if key_id else "api:anonymous"
    write_audit(store, who, "api", "api_call", subjects or None, detail)


def create_app(settings: Any, store: Any = None) -> FastAPI:
    """The API application for ``settings`` (``[store]``, ``[api]``, ``[lists]``, ``[checks]``,
    ``[windows]``).

    Parameters
    ----------
    settings
        The loaded settings (:func:`app.settings.settings`).
    store
        An open store to serve (tests); default: the settings' store, opened here and
        closed when the application stops.

    Raises
    ------
    features.registry.RegistryError
        When a configured scheme folder (``[schemes] folders``) cannot be registered.
    """
    # the configured scheme folders join the registry before any route reads a scheme
    # (``xinping serve`` has already said in one line why a bad folder cannot)
    settings.activate_schemes()
    own = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if own:
            app.state.store.close()

    # the OpenAPI page's scripts come from this package, not a CDN (an intranet reaches none)
    app = FastAPIOffline(
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-static",
        title="信评 xinping 部门信用核查接口",
        version="1",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        debug=False,
    )
    app.state.settings = settings
    app.state.store = _open_store(settings) if own else store
    app.state.limiter = KeyLimiter()
    app.state.check_lock = threading.Lock()  # see departments._run_check
    app.state.check_configs = (
        settings.lists.config(),
        settings.checks.config(settings.windows.policy()),
    )
    install_handlers(app)

    @app.middleware("http")
    async def limit_public(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # the public routes need no key: they are limited per client address instead, so a
        # scraper cannot walk the disclosures (the identity check has its own limit per code)
        if request.url.path.startswith("/public"):
            per_minute = settings.api.public_rate_per_minute
            client = request.client.host if request.client else "unknown"
            verdict = app.state.limiter.hit(f"public:{client}", per_minute)
            if not verdict.allowed:
                wait = str(verdict.retry_after)
                return error_response(
                    429,
                    "rate_limited",
                    f"查询过于频繁：每分钟最多 {per_minute} 次，请 {wait} 秒后重试",
                    f"too many requests: {per_minute} per minute; retry in {wait} s",
                    {"Retry-After": wait},
                )
        return await call_next(request)

    @app.middleware("http")
    async def audit_calls(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not request.url.path.startswith("/v1"):
            return await call_next(request)
        request.state.audit = {}
        try:
            response = await call_next(request)
        except Exception as exc:  # answered plainly; the traceback stays in the server log
            response = unexpected(request, exc)
        try:
            await run_in_threadpool(_audit_call, app.state.store, request, response.status_code)
        except Exception:  # the answer still goes out; the failure is in the server log
            log.exception("could not audit %s %s", request.method, request.url.path)
        return response

    app.include_router(departments.router)
    # the public disclosure routes (no key) read the same store as the departments' routes
    app.include_router(public.router)
    app.dependency_overrides[public.get_store] = lambda: app.state.store
    return app


def serve(settings: Any, store_path: str, host: str, port: int) -> None:
    """Run the API with uvicorn on ``host:port`` against the store at ``store_path``."""
    import uvicorn

    cfg = settings.model_copy(
        update={"store": settings.store.model_copy(update={"path": store_path})}
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(cfg), host=host, port=port, workers=1, log_level="info")
