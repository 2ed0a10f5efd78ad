"""A poisoned department file through ingest → score → inspection draw → export, on the
command line and in the app, and user text shown literally on the pages (issue 15).

A department renames every enterprise of the rated tiny city with a formula
(``=HYPERLINK(...)``, ``+1``, ``-1+1``, ``@SUM(A1)``, a leading tab or carriage
return) and one SME with Markdown and HTML. After ``xinping ingest`` and
``xinping score`` every export — the inspection list as CSV and Excel from
``xinping inspections draw/list`` and from the 分级分类监管 page's download
buttons, the 信易贷 batch CSV — must hold the names as inert text: no CSV cell a
spreadsheet would read as a formula (they start with ``'``), no formula cell in a
workbook. The pages must show the Markdown name and an objection's typed
record ID as text.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from app.cli import cli
from features.exports import is_formula_like
from features.records.ids import uscc_check_char
from features.store.duckdb_store import DuckDBStore
from features.subjects import current_subjects_sql

runner = CliRunner()
PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"
POISON = ('=HYPERLINK("http://x","点我")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1")
MARKUP = "**粗体** <b>x</b> [链接](http://x) $x$"
#: MARKUP as the page hands it to Markdown: every mark escaped (test_plain_text.py renders it)
ESCAPED = r"\*\*粗体\*\* \<b\>x\</b\> \[链接\](http\://x) \$x\$"


def page(name: str, role: str) -> AppTest:
    """A page run in Chinese as a signed-in user of ``role``."""
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"test-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
    }
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def poisoned(app_env: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The app's city after a poisoned subjects file was ingested and the firms re-scored."""
    folder = tmp_path_factory.mktemp("poison")
    with DuckDBStore(app_env["store"], read_only=True) as store:
        firms = store.query(current_subjects_sql("enterprise") + " ORDER BY subject_id")
        sme = store.scalar(
            "SELECT min(subject_id) FROM ratings WHERE scheme = 'sme' AND as_of = ?",
            [app_env["as_of"]],
        )
    firms = firms.drop(columns=["ingest_id", "recorded_at"])
    firms["name"] = [POISON[i % len(POISON)] for i in range(len(firms))]
    firms.loc[firms["subject_id"] == sme, "name"] = MARKUP
    source = folder / "samr-subjects.csv"
    firms.to_csv(source, index=False, quoting=csv.QUOTE_ALL, encoding="utf-8-sig")
    done = runner.invoke(cli, ["ingest", str(source), "--table", "subjects", "--dept", "samr"])
    assert done.exit_code == 0, done.output
    # and a records file whose name and values are formulas: its rows go to quarantine
    bad = folder / "=cmd.csv"
    bad.write_text(
        "记录编号,主体标识,信息类别,失信程度,金额（元）,发生日期,公示/报送日期,详情\n"
        f"=1+1,{sme},=1+1,+general,-1+1,2026-01-05,2026-01-10,@SUM(A1)\n"
        f"SAMR-P2,@SUM(A1),administrative_penalty,general,500,2026-01-05,2026-01-10,罚款\n",
        encoding="utf-8",
    )
    done = runner.invoke(cli, ["ingest", str(bad), "--dept", "samr"])
    assert done.exit_code == 0, done.output
    day = app_env["as_of"].isoformat()
    done = runner.invoke(cli, ["score", "--subject", "enterprise", "--as-of", day])
    assert done.exit_code == 0, done.output
    with DuckDBStore(app_env["store"], read_only=True) as store:
        names = store.query(current_subjects_sql("enterprise", ("subject_id", "name")))
    stored = set(names["name"])
    # the department's text is stored as it came (the export, not the store, neutralises it)
    assert '=HYPERLINK("http://x","点我")' in stored and MARKUP in stored
    assert sum(is_formula_like(n) for n in names["name"]) >= len(names) - 1
    return {"folder": folder, "sme": sme, "day": day, "names": stored}


def _csv_cells(raw: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")) for c in row]


def assert_inert_csv(raw: bytes) -> list[str]:
    """No cell a spreadsheet would read as a formula; returns the quoted (neutralised) cells."""
    cells = _csv_cells(raw)
    assert cells and not [c for c in cells if is_formula_like(c)]
    return [c for c in cells if c.startswith("'")]


def assert_inert_xlsx(raw: bytes) -> list[str]:
    """Only string, number, date or boolean cells; returns the formula-like texts."""
    book = openpyxl.load_workbook(io.BytesIO(raw))
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and is_formula_like(c.value)]
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    return [c.value for c in risky]


def _draw_id(output: str) -> str:
    return re.search(r"INS-\d{8}-[0-9a-f]{8}", output).group(0)


def test_cli_inspection_exports_of_a_poisoned_file_are_inert(poisoned: dict) -> None:
    folder, day = poisoned["folder"], poisoned["day"]
    xlsx, listed = folder / "draw.xlsx", folder / "listed.csv"
    done = runner.invoke(
        cli, ["inspections", "draw", "--as-of", day, "--seed", "7", "--out", str(xlsx)]
    )
    assert done.exit_code == 0, done.output
    risky = assert_inert_xlsx(xlsx.read_bytes())
    assert set(risky) & {'=HYPERLINK("http://x","点我")', "+1", "-1+1", "@SUM(A1)"}
    done = runner.invoke(
        cli, ["inspections", "list", "--draw", _draw_id(done.output), "--out", str(listed)]
    )
    assert done.exit_code == 0, done.output
    quoted = assert_inert_csv(listed.read_bytes())
    assert '\'=HYPERLINK("http://x","点我")' in quoted or "'+1" in quoted
    # the names as stored, kept after the quote (ingest trims the tab and carriage return)
    assert {q[1:] for q in quoted} <= poisoned["names"]
    flat = folder / "draw.csv"
    done = runner.invoke(
        cli, ["inspections", "draw", "--as-of", day, "--seed", "8", "--out", str(flat)]
    )
    assert done.exit_code == 0, done.output
    assert assert_inert_csv(flat.read_bytes())


@pytest.fixture()
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What each download button of a page run hands the browser, by file name."""
    files: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, **kw):
        if isinstance(path_or_data, bytes):
            files[file_name or coordinates] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return files


def test_app_inspection_downloads_of_a_poisoned_file_are_inert(poisoned: dict, downloads) -> None:
    at = ok(page("supervision", "supervisor"))
    at.number_input(key="seed").set_value(20261203)
    at.button(key="draw_submit").click().run()
    ok(at)
    got = {name.rsplit(".", 1)[1]: data for name, data in downloads.items()}
    assert set(got) >= {"csv", "xlsx"}, list(downloads)
    quoted = assert_inert_csv(got["csv"])
    assert any(q.startswith(("'=HYPERLINK", "'+1", "'-1+1", "'@SUM")) for q in quoted)
    assert assert_inert_xlsx(got["xlsx"])


def test_app_lending_batch_reads_ragged_lines_and_exports_inert(
    poisoned: dict, query, downloads
) -> None:
    rated = list(
        query("SELECT DISTINCT subject_id FROM ratings WHERE scheme = 'sme' ORDER BY 1 LIMIT 3")[
            "subject_id"
        ]
    )
    nobody = "91530300MA0000001"
    content = "\n".join(
        [
            "统一社会信用代码",
            f"{rated[0]},备注",  # ragged: the lines after it are still decided
            rated[1],
            "=1+1",
            "@SUM(A1)",
            "+86-871",
            rated[2],
            nobody + uscc_check_char(nobody),
        ]
    ).encode("utf-8-sig")
    at = ok(page("lending", "bank"))
    at.text_input(key="auth").input("SQ-2026-0015")
    at.file_uploader(key="upload").set_value(("applicants.csv", content, "text/csv")).run()
    ok(at)
    assert any("共 7 行：2 户给出授信建议，5 行无法评价" in i.value for i in at.info), [
        i.value for i in at.info
    ]
    table = next(d.value for d in at.dataframe if "该行问题" in d.value.columns)
    assert list(table["行号"]) == [2, 3, 4, 5, 6, 7, 8]
    status = list(table["状态"])
    assert status[1] == status[5] == "已评价" and status[6] == "未找到该主体"
    assert [status[i] for i in (0, 2, 3, 4)] == ["该行有误，未评价"] * 4
    notes = list(table["该行问题"])
    assert notes[0].startswith("第 2 行有 2 个字段，表头为 1 列") and "备注" in notes[0]
    assert notes[2].startswith("第 4 行的「=1+1」不是有效的统一社会信用代码")
    batch = next(data for name, data in downloads.items() if name.startswith("xinyidai-"))
    quoted = assert_inert_csv(batch)
    assert {"'=1+1", "'@SUM(A1)", "'+86-871"} <= set(quoted)


def test_the_quarantine_download_is_inert(poisoned: dict, downloads) -> None:
    ok(page("quality", "admin"))
    raw = next(data for name, data in downloads.items() if name == "quarantine.csv")
    quoted = assert_inert_csv(raw)
    assert "'=cmd.csv" in quoted  # the file's name is a formula too


def test_a_name_in_markdown_shows_as_text_on_the_profile_and_lending_pages(
    poisoned: dict,
) -> None:
    at = ok(page("profile", "admin"))
    at.text_input(key="query").input("粗体").run()
    ok(at)
    assert at.header[0].value == ESCAPED
    at = ok(page("lending", "bank"))
    at.text_input(key="auth").input("SQ-2026-0016")
    at.text_input(key="query").input("粗体").run()
    ok(at)
    assert at.header[0].value == ESCAPED


def test_a_typed_subject_in_markdown_is_never_read_as_markup(poisoned: dict) -> None:
    at = ok(page("objections", "admin"))
    at.text_input(key="obj_subject").input(MARKUP).run()
    at.text_input(key="plan_subject").input(MARKUP).run()
    at.text_area(key="obj_reason").input(MARKUP)
    at.button(key="open_submit").click().run()
    ok(at)
    # no such subject: nothing to pick, and the refusal does not echo what was typed
    assert at.selectbox(key="obj_record").options == []
    shown = [e.value for e in (*at.error, *at.caption, *at.markdown)]
    assert [e.value for e in at.error] == ["请先输入主体标识，再选择它的一条记录"]
    assert all("**粗体**" not in e and "[链接](http" not in e for e in shown), shown
