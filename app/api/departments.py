"""The departments' routes under ``/v1``: credit checks, feedback, caseloads, statistics.

Thin, like the CLI: check the key (:func:`app.api.access.caller`: 401, 429), the key's scopes
(403), parse the body (422), call one use case below ``app/``
(:func:`scoring.credit_check.credit_check`, :func:`scoring.check_feedback.record_feedback`
…), render. The department is always the key's. Each route tells the audit
middleware (:mod:`app.api.server`) whom and why it looked up, through
``request.state.audit``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from app.api.access import Caller, note
from app.api.errors import ApiError, ErrorBody
from app.api.keys import ApiKey
from app.api.models import (
    BatchItemOut,
    BatchOut,
    BatchRequest,
    CaseloadOut,
    CaseloadRequest,
    CatalogueOut,
    CheckOut,
    CheckRequest,
    FeedbackOut,
    FeedbackRequest,
    Matter,
    MatterOut,
    StatisticsOut,
    StoredCheckOut,
)
from features.records.personal import mask_code
from scoring.check_feedback import (
    STATISTICS_COLUMNS,
    FeedbackError,
    FeedbackItem,
    check_statistics,
    record_feedback,
    report_caseload,
)
from scoring.credit_check import CheckError, credit_check, stored_check
from scoring.measures.vocabulary import FORCES, MATTERS, MEASURE_TYPES, label, trigger_short

log = logging.getLogger("xinping.api")

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "缺少接口密钥，或密钥无效、已吊销"},
    422: {"model": ErrorBody, "description": "请求参数有误（指明字段、取值与要求）"},
    429: {"model": ErrorBody, "description": "超过本密钥每分钟调用限额（见响应头 Retry-After）"},
}


CheckId = Annotated[
    str, Path(max_length=40, description="核查编号（核查时返回）", examples=["CC-0000001"])
]
router = APIRouter(prefix="/v1", responses=_REFUSALS)


def _in_scope(key: ApiKey, matter: str) -> None:
    if not key.may_check(matter):
        raise ApiError(
            403,
            "matter_not_in_scope",
            f"本部门的接口密钥无权核查该事项：{label(MATTERS, matter)}",
            f"this key may not check the matter {matter}",
        )


def _day(value: dt.date | None, field: str) -> dt.date:
    today = dt.date.today()
    if value is None:
        return today
    if value > today:
        raise ApiError(
            422,
            "future_date",
            f"请求参数有误：{field}（{value}）不能晚于今天（{today}）",
            f"bad request: {field} ({value}) may not be after today ({today})",
        )
    return value


def _check_out(data: dict[str, Any]) -> CheckOut:
    """A check's stored form (``CheckResult.to_json``) as the API shows it."""
    measures = [
        {
            **m,
            "type_zh": label(MEASURE_TYPES, m["type"]),
            "force_zh": label(FORCES, m["force"]),
            "matched_zh": [trigger_short(t) for t in m["matched"]],
        }
        for m in data["measures"]
    ]
    return CheckOut(
        **{k: v for k, v in data.items() if k not in ("subject_shown", "measures")},
        subject=data["subject_shown"],
        matter_zh=label(MATTERS, data["matter"]),
        measures=measures,
    )


def _run_check(
    request: Request, key: ApiKey, subject_id: str, matter: str, purpose: str, on: dt.date
):
    cfg = request.app.state.check_configs
    # credit_check numbers its check from the rows stored: the server's request threads
    # take turns, or two checks made at once would get the same check id
    with request.app.state.check_lock:
        return credit_check(
            request.app.state.store, subject_id, matter, on, cfg[0], cfg[1],
            key.department, purpose, f"api:{key.key_id}", role="api", masked=True,
        )  # fmt: skip


def _refused(exc: CheckError | FeedbackError, status: int = 422) -> ApiError:
    return ApiError(status, getattr(exc, "code", "check_refused"), exc.zh, str(exc))


@router.post(
    "/checks",
    tags=["信用核查"],
    summary="信用核查：某主体办理某事项时适用的奖惩措施",
    description="按核查基准日的名单、在用信用记录与评级，返回该事项适用的守信激励与失信惩戒措施，"
    "每项附依据文件、触发条件与证据。核查部门取自接口密钥；每次核查留存并记入查询日志。",
    response_model=CheckOut,
    responses={403: {"model": ErrorBody, "description": "该事项不在本密钥的核查范围内"}},
)
def post_check(body: CheckRequest, key: Caller, request: Request) -> CheckOut:
    note(request, subjects=[body.subject_id], purpose=body.purpose, matter=body.matter.value)
    _in_scope(key, body.matter.value)
    on = _day(body.as_of, "as_of")
    try:
        result = _run_check(request, key, body.subject_id, body.matter.value, body.purpose, on)
    except CheckError as exc:
        raise _refused(exc) from None
    return _check_out(json.loads(result.to_json()))


@router.post(
    "/checks/batch",
    tags=["信用核查"],
    summary="批量信用核查",
    description="同一事项、同一事由下逐个核查多个主体：每个主体返回核查结果或错误，一条不少，顺序不变。",
    response_model=BatchOut,
    responses={403: {"model": ErrorBody, "description": "该事项不在本密钥的核查范围内"}},
)
def post_batch(body: BatchRequest, key: Caller, request: Request) -> BatchOut:
    note(request, subjects=list(body.subject_ids), purpose=body.purpose, matter=body.matter.value)
    _in_scope(key, body.matter.value)
    limit = request.app.state.settings.api.batch_max
    if len(body.subject_ids) > limit:
        raise ApiError(
            422,
            "batch_too_large",
            f"请求参数有误：subject_ids 共 {len(body.subject_ids)} 条，超过上限 {limit} 条",
            f"bad request: subject_ids has {len(body.subject_ids)} items, more than {limit}",
        )
    on = _day(body.as_of, "as_of")
    items: list[BatchItemOut] = []
    for i, sid in enumerate(body.subject_ids):
        shown = mask_code(sid.strip().upper()) or sid
        try:
            result = _run_check(request, key, sid, body.matter.value, body.purpose, on)
        except CheckError as exc:
            error = {"code": "check_refused", "message": exc.zh, "message_en": str(exc)}
            items.append(BatchItemOut(index=i, subject=shown, status="error", error=error))
            continue
        except Exception:  # one bad row must not lose the others
            log.exception("batch item %d failed", i)
            error = {
                "code": "internal_error",
                "message": "该条核查时服务内部错误，已记录",
                "message_en": "internal error on this item (logged)",
            }
            items.append(BatchItemOut(index=i, subject=shown, status="error", error=error))
            continue
        out = _check_out(json.loads(result.to_json()))
        items.append(BatchItemOut(index=i, subject=out.subject, status="ok", check=out))
    ok = sum(1 for it in items if it.status == "ok")
    return BatchOut(ok=ok, errors=len(items) - ok, items=items)


def _own_check(request: Request, key: ApiKey, check_id: str) -> dict[str, Any]:
    found = stored_check(request.app.state.store, check_id)
    if found is None:
        raise ApiError(
            404, "unknown_check", f"没有编号为 {check_id} 的核查记录", f"no check {check_id}"
        )
    if found["department"] != key.department:
        raise ApiError(
            403,
            "wrong_department",
            f"核查 {check_id} 不是本部门的核查",
            f"check {check_id} was made by another department",
        )
    note(request, subjects=[found["subject_id"]], matter=found["matter"], purpose=found["purpose"])
    return found


@router.get(
    "/checks/{check_id}",
    tags=["信用核查"],
    summary="查看本部门的一次核查",
    description="按核查编号返回平台留存的核查结果（当时返回的内容，此后不改写）。只能查看本部门的核查。",
    response_model=StoredCheckOut,
    responses={
        403: {"model": ErrorBody, "description": "不是本部门的核查"},
        404: {"model": ErrorBody, "description": "没有该核查编号"},
    },
)
def get_check(check_id: CheckId, key: Caller, request: Request) -> StoredCheckOut:
    found = _own_check(request, key, check_id)
    return StoredCheckOut(
        check_id=found["check_id"],
        checked_at=found["checked_at"],
        result=_check_out(found["result"]),
    )


@router.post(
    "/checks/{check_id}/feedback",
    tags=["实施反馈"],
    summary="实施反馈：本部门对核查所返回措施的实施情况",
    description="逐项措施填报已实施、未实施或不适用；强制性措施未实施须填写说明。"
    "同一措施可再次填报，以最新一次为准，原记录不改写。",
    response_model=FeedbackOut,
    status_code=201,
    responses={
        403: {"model": ErrorBody, "description": "不是本部门的核查"},
        404: {"model": ErrorBody, "description": "没有该核查编号"},
    },
)
def post_feedback(
    check_id: CheckId, body: FeedbackRequest, key: Caller, request: Request
) -> FeedbackOut:
    found = _own_check(request, key, check_id)
    on = _day(body.reported_on, "reported_on")
    items = [FeedbackItem(i.measure_id, i.outcome.value, i.note) for i in body.items]
    try:
        ids = record_feedback(
            request.app.state.store, found["check_id"], key.department, items,
            f"api:{key.key_id}", on, role="api",
        )  # fmt: skip
    except FeedbackError as exc:
        status = {"unknown_check": 404, "wrong_department": 403}.get(exc.code, 422)
        raise _refused(exc, status) from None
    return FeedbackOut(check_id=found["check_id"], feedback_ids=list(ids))


@router.post(
    "/caseloads",
    tags=["应查必查统计"],
    summary="填报办件量",
    description="本部门某事项某月办理的件数，用作应查必查覆盖率（核查主体数 / 办件量）的分母。"
    "同一部门、事项、月份再次填报即为更正，以最新一次为准。",
    response_model=CaseloadOut,
    status_code=201,
    responses={403: {"model": ErrorBody, "description": "该事项不在本密钥的核查范围内"}},
)
def post_caseload(body: CaseloadRequest, key: Caller, request: Request) -> CaseloadOut:
    note(request, matter=body.matter.value)
    _in_scope(key, body.matter.value)
    try:
        month = report_caseload(
            request.app.state.store, key.department, body.matter.value, body.month,
            body.cases, f"api:{key.key_id}", role="api",
        )  # fmt: skip
    except FeedbackError as exc:
        raise _refused(exc) from None
    return CaseloadOut(
        department=key.department, matter=body.matter.value, month=month, cases=body.cases
    )


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


@router.get(
    "/statistics",
    tags=["应查必查统计"],
    summary="本部门的应查必查与实施反馈统计",
    description="统计期内（按核查基准日）本部门每个事项的核查次数、核查主体数、返回措施与强制性措施数、"
    "反馈情况、办件量、覆盖率与反馈率。",
    response_model=StatisticsOut,
)
def get_statistics(
    key: Caller,
    request: Request,
    start: Annotated[dt.date | None, Query(description="统计起始日（默认本月 1 日）")] = None,
    end: Annotated[dt.date | None, Query(description="统计截止日（默认今天）")] = None,
) -> StatisticsOut:
    last = end or dt.date.today()
    first = start or last.replace(day=1)
    if first > last:
        raise ApiError(
            422,
            "bad_period",
            f"请求参数有误：start（{first}）晚于 end（{last}）",
            f"bad request: start ({first}) is after end ({last})",
        )
    frame = check_statistics(request.app.state.store, first, last, key.department)
    rows = [
        {**{k: _plain(v) for k, v in row.items()}, "matter_zh": label(MATTERS, row["matter"])}
        for row in frame.to_dict("records")
    ]
    return StatisticsOut(
        department=key.department,
        start=first,
        end=last,
        columns={k: zh for k, (zh, _) in STATISTICS_COLUMNS.items()},
        rows=rows,
    )


@router.get(
    "/matters",
    tags=["措施清单"],
    summary="事项清单",
    description="全部事项及本部门接口密钥可否核查。",
    response_model=list[MatterOut],
)
def get_matters(key: Caller) -> list[MatterOut]:
    return [
        MatterOut(key=k, name_zh=zh, name_en=en, in_scope=key.may_check(k))
        for k, (zh, en) in MATTERS.items()
    ]


@router.get(
    "/measures",
    tags=["措施清单"],
    summary="现行措施清单",
    description="平台现行的联合奖惩措施清单（版本、依据、触发条件、事项、实施部门），可按事项筛选。",
    response_model=CatalogueOut,
)
def get_measures(
    key: Caller,
    request: Request,
    matter: Annotated[Matter | None, Query(description="按事项筛选（事项代码）")] = None,
) -> CatalogueOut:
    from scoring.measures.versions import catalogue_in_force

    found = catalogue_in_force(request.app.state.store)
    wanted = None if matter is None else matter.value
    measures = [
        {
            **m.to_data(),
            "type_zh": label(MEASURE_TYPES, m.type),
            "force_zh": label(FORCES, m.force),
            "triggers_zh": [trigger_short(t) for t in m.triggers],
        }
        for m in found.catalogue.measures
        if wanted is None or wanted in m.matters
    ]
    return CatalogueOut(
        version=found.version_id, title=found.catalogue.title, matter=wanted, measures=measures
    )
