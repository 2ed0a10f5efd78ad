"""The credit report's vocabulary in Chinese and English.

Section titles, column names and the names of codes a report shows (GB/T 4754
industry sections, severity tiers, objection and repair statuses; subject types
are read from their declarations). Record kinds and departments carry their own labels in
:mod:`features.records.kinds`.
"""

from __future__ import annotations

from html import escape

from features.link_lookup import links

#: key → (Chinese, English)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("信用报告", "Credit report"),
    "platform": ("公共信用信息共享平台", "Public credit information sharing platform"),
    "generated": ("生成时间", "Generated at"),
    "identity": ("主体信息", "Identity"),
    "subject_id": ("主体标识", "Subject ID"),
    "name": ("名称", "Name"),
    "subject_type": ("主体类型", "Subject type"),
    "region": ("所在地区", "Region"),
    "township_code": ("乡镇代码", "Township code"),
    "village_code": ("村代码", "Village code"),
    "industry": ("行业门类", "Industry"),
    "scale": ("企业规模", "Scale"),
    "established": ("成立（取得资格）日期", "Established / licensed on"),
    "legal_rep": ("法定代表人身份证号", "Legal representative ID"),
    "employer": ("所属企业", "Employer"),
    "status": ("状态", "Status"),
    "scheme": ("评价方案", "Rating scheme"),
    "as_of": ("评价基准日", "As of"),
    "grade": ("信用等级", "Grade"),
    "model_grade": ("模型等级", "Model grade"),
    "final_grade": ("最终等级", "Final grade"),
    "pd": ("违约概率（12个月）", "Probability of default (12 months)"),
    "score": ("信用分", "Score"),
    "green_channel": ("绿色通道（连续3年无失信记录）", "Green channel (3 years without negatives)"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "history": ("等级变化", "Grade history"),
    "scored_at": ("评价时间", "Scored at"),
    "cause": ("重新评价原因", "Re-rating cause"),
    "current": ("现行", "in force"),
    "superseded": ("已被取代", "superseded"),
    "reasons": ("评价理由", "Reasons"),
    "raise": ("提高风险的因素", "Factors that raise risk"),
    "lower": ("降低风险的因素", "Factors that lower risk"),
    "indicator": ("指标", "Indicator"),
    "value": ("本主体取值", "Value"),
    "reference": ("参照主体取值", "Reference"),
    "contribution": ("贡献", "Contribution"),
    "unit_points": ("分", "points"),
    "unit_rule_points": ("评价规则得分", "points of the published rule"),
    "rule_note": (
        "本方案按公布的评价规则定级，不使用模型：评价周期内各项记录按规则加分或扣分，"
        "基础分 {base} 加减各项得分为 {output} 分，所在分档即为最终等级"
        "（严重违法失信等硬性调整仍然适用）。",
        "This scheme is graded by its published rule, with no model: over the cycle each "
        "record adds or deducts points by the rule; the base {base} plus the items gives "
        "{output} points, and its band is the final grade (hard overrides such as the "
        "serious violation list still apply).",
    ),
    "rule_result": ("评价规则结果", "Result of the published rule"),
    "rule_points": ("周期得分", "Points in the cycle"),
    "rule_cycle": ("评价周期", "Cycle"),
    "rule_band": ("所在分档", "Band"),
    "rule_consequence": ("结果运用", "Consequence"),
    "rule_bands": ("分档与结果运用", "Bands and their consequences"),
    "rule_threshold": ("分数线", "Threshold"),
    "rule_sources": ("规则依据", "Sources of the rule"),
    "rule_item": ("计分项目", "Rule item"),
    "points_scored": ("得分", "Points"),
    "by_rule": ("按评价规则定级（无模型）", "graded by the published rule (no model)"),
    "not_applicable": ("不适用", "n/a"),
    "records_n": ("条", " record(s)"),
    "unit_log-odds": ("对数几率", "log-odds"),
    "reason_note": (
        "理由按相对参照主体（训练样本中各指标取中位数、类别取最常见值、多数主体没有的取缺失的典型主体）的贡献列出："
        "参照主体的模型输出 {base} ＋ 所列因素的贡献 ＋ 其他因素合计 {rest} ＝ 本主体的模型输出 "
        "{output}（{unit}）。列为提高风险的因素，其取值在该指标的风险方向上劣于参照主体；"
        "列为降低风险的因素则优于参照主体。“无记录”所说明的事实（如近24个月无行政处罚、"
        "近24个月未纳税）按其含义列出：无不良记录只可能降低风险，无评议、纳税、参保等记录只可能"
        "提高风险；同一事实只列一次（如近24个月未纳税与近12个月纳税0元）。没有风险方向的背景指标"
        "（如上年纳税额、在贷余额）和含义不明的缺失数据不作为理由，计入其他因素。",
        "Reasons are contributions measured against the reference subject (the typical "
        "subject of the training data: each indicator at its median, each category at its "
        "most frequent value, missing where most subjects have none): the reference's "
        "output {base} + the listed contributions + "
        "all other factors {rest} = this subject's output {output} ({unit}). A factor listed "
        "as raising the risk has a value worse than the reference's in the indicator's risk "
        "direction; one listed as lowering it, a better value. What having no record states "
        "(no penalty in 24 months, no tax paid in 24 months) is listed for what it means: no "
        "adverse record can only lower the risk, no assessment, tax or insurance record can "
        "only raise it; one fact is listed once (no tax paid in 24 months, not also 0 yuan "
        "paid in 12). Context indicators without a risk direction (such as last year's tax or "
        "loans outstanding) and missing data that state nothing are not reasons: they are in "
        "all other factors.",
    ),
    "reason": ("说明", "Explanation"),
    "no_reasons": ("无", "none"),
    "records": ("理由所依据的信用记录", "Records behind the reasons"),
    "record_id": ("记录编号", "Record ID"),
    "kind": ("信息类别", "Kind"),
    "severity": ("失信程度", "Severity"),
    "record_date": ("认定日期", "Decided on"),
    "published_on": ("公示日期", "Published on"),
    "window": ("计入窗口", "Counting window"),
    "counts_until": ("计入至", "Counts until"),
    "source_dept": ("来源部门", "Source department"),
    "owner": ("所属主体", "Whose record"),
    "no_records": ("无相关信用记录", "No records behind these reasons"),
    "in_force": ("有效期内", "while in force"),
    "more_related": (
        "另有{n}条关联主体的记录未逐条列出（本指标共{total}条关联主体记录，按认定日期列出最近{shown}条）",
        "{n} more records of related parties not listed ({total} in all for this indicator; "
        "the latest {shown} by date are listed)",
    ),
    "overrides": ("政策调整", "Policy overrides"),
    "no_overrides": ("未触发政策调整", "No override applied"),
    "objections": ("异议", "Objections"),
    "repairs": ("信用修复", "Credit repairs"),
    "opened_on": ("提出日期", "Opened on"),
    "resolved_on": ("办结日期", "Resolved on"),
    "applied_on": ("申请日期", "Applied on"),
    "decided_on": ("审核日期", "Decided on"),
    "none": ("无", "none"),
    "lists": ("名单信息", "Lists"),
    "lists_on": ("名单状态日期", "Lists as of"),
    "lists_members": ("现列入名单及记录", "Current listings and records"),
    "lists_trail": ("名单变更记录", "List trail"),
    "lists_reach": (
        "列明本人的单位严重失信名单及所及措施",
        "Organisations' serious listings naming this person, and the measures reaching them",
    ),
    "list": ("名单", "List"),
    "list_status": ("状态", "Status"),
    "list_basis": ("列入依据", "Basis"),
    "entered_on": ("列入日期", "Entered on"),
    "expires_on": ("届满日期", "Expires on"),
    "evidence": ("依据记录", "Evidence"),
    "persons": ("列明人员", "Persons named"),
    "effective_on": ("生效日期", "Effective on"),
    "list_event": ("事件", "Event"),
    "list_reason": ("理由", "Reason"),
    "firm": ("单位", "Organisation"),
    "firm_id": ("统一社会信用代码", "USCC"),
    "role": ("身份", "Role"),
    "through": ("所涉名单或记录", "Through"),
    "measures": ("所及措施（事项）", "Measures reaching the person (matters)"),
    "model": ("模型", "Model"),
    "model_name": ("模型名称", "Model name"),
    "model_version": ("模型版本", "Model version"),
    "run_id": ("训练运行编号", "Training run"),
    "about": ("评价方案说明", "About this scheme"),
    "target": ("预测目标", "Target event"),
    "grades": ("等级含义", "What the grades mean"),
    "method": ("评分方法", "How the score is made"),
    "indicators_n": ("指标数", "Indicators"),
    "dimensions": ("维度", "Dimensions"),
    "disclaimer": (
        "本报告依据公共信用信息共享平台截至评价基准日归集的信息生成；个人身份证号已脱敏。"
        "对信息有异议的，可向平台提出异议申请。",
        "Generated from the records shared on the platform up to the as-of date; personal ID "
        "numbers are masked. A subject who disputes a record may file an objection.",
    ),
}

METHOD: dict[str, tuple[str, str]] = {
    "rule_points": (
        "公布的评价规则：评价周期内的信用记录按规则逐项加分或扣分（每条记录只计入第一个匹配的"
        "项目，设有上限的项目不超过上限），得分所在分档即为最终等级；不使用模型，不计算违约概率。",
        "The published rule: over the cycle each record adds or deducts the points of the "
        "first item it matches (capped items up to their cap); the band of the total is the "
        "final grade. No model is used and no probability of default is computed.",
    ),
    "points": (
        "评分卡：每个指标按分箱取得分值（WOE 分箱 + 逻辑回归，按 PDO 刻度换算为分），"
        "基础分加各指标分值即为信用分，分越高风险越低；理由中的分值是本主体比参照主体多得或少得"
        "的分。信用分换算为校准后的违约概率，再按违约概率分档定级，最后执行政策调整。",
        "Scorecard: each indicator earns points by its bin (WOE binning and logistic "
        "regression scaled by points-to-double-odds); base points plus all indicator points "
        "give the score, higher is safer; a reason's points are what the subject earns more "
        "or less than the reference subject. The score maps to a calibrated probability of "
        "default, the PD band gives the grade, then policy overrides apply.",
    ),
    "log-odds": (
        "梯度提升树（LightGBM，按指标风险方向施加单调约束）：模型输出违约对数几率，"
        "参照主体的输出与各指标相对参照主体的贡献（精确 Shapley 值）相加即为本主体的模型输出；"
        "输出经校准得到违约概率，再按违约概率分档定级，最后执行政策调整。",
        "Gradient-boosted trees (LightGBM with monotone constraints from each indicator's "
        "risk direction): the model outputs log-odds of default; the reference subject's "
        "output plus each indicator's contribution against it (exact Shapley values) is this "
        "subject's output. It is calibrated to a probability of default, the PD band gives "
        "the grade, then policy overrides apply.",
    ),
}


def subject_types() -> dict[str, tuple[str, str]]:
    """Subject type → its report labels (the declared long ones, e.g. 道路运输驾驶员)."""
    from features import registry  # scoring may read features; at call time, as it can change

    return {
        k: (t.long_label("zh"), t.long_label("en"))
        for k, t in registry.active().subject_types().items()
    }


#: GB/T 4754-2017 sections.
INDUSTRIES: dict[str, tuple[str, str]] = {
    "A": ("农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    "B": ("采矿业", "Mining"),
    "C": ("制造业", "Manufacturing"),
    "D": ("电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    "E": ("建筑业", "Construction"),
    "F": ("批发和零售业", "Wholesale and retail"),
    "G": ("交通运输、仓储和邮政业", "Transport, storage and post"),
    "H": ("住宿和餐饮业", "Accommodation and catering"),
    "I": ("信息传输、软件和信息技术服务业", "Information transmission, software and IT"),
    "J": ("金融业", "Finance"),
    "K": ("房地产业", "Real estate"),
    "L": ("租赁和商务服务业", "Leasing and business services"),
    "M": ("科学研究和技术服务业", "Scientific research and technical services"),
    "N": ("水利、环境和公共设施管理业", "Water, environment and public facilities"),
    "O": ("居民服务、修理和其他服务业", "Resident services, repair and other services"),
    "P": ("教育", "Education"),
    "Q": ("卫生和社会工作", "Health and social work"),
    "R": ("文化、体育和娱乐业", "Culture, sports and entertainment"),
    "S": ("公共管理、社会保障和社会组织", "Public administration and social organisations"),
    "T": ("国际组织", "International organisations"),
}

SCALES: dict[str, tuple[str, str]] = {
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}
SEVERITIES: dict[str, tuple[str, str]] = {
    "minor": ("轻微", "minor"),
    "general": ("一般", "general"),
    "serious": ("严重", "serious"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "active": ("存续", "active"),
    "closed": ("注销", "closed"),
    "revoked": ("吊销", "revoked"),
    "open": ("处理中", "open"),
    "upheld": ("异议成立", "upheld"),
    "rejected": ("不予支持", "rejected"),
    "applied": ("已申请", "applied"),
    "approved": ("已修复", "approved"),
}
RELATIONS: dict[str, tuple[str, str]] = {
    "self": ("本主体", "the subject"),
    "legal_rep": ("法定代表人", "legal representative"),
    "employer": ("所属企业", "employer"),
    "rep_firms": (
        "同一法定代表人的其他单位",
        "another organisation of the legal representative",
    ),
}
CAUSES: dict[str, tuple[str, str]] = {
    "objection": ("异议处理", "objection"),
    "repair": ("信用修复", "credit repair"),
}


def relation_pair(key: str) -> tuple[str, str] | None:
    """The names of a relation: :data:`RELATIONS`, else the declared link's labels
    (read when asked: the declared links may change while the process runs)."""
    if key in RELATIONS:
        return RELATIONS[key]
    found = links().get(key)
    return None if found is None else (found.label_zh, found.label_en)


def text_pair(key: str) -> tuple[str, str]:
    """A report text by key: :data:`TEXT`, else the declared link called ``key``."""
    pair = TEXT.get(key) or relation_pair(key)
    if pair is None:
        raise KeyError(f"no report text {key!r}")
    return pair


def pick(pair: tuple[str, str] | None, lang: str, fallback: str = "") -> str:
    """One language of a label pair (``fallback`` when the pair is missing)."""
    if pair is None:
        return fallback
    return pair[0] if lang == "zh" else pair[1]


def both(pair: tuple[str, str], lang: str) -> str:
    """HTML: Chinese first with the English beside it (``zh``), English alone (``en``)."""
    if lang == "en":
        return escape(pair[1])
    return f'{escape(pair[0])} <span class="en">{escape(pair[1])}</span>'


def label(table: dict[str, tuple[str, str]], key: object, lang: str) -> str:
    """The label of a code in ``lang``; the code itself when unknown, '' for null."""
    if key is None or (isinstance(key, float) and key != key):
        return ""
    return pick(table.get(str(key)), lang, str(key))
