"""The declared related-party links (:class:`features.links.Link`).

``legal_rep``, ``employer`` and ``rep_firms`` are the three relations the
enterprise and driver schemes have read since the start; ``represented_firms``
and ``responsible_for`` carry a firm's serious records to the people behind it
(seed 002 #12: 对企事业单位严重失信行为，在记入企事业单位信用记录的同时，记入其法定代表人、
主要负责人和其他负有直接责任人员的个人信用记录).
"""

from __future__ import annotations

from features.links import Column, Link, ListPersons, Organisations, Reverse, SameColumn, Table

#: Subject types that hold a 统一社会信用代码 and can have a legal representative: every
#: such type of the active registry (enterprises, social organisations, agricultural
#: businesses, a folder's own), looked up when a link is read, not listed here.
ORGANISATIONS = Organisations()

LINKS = (
    Link(
        "legal_rep",
        "法定代表人",
        "Legal representative",
        Column("legal_rep_id"),
        roles=("legal_representative",),
    ),
    Link("employer", "所属单位", "Employer", Column("employer_id")),
    Link(
        "rep_firms",
        "同一法定代表人的其他单位",
        "Other organisations of the same legal representative",
        SameColumn("legal_rep_id"),
        target_types=ORGANISATIONS,
        counts="parties",
    ),
    Link(
        "represented_firms",
        "担任法定代表人的单位",
        "Organisations the person legally represents",
        Reverse("legal_rep_id"),
        target_types=ORGANISATIONS,
        roles=("legal_representative",),
        counts="parties",
    ),
    Link(
        "responsible_for",
        "列入严重失信主体名单时被列为责任人的主体",
        "Blacklisted subjects naming the person as responsible",
        ListPersons(("black",)),
        roles=("responsible_persons",),
        counts="parties",
    ),
    # the member households of a 农民专业合作社 (rows of subject_links; seed 001 §七(三):
    # a co-op's members' credit records feed its rating)
    Link(
        "coop_member",
        "合作社成员户",
        "Member households of the co-operative",
        Table("coop_member"),
        target_types=("household",),
        counts="parties",
    ),
    # the households of the subject's own village (a 信用村's credit culture reaches the
    # businesses farming there: the 信用村 rules read the same households)
    Link(
        "village_households",
        "所在村农户",
        "Households of the same village",
        SameColumn("village_code"),
        target_types=("household",),
        counts="parties",
    ),
)
