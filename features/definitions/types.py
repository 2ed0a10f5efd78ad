"""The shipped subject types (DESIGN.md §3): enterprises, households, drivers, villages, townships.

A new type is declared the same way in its own declaration module or scheme
folder; nothing else names the types.
"""

from __future__ import annotations

from features.declare import SubjectType
from features.records.ids import DIVISION9, DIVISION12, ID_NUMBER, USCC

SUBJECT_TYPES = (
    SubjectType("enterprise", "企业", "Enterprise", USCC),
    SubjectType("household", "农户", "Household", ID_NUMBER, label_en_long="Farm household"),
    SubjectType(
        "driver",
        "驾驶员",
        "Driver",
        ID_NUMBER,
        label_en_long="Road-transport driver",
        label_zh_long="道路运输驾驶员",
    ),
    SubjectType("village", "行政村", "Village", DIVISION12),
    SubjectType("township", "乡镇", "Township", DIVISION9),
)
