"""Every user-visible string of the app, in Chinese (default) and English.

``t(key, **values)`` returns the string in the session's language
(``st.session_state["lang"]``: ``"zh"`` or ``"en"``), formatted with ``values``.
An unknown key is returned as itself so a missing translation shows up on screen
(and a test fails on it) instead of crashing a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app import labels_checks as _check_strings
from app.i18n_public import PUBLIC_STRINGS
from app.i18n_quality import QUALITY_COLUMNS, QUALITY_STRINGS
from app.i18n_watch import WATCH_COLUMNS, WATCH_STRINGS
from features.records import values
from features.records.regions import COUNTIES
from features.schemes import schemes

LANGS: dict[str, str] = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("信评 · 公共信用信息共享平台信用评价", "xinping · public credit rating"),
    "app.language": ("语言", "Language"),
    "app.user": ("当前用户：{name}（{role}）", "Signed in: {name} ({role})"),
    "app.menu": ("功能", "Pages"),
    "page.login": ("登录", "Sign in"),
    "page.overview": ("总览", "Overview"),
    "page.profile": ("主体信用画像", "Subject profile"),
    "page.models": ("模型管理", "Models"),
    "page.objections": ("异议与修复", "Objections and repair"),
    "page.quality": ("数据质量", "Data quality"),
    "page.supervision": ("分级分类监管", "Risk-based supervision"),
    "page.lending": ("信易贷", "Credit-based lending"),
    "page.rural": ("农村信用", "Rural credit"),
    "store.waiting": (
        "数据正在更新，已等待 {seconds} 秒：{who}。完成后自动显示最新数据。",
        "The data is being updated; waited {seconds} s: {who}. The page shows the new data "
        "when it is done.",
    ),
    "store.someone": ("另一进程", "another process"),
    "refused.login": ("无权访问：请先登录。", "Access refused: please sign in first."),
    "refused.role": (
        "无权访问：当前角色（{role}）不能使用本页面。",
        "Access refused: your role ({role}) may not use this page.",
    ),
    "none": ("无", "Nothing to show"),
    # login
    "login.username": ("用户名", "Username"),
    "login.password": ("口令", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或口令错误。", "Wrong username or password."),
    "login.as": ("已登录：{name}（{role}）", "Signed in as {name} ({role})"),
    "login.logout": ("退出登录", "Sign out"),
    "login.locked": (
        "该用户名登录失败次数过多，已暂停登录至 {until}，请届时再试或联系平台管理员解锁。",
        "Too many failed sign-ins for this user name: signing in is suspended until {until}. "
        "Try again then, or ask the platform steward to unlock it.",
    ),
    "login.wait": (
        "登录尝试过于频繁，请于 {until} 之后再试。",
        "Too many attempts in a row: try again after {until}.",
    ),
    "login.session_expired": (
        "登录已超时，请重新登录。",
        "Your session expired: please sign in again.",
    ),
    "login.session_revoked": (
        "您已退出登录，请重新登录。",
        "You signed out: please sign in again.",
    ),
    "login.session_user_changed": (
        "账号或角色已变更，请重新登录。",
        "Your account or role changed: please sign in again.",
    ),
    "login.demo": (
        "演示账号：supervisor（监管人员）、bank（银行信贷员）、rural（农村信用信息员）、"
        "modeller（建模人员）、admin（平台管理员），口令均为 {password}",
        "Demo accounts: supervisor, bank, rural, modeller, admin — password {password} for each",
    ),
    # overview
    "overview.empty": (
        "尚无评级结果：请先运行 xinping score。",
        "No ratings yet: run xinping score first.",
    ),
    "overview.as_of": ("评价基准日", "As of"),
    "overview.by_scheme": ("各评价方案等级分布", "Grades by scheme"),
    "overview.rated": ("已评价主体数", "Subjects rated"),
    "overview.subjects": ("主体数", "Subjects"),
    "overview.scheme": ("评价方案", "Scheme"),
    "overview.by_region": ("按地区", "By region"),
    "overview.by_industry": ("按行业", "By industry"),
    "overview.share": ("占比", "Share"),
    "overview.no_industry": (
        "本方案的主体没有行业分类。",
        "This scheme's subjects have no industry.",
    ),
    "overview.movements": ("较上期变动", "Movements since the previous date"),
    "overview.no_previous": (
        "只有一期评价结果，暂无变动。",
        "Only one rating date: no movements yet.",
    ),
    "overview.since": ("{previous} → {as_of}", "{previous} → {as_of}"),
    "overview.from": ("上期等级（{d}）", "Grade at {d}"),
    "overview.to": ("本期等级（{d}）", "Grade at {d}"),
    "move.up": ("上调", "Upgraded"),
    "move.down": ("下调", "Downgraded"),
    "move.same": ("不变", "Unchanged"),
    "move.new": ("新增", "New"),
    "move.gone": ("退出", "Left"),
    # profile
    "profile.search": ("按名称或代码查询主体", "Search a subject by name or code"),
    "profile.hint": (
        "企业：名称或统一社会信用代码（前6位起）；"
        "个人：完整身份证号，或姓名加区县（如 张三 麒麟区）",
        "a firm: its name or code (from 6 characters); "
        "a person: the full ID, or the exact name and the county",
    ),
    "profile.start": (
        "输入名称或代码开始查询。每次查询都会留痕。",
        "Type a name or code to start. Every look-up is logged.",
    ),
    "profile.nothing": ("没有找到匹配的主体。", "No subject matches."),
    "profile.pick": ("选择主体（{n} 个结果）", "Choose a subject ({n} found)"),
    "profile.unrated": ("该主体尚无评级。", "This subject has no rating yet."),
    "profile.model": (
        "{grade} · 模型 {model} 版本 {version}",
        "{grade} · model {model} version {version}",
    ),
    "profile.flag_on": (
        "{label}：连续{years}年无失信记录，可享容缺受理等便利。",
        "{label}: {years} years without a negative record (fast-track services).",
    ),
    "profile.override": ("政策调整", "Policy override"),
    "profile.reasons": ("评价理由", "Reasons"),
    "profile.raise": ("推高风险的主要因素", "Factors raising the risk most"),
    "profile.lower": ("降低风险的主要因素", "Factors lowering the risk most"),
    "profile.base": ("参照主体", "Reference subject"),
    "profile.rest": ("其他因素合计", "All other factors"),
    "profile.output": ("本主体", "This subject"),
    "profile.logodds_note": (
        "理由与图中的贡献均相对参照主体（训练样本中各指标取中位数、多数主体没有的取缺失的"
        "典型主体）计算，单位为违约对数几率：红色推高违约风险，绿色降低；参照主体加各因素贡献"
        "即为本主体的模型输出。没有风险方向的背景指标和含义不明的缺失数据不列为理由，"
        "计入“其他因素合计”；“近24个月未纳税”这类没有记录所说明的事实按其含义列出，"
        "同一事实只列一次。",
        "Reasons and contributions are measured against the reference "
        "subject (the typical subject of the training data, each indicator "
        "at its median, or missing where most subjects have none), in "
        "log-odds of default: red raises the risk, green "
        "lowers it; the reference plus the contributions is this subject's "
        "output. Context indicators without a risk direction and missing "
        'data that state nothing are not reasons: they are in "all other '
        'factors"; what having no record states ("no tax paid in 24 months") '
        "is listed for what it means, one fact once.",
    ),
    "profile.points_note": (
        "理由与图中的分值均相对参照主体（训练样本中各指标取中位数、多数主体没有的取缺失的"
        "典型主体）计算：绿色比参照主体多得分（风险更低），红色少得分；参照主体得分加各因素分值"
        "即为本主体的信用分。没有风险方向的背景指标和含义不明的缺失数据不列为理由，"
        "计入“其他因素合计”；“近24个月未纳税”这类没有记录所说明的事实按其含义列出，"
        "同一事实只列一次。",
        "Reasons and points are measured against the reference subject "
        "(the typical subject of the training data, each indicator at its "
        "median, or missing where most subjects have none): green earns more "
        "points than the reference (lower risk), "
        "red fewer; the reference's score plus the points is this subject's "
        "score. Context indicators without a risk direction and missing data "
        'that state nothing are not reasons: they are in "all other factors"; '
        'what having no record states ("no tax paid in 24 months") is listed '
        "for what it means, one fact once.",
    ),
    "profile.history": ("等级历史", "Grade history"),
    "profile.records": ("信用记录时间线", "Records on a timeline"),
    "profile.objections": ("未办结异议", "Open objections"),
    "unit.points": ("分值", "Points"),
    "unit.rule_points": ("评价规则得分", "Points of the published rule"),
    "profile.by_rule": (
        "{grade} · 按公布的评价规则定级（无模型）",
        "{grade} · graded by the published rule (no model)",
    ),
    "profile.rule_note": (
        "本方案按公布的评价规则定级，不使用模型：基础分加减评价周期内各项记录的得分即为"
        "本主体得分，所在分档即为最终等级；理由列出计分的项目、记录条数和分值。",
        "This scheme is graded by its published rule, with no model: the base points plus "
        "or minus each scored record of the cycle give the subject's points, whose band is "
        "the final grade; the reasons list the items that scored, their records and points.",
    ),
    "unit.logodds": ("对数几率", "Log-odds"),
    # models
    "models.versions": ("注册版本", "Registered versions"),
    "models.none": (
        "xinping-{scheme} 尚无注册模型：请先训练。",
        "xinping-{scheme} has no registered model: train first.",
    ),
    "models.compare": ("冠军与挑战者模型对比", "Champion vs challenger"),
    "models.runs": ("训练运行", "Training runs"),
    "models.dead_run": (
        "训练运行 {run} 的进程已意外结束，已标记为失败",
        "Training run {run} lost its process; marked failed",
    ),
    "models.report": ("验证报告", "Validation report"),
    "models.run": ("训练运行", "Run"),
    "models.tab_html": ("报告（图表）", "Report (charts)"),
    "models.tab_gates": ("晋升门槛", "Gates"),
    "models.tab_json": ("指标数据", "Metrics (JSON)"),
    "models.promote": ("晋升冠军模型", "Promote to champion"),
    "models.no_challenger": ("没有挑战者模型。", "No challenger."),
    "models.same": (
        "挑战者 v{version} 已是冠军模型。",
        "Challenger v{version} already is the champion.",
    ),
    "models.promote_hint": (
        "挑战者 v{challenger} 须通过全部门槛且不劣于冠军 v{champion}。",
        "Challenger v{challenger} must pass every gate and rank at least as "
        "well as champion v{champion}.",
    ),
    "models.promote_button": ("检验门槛并晋升", "Check the gates and promote"),
    "models.promoting": ("正在样本外重新检验…", "Re-checking out of time…"),
    "models.promoted": ("v{version} 已晋升为冠军模型。", "v{version} is now the champion."),
    "models.refused": ("未晋升：以下门槛未通过。", "Not promoted: these gates failed."),
    # objections
    "obj.on": ("办理日期", "Date of the change"),
    "obj.tab_open": ("提出异议", "Open an objection"),
    "obj.tab_list": ("未办结异议与时限", "Open objections and deadlines"),
    "obj.tab_repair": ("信用修复", "Credit repair"),
    "obj.subject": ("主体代码（列出其失信记录）", "Subject code (lists its negative records)"),
    "obj.no_negative": ("该主体没有失信记录。", "No negative records for this subject."),
    "obj.no_records": ("该主体没有信用记录。", "No records for this subject."),
    "obj.all_records": (
        "列出该主体的全部记录（对非失信记录提出异议时勾选）",
        "List all its records (to object to a record that is not negative)",
    ),
    "obj.record": ("信用记录", "Record"),
    "obj.record_pick": ("请选择该主体的一条记录", "Choose one of the subject's records"),
    "obj.record_first": (
        "请先输入主体标识，再选择它的一条记录",
        "Enter the subject, then choose one of its records",
    ),
    "obj.repair_subject": (
        "主体标识（列出其失信记录，生成信用修复指引）",
        "Subject ID (lists its negative records; repair guidance)",
    ),
    "obj.open_button": ("提交异议", "Open the objection"),
    "obj.rerating": ("正在重新评价受影响主体…", "Re-rating the affected subjects…"),
    "obj.opened": (
        "异议 {id} 已受理，记录暂停使用。",
        "Objection {id} opened; the record is suspended.",
    ),
    "obj.none_open": ("没有未办结的异议。", "No open objections."),
    "obj.open_count": ("未办结异议", "Open objections"),
    "obj.overdue": ("逾期 {n}", "{n} overdue"),
    "obj.verdict": ("核实结论", "Verdict"),
    "obj.upheld": ("异议成立", "upheld"),
    "obj.rejected": ("异议不成立", "rejected"),
    "obj.resolve_button": ("办结", "Resolve"),
    "obj.resolved": ("异议 {id}：{status}", "Objection {id}: {status}"),
    "obj.repair_button": ("批准修复", "Approve the repair"),
    "obj.repaired": (
        "修复 {id} 已批准，{effective} 起停止公示。",
        "Repair {id} approved; publication ends {effective}.",
    ),
    "obj.rerated": (
        "已重新评价 {n} 个主体，用时 {ms} 毫秒（变更前 = 同日未变更时的评价）：",
        "{n} subjects re-rated in {ms} ms (before = the same day without the change):",
    ),
    "obj.no_rerate": (
        "没有需要重新评价的主体（无冠军模型或不在评价范围内）。",
        "No subject to re-rate (no champion, or outside every population).",
    ),
    # quality
    "quality.log": ("入库日志", "Ingest log"),
    "quality.quarantine": ("隔离区", "Quarantine"),
    "quality.counts": ("记录统计", "Record counts"),
    "quality.files": ("入库批次", "Batches"),
    "quality.clean": ("没有被隔离的数据行。", "No quarantined rows."),
    "quality.download": ("下载隔离记录（CSV）", "Download the quarantined rows (CSV)"),
    "quality.by_dept": ("按来源部门", "By department"),
    "quality.by_kind": ("按信息类别", "By kind"),
    # supervision (分级分类监管)
    "sup.as_of": ("分类基准日", "Classification date"),
    "sup.empty": (
        "尚无企业信用风险分类结果：请先运行 xinping score --subject enterprise。",
        "No enterprise credit-risk classes yet: run xinping score --subject enterprise first.",
    ),
    "sup.model": (
        "分类来自模型 {model} 版本 {version}",
        "Classes from model {model} version {version}",
    ),
    "sup.filter_region": ("地区", "Region"),
    "sup.filter_industry": ("行业", "Industry"),
    "sup.filter_class": ("信用风险分类", "Credit-risk class"),
    "sup.all": ("全部（可多选）", "All (choose any)"),
    "sup.distribution": ("信用风险分类分布", "Enterprises per credit-risk class"),
    "sup.enterprises": (
        "企业分类与主要理由（{n} 户）",
        "Enterprises, classes and top reasons ({n})",
    ),
    "sup.no_match": ("没有符合筛选条件的企业。", "No enterprise matches the filters."),
    "sup.ratios": ("现行抽查比例", "Sampling ratios in force"),
    "sup.floor": (
        "每次抽查至少覆盖辖区已分类企业的 {floor}；不足时按 {order} 的顺序补足。",
        "Each draw covers at least {floor} of the classified enterprises; a "
        "shortfall is topped up in the order {order}.",
    ),
    "sup.draw": ("抽取双随机检查名单", "Draw the random inspection list"),
    "sup.seed": ("随机种子", "Seed"),
    "sup.seed_help": (
        "相同种子与相同数据得到相同名单，便于复核。",
        "The same seed and data give the same list, for review.",
    ),
    "sup.region": ("抽查区划", "Region inspected"),
    "sup.all_regions": ("全市", "The whole city"),
    "sup.draw_button": ("抽取并保存名单", "Draw and store the list"),
    "sup.drawn": (
        "抽查批次 {id}：抽取 {n} 户企业（基准日 {as_of}，随机种子 {seed}）。",
        "Draw {id}: {n} enterprises (as of {as_of}, seed {seed}).",
    ),
    "sup.floor_met": (
        "达到保底比例：需抽 {required} 户，实抽 {drawn} 户。",
        "Floor met: {required} required, {drawn} drawn.",
    ),
    "sup.floor_not_met": (
        "未达到保底比例：需抽 {required} 户，实抽 {drawn} 户（可抽企业不足）。",
        "Floor NOT met: {required} required, {drawn} drawn (too few eligible).",
    ),
    "sup.summary": ("分类抽查汇总", "Summary per class"),
    "sup.list": ("抽查名单", "The list"),
    "sup.csv": ("下载名单（CSV）", "Download the list (CSV)"),
    "sup.xlsx": ("下载名单（Excel）", "Download the list (Excel)"),
    "sup.no_region": (
        "该区划没有已分类企业，未抽取。",
        "No classified enterprise in that region: nothing drawn.",
    ),
    # the authorisation reference (授权编号) of the roles in settings app.authorisation_roles
    "auth.label": ("授权编号", "Authorisation reference"),
    "auth.help": (
        "信息主体（企业或个人）授权查询其信用信息的书面授权编号；查询、查看和下载报告"
        "均连同该编号记入审计日志。",
        "The subject's (a firm's or a person's) written authorisation to look up its "
        "credit information; searches, look-ups and report downloads are written to "
        "the audit log with it.",
    ),
    "auth.needed": (
        "请先填写信息主体的授权编号：有授权才能查询、查看其信用信息。",
        "Enter the subject's authorisation reference first: searching and viewing "
        "its credit information need it.",
    ),
    # lending (信易贷)
    "lend.on": ("评级有效日期", "Ratings in force on"),
    "lend.empty": (
        "尚无信易贷（中小企业）评级：请先运行 xinping score --subject sme。",
        "No SME ratings yet: run xinping score --subject sme first.",
    ),
    "lend.auth": ("授权编号", "Authorisation reference"),
    "lend.auth_help": (
        "企业授权查询其信用信息的书面授权编号，将记入审计日志。",
        "The SME's written authorisation to look up its credit information; "
        "it is written to the audit log.",
    ),
    "lend.auth_needed": (
        "请先填写企业的授权编号：有授权才能查看企业信用信息。",
        "Enter the SME's authorisation reference first: its credit information opens only with it.",
    ),
    "lend.tab_one": ("单户查询", "Look up an SME"),
    "lend.tab_batch": ("批量申请", "Applicants in bulk"),
    "lend.search": ("按企业名称或统一社会信用代码查询", "Search an SME by name or USCC"),
    "lend.pick": ("选择企业（{n} 个结果）", "Choose an SME ({n} found)"),
    "lend.nothing": ("没有找到匹配的企业。", "No enterprise matches."),
    "lend.unrated": (
        "该企业在 {on} 没有信易贷评级（不在中小企业评价范围内）。",
        "This enterprise has no SME rating on {on} (outside the SME population).",
    ),
    "lend.grade": ("信易贷等级", "Lending grade"),
    "lend.decision": ("授信建议", "Decision"),
    "lend.line": ("建议额度（元）", "Suggested line (yuan)"),
    "lend.tier": ("利率档次", "Rate tier"),
    "lend.knockouts": ("否决项", "Knock-outs"),
    "lend.no_knockouts": ("未触发否决项。", "No knock-out applies."),
    "lend.declined": ("不予授信原因", "Why declined"),
    "lend.report": ("下载信用报告（HTML）", "Download the credit report (HTML)"),
    "lend.upload": (
        "上传申请企业名单（CSV 文件，含“统一社会信用代码”列）",
        "Upload the applicants (CSV with a USCC column)",
    ),
    "lend.bad_file": (
        "无法读取该文件：需要含“统一社会信用代码”列的 CSV 文件（文件中的列：{cols}）。",
        "Cannot read this file: a CSV with a USCC column is needed (columns found: {cols}).",
    ),
    "lend.batch_done": (
        "共 {n} 行：{ok} 户给出授信建议，{bad} 行无法评价（见“状态”“该行问题”列）。",
        "{n} rows: {ok} decided, {bad} could not be rated (see Status and Problem in the line).",
    ),
    "lend.download": ("下载结果（CSV）", "Download the results (CSV)"),
    "lend.status.ok": ("已评价", "decided"),
    "lend.status.empty": ("空行：未填写代码", "empty row: no code"),
    "lend.status.unknown": ("未找到该主体", "unknown subject"),
    "lend.status.unrated": ("该主体无信易贷评级", "no SME rating"),
    "lend.status.bad": ("该行有误，未评价", "line not read, not decided"),
    "lend.problem.ragged": (
        "第 {line} 行有 {found} 个字段，表头为 {expected} 列（「{value}」）：无法确定哪一项是"
        "统一社会信用代码，该行未评价；请删去多余的逗号或备注后重新上传。",
        "Line {line} has {found} fields where the header has {expected} (“{value}”): which one "
        "is the USCC is unclear, so it is not decided; remove the extra comma or remark and "
        "upload again.",
    ),
    "lend.problem.quote": (
        "第 {line} 行的引号没有闭合（「{value}」），该行未评价。",
        "Line {line} has a quote that does not close (“{value}”); it is not decided.",
    ),
    "lend.problem.invalid": (
        "第 {line} 行的「{value}」不是有效的统一社会信用代码（18 位，校验位符合 GB 32100），"
        "该行未评价。",
        "Line {line}: “{value}” is not a valid USCC (18 characters with a GB 32100 check "
        "character); it is not decided.",
    ),
    # rural (农村信用)
    "rural.on": ("评定日期", "Assessment date"),
    "rural.empty": (
        "尚无农户评级：请先运行 xinping score --subject household。",
        "No household ratings yet: run xinping score --subject household first.",
    ),
    "rural.households_n": ("信用户", "Credit households"),
    "rural.villages_n": ("信用村", "Credit villages"),
    "rural.townships_n": ("信用乡镇", "Credit townships"),
    "rural.townships": ("乡镇", "Townships"),
    "rural.township": ("选择乡镇", "Choose a township"),
    "rural.villages": ("{name} 的行政村", "Villages of {name}"),
    "rural.village": ("选择行政村", "Choose a village"),
    "rural.is_village": ("{name}：已评为信用村", "{name}: a credit village"),
    "rural.not_village": ("{name}：未评为信用村", "{name}: not a credit village"),
    "rural.is_township": ("{name}：已评为信用乡镇", "{name}: a credit township"),
    "rural.not_township": ("{name}：未评为信用乡镇", "{name}: not a credit township"),
    "rural.criteria": ("评定条件", "Criteria"),
    "rural.weighing": ("影响最大的农户", "Households weighing most"),
    "rural.weighing_none": ("各项条件均已达标。", "Every criterion is met."),
    "rural.households": (
        "本村农户（授信额度与利率优惠）",
        "Households of the village (line and rate discount)",
    ),
    "rural.businesses": (
        "本村新型农业经营主体（农民专业合作社、家庭农场）",
        "Agricultural businesses of the village (co-operatives, family farms)",
    ),
    "rural.businesses_none": (
        "本村尚无已评价的农民专业合作社或家庭农场。",
        "No rated co-operative or family farm in this village.",
    ),
    "rural.assess": ("村两委评议：录入或更正", "Village committee assessment: enter or correct"),
    "rural.household": ("农户", "Household"),
    "rural.current": (
        "当前评议：{score} 分（{date}，记录 {id}）",
        "Current assessment: {score} points ({date}, record {id})",
    ),
    "rural.no_current": (
        "该农户尚无村两委评议记录。",
        "No assessment recorded for this household.",
    ),
    "rural.score": ("评议得分（0–100）", "Score (0–100)"),
    "rural.date": ("评议日期", "Date of the assessment"),
    "rural.note": ("说明（如更正原因）", "Note (e.g. why it is corrected)"),
    "rural.save": ("保存评议并重新评价", "Store and re-rate"),
    "rural.computing": (
        "正在按当日农户评级评定全部信用村和信用乡镇（首次查看需较长时间）…",
        "Judging every village and township from the day's household ratings (slow at first)…",
    ),
    "rural.saving": ("正在保存并重新评价该农户…", "Storing and re-rating the household…"),
    "rural.saved": (
        "已保存评议记录 {id}（新增一条记录，原记录保留）。",
        "Assessment {id} stored (a new record; earlier ones are kept).",
    ),
    "rural.no_model": (
        "评议已保存，但农户方案没有冠军模型，未能重新评价。",
        "Stored, but the household scheme has no champion: not re-rated.",
    ),
    # profile additions
    "profile.flag_off": ("未进入{label}。", "Not in the {label}."),
    "profile.rule_title": (
        "{label}：{points} 分，{grade}（{grade_label}），计分记录 {n} 条",
        "{label}: {points} points, {grade} ({grade_label}), {n} scoring records",
    ),
    "profile.rule_record": (
        "{date} {label}：{points}分（记录编号 {record}）",
        "{date} {label}: {points} points (record {record})",
    ),
    "profile.points_detail": (
        "记分 {points} 分，{events} 起事件：{grade}",
        "{points} points from {events} events: {grade}",
    ),
    "profile.report": ("下载信用报告（HTML）", "Download the credit report (HTML)"),
    "chart.factor": ("因素", "Factor"),
    "lend.unreadable": (
        "无法读取该文件：需要 UTF-8 或 GBK 编码、含“统一社会信用代码”列的 CSV 文件。",
        "Cannot read this file: a UTF-8 or GBK CSV with a USCC column is needed.",
    ),
    "models.tab_fit": ("区分能力与稳定性", "Discrimination and stability"),
    "models.tab_grades": ("各等级违约率", "Default rates by grade"),
    "models.drift": (
        "分布变化最大的指标（训练期 → 样本外，PSI）",
        "Indicators whose distribution moved most (training → out of time, PSI)",
    ),
    "models.report_html": (
        "下载完整验证报告（HTML，中英对照，含图表）",
        "Download the full validation report (HTML, with charts)",
    ),
    "models.report_json": ("下载验证指标（JSON）", "Download the validation metrics (JSON)"),
    "models.auc_vs": (
        "样本外AUC：挑战者 {challenger}，冠军 {champion}",
        "Out-of-time AUC: challenger {challenger}, champion {champion}",
    ),
    # -- monitoring (模型管理 page, app/pages/models_monitor.py) --
    "monitor.title": ("持续监测", "Ongoing monitoring"),
    "monitor.none": (
        "尚无监测结果：运行 {command} 对各评级批次做稳定性监测与回测。",
        "No monitoring yet: run {command} to check each rating batch's stability and back-test it.",
    ),
    "monitor.thresholds": (
        "PSI 信号灯：绿 < {amber}，黄 {amber}–{red}，红 > {red}（评级批次对比训练人群）。"
        "表现期满 {horizon} 个月后回测：各等级预测违约概率与实际违约率（杰弗里斯检验）及 AUC。",
        "PSI lights: green < {amber}, amber {amber}–{red}, red > {red} (each rating batch "
        "against the training population). After {horizon} months of outcomes: predicted PD "
        "vs realised default rate per grade (Jeffreys test) and the AUC.",
    ),
    "monitor.lights": ("信号灯", "Traffic lights"),
    "monitor.psi_chart": ("各批次 PSI 与阈值", "PSI per batch with the thresholds"),
    "monitor.backtest": ("回测：预测与实际违约率", "Back-test: predicted vs realised"),
    "monitor.backtest_batch": ("回测批次", "Batch back-tested"),
    "monitor.no_backtest": (
        "尚无表现期已满的批次：最早的批次于 {day} 满 {horizon} 个月。",
        "No batch has matured yet: the earliest matures on {day} ({horizon} months).",
    ),
    "monitor.alerts": ("预警", "Alerts"),
    "monitor.no_alerts": (
        "最近一次监测没有越过阈值。",
        "The latest monitoring crossed no threshold.",
    ),
    "monitor.batch": ("评级批次", "Rating batch"),
    "monitor.version": ("模型版本", "Model version"),
    "monitor.rows": ("评级主体数", "Subjects rated"),
    "monitor.score_psi": ("评分PSI", "Score PSI"),
    "monitor.score_light": ("评分信号", "Score light"),
    "monitor.feature_psi": ("指标PSI最大值", "Largest indicator PSI"),
    "monitor.feature": ("PSI最大的指标", "Indicator"),
    "monitor.feature_light": ("指标信号", "Indicator light"),
    "monitor.maturity": ("表现期", "Outcomes"),
    "monitor.matured": ("已满 {horizon} 个月", "matured ({horizon} months)"),
    "monitor.not_matured": (
        "未满：已观察 {months}/{horizon} 个月",
        "not yet matured: {months} of {horizon} months",
    ),
    "monitor.auc": ("AUC", "AUC"),
    "monitor.backtest_result": ("回测", "Back-test"),
    "monitor.all_passed": ("{n} 个等级全部通过", "all {n} grades pass"),
    "monitor.some_failed": ("{failed}/{n} 个等级未通过", "{failed} of {n} grades fail"),
    "monitor.alert_count": ("预警数", "Alerts"),
    "monitor.green": ("● 绿", "● green"),
    "monitor.amber": ("● 黄", "● amber"),
    "monitor.red": ("● 红", "● red"),
    "monitor.series": ("指标", "Measure"),
    "monitor.series_score": ("评分", "Score"),
    "monitor.series_feature": ("指标PSI最大值", "Largest indicator PSI"),
    "monitor.threshold": ("阈值", "Threshold"),
    "monitor.amber_line": ("黄色阈值", "amber threshold"),
    "monitor.red_line": ("红色阈值", "red threshold"),
    "monitor.as_of_note": (
        "监测基准日 {day}（各批次最近一次监测）。",
        "Monitored as of {day} (each batch's latest monitoring).",
    ),
    "monitor.grade": ("等级", "Grade"),
    "monitor.rate": ("违约率", "Default rate"),
    "monitor.kind_rate": ("口径", "Measure"),
    "monitor.predicted": ("预测违约概率", "Predicted PD"),
    "monitor.realised": ("实际违约率", "Realised default rate"),
    "monitor.lower": ("杰弗里斯区间下限", "Jeffreys lower bound"),
    "monitor.upper": ("杰弗里斯区间上限", "Jeffreys upper bound"),
    "monitor.count": ("主体数", "Subjects"),
    "monitor.defaults": ("违约数", "Defaults"),
    "monitor.p_value": ("杰弗里斯检验概率", "Jeffreys p-value"),
    "monitor.result": ("结果", "Result"),
    "monitor.pass": ("通过", "pass"),
    "monitor.fail": ("未通过", "fail"),
    "monitor.empty": ("无主体", "no subjects"),
    "monitor.kind": ("类型", "Kind"),
    "monitor.item": ("指标或等级", "Indicator or grade"),
    "monitor.message": ("说明", "Message"),
    "monitor.kind_score_psi": ("评分分布偏移", "Score shift"),
    "monitor.kind_feature_psi": ("指标分布偏移", "Indicator shift"),
    "monitor.kind_backtest": ("回测未通过", "Back-test failed"),
    "monitor.kind_auc": ("区分能力不足", "Weak discrimination"),
    "monitor.msg_score_psi": (
        "评分PSI {value} 超过红色阈值 {threshold}：评级人群与训练人群差异显著",
        "score PSI {value} above the red threshold {threshold}: the rated population differs "
        "markedly from the training one",
    ),
    "monitor.msg_feature_psi": (
        "指标「{item}」PSI {value} 超过红色阈值 {threshold}",
        "indicator {item}: PSI {value} above the red threshold {threshold}",
    ),
    "monitor.msg_backtest": (
        "等级 {item} 实际违约率 {value} 高于预测违约概率 {threshold}（杰弗里斯检验未通过）",
        "grade {item}: realised default rate {value} above the predicted PD {threshold} "
        "(Jeffreys test)",
    ),
    "monitor.msg_auc": (
        "表现期已满批次的 AUC {value} 低于最低要求 {threshold}",
        "AUC of the matured cohort {value} below the minimum {threshold}",
    ),
    # models: the modeller's page (issue 16)
    "models.loading": ("正在读取模型登记与验证报告…", "Reading the registry and the reports…"),
    "models.retrain": ("重新训练", "Retrain"),
    "models.retrain_button": (
        "在后台训练新的挑战者模型",
        "Train a new challenger in the background",
    ),
    "models.retrain_hint": (
        "在后台运行训练（约数分钟），期间可继续使用本系统；完成后新版本登记为挑战者，"
        "须通过门槛方可晋升。",
        "Training runs in the background (a few minutes) while you keep working; the new "
        "version is registered as the challenger and must pass the gates to be promoted.",
    ),
    "models.job_running": (
        "训练进行中：{user} 于 {started} 启动，已用时 {elapsed} 秒。",
        "Training: started by {user} at {started}, {elapsed} s so far.",
    ),
    "models.job_done": (
        "最近一次训练已完成（{user} 于 {started} 启动）：{result}",
        "The last training finished (started by {user} at {started}): {result}",
    ),
    "models.job_failed": (
        "最近一次训练未完成（{user} 于 {started} 启动），请查看训练日志。",
        "The last training did not finish (started by {user} at {started}); see its log.",
    ),
    "models.job_refused": (
        "该方案已有训练在进行中，请等待其完成。",
        "This scheme is being trained already; wait for it to finish.",
    ),
    "models.job_started": ("已在后台开始训练。", "Training started in the background."),
    "models.job_log": ("训练日志", "Training log"),
    "models.job_result": ("第{version}版已登记为挑战者。", "Version {version} is the challenger."),
    "models.job_steps": ("训练步骤", "Steps"),
    "models.step_snapshots": ("构建训练、验证与样本外快照", "Building the snapshots"),
    "models.step_fold": (
        "{family}：时间序列交叉验证，验证期 {date}（{rows} 行）",
        "{family}: time-series cross-validation, fold {date} ({rows} rows)",
    ),
    "models.step_cv": (
        "{family}：交叉验证 AUC {auc}",
        "{family}: cross-validated AUC {auc}",
    ),
    "models.step_refit": (
        "在全部 {rows} 行上重新拟合{family}",
        "Refitting {family} on {rows} rows",
    ),
    "models.step_validate": ("样本外验证", "Validating out of time"),
    "models.step_figures": ("计算 ROC 曲线与 SHAP 汇总", "ROC curves and SHAP summary"),
    "models.step_other": ("训练中", "Training"),
    "models.compare_data": (
        "两个版本在同一份样本外数据上重新评估：{dates} 的快照，{n} 个主体、{events} 个违约，"
        "按当前数据库重建（与晋升检验相同）。",
        "Both versions re-evaluated on the same out-of-time data: the snapshots of {dates}, "
        "{n} subjects and {events} defaults, rebuilt from today's store (as promotion does).",
    ),
    "models.comparing": (
        "正在用同一份样本外数据评估两个版本…",
        "Evaluating both versions on the same out-of-time data…",
    ),
    "models.compare_recorded": ("训练时记录的指标", "Metrics recorded at training"),
    "models.compare_none": (
        "没有可对比的两个版本：需要冠军和一个不同的挑战者。",
        "Nothing to compare: a champion and a different challenger are needed.",
    ),
    "models.cannot_rate": (
        "第{version}版无法在当前数据上评估：它读取的指标已不再生成（{missing}）。",
        "Version {version} cannot be evaluated on today's data: it reads indicators "
        "no longer built ({missing}).",
    ),
    "models.alias_version": ("{alias}（第{version}版）", "{alias} (version {version})"),
    "models.grade_table": ("{model}的等级表", "Grade table of the {model}"),
    "models.fpr": ("误报率（非违约主体中被判为高风险的比例）", "False-positive rate"),
    "models.tpr": ("检出率（违约主体中被判为高风险的比例）", "True-positive rate"),
    "models.curve": ("曲线", "Curve"),
    "models.roc": ("ROC 曲线", "ROC curves"),
    "models.calibration": (
        "各等级预测违约概率与实际违约率（样本外）",
        "Predicted PD and observed default rate per grade (out of time)",
    ),
    "models.rate": ("违约率", "Default rate"),
    "models.what": ("口径", "Measure"),
    "models.mean_abs": ("平均绝对贡献（{unit}）", "Mean |contribution| ({unit})"),
    "models.contribution": ("贡献（{unit}）", "Contribution ({unit})"),
    "models.value_rank": ("指标取值分位", "Value percentile"),
    "models.unit_points": ("分值，越高越安全", "points, higher is safer"),
    "models.unit_log-odds": ("对数几率，越高风险越大", "log-odds, higher is riskier"),
    "models.shap": ("指标贡献（SHAP 汇总）", "Indicator contributions (SHAP summary)"),
    "models.shap_caption": (
        "样本外 {n} 个主体上，各指标对评级的平均绝对贡献（相对该版本的参照主体）。",
        "Mean absolute contribution of each indicator to the rating over {n} out-of-time "
        "subjects (against the version's reference subject).",
    ),
    "models.swarm": ("逐个主体的贡献分布", "Contributions subject by subject"),
    "models.swarm_caption": (
        "每个点是一个主体：横轴为该指标的贡献，颜色为取值高低（蓝低红高，灰色为缺失）。",
        "Each dot is a subject: its contribution on the x axis, coloured by the value "
        "(blue low, red high, grey missing).",
    ),
    "models.no_shap": (
        "该版本的验证报告没有 SHAP 汇总（训练于此功能之前）；重新训练后显示。",
        "This version's report has no SHAP summary (trained before it was added); "
        "retrain to see it.",
    ),
    "models.roc_rebuilt": (
        "该版本的验证报告没有 ROC 曲线数据（训练于此功能之前）：样本外曲线按当前数据库重建。",
        "This version's report has no ROC points (trained before they were added): the "
        "out-of-time curve is rebuilt from today's store.",
    ),
    "models.no_roc": ("该运行没有 ROC 曲线数据。", "This run has no ROC points."),
    "models.tab_disc": ("区分能力", "Discrimination"),
    "models.tab_stability": ("稳定性", "Stability"),
    "models.tab_shap": ("指标贡献", "Contributions"),
    "models.tab_migration": ("等级迁移", "Migration"),
    "models.score_psi": (
        "分数 PSI（训练期 → 样本外）：{psi}",
        "Score PSI (training → out of time): {psi}",
    ),
    "models.migration_at": ("{date} 的等级", "Grade on {date}"),
    "models.version_line": (
        "{alias}第{version}版：未通过的门槛：{failed}。",
        "Version {version} ({alias}): gates failed: {failed}.",
    ),
    "models.version_line_forced": (
        "{alias}第{version}版：未通过的门槛：{failed}；强制晋升，越过了：{forced}。",
        "Version {version} ({alias}): gates failed: {failed}; promoted by force over: {forced}.",
    ),
    "models.none_failed": ("无", "none"),
    "models.no_migration": ("该报告没有等级迁移数据。", "This report has no migration."),
}

#: table headers (``t("col.<column>")``)
COLUMNS: dict[str, tuple[str, str]] = {
    "subject_id": ("主体标识", "Subject ID"),
    "name": ("名称", "Name"),
    "scheme": ("评价方案", "Scheme"),
    "as_of": ("评价基准日", "As of"),
    "final_grade": ("等级", "Grade"),
    "pd": ("违约概率", "PD"),
    "score": ("信用分", "Score"),
    "model_version": ("模型版本", "Model version"),
    "cause": ("重新评价原因", "Re-rating cause"),
    "scored_at": ("评价时间", "Scored at"),
    "record_id": ("记录编号", "Record ID"),
    "kind": ("信息类别", "Kind"),
    "kind_label": ("信息类别", "Kind"),
    "severity": ("失信程度", "Severity"),
    "polarity": ("性质", "Polarity"),
    "event_date": ("发生日期", "Event date"),
    "published_on": ("公示日期", "Published on"),
    "valid_until": ("公示截止", "Valid until"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "value_num": ("数值", "Value"),
    "value_text": ("文本值", "Text value"),
    "dept_label": ("来源部门", "Department"),
    "source_dept": ("来源部门", "Department"),
    "department": ("来源部门", "Department"),
    "region": ("地区", "Region"),
    "industry": ("行业", "Industry"),
    "n": ("数量", "Count"),
    "objection_id": ("异议编号", "Objection ID"),
    "opened_on": ("提出日期", "Opened on"),
    "reason": ("异议理由", "Reason"),
    "accept_by": ("受理时限", "Accept by"),
    "check_by": ("核查时限", "Check by"),
    "department_by": ("部门核实时限", "Department by"),
    "cap_by": ("办结上限", "Hard cap"),
    "days_left": ("剩余天数", "Days left"),
    "overdue": ("逾期", "Overdue"),
    "before_grade": ("变更前等级", "Grade before"),
    "in_force_grade": ("原在用等级", "Grade in force"),
    "reasons_before": ("变更前主要风险因素", "Top risk factors before"),
    "reasons_after": ("变更后主要风险因素", "Top risk factors after"),
    "after_grade": ("新等级", "Grade after"),
    "before_pd": ("原违约概率", "PD before"),
    "after_pd": ("新违约概率", "PD after"),
    "moved": ("等级变化", "Moved"),
    "version": ("版本", "Version"),
    "aliases": ("别名", "Aliases"),
    "family": ("模型族", "Family"),
    "gates_passed": ("通过门槛", "Gates passed"),
    "created": ("注册时间", "Registered"),
    "promoted_at": ("晋升时间", "Promoted at"),
    "promoted_by": ("晋升人", "Promoted by"),
    "forced_reason": ("强制晋升理由", "Forced because"),
    "run_id": ("运行编号", "Run ID"),
    "run_name": ("运行名称", "Run"),
    "status": ("状态", "Status"),
    "started": ("开始时间", "Started"),
    "oot_auc": ("样本外AUC", "OOT AUC"),
    "oot_gini": ("样本外Gini", "OOT Gini"),
    "oot_ks": ("样本外KS", "OOT KS"),
    "oot_brier": ("样本外Brier", "OOT Brier"),
    "score_psi": ("分数PSI", "Score PSI"),
    "validation_auc_gbm": ("验证集AUC（LightGBM）", "Validation AUC (LightGBM)"),
    "validation_auc_scorecard": ("验证集AUC（评分卡）", "Validation AUC (scorecard)"),
    "grades_within_ci": ("等级违约率落入置信区间比例", "Grades within the binomial CI"),
    "grades_monotone": ("违约率随等级单调", "Default rates monotone by grade"),
    "grade_hhi": ("等级集中度HHI", "Grade concentration (HHI)"),
    "oracle_gini_ratio": ("与模拟真值Gini之比", "Gini ratio to the oracle"),
    "gate": ("门槛", "Gate"),
    "value": ("数值", "Value"),
    "threshold": ("阈值", "Threshold"),
    "passed": ("通过", "Passed"),
    "ingest_id": ("入库批次", "Ingest ID"),
    "file_name": ("文件", "File"),
    "target_table": ("目标表", "Table"),
    "file_format": ("格式", "Format"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_stored": ("入库行数", "Rows stored"),
    "rows_unchanged": ("重复行数", "Rows already stored"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "message": ("说明", "Message"),
    "line_problem": ("该行问题", "Problem in the line"),
    "finished_at": ("完成时间", "Finished at"),
    "row_number": ("行号", "Row"),
    "reason_text": ("隔离原因", "Reasons"),
    "key": ("主键", "Key"),
    "raw": ("原始内容", "Row as read"),
    "credit_class": ("信用风险分类", "Credit-risk class"),
    "class_label": ("风险等级", "Risk"),
    "top_reasons": ("主要理由", "Top reasons"),
    "region_code": ("行政区划代码", "Region code"),
    "ratio": ("抽查比例", "Ratio"),
    "allowed": ("允许范围", "Allowed range"),
    "cap_per_year": ("抽查频次上限", "Inspections at most"),
    "grade": ("等级", "Grade"),
    "decision_zh": ("授信建议", "Decision"),
    "credit_line": ("建议额度（元）", "Suggested line (yuan)"),
    "rate_tier_zh": ("利率档次", "Rate tier"),
    "rate_tier_en": ("利率档次", "Rate tier"),
    "reasons_zh": ("说明", "Notes"),
    "reasons_en": ("说明", "Notes"),
    "status_label": ("状态", "Status"),
    "township_code": ("乡镇代码", "Township code"),
    "village_code": ("村代码", "Village code"),
    "villages": ("行政村数", "Villages"),
    "credit_villages": ("信用村数", "Credit villages"),
    "credit_village_share": ("信用村占比", "Credit village share"),
    "households": ("农户数", "Households"),
    "credit_households": ("信用户数", "Credit households"),
    "credit_share": ("信用户占比", "Credit household share"),
    "businesses": ("新型农业经营主体数", "Agricultural businesses"),
    "businesses_worst": ("其中评为最低等级", "Of which in the worst grade"),
    "grade_label": ("等级含义", "Grade meaning"),
    "is_credit_village": ("信用村", "Credit village"),
    "is_credit_township": ("信用乡镇", "Credit township"),
    "label": ("条件", "Criterion"),
    "passed_mark": ("达标", "Met"),
    "credit_household": ("信用户", "Credit household"),
    "rate_discount": ("利率优惠", "Rate discount"),
    "weighs": ("拖累项数", "Weighs on"),
    "current": ("现行有效", "In force"),
    "value_shown": ("取值", "Value"),
    "severity_label": ("失信程度", "Severity"),
    "polarity_label": ("性质", "Nature"),
    "class_shown": ("信用风险分类", "Credit-risk class"),
    "population": ("企业数", "Enterprises"),
    "capped": ("已达年度上限", "At their yearly cap"),
    "eligible": ("可抽取", "Eligible"),
    "target": ("按比例应抽", "Due by the ratio"),
    "drawn_by_ratio": ("按比例抽取", "Drawn by the ratio"),
    "drawn_floor": ("保底补足", "Floor top-up"),
    "drawn": ("抽取数", "Drawn"),
    "drawn_share": ("实际抽查比例", "Share drawn"),
    "selected_by": ("抽取方式", "Drawn by"),
    "scheme_shown": ("评价方案", "Scheme"),
    "in_force_shown": ("原在用等级", "Grade in force"),
    "cause_shown": ("重新评价原因", "Re-rating cause"),
    "aliases_shown": ("别名", "Aliases"),
    "family_shown": ("模型族", "Family"),
    "promoted_by_shown": ("晋升人", "Promoted by"),
    "status_shown": ("状态", "Status"),
    "metric": ("指标", "Metric"),
    "split": ("样本", "Sample"),
    "events": ("违约数", "Defaults"),
    "event_rate": ("违约率", "Default rate"),
    "mean_pd": ("平均违约概率", "Mean PD"),
    "auc": ("AUC", "AUC"),
    "gini": ("Gini", "Gini"),
    "ks": ("KS", "KS"),
    "brier": ("Brier", "Brier"),
    "count": ("主体数", "Subjects"),
    "share": ("占比", "Share"),
    "defaults": ("违约数", "Defaults"),
    "observed_rate": ("实际违约率", "Observed default rate"),
    "predicted_pd": ("预测违约概率", "Predicted PD"),
    "psi": ("PSI", "PSI"),
    "indicator_label": ("指标", "Indicator"),
    "table_shown": ("目标表", "Table"),
    "format_shown": ("格式", "Format"),
    # models: gates by name (issue 16)
    "gates_failed_shown": ("未通过的门槛", "Gates failed"),
    "gates_passed_shown": ("通过的门槛", "Gates passed"),
    "forced_over_shown": ("强制晋升时越过的门槛", "Gates overridden by force"),
}
# 名单 columns of the supervision, 信易贷 and profile pages (issue 17)
COLUMNS.update(
    {
        "list_name": ("名单", "List"),
        "list_status": ("状态", "Status"),
        "list_basis": ("列入依据", "Basis"),
        "entered_on": ("列入日期", "Entered on"),
        "expires_on": ("届满日期", "Expires on"),
        "list_evidence": ("依据记录", "Evidence"),
        "list_persons": ("列明人员标识", "Persons named (ID)"),
        "list_event": ("事件", "Event"),
        "list_reason": ("理由", "Reason"),
        "effective_on": ("生效日期", "Effective on"),
        "listing_id": ("名单编号", "Listing"),
        "measure": ("措施", "Measure"),
        "measure_type": ("类型", "Type"),
        "measure_force": ("措施性质", "Force"),
        "measure_basis": ("设定依据", "Legal basis (document title)"),
        "measure_triggers": ("触发条件", "Triggered by"),
        "measure_duration": ("期限", "Duration"),
        "firm": ("单位", "Organisation"),
        "firm_id": ("统一社会信用代码", "USCC"),
        "reach_role": ("本人身份", "Role"),
        "reach_through": ("所涉名单或记录", "Through"),
        "reach_measures": ("所及措施（事项）", "Measures reaching the person (matters)"),
        "firms": ("企业数", "Firms"),
        "on_red": ("红名单", "Red list"),
        "on_black": ("黑名单", "Black list"),
        "on_watch": ("重点关注名单", "Watch list"),
        "lists_now": ("所在名单", "Lists"),
    }
)
STRINGS.update({f"col.{k}": v for k, v in COLUMNS.items()})
# the credit-check and steward's pages keep their words in their own module
STRINGS.update(_check_strings.STRINGS)
COLUMNS.update(_check_strings.COLUMNS)
STRINGS.update({f"col.{k}": v for k, v in _check_strings.COLUMNS.items()})
STRINGS.update(PUBLIC_STRINGS)  # the 信用公示 page (app/i18n_public.py)
# 名单 on the supervision, 信易贷 and profile pages (issue 17)
STRINGS.update(
    {
        "lists.title": ("名单与联合奖惩", "Lists and joint rewards and punishments"),
        "lists.members": ("现列入名单及记录", "Current listings and records"),
        "lists.no_members": (
            "未列入红名单、黑名单或重点关注名单，无失信被执行人或经营异常名录记录。",
            "On no red, black or watch list; no dishonest-debtor or abnormal-operations record.",
        ),
        "lists.measures": ("适用的{matter}措施", "Measures for {matter} that apply"),
        "lists.no_measures": ("措施清单中没有适用的措施。", "No measure of the catalogue applies."),
        "lists.catalogue": ("措施清单版本 {version}", "Measures catalogue version {version}"),
        "lists.mandatory": (
            "须实施强制性失信惩戒措施：{names}。建议额度已按规定不予核定。",
            "Mandatory punishment applies: {names}. No line is suggested, as the rules require.",
        ),
        "lists.recommended": (
            "推荐性措施由银行结合自身风控决定是否实施。",
            "A recommended measure is the bank's to apply or not.",
        ),
        "lists.trail": ("名单变更记录", "List trail"),
        "lists.no_trail": ("无名单变更记录。", "No list events."),
        "lists.reach": (
            "列明本人的单位严重失信名单及所及措施",
            "Organisations' serious listings naming this person, and the measures reaching them",
        ),
        "lists.no_reach": (
            "没有列明本人的单位严重失信名单。",
            "No organisation's serious listing names this person.",
        ),
        "lists.on": ("名单状态日期：{on}", "Lists as of {on}"),
        "sup.measures": ("各分类适用的监管措施", "Supervision measures by class"),
        "sup.any_class": ("不论分类", "Any class"),
        "sup.measures_any": (
            "“不论分类”各行：由名单、失信程度或记录触发的日常监管措施，与分类无关。",
            "Rows “Any class”: supervision measures a list, a breach tier or a record "
            "triggers, whatever the class.",
        ),
        "sup.list_counts": ("各分类中列入名单的企业", "Firms of each class on a list"),
    }
)
# early warning (信用预警, issue 19): the page's words are in app/i18n_watch.py
STRINGS.update(WATCH_STRINGS)
COLUMNS.update(WATCH_COLUMNS)
STRINGS.update({f"col.{k}": v for k, v in WATCH_COLUMNS.items()})

# 部门数据质量 (issue 19): its words live in app/i18n_quality.py
STRINGS.update(QUALITY_STRINGS)
COLUMNS.update(QUALITY_COLUMNS)
STRINGS.update({f"col.{k}": v for k, v in QUALITY_COLUMNS.items()})

# 信用修复指引 (issue 19, repair guidance: app/components/repair_plan.py, the profile and
# objections pages)
STRINGS.update(
    {
        "plan.title": ("信用修复指引", "Credit repair guidance"),
        "plan.show": (
            "计算信用修复指引（按在用模型逐月预测，约需1秒）",
            "Compute the repair guidance (a month-by-month projection, about 1 s)",
        ),
        "plan.help": (
            "每条计入的失信记录何时自动停止计入、最早何时可修复及修复要求；今后各月末的等级预测"
            "（不存储）；哪项修复提升最多。",
            "When each negative record stops counting, the earliest repair and what it requires; "
            "the projected grade per month-end (never stored); which repair lifts it most.",
        ),
        "plan.subject": ("主体标识（生成信用修复指引）", "Subject ID (repair guidance)"),
        "plan.button": ("生成信用修复指引", "Make the repair guidance"),
        "plan.failed": ("无法生成信用修复指引：{why}", "No repair guidance: {why}"),
        "plan.report": (
            "下载含信用修复指引的信用报告（HTML）",
            "Download the credit report with the repair guidance (HTML)",
        ),
    }
)

#: GB/T 4754-2017 sections (features/records/values.py: one table for every page, report and
#: reason); subject types come from the declarations (values.subject_type_labels)
INDUSTRIES = values.INDUSTRY_SECTIONS


def lang() -> str:
    """The session's language: ``"zh"`` (default) or ``"en"``."""
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def _pick(pair: tuple[str, str]) -> str:
    return pair[0] if lang() == "zh" else pair[1]


def tr(key: str, language: str, **values: Any) -> str:
    """The string ``key`` in ``language`` (``zh`` or ``en``), formatted with ``values``."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if language == "zh" else pair[1]
    return text.format(**values) if values else text


def t(key: str, **values: Any) -> str:
    """The string ``key`` in the session's language, formatted with ``values``."""
    return tr(key, lang(), **values)


def code_label(table: dict[str, tuple[str, str]], code: Any) -> str:
    """``code`` through one of the tables below, in the session's language."""
    pair = table.get(str(code)) if code is not None else None
    return _pick(pair) if pair else ("—" if code in (None, "") else str(code))


def scheme_label(key: str) -> str:
    """A scheme's name in the session's language."""
    scheme = schemes().get(key)
    if scheme is None:
        return key
    return scheme.label_zh if lang() == "zh" else scheme.label_en


def region_label(code: str | None) -> str:
    """A county-level division's name (the code when unknown)."""
    for county in COUNTIES:
        if county.code == code:
            return county.name_zh if lang() == "zh" else county.name_en
    return code or "—"


def industry_label(section: str | None) -> str:
    """A GB/T 4754 section's name (the letter only when unknown)."""
    pair = INDUSTRIES.get(section or "")
    return _pick(pair) if pair else (section or "—")


def label_each(values: pd.Series, label: Callable[[Any], str]) -> pd.Series:
    """``values.map(label)`` with one call of ``label`` per distinct value.

    A page labels thousands of rows with a few dozen codes; each label reads the
    session's language, so once per code is what a view can afford.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    # code -1 (missing) takes the last entry: the label of None
    names = np.array([*(label(v) for v in distinct), label(None)], dtype=object)
    return pd.Series(names[codes], index=values.index, dtype=object)


#: why an event re-rated a subject (``ratings.reasons.$.cause.kind``)
CAUSES: dict[str, tuple[str, str]] = {
    "objection_open": ("提出异议", "objection opened"),
    "objection_upheld": ("异议成立", "objection upheld"),
    "objection_rejected": ("异议不成立", "objection rejected"),
    "repair": ("信用修复", "credit repair"),
    "village_assessment": ("村两委评议", "village committee assessment"),
}


def subject_type_label(kind: str | None) -> str:
    """A subject type's name."""
    pair = values.subject_type_labels().get(kind or "")
    return _pick(pair) if pair else (kind or "—")
