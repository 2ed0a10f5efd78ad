"""The 信用预警 page's strings and column headers (merged into :data:`app.i18n.STRINGS`)."""

from __future__ import annotations

WATCH_STRINGS: dict[str, tuple[str, str]] = {
    "page.watch": ("信用预警", "Early warning"),
    "watch.intro": (
        "重点关注名单（按规则与人工关注）、未确认的预警及其原因和相关记录、"
        "月度区县 × 行业信用风险报告。"
        "预警由“xinping watch run”按评级批次生成；每次查看与确认均留痕。",
        "The watch list (by rule and by hand), open alerts with their cause and records, and "
        "the monthly county × industry risk report. Alerts are made by “xinping watch run” for "
        "each rating batch; every look-up and acknowledgement is logged.",
    ),
    "watch.as_of": ("名单日期", "Watch list date"),
    "watch.empty": (
        "尚无评级结果：请先运行 xinping score。",
        "No ratings yet: run xinping score first.",
    ),
    "watch.tab_alerts": ("预警", "Alerts"),
    "watch.tab_list": ("重点关注名单", "Watch list"),
    "watch.tab_report": ("月度风险报告", "Monthly risk report"),
    "watch.alerts": ("未确认的预警：{n} 条", "Open alerts: {n}"),
    "watch.no_alerts": (
        "没有未确认的预警（预警由 xinping watch run 生成）。",
        "No open alert (alerts are made by xinping watch run).",
    ),
    "watch.types": ("预警类型", "Alert type"),
    "watch.all": ("全部", "All"),
    "watch.by_type": ("各类预警数", "Alerts by type"),
    "watch.ack": ("确认预警", "Acknowledge an alert"),
    "watch.ack_pick": ("预警", "Alert"),
    "watch.ack_note": ("处理说明", "Note"),
    "watch.ack_button": ("确认", "Acknowledge"),
    "watch.acked": ("已确认预警 {id}。", "Alert {id} acknowledged."),
    "watch.refused": ("未能完成：{why}", "Not done: {why}"),
    "watch.list_title": ("重点关注名单：{n} 个主体", "Watch list: {n} subjects"),
    "watch.no_list": ("名单为空。", "The list is empty."),
    "watch.add": ("加入我的关注", "Add to my watch list"),
    "watch.remove": ("取消我的关注", "Remove from my watch list"),
    "watch.subject": ("统一社会信用代码或身份证号码", "USCC or ID number"),
    "watch.reason": ("理由", "Reason"),
    "watch.add_button": ("加入关注", "Add"),
    "watch.remove_pick": ("我关注的主体", "Subject I watch"),
    "watch.remove_button": ("取消关注", "Remove"),
    "watch.added": ("已加入关注。", "Added."),
    "watch.removed": ("已取消关注。", "Removed."),
    "watch.mine_empty": ("您尚未人工关注任何主体。", "You watch no subject by hand."),
    "watch.month": ("报告月份", "Month"),
    "watch.no_month": (
        "没有企业评级批次，无法生成月度报告。",
        "No enterprise rating batch: no monthly report.",
    ),
    "watch.shares": ("各区县信用风险分类占比（月末）", "Class shares by county (month end)"),
    "watch.shares_industry": (
        "各行业信用风险分类占比（月末）",
        "Class shares by industry (month end)",
    ),
    "watch.migration": (
        "分类迁移（{prev} → {now}）",
        "Class migration ({prev} → {now})",
    ),
    "watch.migration_from": ("上月末分类", "Class last month end"),
    "watch.migration_to": ("本月末分类", "Class this month end"),
    "watch.serious": ("本月新增严重失信记录（区县 × 行业）", "New serious records this month"),
    "watch.no_serious": ("本月没有新增严重失信记录。", "No new serious record this month."),
    "watch.movers": ("变动最大的企业", "Top movers"),
    "watch.no_movers": ("没有违约概率上升或分类下降的企业。", "No PD rise or class drop."),
    "watch.table": ("区县 × 行业分类占比", "Class shares by county × industry"),
    "watch.xlsx": ("下载月度报告（Excel）", "Download the monthly report (Excel)"),
}

WATCH_COLUMNS: dict[str, tuple[str, str]] = {
    "alert_id": ("预警编号", "Alert ID"),
    "alert_on": ("预警日期", "Alert date"),
    "watch_cause": ("关注说明", "Why watched"),
    "type_shown": ("预警类型", "Alert type"),
    "cause_shown": ("预警原因", "Cause"),
    "records_shown": ("相关记录", "Records"),
    "rule_shown": ("关注依据", "Watched for"),
    "scheme_shown": ("评价方案", "Scheme"),
    "watcher": ("关注人", "Watched by"),
    "class_from": ("上月分类", "Class last month"),
    "class_to": ("本月分类", "Class this month"),
    "steps": ("下降级数", "Classes dropped"),
    "pd_from": ("上月违约概率", "PD last month"),
    "pd_to": ("本月违约概率", "PD this month"),
    "pd_rise": ("违约概率上升", "PD rise"),
    "serious_records": ("新增严重失信记录", "New serious records"),
    "subjects": ("涉及企业", "Firms concerned"),
    "share_a": ("A类占比", "Class A share"),
    "share_b": ("B类占比", "Class B share"),
    "share_c": ("C类占比", "Class C share"),
    "share_d": ("D类占比", "Class D share"),
}
