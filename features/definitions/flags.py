"""Flags every scheme carries: the green channel (绿色通道).

Seed 002 二.2 grants 诚信典型 and subjects with 3 consecutive years without a
negative credit record a green channel and 容缺受理 in administrative licensing;
seeds 001 and 003 name the green channel among the rewards for trustworthy
subjects. A subject still on a black list (失信被执行人, 严重违法失信名单,
经营异常名录) has not had years without a negative record, however old the
listing; a subject that did not exist for the whole period has no such years.
The serious records of an organisation a person legally represents, or of a
blacklisted subject naming the person as responsible, are the person's too
(seed 002 #12): they deny the person's green channel as the person's own would.
"""

from __future__ import annotations

from features.definitions.enterprise import SERIOUS_FIRM
from features.dsl import Match
from features.rules import Flag, Source

GREEN_CHANNEL = Flag(
    key="green_channel",
    label_zh="绿色通道",
    label_en="Green channel",
    no_records=Match((), polarity="negative"),
    years=3,
    listing_kinds=(
        "dishonest_judgment_debtor",
        "serious_violation_list",
        "abnormal_operations_list",
    ),
    require_full_period=True,
    # a person's organisations (for an organisation these links reach no party)
    related=("represented_firms", "responsible_for"),
    related_records=SERIOUS_FIRM,
    sources=(
        Source(
            "seed 002（行政审批绿色通道与容缺受理）",
            "二.2 探索建立行政审批“绿色通道”：对诚信典型和连续3年无不良信用记录的行政相对人",
        ),
        Source("seed 001", "建立行政审批“绿色通道”，优先提供公共服务便利"),
        Source("seed 003", "对守信者实行优先办理、简化程序、“绿色通道”和重点支持等激励政策"),
    ),
)

FLAGS: tuple[Flag, ...] = (GREEN_CHANNEL,)
