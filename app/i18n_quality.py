"""The words of department data quality (数据质量考核, issue 19): the page's tab, the
``xinping quality`` command and the yearly assessment workbook, in Chinese and English."""

from __future__ import annotations

#: page and command strings (``t("dq.<key>")``)
QUALITY_STRINGS: dict[str, tuple[str, str]] = {
    "dq.tab": ("部门数据质量", "Department data quality"),
    "dq.month": ("月份", "Month"),
    "dq.year": ("考核年度", "Assessment year"),
    "dq.period_kind": ("评价期间", "Period"),
    "dq.by_month": ("按月", "By month"),
    "dq.by_year": ("按年度（考核）", "By year (assessment)"),
    "dq.ranking": ("部门数据质量评分与排名", "Departments' data-quality scores and ranking"),
    "dq.trend": ("近 12 个月评分走势", "Scores over the last 12 months"),
    "dq.reasons": ("隔离原因（按部门）", "Quarantine reasons by department"),
    "dq.no_reasons": ("该期间没有被隔离的数据行。", "No rows were quarantined in the period."),
    "dq.empty": ("该期间没有部门报送数据。", "No department pushed data in the period."),
    "dq.download": ("下载年度考核表（Excel）", "Download the yearly assessment (Excel)"),
    "dq.rule": (
        "评分 0–100：及时性（双公示决定后 {days} 个工作日内公示）、完整性、有效性（隔离率）、"
        "重复报送、准确性（异议成立率）、报送量，按配置权重 {weights} 加权；"
        "某项在该期间不足 {least} 条时不参与评分。",
        "Score 0–100: timeliness (licences and penalties published within {days} working "
        "days of the decision), completeness, validity (quarantine rate), duplicates, accuracy "
        "(objections upheld) and volume, weighted {weights}; a metric with fewer than {least} "
        "rows in the period is left out.",
    ),
    "dq.timeliness": ("及时性", "timeliness"),
    "dq.completeness": ("完整性", "completeness"),
    "dq.validity": ("有效性", "validity"),
    "dq.duplicates": ("重复报送", "duplicates"),
    "dq.accuracy": ("准确性", "accuracy"),
    "dq.volume": ("报送量", "volume"),
    "dq.drop": ("骤减", "drop"),
    "dq.surge": ("激增", "surge"),
    "dq.unknown_dept": ("未知部门", "unknown department"),
    "dq.sheet_scores": ("评分与排名", "Scores and ranking"),
    "dq.sheet_reasons": ("隔离原因", "Quarantine reasons"),
    "dq.sheet_trend": ("月度评分", "Monthly scores"),
    "dq.sheet_rules": ("评分规则", "Rules"),
    "dq.rule_item": ("项目", "Item"),
    "dq.rule_value": ("取值", "Value"),
    "dq.rule_source": ("依据", "Source"),
}

#: table headers (``t("col.<column>")``)
QUALITY_COLUMNS: dict[str, tuple[str, str]] = {
    "dq_period": ("期间", "Period"),
    "dq_rank": ("排名", "Rank"),
    "dq_dept": ("部门", "Department"),
    "dq_score": ("质量得分", "Quality score"),
    "dq_rows": ("入库条数", "Rows stored"),
    "dq_decided": ("双公示决定数", "licence and penalty decisions"),
    "dq_late": ("超期公示数", "Published late"),
    "dq_late_share": ("超期公示率", "Late share"),
    "dq_median_lag": ("公示时滞中位数（工作日）", "Median lag (working days)"),
    "dq_incomplete": ("必填项缺失条数", "Rows missing a required field"),
    "dq_incomplete_share": ("缺失率", "Incomplete share"),
    "dq_pushed": ("报送条数", "Rows pushed"),
    "dq_quarantined": ("隔离条数", "Rows quarantined"),
    "dq_quarantine_rate": ("隔离率", "Quarantine rate"),
    "dq_duplicates": ("重复报送条数", "Duplicate pushes"),
    "dq_duplicate_share": ("重复率", "Duplicate share"),
    "dq_resolved": ("已办结异议", "Objections resolved"),
    "dq_upheld": ("异议成立", "Objections upheld"),
    "dq_upheld_share": ("异议成立率", "Upheld share"),
    "dq_volume_ratio": ("报送量/常态", "Volume / usual level"),
    "dq_volume_flag": ("报送量异常", "Volume flags"),
    "dq_reason": ("隔离原因（字段）", "Reason (column)"),
    "dq_reason_rows": ("隔离条数", "Rows quarantined"),
    "dq_reason_rate": ("占报送比例", "Share of rows pushed"),
}
