"""Subject types declared in a temporary scheme folder, as a city would add them.

``write_types(tmp_path)`` writes ``<tmp>/tour_guide/declaration.py`` (a person,
identified by a 居民身份证号码, with a ``profession`` attribute limited to a
list and a free ``licence_no``) and ``<tmp>/foundation/declaration.py`` (an
organisation whose 统一社会信用代码 begins with 53; the shipped ``social_org``
type takes every code beginning with 5). Neither folder declares a scheme: a
type needs no scheme to be ingested. Use with
``features.registry.using([tmp_path])``; nothing in the package is edited.
"""

from __future__ import annotations

from pathlib import Path

TOUR_GUIDE = """
from features.declare import AttributeDecl, SubjectType
from features.records.ids import ID_NUMBER

PROFESSIONS = ("tour_guide", "tour_leader")

SUBJECT_TYPES = (
    SubjectType(
        "tour_guide",
        "导游",
        "Tour guide",
        ID_NUMBER,
        attributes=(
            AttributeDecl("profession", "string", "职业", "Profession", choices=PROFESSIONS),
            AttributeDecl("licence_no", "string", "导游证号", "Licence number"),
            AttributeDecl("years_practised", "number", "从业年限", "Years practised"),
        ),
        label_en_long="Licensed tour guide",
    ),
)
"""

FOUNDATION = """
from features.declare import SubjectType
from features.records.ids import IdRule

# GB 32100: 53 基金会 (registration authority 5, civil affairs; category 3)
FOUNDATION_ID = IdRule("uscc", prefixes=("53",))
SUBJECT_TYPES = (SubjectType("foundation", "基金会", "Foundation", FOUNDATION_ID),)
"""


def write_types(top: Path) -> Path:
    """Write both declarations under ``top`` and return ``top`` (the folder to register)."""
    for key, text in (("tour_guide", TOUR_GUIDE), ("foundation", FOUNDATION)):
        folder = top / key
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "declaration.py").write_text(text, encoding="utf-8")
    return top
