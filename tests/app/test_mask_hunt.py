"""A masked role hunts for a planted person's ID and finds it nowhere (issue 15).

A driver with a known 居民身份证号码 is planted in a copy of the rated tiny city:
subject rows, records (one whose record ID and every one whose text quote the
ID) and ratings of their own, the legal representative of a
rated enterprise, an objection whose reason quotes the ID, a department file
named after the ID whose rows are quarantined (one with the ID, one with the ID
mistyped), and look-ups by the full-ID roles. Then every role outside
``app.full_id_roles`` opens every page it may open and does what it can there —
searches by partial and wildcard patterns, by the name alone, odd text, then by
the full ID and the firm's name; opens the profile; downloads the credit report,
the inspection list (CSV and Excel) and the validation reports; reads the data
quality tabs — and the bank runs ``xinping report``. Every text the pages show
(tables and charts included), every downloaded file and its name, the CLI
output and its file, the log records, stderr and the ``audit_log`` rows are
searched for the full ID, its birth date and its middle digits.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from page_text import apptest_texts
from streamlit.testing.v1 import AppTest

from app.auth import PAGE_ROLES, ROLES
from features.records.ids import id_check_char
from features.store.duckdb_store import DuckDBStore

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"
BODY = "53030219610227073"
PID = BODY + id_check_char(BODY)
NAME = "柏冬青"
#: what must never reach a masked role: the ID, its birth date and its middle digits
NEEDLES = (PID, PID[6:16], PID[6:14], "1961-02-27", PID[:14])
#: patterns a hostile user types to confirm digits
PROBES = (
    PID[:6],
    PID[:10],
    PID[:14],
    PID[:17],
    PID[:10] + "______" + PID[-2:],
    PID[:10] + "%",
    "%" + PID[-6:],
    PID[:6] + "*" * 10 + PID[-2:],
    PID[:6] + "%" + PID[-2:],
    NAME,
    NAME[0],
    "__",
    "%",
    "'",
    "[/bold]",
    "x" * 500,
)


def masked_roles() -> list[str]:
    from app.settings import settings

    full = set(settings().app.full_id_roles)
    return [r for r in ROLES if r not in full]


def leaks(where: str, text: str) -> list[str]:
    """The needles found in ``text``, each named with where it was seen."""
    return [f"{where}: {n!r}" for n in NEEDLES if n in text]


# --- the planted person --------------------------------------------------------


def plant(path: Path, home: Path) -> dict:
    """Plant the person in the store at ``path`` (see the module docstring)."""
    from features.records.ingest import ingest_file
    from scoring.audit import write_audit
    from scoring.batch import score_scheme
    from scoring.loader import load_model
    from scoring.objections import open_objection
    from scoring.watch import WatchConfig
    from scoring.watch_list import add_watch
    from scoring.watch_store import Viewer, run_watch

    with DuckDBStore(path, threads=2) as st:
        model_driver = st.query("""SELECT subject_id, count(*) AS n FROM records
                                   WHERE subject_id IN (SELECT subject_id FROM ratings
                                                        WHERE scheme = 'driver')
                                   GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1""").iloc[0, 0]
        rows = st.query("SELECT * FROM subjects WHERE subject_id = ?", [model_driver])
        st.append("subjects", rows.assign(subject_id=PID, name=NAME, region_code="530302"))
        recs = st.query(
            "SELECT * FROM records WHERE subject_id = ? ORDER BY record_id", [model_driver]
        )
        assert len(recs) >= 3
        planted = recs.assign(subject_id=PID, record_id="PL" + recs["record_id"].astype(str))
        # a department that writes the person's ID into its record IDs (every one but
        # the first, so the records a points rule lists carry it too) and its text
        planted.loc[planted.index[1:], "record_id"] = [
            f"JT-{PID}-{i}" for i in range(1, len(planted))
        ]
        planted["detail"] = f"驾驶人{NAME}（身份证号{PID}）"
        st.append("records", planted)
        days = sorted(st.query("SELECT DISTINCT as_of FROM ratings")["as_of"])
        model = load_model("driver", home)
        for day in days:
            score_scheme(st, model, pd.Timestamp(day).date(), subjects=[PID])
        firm = st.query("""SELECT s.subject_id, s.name FROM subjects s
                           JOIN ratings r USING (subject_id)
                           WHERE r.scheme = 'enterprise' ORDER BY s.subject_id LIMIT 1""").iloc[0]
        version = st.query(
            "SELECT * FROM subjects WHERE subject_id = ? ORDER BY recorded_at DESC LIMIT 1",
            [firm["subject_id"]],
        )
        st.append(
            "subjects",
            version.assign(legal_rep_id=PID, recorded_at=pd.Timestamp.now().floor("s")),
        )
        on = pd.Timestamp(days[-1]).date()
        rid = "PL" + str(recs["record_id"].iloc[0])
        open_objection(st, rid, f"当事人{PID}（{NAME}）称处罚已撤销", "steward", on, "admin")
        # a department file named after the person, its rows quarantined
        bad = recs.head(3).astype(str).replace({"None": "", "NaT": "", "nan": ""})
        bad = bad.drop(columns=[c for c in ("ingest_id", "recorded_at") if c in bad.columns])
        bad["record_id"] = ["QX1", "QX2", "QX3"]
        bad["subject_id"] = [PID, PID[:17] + ("1" if PID[-1] != "1" else "2"), PID]
        bad["severity"] = ["bogus", bad["severity"].iloc[1], bad["severity"].iloc[2]]
        bad["amount"] = [bad["amount"].iloc[0], bad["amount"].iloc[1], f"{PID}元"]
        file = path.parent / f"{PID}-{NAME}-补报.csv"
        bad.to_csv(file, index=False)
        result = ingest_file(st, file, "records", "traffic_police", today=on)
        assert result.rows_quarantined == 3, result
        # 信用预警: a supervisor watches the person by hand, the reason quoting the ID, and
        # the alerts run past the objection's deadline (an overdue alert names the person)
        hunter = Viewer("hunter-supervisor", "supervisor")
        add_watch(st, PID, f"驾驶人{NAME}（身份证号{PID}）多次违章", hunter)
        run_watch(st, on + dt.timedelta(days=30), WatchConfig(), hunter)
        # the full-ID roles looked the person up
        write_audit(st, "rural-1", "rural", "view_subject", PID, {"page": "profile"})
        write_audit(st, "admin-1", "admin", "search", None, {"query": PID})
    return {"firm": firm["subject_id"], "firm_name": firm["name"], "on": on}


@pytest.fixture(scope="module")
def hunt_env(rated_city: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The rated tiny city with the planted person, and settings pointing at it."""
    import streamlit as st

    from app.settings import settings

    folder = tmp_path_factory.mktemp("hunt")
    store_path = folder / "city.duckdb"
    shutil.copy(rated_city["path"], store_path)
    planted = plant(store_path, rated_city["home"])
    overlay = folder / "settings.toml"
    overlay.write_text(
        f'[store]\nmemory_limit = ""\n\n[mlflow]\nhome = "{rated_city["home"].as_posix()}"\n',
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_SETTINGS", str(overlay))
        mp.setenv("XINPING_STORE", str(store_path))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        settings.cache_clear()
        st.cache_resource.clear()
        yield {**rated_city, **planted, "store": store_path, "settings": overlay}
        st.cache_resource.clear()
        settings.cache_clear()


# --- what a page hands out -----------------------------------------------------


def page(name: str, role: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"hunter-{role}",
        "role": role,
        "display_name": f"猎手{role}",
        "region_code": None,
        # a department officer checks under its own department (users.department)
        "department": "市财政局" if role == "department" else None,
    }
    return at.run()


def file_text(name: str, data: bytes) -> str:
    """A downloaded file as text (an Excel workbook: every part of its zip)."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8", "replace")


#: (file name, data) of every download button the pages drew since the last look
_OFFERED: list[tuple[str, object]] = []
#: files read per role (the test proves it looked at some)
_FILES: dict[str, int] = {}


@pytest.fixture(autouse=True)
def offered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep what the pages hand to a download button (``st.download_button`` and a
    column's ``download_button``): AppTest has no media server to fetch them from."""
    import streamlit
    from streamlit.delta_generator import DeltaGenerator

    method = DeltaGenerator.download_button

    def keep(self, label, data, file_name=None, *args, **kwargs):
        _OFFERED.append((file_name or "", data))
        return method(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", keep)
    main = streamlit.download_button.__self__
    monkeypatch.setattr(streamlit, "download_button", keep.__get__(main))
    _OFFERED.clear()
    yield
    _OFFERED.clear()


def downloads() -> list[tuple[str, str]]:
    """Every file offered since the last call, by name and content; a deferred one is
    built as a click builds it (its audit row included), once per file name."""
    out, done = [], set()
    for name, data in _OFFERED:
        if name in done:
            continue
        done.add(name)
        data = data() if callable(data) else data
        data = data.encode("utf-8") if isinstance(data, str) else data
        out.append((name, file_text(name, data)))
    _OFFERED.clear()
    return out


def seen(at: AppTest, where: str) -> list[str]:
    """The leaks in everything ``at`` shows and hands out (no exception may reach it)."""
    found = [f"{where}: exception {e.value}" for e in at.exception]
    texts, _faults = apptest_texts(at)
    for text in texts:
        found += leaks(f"{where} {text.where}", text.text)
    for widget in at.selectbox:  # the value behind an option is what the page acts on
        found += leaks(f"{where} selectbox {widget.key}", " ".join(map(str, widget.options)))
    for name, content in downloads():
        found += leaks(f"{where} download name", name) + leaks(f"{where} {name}", content)
        role = where.split("/")[0]
        _FILES[role] = _FILES.get(role, 0) + 1
    return found


def walk(role: str, name: str, env: dict) -> list[str]:
    """Everything ``role`` can do on page ``name``; the leaks found."""
    at = page(name, role)
    found = seen(at, f"{role}/{name}")
    if any(box.key == "auth" for box in at.text_input):
        at.text_input(key="auth").input("SQ-2026-0999").run()
        found += seen(at, f"{role}/{name} authorised")
    if any(box.key == "query" for box in at.text_input):
        for probe in PROBES:
            at.text_input(key="query").input(probe).run()
            found += seen(at, f"{role}/{name} search {probe[:20]!r}")
            options = [str(o) for w in at.selectbox for o in w.options]
            hits = [w.value for w in at.selectbox if w.key == "subject"]
            assert PID not in hits, f"{role}/{name}: {probe!r} found the person ({options})"
        for text in (env["firm_name"], env["firm"], PID):
            at.text_input(key="query").input(text).run()
            found += seen(at, f"{role}/{name} search {text[:20]!r}")
    if any(box.key == "upload" for box in at.file_uploader):  # 信易贷 applicants
        rows = [PID[:10] + "______" + PID[-2:], PID[:14], PID[:17] + "0", env["firm"]]
        content = ("统一社会信用代码\n" + "\n".join(rows) + "\n").encode("utf-8")
        at.file_uploader(key="upload").set_value(("applicants.csv", content, "text/csv")).run()
        found += seen(at, f"{role}/{name} applicants")
    if name == "checks":  # 信用核查: the planted person checked for a matter
        at.text_input(key="chk_purpose").input("高消费限制核查")
        at.text_input(key="query").input(PID).run()
        at.button(key="chk_run").click().run()
        found += seen(at, f"{role}/{name} check")
    if name == "supervision":
        at.number_input(key="seed").set_value(20261203)
        at.button(key="draw_submit").click().run()
        found += seen(at, f"{role}/{name} draw")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("role", masked_roles())
def test_a_masked_role_finds_the_planted_id_on_no_page(
    hunt_env: dict, role: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        found = []
        for name, allowed in PAGE_ROLES.items():
            if role in allowed:
                found += walk(role, name, hunt_env)
    found += leaks("log records", caplog.text)
    out, err = capfd.readouterr()
    found += leaks("stdout", out) + leaks("stderr", err)
    with DuckDBStore(hunt_env["store"]) as st:  # the app's configuration (it is open)
        log = st.query("SELECT * FROM audit_log WHERE user_name = ?", [f"hunter-{role}"])
    if role in PAGE_ROLES["profile"]:
        assert len(log) > 0  # the look-ups were logged ...
    found += leaks("audit_log", log.to_csv())  # ... without the ID
    # the files were looked at: the credit report (profile), the validation reports
    assert _FILES.get(role, 0) >= (1 if role in PAGE_ROLES["profile"] else 0) + (
        2 if role in PAGE_ROLES["models"] else 0
    ) + (1 if role in PAGE_ROLES["lending"] else 0), _FILES
    assert not found, "\n".join(found)


def test_the_bank_runs_the_report_command_and_sees_no_id(
    hunt_env: dict, tmp_path: Path, monkeypatch, capfd
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    found: list[str] = []
    for subject in (PID, hunt_env["firm"], PID[:17] + "0", PID[:10] + "%"):
        result = runner.invoke(
            cli, ["report", subject, "--user", "bank-cli", "--auth-ref", "SQ-2026-0998"]
        )
        found += leaks(f"report {subject[:8]} output", result.output)
        assert "Traceback" not in result.output
    files = list((tmp_path / "reports").glob("*"))
    assert len(files) == 2  # the person and the firm
    for f in files:
        found += leaks("report file name", f.name) + leaks(f.name, f.read_text("utf-8"))
    out, err = capfd.readouterr()
    found += leaks("stdout", out) + leaks("stderr", err)
    assert not found, "\n".join(found)


def test_no_audit_row_keeps_the_id_and_the_steward_can_ask_who_viewed(hunt_env: dict) -> None:
    import streamlit as st
    from typer.testing import CliRunner

    from app.cli import cli
    from app.state import store

    store().close()  # the command opens the file read-only, as on a server between runs
    st.cache_resource.clear()
    with DuckDBStore(hunt_env["store"], read_only=True) as db:
        everything = db.query("SELECT * FROM audit_log").to_csv()
    assert not leaks("audit_log", everything)
    result = CliRunner().invoke(cli, ["audit", "views", PID])
    assert result.exit_code == 0, result.output
    for who in ("rural-1", "admin-1", "steward"):
        assert who in result.output
