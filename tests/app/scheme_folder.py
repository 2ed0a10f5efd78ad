"""A whole rated scheme in a temporary folder, as a city would add one: ``tour_guide``.

``write_scheme_folder(top)`` writes ``<top>/tour_guide/`` with the four files of a
scheme folder (features/registry.py) and nothing else:

* ``declaration.py``: a person type 导游 (居民身份证号码, masked like households) with a
  ``profession`` attribute, three record kinds of the 文化和旅游局 of its own, five
  indicators and the target (a general or serious conduct violation within 12 months);
* ``scale.toml``: grades A–D with a hard override (a serious violation in 24 months → D);
* ``spec.toml``: a small training spec (scorecard only, few bins) on the city's dates;
* ``generator.toml``: demo-city parameters, small sizes.

The numbers are a test's, not a policy's: every one is in these files, none in the package.
"""

from __future__ import annotations

from pathlib import Path

KEY = "tour_guide"

DECLARATION = '''
"""导游 (licensed tour guides): a scheme declared in a folder, for the test of every door."""

from features.declare import AttributeDecl, SubjectType
from features.dsl import (
    DOWN,
    UP,
    Indicator,
    Match,
    Population,
    Records,
    Scheme,
    Target,
)
from features.records.ids import ID_NUMBER
from features.records.kinds import RecordKind
from features.rules import Source

ORDER = 90

SUBJECT_TYPES = (
    SubjectType(
        "tour_guide",
        "导游",
        "Tour guide",
        ID_NUMBER,
        attributes=(
            AttributeDecl(
                "profession",
                "string",
                "职业",
                "Profession",
                choices=("tour_guide", "tour_leader"),
                choice_labels=(
                    ("tour_guide", "导游", "Tour guide"),
                    ("tour_leader", "领队", "Tour leader"),
                ),
            ),
        ),
    ),
)

KINDS = (
    RecordKind(
        "guide_violation",
        "导游执业违规",
        "Tour-guide conduct violation",
        "supervision",
        "negative",
        "person",
        "culture_tourism",
        severities=("minor", "general", "serious"),
        severity_required=True,
    ),
    RecordKind(
        "guide_complaint",
        "游客投诉",
        "Tourist complaint",
        "service",
        "negative",
        "person",
        "culture_tourism",
        values=("upheld", "rejected"),
        polarity_by_value={"rejected": "neutral"},
    ),
    RecordKind(
        "guide_training",
        "导游年度培训",
        "Annual guide training",
        "qualification",
        "positive",
        "person",
        "culture_tourism",
        values=("completed",),
    ),
)

VIOLATION = Match(("guide_violation",), severities=("general", "serious"))
SERIOUS = Match(("guide_violation",), severities=("serious",))
MINOR = Match(("guide_violation",), severities=("minor",))
UPHELD = Match(("guide_complaint",), values=("upheld",))
TRAINING = Match(("guide_training",))
CONDUCT, SERVICE, QUALIFICATION = "执业行为", "服务质量", "资质与培训"

SCHEME = Scheme(
    key="tour_guide",
    label_zh="导游信用评价",
    label_en="Tour-guide credit rating",
    population=Population("tour_guide"),
    indicators=(
        Indicator(
            "violations_24m", "近24个月一般及以上执业违规次数",
            "General or serious violations, 24 months", CONDUCT,
            Records(VIOLATION, "count", 24), UP, "次",
            "近{window}个月一般及以上执业违规{value}次",
            "{value} general or serious violations in {window} months",
            missing_zh="近{window}个月无一般及以上执业违规",
            missing_en="no general or serious violation in {window} months",
            missing_rank="best",
        ),
        Indicator(
            "serious_violations_24m", "近24个月严重执业违规次数",
            "Serious violations, 24 months", CONDUCT,
            Records(SERIOUS, "count", 24), UP, "次",
            "近{window}个月严重执业违规{value}次",
            "{value} serious violations in {window} months",
            missing_zh="近{window}个月无严重执业违规",
            missing_en="no serious violation in {window} months",
            missing_rank="best",
        ),
        Indicator(
            "minor_violations_12m", "近12个月轻微执业违规次数",
            "Minor violations, 12 months", CONDUCT,
            Records(MINOR, "count", 12), UP, "次",
            "近{window}个月轻微执业违规{value}次",
            "{value} minor violations in {window} months",
            missing_zh="近{window}个月无轻微执业违规",
            missing_en="no minor violation in {window} months",
            missing_rank="best",
        ),
        Indicator(
            "upheld_complaints_12m", "近12个月游客投诉成立次数",
            "Upheld tourist complaints, 12 months", SERVICE,
            Records(UPHELD, "count", 12), UP, "次",
            "近{window}个月游客投诉成立{value}次",
            "{value} upheld tourist complaints in {window} months",
            missing_zh="近{window}个月无成立的游客投诉",
            missing_en="no upheld tourist complaint in {window} months",
            missing_rank="best",
        ),
        Indicator(
            "trainings_12m", "近12个月参加年度培训次数",
            "Annual trainings attended, 12 months", QUALIFICATION,
            Records(TRAINING, "count", 12), DOWN, "次",
            "近{window}个月参加年度培训{value}次",
            "{value} annual trainings in {window} months",
        ),
    ),
    target=Target(
        (VIOLATION,),
        12,
        "未来12个月发生一般及以上执业违规",
        "a general or serious conduct violation within 12 months",
    ),
    sources=(Source("seed 000", "五、重点职业人群信用记录（导游）"),),
)
'''

SCALE = """
scheme = "tour_guide"
name_zh = "导游信用等级"
name_en = "Tour-guide credit grade"
source = "test scheme folder: shares a proposal"
min_share = 0.01

[[grades]]
key = "A"
label_zh = "守信"
label_en = "Trustworthy"
share = 0.45

[[grades]]
key = "B"
label_zh = "基本守信"
label_en = "Basically trustworthy"
share = 0.35

[[grades]]
key = "C"
label_zh = "关注"
label_en = "Watch"
share = 0.15

[[grades]]
key = "D"
label_zh = "失信"
label_en = "Untrustworthy"
share = 0.05

[[overrides]]
when = { indicator = "serious_violations_24m", op = ">", value = 0 }
grade = "D"
reason_zh = "近24个月有严重执业违规，直接列为D级（失信）"
reason_en = "a serious conduct violation in 24 months: grade D"
"""

# the city's records run 2021-01-01 … 2026-10-31 (training/specs/driver.toml), the guides'
# trainings from 2021-11: every window is covered from 2023-01-31; the validation fold is
# fitted on the train snapshot a year before it; out of time a full horizon after it
SPEC = """
scheme = "tour_guide"
family = "scorecard"
seed = 7

[snapshots]
train = [2023-03-31, 2023-06-30]
validation = [2024-03-31]
oot = [2025-06-30, 2025-09-30]

[scorecard]
max_n_bins = 3
min_bin_size = 0.1
min_iv = 0.0
"""

GENERATOR = """
scheme = "tour_guide"

[sizes]
tiny = 1_500
small = 3_000
city = 10_000

[subject]
names = "person"
established = [2005-01-01, 2022-06-30]

[identifier]
kind = "id_number"
born = [1965-01-01, 1998-12-31]

[attributes.profession]
choices = { tour_guide = 0.8, tour_leader = 0.2 }

[latent]
mu_sd = 1.0
x_sd = 0.5
rho = 0.95

[events.violation_gs]
per_year = 0.05
beta = 1.4
kind = "guide_violation"
severity = { general = 0.8, serious = 0.2 }
valid_months = 36

[events.violation_minor]
per_year = 0.15
beta = 1.0
kind = "guide_violation"
severity = "minor"
valid_months = 12

[events.complaint_upheld]
per_year = 0.2
beta = 0.8
kind = "guide_complaint"
value_text = "upheld"
valid_months = 12

[events.complaint_rejected]
per_year = 0.2
beta = 0.2
kind = "guide_complaint"
value_text = "rejected"
valid_months = 12

[yearly.training]
kind = "guide_training"
month = 11
share = 0.8
beta = -0.4
value_text = "completed"

[target]
events = ["violation_gs"]
"""


def write_scheme_folder(top: Path) -> Path:
    """Write the ``tour_guide`` scheme folder under ``top``; return ``top`` (the folder
    to name in ``[schemes] folders``)."""
    folder = top / KEY
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("declaration.py", DECLARATION),
        ("scale.toml", SCALE),
        ("spec.toml", SPEC),
        ("generator.toml", GENERATOR),
    ):
        (folder / name).write_text(text.lstrip("\n"), encoding="utf-8")
    return top
