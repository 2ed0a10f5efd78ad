"""The API's one error body and its exception handlers: Chinese first, never a traceback.

Every refusal is ``{"error": {"code", "message", "message_en"}}`` (``message`` in
Chinese). Bad input is 422 naming the field, the value's problem and what is
expected; anything unexpected is logged on the server and answered with a plain
500 body.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("xinping.api")


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str = Field(
        description="错误代码（英文短语，供程序判断）", examples=["matter_not_in_scope"]
    )
    message: str = Field(
        description="错误说明（中文）", examples=["本部门的接口密钥无权核查该事项：政府采购"]
    )
    message_en: str = Field(
        description="错误说明（英文）", examples=["this key may not check the matter procurement"]
    )


class ErrorBody(BaseModel):
    """Every error the API answers."""

    error: ErrorDetail = Field(description="错误：代码、中文说明、英文说明")


class ApiError(Exception):
    """A refusal the routes raise: HTTP status, code, Chinese and English messages."""

    def __init__(
        self, status: int, code: str, zh: str, en: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(en)
        self.status, self.code, self.zh, self.en, self.headers = status, code, zh, en, headers


def error_response(
    status: int, code: str, zh: str, en: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON error body with ``status``."""
    body = {"error": {"code": code, "message": zh, "message_en": en}}
    return JSONResponse(body, status_code=status, headers=headers)


#: Pydantic error types in Chinese (the English comes from Pydantic itself).
_PROBLEMS_ZH: dict[str, str] = {
    "missing": "缺少该字段",
    "string_type": "须为文本",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "greater_than_equal": "不能小于下限",
    "less_than_equal": "不能大于上限",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期（YYYY-MM-DD）",
    "list_type": "须为列表",
    "too_short": "不能为空",
    "too_long": "条目过多",
    "literal_error": "不是可选值之一",
    "enum": "不是可选值之一",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "须为 JSON 对象",
    "dict_type": "须为 JSON 对象",
    "extra_forbidden": "不认识的字段",
}
_WHERE_ZH = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头"}


def _where(loc: tuple[Any, ...], lang: str) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _WHERE_ZH:
        head = _WHERE_ZH[parts[0]] if lang == "zh" else parts[0]
        return " ".join([head, ".".join(parts[1:])]).strip()
    return ".".join(parts)


def _value(err: dict[str, Any]) -> str:
    if err.get("type") == "missing":
        return ""
    text = repr(err.get("input"))
    return f" ({text[:60]})" if len(text) <= 60 else f" ({text[:57]}…)"


def validation_messages(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """Chinese and English messages naming each bad field, its value and what is expected."""
    zh, en = [], []
    for err in errors[:5]:
        if err.get("type") == "json_invalid":
            zh.append("请求体不是有效的 JSON")
            en.append("the body is not valid JSON")
            continue
        ctx = err.get("ctx") or {}
        options = str(ctx.get("expected", "")).replace(" or ", ", ")
        expected = f"（可选：{options}）" if options else ""
        zh.append(
            f"{_where(tuple(err['loc']), 'zh')}{_value(err)}："
            f"{_PROBLEMS_ZH.get(err['type'], '取值不符合要求')}{expected}"
        )
        en.append(f"{_where(tuple(err['loc']), 'en')}{_value(err)}: {err['msg']}")
    return "请求参数有误：" + "；".join(zh), "bad request: " + "; ".join(en)


_STATUS = {
    404: ("not_found", "没有这个接口地址", "no such route"),
    405: ("method_not_allowed", "该接口地址不支持这种请求方法", "method not allowed on this route"),
}


def install_handlers(app: FastAPI) -> None:
    """Answer every refusal and failure with the error body."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.zh, exc.en, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        zh, en = validation_messages(list(exc.errors()))
        return error_response(422, "invalid_input", zh, en)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, zh, en = _STATUS.get(
            exc.status_code, ("http_error", "请求无法处理", str(exc.detail)[:200])
        )
        return error_response(exc.status_code, code, zh, en, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unexpected(request, exc)


def unexpected(request: Request, exc: BaseException) -> JSONResponse:
    """Log an unexpected failure with its traceback (server side only); a plain 500 body."""
    log.error("unexpected failure on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal_error", "服务内部错误，已记录，请稍后重试或联系平台管理员",
        "internal error (logged); try again later or contact the platform steward",
    )  # fmt: skip
