"""The 信用公示 page's strings and column headers (merged into :data:`app.i18n.STRINGS`).

Kept apart so that the public disclosure's words are read in one place; ``col.pub_*``
are the headers of :mod:`app.data.public`'s views.
"""

from __future__ import annotations

PUBLIC_STRINGS: dict[str, tuple[str, str]] = {
    "page.public": ("信用公示", "Public credit disclosure"),
    "pub.intro": (
        "本页无需登录。公示内容：行政许可与行政处罚（双公示）、红名单、黑名单；每条信息仅在"
        "公示期内显示，自然人身份证号码与姓名已按规定遮蔽。",
        "No sign-in needed. Shown: administrative licences and penalties, the red "
        "and black lists; each item only within its publication period, natural persons' "
        "ID numbers and names masked.",
    ),
    "pub.on": ("数据截至：{day}", "Data as of {day}"),
    "pub.tab_search": ("双公示查询", "Licences and penalties"),
    "pub.tab_red": ("红名单", "Red list"),
    "pub.tab_black": ("黑名单", "Black list"),
    "pub.tab_self": ("本主体查询与异议", "Look yourself up and object"),
    "pub.query": (
        "企业名称或统一社会信用代码（自然人须输入完整姓名或身份证号码）",
        "Enterprise name or unified social credit code (a person: full name or ID number)",
    ),
    "pub.kind": ("公示类别", "Kind"),
    "pub.kind_all": ("全部", "All"),
    "pub.kind_licence": ("行政许可", "Licences"),
    "pub.kind_penalty": ("行政处罚", "Penalties"),
    "pub.search": ("查询", "Search"),
    "pub.none": ("没有符合条件的公示信息。", "Nothing is published that matches."),
    "pub.latest": ("最近公示的信息：", "Latest disclosures:"),
    "pub.cut": (
        "仅显示前 {n} 条，请缩小查询范围。",
        "Only the first {n} are shown; narrow the search.",
    ),
    "pub.list_none": ("当前没有主体在该名单上。", "No subject is on this list now."),
    "pub.self_intro": (
        "本主体可查询自身全部有效信用记录（包括未公示的），并对其中一条在线提出异议。"
        "身份核验：企业填写统一社会信用代码、企业名称和法定代表人居民身份证号码；"
        "个人填写居民身份证号码和姓名。",
        "A subject sees all its own records in force (public or not) and may object to one "
        "online. Identity: a firm gives its unified social credit code, name and legal "
        "representative's ID number; a person gives their ID number and name.",
    ),
    "pub.self_kind": ("主体类型", "Subject"),
    "pub.self_firm": ("企业", "Enterprise"),
    "pub.self_person": ("个人", "Person"),
    "pub.self_code_firm": ("统一社会信用代码", "Unified social credit code"),
    "pub.self_code_person": ("居民身份证号码", "ID number"),
    "pub.self_name": ("名称或姓名", "Name"),
    "pub.self_rep": ("法定代表人居民身份证号码", "Legal representative's ID number"),
    "pub.self_submit": ("核验身份并查询", "Verify and look up"),
    "pub.self_who": ("已核验：{name}（{code}）", "Verified: {name} ({code})"),
    "pub.self_none": ("没有有效的信用记录。", "No records in force."),
    "pub.obj_title": ("对本主体的一条记录提出异议", "Object to one of your records"),
    "pub.obj_record": ("记录编号", "Record ID"),
    "pub.obj_reason": ("异议理由", "Reason"),
    "pub.obj_contact": ("联系方式（电话或电子邮箱）", "Contact (phone or e-mail)"),
    "pub.obj_submit": ("提交异议", "Submit the objection"),
    "pub.obj_done": (
        "异议已受理，编号 {id}；办理时限：{due} 前。核查期间该记录暂不计入。",
        "Objection {id} received; it will be handled by {due}. The record does not count "
        "while it is verified.",
    ),
    "pub.real_name": (
        "说明：正式部署时，此处身份核验由实名认证服务完成。",
        "Note: a production deployment verifies identity with a real-name service here.",
    ),
    "pub.signin": ("工作人员登录", "Staff sign-in"),
    "pub.late_title": (
        "双公示超期上报（决定后 {n} 个工作日内公示）",
        "Licences and penalties published late (due within {n} working days of decision)",
    ),
    "pub.late_tab": ("双公示超期", "Late disclosures"),
    "pub.late_from": ("决定日期自", "Decided from"),
    "pub.late_to": ("至", "to"),
    "pub.late_none": ("该期间没有超期公示的信息。", "Nothing was published late in this period."),
    "col.pub_subject": ("主体名称", "Subject"),
    "col.pub_code": ("统一社会信用代码/身份证号码", "Code / ID number"),
    "col.pub_type": ("主体类型", "Subject type"),
    "col.pub_kind": ("信息类别", "Kind"),
    "col.pub_severity": ("失信程度", "Severity"),
    # a licence is named in the issuing department's own words; a penalty by its sector
    "col.pub_matter": ("许可名称或处罚领域", "Licence (as issued) or sector"),
    "col.pub_amount": ("罚没金额（元）", "Amount (yuan)"),
    "col.pub_dept": ("决定部门", "Deciding department"),
    "col.pub_decided": ("决定日期", "Decided on"),
    "col.pub_published": ("公示日期", "Published on"),
    "col.pub_until": ("公示截止日期", "Shown until"),
    "col.pub_list": ("名单", "List"),
    "col.pub_basis": ("列入依据", "Basis"),
    "col.pub_entered": ("列入日期", "Entered on"),
    "col.pub_expires": ("有效期至", "Expires on"),
    "col.pub_value": ("内容", "Content"),
    "col.pub_valid": ("有效期至", "Valid until"),
    "col.pub_state": ("状态", "State"),
    "col.pub_public": ("是否公示", "Public"),
    "col.pub_due": ("应公示截止", "Due by"),
    "col.pub_month": ("决定月份", "Month decided"),
    "col.pub_decided_n": ("决定数", "Decided"),
    "col.pub_late_n": ("超期数", "Late"),
    "col.pub_share": ("超期比例", "Late share"),
    "col.pub_max_late": ("最长超期（工作日）", "Most working days late"),
}
