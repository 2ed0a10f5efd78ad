"""Who calls the ``/v1`` routes: the department's API key, checked and rate-limited.

:func:`caller` is the routes' dependency: 401 without a valid, active key (``X-API-Key``),
429 over the key's calls per minute (with ``Retry-After``). It tells the audit middleware
the key and its department (``request.state.audit``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from app.api.errors import ApiError
from app.api.keys import ApiKey, find_key

KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="本部门的接口密钥（平台管理员以 `xinping api-keys issue` 签发）",
)


def note(request: Request, **fields: Any) -> None:
    """Tell the audit middleware what this call is about (subjects, purpose, matter…)."""
    request.state.audit.update(fields)


def caller(request: Request, token: Annotated[str | None, Security(KEY_HEADER)] = None) -> ApiKey:
    """The calling department's key: 401 without a valid active key, 429 over its limit."""
    if not token:
        raise ApiError(
            401, "no_key", "缺少接口密钥（请求头 X-API-Key）", "no API key (header X-API-Key)"
        )
    key = find_key(request.app.state.store, token)
    if key is None:
        raise ApiError(401, "unknown_key", "接口密钥无效", "unknown API key")
    note(request, key_id=key.key_id, department=key.department)
    if not key.active:
        raise ApiError(
            401,
            "revoked_key",
            f"接口密钥 {key.key_id} 已于 {key.revoked_at:%Y-%m-%d %H:%M} 吊销",
            f"API key {key.key_id} was revoked on {key.revoked_at:%Y-%m-%d %H:%M}",
        )
    verdict = request.app.state.limiter.hit(key.key_id, key.rate_per_minute)
    if not verdict.allowed:
        wait = str(verdict.retry_after)
        raise ApiError(
            429,
            "rate_limited",
            f"调用过于频繁：本密钥每分钟最多 {key.rate_per_minute} 次，请 {wait} 秒后重试",
            f"too many calls: {key.rate_per_minute} per minute for this key; retry in {wait} s",
            {"Retry-After": wait},
        )
    return key


Caller = Annotated[ApiKey, Depends(caller)]
