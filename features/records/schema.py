"""The single declaration of every table the platform stores.

DDL, ingestion validation, the synthetic city and the printed documentation
(``xinping schema``) are all generated from :data:`TABLES`; nothing else names
a column type.

Conventions
-----------
* Every table is append-only. A correction is a new row: subjects get a new
  version (the latest ``recorded_at`` wins), objections and repairs a new row
  per status change, ratings a new batch, the managed lists a new
  ``list_events`` row per entry, publication, suspension, exit or revocation.
* Dates are calendar dates (``DATE``); moments are ``TIMESTAMP`` in local time.
* ``records``: ``event_date`` is when the fact happened (violation, accident,
  payment, days-past-due reached), ``decided_on`` when an authority decided it
  (penalty decision, listing, judgment), ``published_on`` when it was pushed
  to the platform and may count. A record's *label date* — the date a target
  event is dated by — is ``decided_on`` when present, else ``event_date``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: Logical dtypes and the DuckDB type each one becomes.
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "float": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}


def subject_types() -> tuple[str, ...]:
    """The declared subject types of the active registry (``features/definitions/types.py``
    and scheme folders), in declaration order."""
    from features import registry  # at call time: the registry imports the declarations

    return tuple(registry.active().subject_types())


def subject_id_doc() -> str:
    """What ``subjects.subject_id`` holds, generated from each type's declared identifier."""
    from features import registry

    by_rule: dict[str, list[str]] = {}
    for t in registry.active().subject_types().values():
        by_rule.setdefault(t.identifier.describe("en"), []).append(t.key)
    return "; ".join(f"{rule} ({', '.join(keys)})" for rule, keys in by_rule.items()) + "."


def __getattr__(name: str) -> object:
    # the old constant, read from the active registry when asked
    if name == "SUBJECT_TYPES":
        return subject_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SEVERITIES: tuple[str, ...] = ("minor", "general", "serious")
POLARITIES: tuple[str, ...] = ("negative", "positive", "neutral")
SCALES: tuple[str, ...] = ("large", "medium", "small", "micro")
#: GB/T 4754-2017 sections.
INDUSTRY_SECTIONS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRST")
SUBJECT_STATUSES: tuple[str, ...] = ("active", "closed", "revoked")
LICENCE_CLASSES: tuple[str, ...] = ("A1", "A2", "A3", "B1", "B2", "C1")
OBJECTION_STATUSES: tuple[str, ...] = ("open", "upheld", "rejected")
REPAIR_STATUSES: tuple[str, ...] = ("applied", "approved", "rejected")
#: The platform's managed lists (issue 17): 红名单, 黑名单 (严重失信主体名单), 重点关注名单.
LIST_KEYS: tuple[str, ...] = ("red", "black", "watch")
#: What a ``list_events`` row records; expiry is implied by ``expires_on``.
LIST_EVENTS_KINDS: tuple[str, ...] = (
    "enter",
    "publish",
    "exit_repair",
    "exit_rule",
    "suspend",
    "resume",
    "revoke_wrongful",
)
LIST_BASES: tuple[str, ...] = ("rule", "decision")


@dataclass(frozen=True)
class Column:
    """One column: its logical dtype, nullability and bilingual documentation."""

    name: str
    dtype: str
    nullable: bool
    label_en: str
    label_zh: str
    description: str = ""
    choices: tuple[str, ...] | None = None
    default_sql: str | None = None
    #: Read from the declarations when asked (subject types): see :meth:`allowed`, :meth:`doc`.
    choices_of: Callable[[], tuple[str, ...]] | None = None
    description_of: Callable[[], str] | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DUCKDB_TYPES:
            raise ValueError(f"column {self.name}: unknown dtype {self.dtype!r}")

    @property
    def sql_type(self) -> str:
        """DuckDB type of the column."""
        return DUCKDB_TYPES[self.dtype]

    def allowed(self) -> tuple[str, ...] | None:
        """The accepted values: the declared ones when they come from the registry."""
        return self.choices_of() if self.choices_of is not None else self.choices

    def doc(self) -> str:
        """The description: generated from the declarations when it comes from them."""
        return self.description_of() if self.description_of is not None else self.description


@dataclass(frozen=True)
class Table:
    """A stored table: name, bilingual label, purpose and columns in order."""

    name: str
    label_en: str
    label_zh: str
    description: str
    columns: tuple[Column, ...]
    #: columns one-subject reads look rows up by (features/store/sliced.py): the
    #: DuckDB store keeps an ART index on each, a point look-up instead of a scan
    lookups: tuple[str, ...] = ()
    #: written to the Parquet lake (``xinping export-lake``). False for the workflow
    #: tables that hold accounts, password hashes and who-looked-at-whom: they are
    #: not analytical and never leave the platform's store.
    lake: bool = True

    def __post_init__(self) -> None:
        for name in self.lookups:
            self.column(name)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in declaration order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Columns that may not be null."""
        return tuple(c.name for c in self.columns if not c.nullable)


def _c(
    name: str,
    dtype: str,
    nullable: bool,
    en: str,
    zh: str,
    desc: str = "",
    choices: tuple[str, ...] | None = None,
) -> Column:
    return Column(name, dtype, nullable, en, zh, desc, choices)


_RECORDED_AT = Column(
    "recorded_at",
    "timestamp",
    False,
    "Recorded at",
    "入库时间",
    "When the platform stored the row.",
    default_sql="current_timestamp::TIMESTAMP",
)
_INGEST_ID = _c(
    "ingest_id",
    "int",
    True,
    "Ingest batch",
    "入库批次",
    "The ingest_log entry that stored the row.",
)

SUBJECTS = Table(
    "subjects",
    "Rated subjects",
    "信用主体",
    "Every rated party. A changed attribute is a new row; the latest recorded_at wins.",
    (
        Column(
            "subject_id",
            "string",
            False,
            "Subject ID",
            "主体标识",
            description_of=subject_id_doc,
        ),
        Column(
            "subject_type", "string", False, "Subject type", "主体类型", choices_of=subject_types
        ),
        _c("name", "string", False, "Name", "名称", "Registered name, or the person's name."),
        _c(
            "region_code",
            "string",
            False,
            "County code",
            "行政区划代码",
            "6-digit county-level division.",
        ),
        _c(
            "township_code",
            "string",
            True,
            "Township code",
            "乡镇代码",
            "9-digit statistical code of the township or street.",
        ),
        _c(
            "village_code",
            "string",
            True,
            "Village code",
            "村代码",
            "12-digit statistical code of the village or community.",
        ),
        _c(
            "industry",
            "string",
            True,
            "Industry section",
            "行业门类",
            "GB/T 4754 section A–T.",
            INDUSTRY_SECTIONS,
        ),
        _c("scale", "string", True, "Enterprise scale", "企业规模", "", SCALES),
        _c(
            "registered_capital", "float", True, "Registered capital (10k yuan)", "注册资本（万元）"
        ),
        _c(
            "established_on",
            "date",
            True,
            "Established on",
            "成立日期",
            "Registration date of an enterprise; licence date of a driver.",
        ),
        _c(
            "legal_rep_id",
            "string",
            True,
            "Legal representative ID",
            "法定代表人身份证号",
            "居民身份证号码 of the legal representative (personal, masked in display).",
        ),
        _c("household_size", "int", True, "Household size", "家庭人口"),
        _c("labour_count", "int", True, "Labour force", "劳动力人数"),
        _c("land_mu", "float", True, "Contracted land (mu)", "承包土地（亩）"),
        _c(
            "assets_value",
            "float",
            True,
            "Household assets (yuan)",
            "家庭资产（元）",
            "Declared in the rural credit file.",
        ),
        _c(
            "annual_income",
            "float",
            True,
            "Annual operating income (yuan)",
            "年经营收入（元）",
            "Declared in the rural credit file.",
        ),
        _c("licence_class", "string", True, "Licence class", "准驾车型", "", LICENCE_CLASSES),
        _c(
            "employer_id",
            "string",
            True,
            "Employer USCC",
            "所属企业统一社会信用代码",
            "The transport enterprise a driver works for.",
        ),
        _c("status", "string", False, "Status", "状态", "", SUBJECT_STATUSES),
        _c("closed_on", "date", True, "Closed on", "注销/吊销日期"),
        _INGEST_ID,
        _RECORDED_AT,
    ),
    lookups=("subject_id", "legal_rep_id"),
)

SUBJECT_ATTRIBUTES = Table(
    "subject_attributes",
    "Declared subject attributes",
    "主体扩展属性",
    "Attributes a subject type declares beyond the subjects columns (features/declare.py "
    "AttributeDecl), one row per subject, attribute and value: a subjects file carries them as "
    "extra columns. A changed value is a new row; the latest version_from wins.",
    (
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c(
            "version_from",
            "timestamp",
            False,
            "Version from",
            "生效时间",
            "When the platform stored this value (it is current until a later row).",
        ),
        _c("name", "string", False, "Attribute", "属性名", "The declared attribute's name."),
        _c("value_text", "string", True, "Text value", "文本值", "A string attribute's value."),
        _c("value_num", "float", True, "Number value", "数值", "A number attribute's value."),
        _INGEST_ID,
    ),
    lookups=("subject_id",),
)

RECORDS = Table(
    "records",
    "Shared credit records",
    "信用记录",
    "One shared credit record pushed by a department. Never updated; see objections and repairs.",
    (
        _c(
            "record_id",
            "string",
            False,
            "Record ID",
            "记录编号",
            "Stable identifier from the source department.",
        ),
        _c(
            "subject_id",
            "string",
            False,
            "Subject ID",
            "主体标识",
            "统一社会信用代码 or 居民身份证号码 of the party the record is about.",
        ),
        _c(
            "kind",
            "string",
            False,
            "Record kind",
            "信息类别",
            "One of the kinds in features/records/kinds.py.",
        ),
        _c("domain", "string", False, "Domain", "领域", "Filled from the kind when not given."),
        _c(
            "severity",
            "string",
            True,
            "Severity tier",
            "失信程度",
            "For negative records.",
            SEVERITIES,
        ),
        _c(
            "polarity",
            "string",
            False,
            "Polarity",
            "性质",
            "Filled from the kind when not given.",
            POLARITIES,
        ),
        _c(
            "value_num",
            "float",
            True,
            "Numeric value",
            "数值",
            "Kind-specific: headcount, days past due, points, score, kWh…",
        ),
        _c(
            "value_text",
            "string",
            True,
            "Text value",
            "文本值",
            "Kind-specific: tax level, sector, responsibility, list reason…",
        ),
        _c(
            "amount", "float", True, "Amount (yuan)", "金额（元）", "Fine, tax paid, loan, arrears…"
        ),
        _c("event_date", "date", False, "Event date", "发生日期"),
        _c(
            "decided_on",
            "date",
            True,
            "Decided on",
            "决定日期",
            "Penalty decision, listing or judgment date.",
        ),
        _c(
            "published_on",
            "date",
            False,
            "Published on",
            "公示/报送日期",
            "The record counts from this date.",
        ),
        _c(
            "valid_until",
            "date",
            True,
            "Valid until",
            "公示截止日期",
            "End of the publication window, removal from a list, loan maturity.",
        ),
        _c(
            "revoked_on",
            "date",
            True,
            "Revoked on",
            "撤销日期",
            "Revoked by the source department (e.g. after reconsideration).",
        ),
        _c("source_dept", "string", False, "Source department", "来源部门"),
        _c("detail", "string", True, "Detail", "详情", "Free text from the source."),
        _INGEST_ID,
        _RECORDED_AT,
    ),
)

OBJECTIONS = Table(
    "objections",
    "Objections",
    "异议",
    "Append-only: one row when opened, one more when resolved (same objection_id).",
    (
        _c("objection_id", "string", False, "Objection ID", "异议编号"),
        _c("record_id", "string", False, "Record ID", "记录编号"),
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("status", "string", False, "Status", "状态", "", OBJECTION_STATUSES),
        _c("opened_on", "date", False, "Opened on", "提出日期"),
        _c("resolved_on", "date", True, "Resolved on", "办结日期"),
        _c("reason", "string", True, "Reason", "异议理由"),
        _c("handled_by", "string", True, "Handled by", "经办人"),
        _RECORDED_AT,
    ),
    lookups=("record_id",),
)

REPAIRS = Table(
    "repairs",
    "Credit repairs",
    "信用修复",
    "Append-only: a row when applied, another when approved or rejected (same repair_id).",
    (
        _c("repair_id", "string", False, "Repair ID", "修复编号"),
        _c("record_id", "string", False, "Record ID", "记录编号"),
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("status", "string", False, "Status", "状态", "", REPAIR_STATUSES),
        _c("applied_on", "date", False, "Applied on", "申请日期"),
        _c(
            "approved_on",
            "date",
            True,
            "Decided on",
            "审核日期",
            "Approval (publication ends here) or rejection date.",
        ),
        _c("handled_by", "string", True, "Handled by", "经办人"),
        _RECORDED_AT,
    ),
    lookups=("record_id",),
)

LIST_EVENTS = Table(
    "list_events",
    "List events",
    "名单事件",
    "Append-only history of the platform's red, black and watch lists (scoring/lists.py): "
    "an ``enter`` row opens a listing (its event_id is the listing_id), later rows about it "
    "publish, suspend, resume, end or revoke it. Nothing is updated or deleted.",
    (
        _c("event_id", "string", False, "Event ID", "事件编号"),
        _c(
            "listing_id",
            "string",
            False,
            "Listing ID",
            "列入编号",
            "The ``enter`` event this row is about (itself for an ``enter`` row).",
        ),
        _c("list_key", "string", False, "List", "名单", "", LIST_KEYS),
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("event", "string", False, "Event", "事件", "", LIST_EVENTS_KINDS),
        _c("basis", "string", True, "Basis", "列入依据", "On ``enter`` rows.", LIST_BASES),
        _c("rule_id", "string", True, "Rule", "认定规则", "Settings [lists] rule id (basis rule)."),
        _c("dept", "string", True, "Deciding department", "认定部门"),
        _c("document_no", "string", True, "Document number", "文书编号"),
        _c(
            "evidence",
            "string",
            True,
            "Evidence records",
            "证据记录",
            "Comma-separated record_ids the listing rests on.",
        ),
        _c(
            "persons",
            "string",
            True,
            "Persons reached",
            "责任人员",
            "Comma-separated IDs of the legal representative and responsible persons "
            "(seed 002 #12); masked on every display.",
        ),
        _c(
            "cause_id",
            "string",
            True,
            "Cause",
            "触发事项",
            "The objection, repair or record that caused a later row (idempotence key).",
        ),
        _c("effective_on", "date", False, "Effective on", "生效日期"),
        _c("expires_on", "date", True, "Expires on", "届满日期", "On ``enter`` rows."),
        _c("reason", "string", True, "Reason", "理由"),
        _c("handled_by", "string", True, "Handled by", "经办人"),
        _RECORDED_AT,
    ),
    lookups=("subject_id",),
    # in the lake since issue 18: the features of persons read the listings naming them
    # (features/links.py ListPersons), on Spark as on DuckDB
)

RATINGS = Table(
    "ratings",
    "Ratings",
    "信用评级结果",
    "One batch per scheme, as-of date and model version; history is kept.",
    (
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("scheme", "string", False, "Scheme", "评价方案"),
        _c("as_of", "date", False, "As of", "评价基准日"),
        _c("model_name", "string", False, "Model", "模型名称"),
        _c("model_version", "string", False, "Model version", "模型版本"),
        _c("run_id", "string", True, "MLflow run", "训练运行编号"),
        _c("score", "float", True, "Score", "信用分"),
        _c("pd", "float", True, "Probability of default", "违约概率"),
        _c("model_grade", "string", True, "Model grade", "模型等级"),
        _c("final_grade", "string", False, "Final grade", "最终等级"),
        _c("overrides", "string", True, "Overrides (JSON)", "政策调整（JSON）"),
        _c("reasons", "string", True, "Reasons (JSON)", "评价理由（JSON）"),
        _c("green_channel", "bool", True, "Green channel", "绿色通道"),
        _c("scored_at", "timestamp", False, "Scored at", "评价时间"),
    ),
)

MONITORING = Table(
    "monitoring",
    "Model monitoring",
    "模型监测",
    "One row per scheme, rating batch (as-of date and model version) and monitoring date "
    "(`xinping monitor`): score and indicator PSI against the training population, and the "
    "back-test once the outcomes have matured. Re-running the same monitoring replaces its row.",
    (
        _c("scheme", "string", False, "Scheme", "评价方案"),
        _c("batch_as_of", "date", False, "Rating batch", "评级批次"),
        _c("model_version", "string", False, "Model version", "模型版本"),
        _c("run_id", "string", True, "Training run", "训练运行编号"),
        _c("monitored_as_of", "date", False, "Monitored as of", "监测基准日"),
        _c("rows", "int", False, "Subjects rated", "评级主体数"),
        _c("score_psi", "float", True, "Score PSI", "评分PSI"),
        _c("score_light", "string", True, "Score light", "评分信号", "", ("green", "amber", "red")),
        _c("max_feature_psi", "float", True, "Largest indicator PSI", "指标PSI最大值"),
        _c("max_feature", "string", True, "Indicator with the largest PSI", "PSI最大的指标"),
        _c(
            "feature_light",
            "string",
            True,
            "Indicator light",
            "指标信号",
            "",
            ("green", "amber", "red"),
        ),
        _c("months_observed", "int", False, "Outcome months observed", "已观察表现期（月）"),
        _c("matured", "bool", False, "Outcomes matured", "表现期已满"),
        _c("auc", "float", True, "AUC of the matured cohort", "成熟批次AUC"),
        _c("backtest_failed", "int", True, "Grades failing the back-test", "回测未通过等级数"),
        _c("alerts", "int", False, "Alerts", "预警数"),
        _c("report", "string", False, "Report (JSON)", "监测报告（JSON）"),
        _c("mlflow_run_id", "string", True, "MLflow monitoring run", "监测运行编号"),
        _c("monitored_at", "timestamp", False, "Monitored at", "监测时间"),
    ),
)

MONITOR_ALERTS = Table(
    "monitor_alerts",
    "Monitoring alerts",
    "监测预警",
    "One row per threshold a rating batch crossed in a monitoring run: score PSI red, an "
    "indicator's PSI red, a grade failing the back-test, a matured cohort's AUC below the "
    "spec's minimum. Re-running the same monitoring replaces its alerts.",
    (
        _c("scheme", "string", False, "Scheme", "评价方案"),
        _c("batch_as_of", "date", False, "Rating batch", "评级批次"),
        _c("model_version", "string", False, "Model version", "模型版本"),
        _c("monitored_as_of", "date", False, "Monitored as of", "监测基准日"),
        _c(
            "kind",
            "string",
            False,
            "Kind",
            "预警类型",
            "",
            ("score_psi", "feature_psi", "backtest", "auc"),
        ),
        _c("item", "string", True, "Indicator or grade", "指标或等级"),
        _c("value", "float", True, "Value", "数值"),
        _c("threshold", "float", True, "Threshold", "阈值"),
        _c("message_zh", "string", False, "Message (Chinese)", "预警说明（中文）"),
        _c("message_en", "string", False, "Message (English)", "预警说明（英文）"),
        _c("mlflow_run_id", "string", True, "MLflow monitoring run", "监测运行编号"),
        _c("raised_at", "timestamp", False, "Raised at", "预警时间"),
    ),
)

INSPECTIONS = Table(
    "inspections",
    "Inspection draws",
    "双随机抽查名单",
    "One row per drawn enterprise; the draw's parameters are repeated on each row.",
    (
        _c("draw_id", "string", False, "Draw ID", "抽查批次"),
        _c("as_of", "date", False, "As of", "分类基准日"),
        _c("region_code", "string", True, "Region", "行政区划代码"),
        _c("seed", "int", False, "Seed", "随机种子"),
        _c("parameters", "string", False, "Parameters (JSON)", "抽查参数（JSON）"),
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("credit_class", "string", False, "Credit class", "信用风险分类"),
        _c("drawn_by", "string", True, "Drawn by", "抽取人"),
        _c("drawn_at", "timestamp", False, "Drawn at", "抽取时间"),
    ),
)

MEASURE_VERSIONS = Table(
    "measure_versions",
    "Measures catalogue versions",
    "措施清单版本",
    "Append-only: one row per catalogue a steward saved; the latest is in force (none saved: "
    "the shipped file). A credit check records the version it used.",
    (
        _c("version", "int", False, "Version", "版本号", "1, 2, 3 … in the order saved."),
        _c("saved_at", "timestamp", False, "Saved at", "保存时间"),
        _c("saved_by", "string", False, "Saved by", "保存人"),
        _c("reason", "string", False, "Reason", "修订理由"),
        _c("measures", "int", False, "Measures", "措施数"),
        _c("sha256", "string", False, "SHA-256", "内容摘要", "Of the canonical JSON."),
        _c("catalogue", "string", False, "Catalogue (JSON)", "措施清单（JSON）"),
    ),
)

CREDIT_CHECKS = Table(
    "credit_checks",
    "Credit checks",
    "信用核查记录",
    "Append-only: one row per credit check (信用核查) a department made, with what it returned "
    "(scoring/credit_check.py). A later catalogue or list change never rewrites a row; feedback "
    "(实施反馈) and statistics (应查必查) refer to check_id.",
    (
        _c("check_id", "string", False, "Check ID", "核查编号"),
        _c("checked_at", "timestamp", False, "Checked at", "核查时间"),
        _c("checked_by", "string", False, "Checked by", "核查人"),
        _c("department", "string", False, "Department", "核查部门"),
        _c("purpose", "string", False, "Purpose", "核查事由"),
        _c("matter", "string", False, "Matter", "事项", "A matter key (procurement …)."),
        _c("subject_id", "string", False, "Subject ID", "主体标识", "Masked on every display."),
        _c("as_of", "date", False, "As of", "核查基准日"),
        _c("catalogue_version", "string", False, "Catalogue version", "措施清单版本"),
        _c("catalogue_sha256", "string", False, "Catalogue SHA-256", "措施清单摘要"),
        _c("measures", "int", False, "Measures", "适用措施数"),
        _c(
            "result",
            "string",
            False,
            "Result (JSON)",
            "核查结果（JSON）",
            "Lists, grades, tiers and every measure returned with its triggers and evidence.",
        ),
    ),
    lookups=("subject_id",),
    lake=False,
)

CHECK_FEEDBACK = Table(
    "check_feedback",
    "Check feedback",
    "实施反馈",
    "Append-only: one row per measure a department reports on after a credit check (实施反馈, "
    "scoring/check_feedback.py): applied, not applied (a mandatory one needs a note) or not "
    "applicable. A later report on the same measure is a new row; the latest counts.",
    (
        _c("feedback_id", "string", False, "Feedback ID", "反馈编号"),
        _c("check_id", "string", False, "Check ID", "核查编号", "The credit_checks row."),
        _c("department", "string", False, "Department", "反馈部门", "The check's department."),
        _c("measure_id", "string", False, "Measure", "措施编号", "A measure the check returned."),
        _c(
            "outcome",
            "string",
            False,
            "Outcome",
            "实施情况",
            "",
            choices=("applied", "not_applied", "not_applicable"),
        ),
        _c("note", "string", True, "Note", "说明", "Required for a mandatory measure not applied."),
        _c("reported_by", "string", False, "Reported by", "反馈人"),
        _c("reported_on", "date", False, "Reported on", "反馈日期"),
        _RECORDED_AT,
    ),
    lookups=("check_id",),
    lake=False,
)

CASELOADS = Table(
    "caseloads",
    "Caseloads",
    "办件量",
    "Append-only: the number of cases a department handled for a matter in a month, the "
    "denominator of 应查必查 coverage (scoring/check_feedback.py). A correction is a new row; the "
    "latest row per department, matter and month counts.",
    (
        _c("department", "string", False, "Department", "部门"),
        _c("matter", "string", False, "Matter", "事项", "A matter key (procurement …)."),
        _c("month", "date", False, "Month", "月份", "The first day of the month."),
        _c("cases", "int", False, "Cases", "办件量"),
        _c("reported_by", "string", False, "Reported by", "填报人"),
        _RECORDED_AT,
    ),
    lake=False,
)

AUDIT_LOG = Table(
    "audit_log",
    "Audit log",
    "查询留痕",
    "Every look-up of a subject and every change, with who and why.",
    (
        _c("logged_at", "timestamp", False, "At", "时间"),
        _c("user_name", "string", False, "User", "用户"),
        _c("role", "string", False, "Role", "角色"),
        _c("action", "string", False, "Action", "操作"),
        _c(
            "subject_id",
            "string",
            True,
            "Subject ID",
            "主体标识",
            "A personal ID only as its keyed hash (``pid:…``, scoring/audit.py).",
        ),
        _c("detail", "string", True, "Detail", "详情", "e.g. the bank's authorisation reference."),
    ),
    lake=False,
)

INGEST_LOG = Table(
    "ingest_log",
    "Ingest log",
    "数据入库日志",
    "One row per ingested file (or generated batch) with its hash and counts.",
    (
        _c("ingest_id", "int", False, "Ingest ID", "入库批次"),
        _c("file_name", "string", False, "File", "文件"),
        _c("file_sha256", "string", False, "SHA-256", "文件哈希"),
        _c("target_table", "string", False, "Table", "目标表"),
        _c("source_dept", "string", True, "Department", "报送部门"),
        _c("file_format", "string", False, "Format", "文件格式"),
        _c("encoding", "string", True, "Encoding", "编码"),
        _c("rows_read", "int", False, "Rows read", "读取行数"),
        _c("rows_stored", "int", False, "Rows stored", "入库行数"),
        _c(
            "rows_unchanged",
            "int",
            False,
            "Rows already stored",
            "重复行数",
            "Rows identical to what was already stored: nothing to add.",
        ),
        _c("rows_quarantined", "int", False, "Rows quarantined", "隔离行数"),
        _c("message", "string", True, "Message", "说明"),
        _c("started_at", "timestamp", False, "Started at", "开始时间"),
        _c("finished_at", "timestamp", False, "Finished at", "结束时间"),
    ),
)

QUARANTINE = Table(
    "quarantine",
    "Quarantine",
    "隔离区",
    "Rows that were not stored, with every reason, as read from the file.",
    (
        _c("ingest_id", "int", False, "Ingest ID", "入库批次"),
        _c("file_name", "string", False, "File", "文件"),
        _c(
            "row_number",
            "int",
            False,
            "Row",
            "行号",
            "Line in the file (header is line 1) or Excel row.",
        ),
        _c("target_table", "string", False, "Table", "目标表"),
        _c("key", "string", True, "Key", "主键", "record_id or subject_id as read."),
        _c("raw", "string", False, "Row as read (JSON)", "原始内容（JSON）"),
        _c(
            "reasons",
            "string",
            False,
            "Reasons (JSON)",
            "隔离原因（JSON）",
            "List of {column, value, problem}.",
        ),
        Column(
            "quarantined_at",
            "timestamp",
            False,
            "Quarantined at",
            "隔离时间",
            default_sql="current_timestamp::TIMESTAMP",
        ),
    ),
)

USERS = Table(
    "users",
    "App users",
    "系统用户",
    "Accounts of the Streamlit app. Passwords are kept only as salted PBKDF2-SHA256 hashes "
    "(``pbkdf2_sha256$iterations$salt$hash``).",
    (
        _c("username", "string", False, "Username", "用户名"),
        _c(
            "role",
            "string",
            False,
            "Role",
            "角色",
            "supervisor, bank, rural, modeller, department or admin.",
        ),
        _c("display_name", "string", False, "Display name", "姓名"),
        _c(
            "password_hash",
            "string",
            False,
            "Password hash",
            "口令摘要",
            "Salted hash; the password itself is never stored.",
        ),
        _c(
            "region_code",
            "string",
            True,
            "Region",
            "所辖区划",
            "Area of work (e.g. a rural officer's county); empty = whole city.",
        ),
        _c("created_at", "timestamp", False, "Created at", "创建时间"),
        _c(
            "department",
            "string",
            True,
            "Department",
            "所属部门",
            "A department officer's department (its credit checks carry it); empty for "
            "other roles. Added after the first stores: an older file gains the column "
            "when opened (features/store/workflow.py).",
        ),
    ),
    lake=False,
)

SIGNIN_EVENTS = Table(
    "signin_events",
    "Sign-in events",
    "登录事件",
    "The throttle's memory (app/auth.py): one row per failed sign-in, lock, success or unlock, "
    "per key (a user name as typed, or a client address). Append-only; never a password.",
    (
        _c("logged_at", "timestamp", False, "At", "时间"),
        _c(
            "key",
            "string",
            False,
            "Key",
            "对象",
            "``user:<name as typed>`` or ``client:<address>``.",
        ),
        _c(
            "event",
            "string",
            False,
            "Event",
            "事件",
            "",
            choices=("failed", "locked", "succeeded", "unlocked"),
        ),
        _c("until", "timestamp", True, "Locked until", "锁定至", "Set on ``locked`` rows."),
    ),
    lookups=("key",),
    lake=False,
)

SESSIONS = Table(
    "sessions",
    "App sessions",
    "登录会话",
    "Signed sessions of the app (app/sessions.py): an ``issued`` row at sign-in, a ``revoked`` "
    "row at sign-out. The browser keeps only a signed token naming the session; the token itself "
    "is never stored.",
    (
        _c("session_id", "string", False, "Session", "会话编号"),
        _c("user_name", "string", False, "User", "用户"),
        _c("role", "string", False, "Role", "角色"),
        _c("event", "string", False, "Event", "事件", "", choices=("issued", "revoked")),
        _c("logged_at", "timestamp", False, "At", "时间"),
        _c("expires_at", "timestamp", True, "Expires at", "过期时间", "Set on ``issued`` rows."),
    ),
    lookups=("session_id",),
    lake=False,
)

API_KEYS = Table(
    "api_keys",
    "API keys",
    "接口密钥",
    "The departments' API keys (app/api/keys.py): an ``issued`` row when a key is made, a "
    "``revoked`` row when it is withdrawn. Append-only; the key itself is never stored, only a "
    "salted SHA-256 of its secret part.",
    (
        _c("key_id", "string", False, "Key ID", "密钥编号", "The public part of the key."),
        _c("event", "string", False, "Event", "事件", "", choices=("issued", "revoked")),
        _c("department", "string", False, "Department", "部门"),
        _c(
            "scopes",
            "string",
            True,
            "Scopes",
            "可核查事项",
            "Matter keys, comma-separated (``*``: every matter). Set on ``issued`` rows.",
        ),
        _c("rate_per_minute", "int", True, "Rate limit", "每分钟限额", "Set on ``issued`` rows."),
        _c("key_hash", "string", True, "Key hash", "密钥摘要", "sha256$salt$hash; issued rows."),
        _c("by", "string", False, "By", "操作人"),
        _c("reason", "string", True, "Reason", "理由"),
        _c("logged_at", "timestamp", False, "At", "时间"),
    ),
    lookups=("key_id",),
    lake=False,
)

SYNTHETIC_TRUTH = Table(
    "synthetic_truth",
    "Synthetic truth",
    "模拟真值",
    "Generated data only: the latent risk and the true probability of the scheme's target event "
    "in (as_of, as_of + 12 months]. Features never read it.",
    (
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("scheme", "string", False, "Scheme", "评价方案"),
        _c("as_of", "date", False, "As of", "基准日"),
        _c("latent", "float", False, "Latent risk", "潜在风险"),
        _c("pd_true", "float", False, "True probability", "真实违约概率"),
    ),
)

SUBJECT_LINKS = Table(
    "subject_links",
    "Subject links",
    "主体关联关系",
    "Related parties declared by a department, point in time: the party is related to the "
    "subject from ``valid_from`` until ``valid_to`` (open: still). Read by the links declared "
    "as ``Table(relation)`` (features/links.py). A correction is a new row, nothing is deleted.",
    (
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("relation", "string", False, "Relation", "关联关系", "The declared link's relation."),
        _c("party_id", "string", False, "Party ID", "关联主体标识"),
        _c("role", "string", True, "Role", "角色", "E.g. member, registered practitioner."),
        _c("valid_from", "date", False, "Valid from", "起始日期"),
        _c("valid_to", "date", True, "Valid to", "终止日期", "Empty: the link still holds."),
        _c("source_dept", "string", False, "Source department", "来源部门"),
        _INGEST_ID,
        _RECORDED_AT,
    ),
    lookups=("subject_id",),
)

# --- early warning (信用监测预警, issue 19): scoring/watch*.py ---
WATCHLIST = Table(
    "watchlist",
    "Watch list by hand",
    "人工重点关注",
    "Append-only: a supervisor adds a subject to their own watch list, or removes it, with a "
    "reason; the latest row per user and subject says whether it is watched. Nothing is "
    "deleted: a removal is a new row. (Subjects watched by rule are computed, not stored.)",
    (
        _c("entry_id", "string", False, "Entry ID", "关注记录编号"),
        _c("user_name", "string", False, "User", "用户"),
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("action", "string", False, "Action", "操作", "", ("add", "remove")),
        _c("reason", "string", False, "Reason", "理由"),
        _c("entered_at", "timestamp", False, "Entered at", "登记时间"),
    ),
    lookups=("subject_id",),
    lake=False,
)

WATCH_ALERTS = Table(
    "watch_alerts",
    "Early-warning alerts",
    "信用预警",
    "One row per alert (`xinping watch run --as-of D`): a new serious record, a list entry, a "
    "grade lowered, a PD rising by the configured factor, an objection deadline near or past. "
    "The ID is a hash of what the alert is about, so running a date again adds nothing twice. "
    "Acknowledgements are rows of ``watch_acks``.",
    (
        _c("alert_id", "string", False, "Alert ID", "预警编号"),
        _c("as_of", "date", False, "As of", "预警基准日", "The run's date."),
        _c("since", "date", False, "Period from", "期间起始日", "The period is (since, as_of]."),
        _c(
            "alert_type",
            "string",
            False,
            "Alert type",
            "预警类型",
            "",
            (
                "serious_record",
                "list_entry",
                "grade_down",
                "pd_rise",
                "deadline_due",
                "deadline_overdue",
            ),
        ),
        _c("subject_id", "string", False, "Subject ID", "主体标识"),
        _c("scheme", "string", True, "Scheme", "评价方案", "Rating alerts: the scheme rated."),
        _c("cause_zh", "string", False, "Cause (Chinese)", "预警原因（中文）"),
        _c("cause_en", "string", False, "Cause (English)", "预警原因（英文）"),
        _c(
            "records",
            "string",
            False,
            "Records (JSON)",
            "相关记录（JSON）",
            "The records behind the alert: record_id, kind, kind_zh, kind_en, record_date, "
            "published_on.",
        ),
        _c("value_from", "float", True, "Value before", "变化前", "PD, or grade rank (0 best)."),
        _c("value_to", "float", True, "Value after", "变化后"),
        _c("created_at", "timestamp", False, "Created at", "生成时间"),
    ),
    lookups=("subject_id",),
    lake=False,
)

WATCH_ACKS = Table(
    "watch_acks",
    "Alert acknowledgements",
    "预警确认",
    "Append-only: who acknowledged an alert, when, with a note. An alert with a row here is "
    "no longer open; every acknowledgement is also in the audit log.",
    (
        _c("ack_id", "string", False, "Acknowledgement ID", "确认编号"),
        _c("alert_id", "string", False, "Alert ID", "预警编号"),
        _c("user_name", "string", False, "User", "用户"),
        _c("role", "string", False, "Role", "角色"),
        _c("note", "string", False, "Note", "处理说明"),
        _c("acked_at", "timestamp", False, "Acknowledged at", "确认时间"),
    ),
    lake=False,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        SUBJECTS,
        SUBJECT_ATTRIBUTES,
        RECORDS,
        OBJECTIONS,
        REPAIRS,
        LIST_EVENTS,
        RATINGS,
        MONITORING,
        MONITOR_ALERTS,
        INSPECTIONS,
        MEASURE_VERSIONS,
        CREDIT_CHECKS,
        CHECK_FEEDBACK,
        CASELOADS,
        AUDIT_LOG,
        INGEST_LOG,
        QUARANTINE,
        USERS,
        SIGNIN_EVENTS,
        SESSIONS,
        API_KEYS,
        SYNTHETIC_TRUTH,
        SUBJECT_LINKS,
        WATCHLIST,
        WATCH_ALERTS,
        WATCH_ACKS,
    )
}


#: Tables kept in the workflow store (:mod:`features.store.workflow`): written by
#: many people at once (every look-up is audited), read by nothing analytical.
WORKFLOW_TABLES: frozenset[str] = frozenset(
    {"users", "audit_log", "signin_events", "sessions", "api_keys"}
)


def table(name: str) -> Table:
    """Return the declared table called ``name``."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}") from None


def create_table_sql(tbl: Table) -> str:
    """DuckDB ``CREATE TABLE IF NOT EXISTS`` statement for ``tbl``."""
    cols = ",\n  ".join(
        f"{c.name} {c.sql_type}"
        + (f" DEFAULT {c.default_sql}" if c.default_sql else "")
        + ("" if c.nullable else " NOT NULL")
        for c in tbl.columns
    )
    return f"CREATE TABLE IF NOT EXISTS {tbl.name} (\n  {cols}\n)"


def create_index_sql(tbl: Table) -> list[str]:
    """DuckDB ``CREATE INDEX IF NOT EXISTS`` statements for ``tbl``'s look-up columns."""
    return [
        f"CREATE INDEX IF NOT EXISTS {tbl.name}_{c}_idx ON {tbl.name} ({c})" for c in tbl.lookups
    ]


def schema_markdown(tables: dict[str, Table] | None = None) -> str:
    """Bilingual markdown documentation of every table and column."""
    lines: list[str] = ["# xinping 数据表 / tables", ""]
    for tbl in (tables or TABLES).values():
        lines += [
            f"## `{tbl.name}` — {tbl.label_zh} / {tbl.label_en}",
            "",
            tbl.description,
            "",
            "| column | 中文 | English | type | null | description |",
            "|---|---|---|---|---|---|",
        ]
        for c in tbl.columns:
            desc, values = c.doc(), c.allowed()
            if values:
                desc = (desc + " " if desc else "") + "Values: " + ", ".join(values) + "."
            lines.append(
                f"| `{c.name}` | {c.label_zh} | {c.label_en} | {c.sql_type} | "
                f"{'yes' if c.nullable else 'no'} | {desc} |"
            )
        lines.append("")
    return "\n".join(lines)
