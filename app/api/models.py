"""Request and response bodies of the ``/v1`` API, described in Chinese for the OpenAPI page.

Input is validated here (types, lengths, the matter and outcome vocabularies);
a body with an unknown field is refused, so a department cannot name itself
(the department always comes from the API key).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scoring.check_feedback import OUTCOMES
from scoring.measures.vocabulary import MATTERS

Matter = StrEnum("Matter", {k: k for k in MATTERS})  # type: ignore[misc]
Outcome = StrEnum("Outcome", {k: k for k in OUTCOMES})  # type: ignore[misc]

_MATTER_DOC = "事项：" + "，".join(f"{k}（{z}）" for k, (z, _) in MATTERS.items())
_OUTCOME_DOC = "实施情况：" + "，".join(f"{k}（{z}）" for k, (z, _) in OUTCOMES.items())
_USCC = "91530300721000001X"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckRequest(_In):
    """一次信用核查。核查部门取自接口密钥，不在请求中填写。"""

    subject_id: str = Field(
        min_length=1,
        max_length=64,
        description="主体标识：统一社会信用代码或居民身份证号码",
        examples=[_USCC],
    )
    matter: Matter = Field(description=_MATTER_DOC, examples=["procurement"])
    purpose: str = Field(
        min_length=1, max_length=200, description="核查事由（必填）", examples=["政府采购资格审查"]
    )
    as_of: dt.date | None = Field(
        None, description="核查基准日（YYYY-MM-DD，不晚于今天；默认今天）", examples=["2026-10-31"]
    )


class BatchRequest(_In):
    """批量信用核查：同一事项、同一事由下的多个主体。"""

    subject_ids: list[str] = Field(
        min_length=1,
        description="主体标识列表（统一社会信用代码或居民身份证号码），"
        "条数上限见配置 api.batch_max",
        examples=[[_USCC, "91530300721000002X"]],
    )
    matter: Matter = Field(description=_MATTER_DOC, examples=["procurement"])
    purpose: str = Field(min_length=1, max_length=200, description="核查事由（必填）")
    as_of: dt.date | None = Field(None, description="核查基准日（默认今天）")


class FeedbackItemIn(_In):
    """对一项措施的实施反馈。"""

    measure_id: str = Field(
        min_length=1,
        max_length=40,
        description="措施编号（须为该次核查返回的措施）",
        examples=["P-PROC-01"],
    )
    outcome: Outcome = Field(description=_OUTCOME_DOC, examples=["applied"])
    note: str = Field("", max_length=500, description="说明：强制性措施未实施时必填", examples=[""])


class FeedbackRequest(_In):
    """实施反馈：本部门对一次核查所返回措施的实施情况。"""

    items: list[FeedbackItemIn] = Field(min_length=1, description="逐项措施的实施情况")
    reported_on: dt.date | None = Field(None, description="反馈日期（默认今天）")


class CaseloadRequest(_In):
    """本部门某事项某月的办件量（应查必查覆盖率的分母）。"""

    matter: Matter = Field(description=_MATTER_DOC, examples=["procurement"])
    month: dt.date = Field(
        description="月份：该月任意一天（按当月 1 日保存）", examples=["2026-10-01"]
    )
    cases: int = Field(ge=0, le=10_000_000, description="办件量（件）", examples=[120])


class EvidenceOut(BaseModel):
    """触发条件所依据的记录、名单或评级。"""

    source: str = Field(description="来源：record 信用记录、listing 名单、rating 评级")
    id: str = Field(description="记录编号、名单编号或评级批次")
    kind: str = Field(description="记录类别、名单或评价方案")
    on: str = Field(description="决定日、列入日或评级基准日")
    until: str = Field("", description="有效期至（如有）")


class MeasureOut(BaseModel):
    """一项适用的奖惩措施，附依据、触发条件与证据。"""

    measure_id: str = Field(description="措施编号", examples=["P-PROC-01"])
    name_zh: str = Field(description="措施名称（中文）")
    name_en: str = Field(description="措施名称（英文）")
    type: str = Field(description="类型：reward 守信激励 / punishment 失信惩戒")
    type_zh: str = Field(description="类型（中文）", examples=["失信惩戒"])
    force: str = Field(description="效力：mandatory 强制性 / recommended 推荐性")
    force_zh: str = Field(description="效力（中文）", examples=["强制性"])
    basis_document: str = Field(description="依据文件")
    basis_text: str = Field(description="依据条文")
    implementing: list[str] = Field(description="实施部门")
    duration_months: int | None = Field(description="期限（月）；空表示触发条件存续期间")
    matched: list[str] = Field(description="命中的触发条件（代码）")
    matched_zh: list[str] = Field(description="命中的触发条件（中文）")
    evidence: list[EvidenceOut] = Field(description="证据")
    through: str = Field(
        "", description="自然人经由哪家企业（统一社会信用代码）承担此措施；为空表示本主体自身"
    )
    reached_as: str = Field(
        "",
        description="自然人在该企业中的身份：legal_representative 法定代表人，"
        "responsible_persons 负有直接责任的人员；为空表示本主体自身",
    )


class ReachOut(BaseModel):
    """A firm whose listing or court record reaches the person checked (seed 002 #12)."""

    firm_id: str = Field(description="企业统一社会信用代码")
    firm_name: str = Field(description="企业名称")
    role: str = Field(
        description="本人身份：legal_representative 法定代表人，"
        "responsible_persons 负有直接责任的人员"
    )
    lists: list[str] = Field(description="延及本人的企业名单（black 黑名单 等）")
    records: list[str] = Field(description="延及本人的企业记录类别（如失信被执行人）")


class CheckOut(BaseModel):
    """一次信用核查的结果（与平台留存的核查记录一致）。个人身份证号码一律脱敏。"""

    check_id: str = Field(description="核查编号", examples=["CC-0000001"])
    subject: str = Field(description="主体标识（个人身份证号码已脱敏）", examples=[_USCC])
    name: str = Field(description="主体名称")
    subject_type: str = Field(description="主体类别")
    matter: str = Field(description="事项代码", examples=["procurement"])
    matter_zh: str = Field(description="事项名称", examples=["政府采购"])
    as_of: dt.date = Field(description="核查基准日")
    department: str = Field(description="核查部门（取自接口密钥）")
    purpose: str = Field(description="核查事由")
    catalogue_version: str = Field(description="所用措施清单版本")
    lists: dict[str, list[str]] = Field(
        description="所在名单（red 红名单、black 黑名单、watch 重点关注名单）→ 名单编号"
    )
    records: dict[str, list[str]] = Field(
        description="在用的触发类信用记录（失信被执行人、经营异常名录）：记录类别 → 记录编号"
    )
    tiers: dict[str, list[str]] = Field(
        description="失信程度（general 一般、heavier 较重、serious 严重）→ 记录编号"
    )
    grades: dict[str, str] = Field(description="在用评级：评价方案 → 等级")
    green_channel: bool = Field(description="是否适用绿色通道")
    measures: list[MeasureOut] = Field(description="适用的奖惩措施；为空表示没有适用措施")
    reached_through: list[ReachOut] = Field(
        default_factory=list,
        description="自然人：其名单或记录延及本人的企业（如列明本人的严重失信名单）",
    )


class StoredCheckOut(BaseModel):
    """平台留存的一次核查：何时、由谁核查，以及当时返回的结果。"""

    check_id: str = Field(description="核查编号")
    checked_at: dt.datetime = Field(description="核查时间")
    result: CheckOut = Field(description="当时返回的核查结果（此后措施清单或名单变化不改写）")


class BatchItemOut(BaseModel):
    """批量核查中的一条：成功时为核查结果，失败时为错误。"""

    index: int = Field(description="在请求列表中的序号（从 0 开始）")
    subject: str = Field(description="主体标识（个人身份证号码已脱敏）")
    status: str = Field(description="ok 成功 / error 失败")
    check: CheckOut | None = Field(None, description="核查结果（成功时）")
    error: dict[str, str] | None = Field(
        None, description="错误（失败时）：code、message、message_en"
    )


class BatchOut(BaseModel):
    """批量核查结果：每个主体一条，不丢失任何一条。"""

    ok: int = Field(description="成功条数")
    errors: int = Field(description="失败条数")
    items: list[BatchItemOut] = Field(description="逐条结果，顺序与请求一致")


class FeedbackOut(BaseModel):
    """已记录的实施反馈。"""

    check_id: str = Field(description="核查编号")
    feedback_ids: list[str] = Field(
        description="反馈编号，顺序与请求一致", examples=[["FB-0000001"]]
    )


class CaseloadOut(BaseModel):
    """已记录的办件量（同一部门、事项、月份的最新一次填报有效）。"""

    department: str = Field(description="部门（取自接口密钥）")
    matter: str = Field(description="事项代码")
    month: dt.date = Field(description="月份（当月 1 日）")
    cases: int = Field(description="办件量")


class StatisticsOut(BaseModel):
    """本部门在统计期内按事项的应查必查与实施反馈统计。"""

    department: str = Field(description="部门（取自接口密钥）")
    start: dt.date = Field(description="统计起始日")
    end: dt.date = Field(description="统计截止日")
    columns: dict[str, str] = Field(description="各统计项的中文名称")
    rows: list[dict[str, Any]] = Field(
        description="每个事项一行：核查次数、核查主体数、命中措施的核查、返回措施数、返回强制性措施数、"
        "已反馈措施数、强制性措施已实施、办件量、覆盖率（核查主体数 / 办件量，"
        "未报办件量时为空）、反馈率"
    )


class MatterOut(BaseModel):
    """一个事项，以及本密钥可否核查。"""

    key: str = Field(description="事项代码", examples=["procurement"])
    name_zh: str = Field(description="事项名称（中文）", examples=["政府采购"])
    name_en: str = Field(description="事项名称（英文）")
    in_scope: bool = Field(description="本部门的接口密钥可否核查该事项")


class CatalogueOut(BaseModel):
    """现行措施清单（可按事项筛选）。"""

    version: str = Field(description="措施清单版本")
    title: str = Field(description="措施清单名称")
    matter: str | None = Field(description="筛选的事项（未筛选为空）")
    measures: list[dict[str, Any]] = Field(
        description="措施：编号、名称、类型、效力、依据、触发条件、事项、实施部门、期限"
    )
