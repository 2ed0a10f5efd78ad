"""Twenty supervisors at once: sign-in and page times of a real ``streamlit run`` server.

Starts ``streamlit run app/streamlit_app.py`` (the command ``xinping app`` runs) on a copy
of a store, then drives N concurrent sessions over Streamlit's own websocket protocol
(the protobuf ``BackMsg`` / ``ForwardMsg`` messages the browser exchanges with the
server), in lockstep phases:

1. open the app (the sign-in page),
2. sign in as a supervisor, which lands on 总览 (overview),
3. open 分级分类监管 (supervision),
4. open 总览 again.

Each phase starts for every session at once; a view's wall time runs from the message
that asks for it to the server's ``script_finished`` of the page (the sign-in: from the
submitted form to the start of the overview's run). The server's CPU seconds are those of
its process tree (psutil) during the phase, divided by the sessions; the driver's own CPU
is reported apart. A browser would add its own drawing (Vega charts, the grid) on the
same two cores, which is the reader's machine's work, not the server's: the protocol
driver measures the server alone. Every view must end with the page's title and no
exception; a view that does not is counted as failed and shown.

Run from the project root::

    .venv/bin/python bench/app_load.py                      # the demo store, 20 sessions
    .venv/bin/python bench/app_load.py --store X.duckdb --mlflow-home Y --sessions 5

Results are printed and appended to ``bench/RESULTS-app_load.md`` with the commit.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.app_cli import streamlit_command  # noqa: E402  (the project root is on the path now)
from app.settings import settings  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-app_load.md"
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
TITLES = {"login": "登录", "overview": "总览", "supervision": "分级分类监管"}


@dataclass
class View:
    """What one run of a page sent back: its wall time, title and failures."""

    wall: float
    headings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    started: float | None = None  # when the target page's run began (sign-in: end of sign-in)
    widgets: dict[str, str] = field(default_factory=dict)


class Session:
    """One user's websocket session, speaking the browser's protocol."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self.pages: dict[str, str] = {}  # url path → page script hash
        self.login_hash = ""
        self.ws: websockets.ClientConnection | None = None

    async def connect(self) -> None:
        origin = self.url.replace("ws://", "http://").split("/_stcore")[0]
        self.ws = await websockets.connect(
            self.url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
            origin=origin,  # type: ignore[arg-type]
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(
        self, page_hash: str, widgets: Sequence[tuple[str, str, object]] = (), target: str = ""
    ) -> View:
        """Ask for a run of ``page_hash`` with ``widgets`` and read until a run finishes.

        ``widgets`` are ``(widget id, WidgetState field, value)``. ``target`` (a page's url
        path) names the page whose run the view waits for: the sign-in form's run ends
        early for a rerun, the router's switch follows, then the overview's run; the view
        keeps the headings and problems of that last run.
        """
        msg = BackMsg()
        state = msg.rerun_script
        state.page_script_hash = page_hash
        for wid, kind, value in widgets:
            w = state.widget_states.widgets.add()
            w.id = wid
            setattr(w, kind, value)
        assert self.ws is not None
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        view = View(wall=0.0)
        target_hash = self.pages.get(target, "")
        while True:
            data = await asyncio.wait_for(self.ws.recv(), self.timeout)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session" and target_hash:
                if fwd.new_session.page_script_hash == target_hash and view.started is None:
                    view.started = time.perf_counter() - start
                view.headings.clear()
                view.problems.clear()
            elif kind == "navigation":
                for page in fwd.navigation.app_pages:
                    if page.url_pathname:  # the default page's path is "" (login, then 总览)
                        self.pages[page.url_pathname] = page.page_script_hash
                if not self.login_hash:
                    self.login_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "heading":
                    view.headings.append(element.heading.body)
                elif which == "exception":
                    view.problems.append(f"exception: {element.exception.message[:200]}")
                elif which == "alert" and element.alert.format == element.alert.ERROR:
                    view.problems.append(f"error: {element.alert.body[:200]}")
                wid = getattr(getattr(element, which), "id", "") if which else ""
                if wid:
                    view.widgets[wid.rsplit("-", 1)[-1]] = wid
                    if which == "button" and "FormSubmitter" in wid:
                        view.widgets["submit"] = wid
            elif kind == "script_finished" and fwd.script_finished in FINISHED:
                view.wall = time.perf_counter() - start
                if fwd.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    view.problems.append("script did not compile")
                return view


def tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds (user + system) of ``proc`` and every live descendant."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


@dataclass
class Phase:
    """One lockstep phase: every session's view and the server's CPU meanwhile."""

    name: str
    views: list[View | BaseException]
    wall: float
    server_cpu: float
    driver_cpu: float

    def ok(self) -> list[View]:
        return [v for v in self.views if isinstance(v, View) and not v.problems]

    def failures(self) -> list[str]:
        out = []
        for v in self.views:
            if isinstance(v, BaseException):
                out.append(f"{type(v).__name__}: {v}"[:200])
            elif v.problems:
                out.append("; ".join(v.problems))
        return out


async def phase(name: str, server: psutil.Process, work) -> Phase:
    """Run ``work()`` (one coroutine per session) at once; measure the server meanwhile."""
    cpu0, drv0, t0 = tree_cpu(server), time.process_time(), time.perf_counter()
    views = await asyncio.gather(*work(), return_exceptions=True)
    return Phase(
        name,
        list(views),
        time.perf_counter() - t0,
        tree_cpu(server) - cpu0,
        time.process_time() - drv0,
    )


def checked(view: View, title: str) -> View:
    """``view``, with a problem noted when the page's title is missing."""
    if title not in view.headings:
        view.problems.append(f"no title {title!r} (headings: {view.headings[:3]})")
    return view


async def warm_up(url: str, args: argparse.Namespace) -> float:
    """One session walks the journey first (imports, first queries); its seconds."""
    s = Session(url, args.timeout)
    start = time.perf_counter()
    await s.connect()
    ids = (await s.run("")).widgets
    fields = [
        (ids["username"], "string_value", args.user),
        (ids["password"], "string_value", args.password),
        (ids["submit"], "trigger_value", True),
    ]
    checks = [
        checked(await s.run(s.login_hash, fields, target="overview"), TITLES["overview"]),
        checked(await s.run(s.pages["supervision"]), TITLES["supervision"]),
    ]
    await s.close()
    problems = [p for v in checks for p in v.problems]
    if problems:
        raise RuntimeError(f"the warm-up session failed: {problems}")
    return time.perf_counter() - start


async def drive(url: str, server: psutil.Process, args: argparse.Namespace) -> list[Phase]:
    """The four phases for ``args.sessions`` sessions."""
    sessions = [Session(url, args.timeout) for _ in range(args.sessions)]
    logins: dict[int, View] = {}

    async def open_app(i: int, s: Session) -> View:
        await s.connect()
        view = await s.run("")
        logins[i] = view
        return checked(view, TITLES["login"])

    phases = [
        await phase(
            "open the sign-in page",
            server,
            lambda: [open_app(i, s) for i, s in enumerate(sessions)],
        )
    ]

    async def sign_in(i: int, s: Session) -> View:
        ids = logins[i].widgets
        if not {"username", "password", "submit"} <= set(ids):
            raise RuntimeError(f"no sign-in form: {sorted(ids)}")
        view = await s.run(
            s.login_hash,
            [
                (ids["username"], "string_value", args.user),
                (ids["password"], "string_value", args.password),
                (ids["submit"], "trigger_value", True),
            ],
            target="overview",  # sign-in ends when the overview's run starts
        )
        return checked(view, TITLES["overview"])

    phases.append(
        await phase(
            "sign in → 总览", server, lambda: [sign_in(i, s) for i, s in enumerate(sessions)]
        )
    )

    def open_page(key: str):
        async def go(s: Session) -> View:
            return checked(await s.run(s.pages[key]), TITLES[key])

        return lambda: [go(s) for s in sessions]

    phases.append(await phase("分级分类监管", server, open_page("supervision")))
    phases.append(await phase("总览 again", server, open_page("overview")))
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return phases


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path, store: Path, home: Path, port: int) -> subprocess.Popen:
    """``streamlit run app/streamlit_app.py`` on ``store`` (as ``xinping app`` starts it)."""
    overlay = folder / "settings.toml"
    overlay.write_text(f'[mlflow]\nhome = "{home.as_posix()}"\n', encoding="utf-8")
    env = {
        **os.environ,
        "XINPING_SETTINGS": str(overlay),
        "XINPING_STORE": str(store),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        streamlit_command(port, "127.0.0.1"),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError("the app did not start: " + (folder / "server.log").read_text())
        time.sleep(0.5)


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group, nothing else
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def table(phases: list[Phase], n: int) -> list[str]:
    """The results as Markdown table rows."""
    rows = [
        "| view | ok | p50 s | p95 s | max s | server CPU s / view | driver CPU s | phase wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def row(name: str, walls: list[float], ph: Phase, cpu: str) -> str:
        top = max(walls, default=float("nan"))
        return (
            f"| {name} | {len(walls)}/{n} | {pct(walls, 50):.2f} | {pct(walls, 95):.2f} | "
            f"{top:.2f} | {cpu} | {ph.driver_cpu:.2f} | {ph.wall:.1f} |"
        )

    for ph in phases:
        ok = ph.ok()
        per_view = f"{ph.server_cpu / n:.3f}"
        if ph.name.startswith("sign in"):
            signin = [v.started for v in ok if v.started is not None]
            overview = [v.wall - v.started for v in ok if v.started is not None]
            rows.append(row("sign-in (form sent → 总览 starts)", signin, ph, f"{per_view} (both)"))
            rows.append(row("总览 after sign-in", overview, ph, "″"))
        else:
            rows.append(row(ph.name, [v.wall for v in ok], ph, per_view))
    return rows


def commit() -> str:
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # the results file itself is not code: a run appending to it leaves the code clean
    results = f":!{RESULTS.relative_to(ROOT).as_posix()}"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", results],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head + (" + uncommitted changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    cfg = settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path(cfg.store.path))
    parser.add_argument("--mlflow-home", type=Path, default=Path(cfg.mlflow.home))
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--user", default="supervisor")
    parser.add_argument("--password", default=cfg.app.demo_password)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per view")
    parser.add_argument("--label", default="", help="a name for this run in the results")
    parser.add_argument("--in-place", action="store_true", help="serve the store itself")
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="one session signs in and opens both pages before the measured sessions "
        "(the server's first views after a start: imports, first queries)",
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS}")
    args = parser.parse_args(argv)
    if not args.store.exists():
        parser.error(f"no store at {args.store}: make the demo city first (README)")

    with tempfile.TemporaryDirectory(prefix="app-load-") as tmp:
        folder = Path(tmp)
        store = args.store.resolve()
        if not args.in_place:  # the app writes audit rows: keep the given store as it was
            store = folder / "store.duckdb"
            shutil.copy(args.store, store)
            for suffix in (".wal", ".version"):  # unflushed writes, the data version
                beside = Path(str(args.store) + suffix)
                if beside.exists():
                    shutil.copy(beside, str(store) + suffix)
        port = free_port()
        load0 = os.getloadavg()
        started = time.perf_counter()
        proc = start_server(folder, store, args.mlflow_home.resolve(), port)
        try:
            server = psutil.Process(proc.pid)
            idle = tree_cpu(server)
            url = f"ws://127.0.0.1:{port}/_stcore/stream"
            warm = asyncio.run(warm_up(url, args)) if args.warm_up else None
            phases = asyncio.run(drive(url, server, args))
            rss = sum(p.memory_info().rss for p in [server, *server.children(recursive=True)])
        finally:
            stop_server(proc)
            log = (folder / "server.log").read_text(errors="replace")
    total = time.perf_counter() - started

    lines = [
        f"## {args.label or 'run'} — {dt.datetime.now():%Y-%m-%d %H:%M}, commit {commit()}",
        "",
        f"{args.sessions} sessions as `{args.user}` on `{args.store}` "
        f"({args.store.stat().st_size / 2**20:.0f} MB), {os.cpu_count()} cores, load average "
        f"before {load0[0]:.2f}; server start-up CPU {idle:.1f} s, server memory after "
        f"{rss / 2**20:.0f} MB; whole run {total:.0f} s. "
        + (
            f"Warm-up first: one session signed in and opened both pages ({warm:.1f} s)."
            if warm is not None
            else "No warm-up: the sign-in phase holds the server's first views after its start."
        ),
        "",
        *table(phases, args.sessions),
        "",
    ]
    failures = [f"- {ph.name}: {f}" for ph in phases for f in ph.failures()]
    if failures:
        lines += ["Failed views:", "", *failures[:20], ""]
    if "Traceback" in log:
        lines += ["The server logged a traceback:", "", "```", log[-3000:], "```", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        head = "" if RESULTS.exists() else "# App under load (`bench/app_load.py`)\n\n"
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(head + text + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
