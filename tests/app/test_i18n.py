"""Every string key the app uses exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from app.i18n import COLUMNS, STRINGS

APP = Path(__file__).resolve().parents[2] / "app"
CALL = re.compile(r"""\bt\(\s*(['"])([a-z_]+\.[a-z_]+)\1""")
SHOWN = re.compile(r"tables\.show\([^\[]*\[([^\]]*)\]", re.S)


def test_every_literal_key_is_translated() -> None:
    used = {m.group(2) for f in APP.rglob("*.py") for m in CALL.finditer(f.read_text())}
    assert used, "no t() calls found"
    missing = sorted(used - set(STRINGS))
    assert not missing, missing


def test_every_table_column_has_a_header() -> None:
    cols = {
        c
        for f in APP.rglob("*.py")
        for m in SHOWN.finditer(f.read_text())
        for c in re.findall(r'"([a-z_]+)"', m.group(1))
    }
    assert cols and not sorted(cols - set(COLUMNS))


def test_both_languages_are_filled() -> None:
    for key, (zh, en) in STRINGS.items():
        assert zh.strip() and en.strip(), key


def test_label_each_labels_every_row_calling_the_label_once_per_value() -> None:
    import pandas as pd

    from app.i18n import label_each

    calls: list[object] = []

    def label(code: object) -> str:
        calls.append(code)
        return "—" if code is None else f"<{code}>"

    codes = pd.Series(["530302", None, "530303", "530302", float("nan")], index=[7, 3, 9, 1, 5])
    out = label_each(codes, label)
    assert out.tolist() == ["<530302>", "—", "<530303>", "<530302>", "—"]
    assert out.index.tolist() == [7, 3, 9, 1, 5]
    assert sorted(map(str, calls)) == ["530302", "530303", "None"]
    assert label_each(pd.Series([], dtype=object), label).empty
