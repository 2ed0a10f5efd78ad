"""One DuckDB file shared by many processes: many readers or one writer, writers first.

DuckDB lets one process write a database file, or many processes read it, never
both at once, and a process that opens a file another holds fails at once. So
that the app can serve while ``xinping score``, ``ingest`` or ``train`` run, no
process holds the file longer than an operation needs, and every process agrees
on who may open it through two lock files beside the database:

``<db>.gate``
    A writer holds it exclusively from the moment it wants the file until it has
    closed it. Readers take it shared only for the instant they enter, so a
    waiting writer stops new readers: writers cannot starve behind a stream of
    page views, and readers wait only for the write itself.
``<db>.lock``
    Held shared by every process that has the file open for reading, exclusively
    by the one writing.
``<db>.want``
    Held shared by every process while it waits to take the file, so that a writer
    keeping an idle connection open (the app, between two changes) sees that it is
    wanted and lets go (:meth:`FileAccess.others_waiting`).

``<db>.holders/`` keeps one small JSON file per process that holds or wants the
file (process, host, user, command, mode, since), so that whoever waits can be
told who holds what and for how long. The operating system releases the locks
of a process that dies, whatever killed it; a dead process's holder file is
ignored.

The locks are advisory ``flock`` locks, so they work between processes on one
machine (a server deployment with many machines names a database server
instead, DESIGN.md §10).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

READ = "read"
WRITE = "write"

#: Seconds between attempts while waiting, from the first to the last.
_POLL = (0.002, 0.25)
#: Seconds of waiting before the first notice, and between notices.
_NOTICE_AFTER = 0.5
_NOTICE_EVERY = 1.0


@dataclass(frozen=True)
class Holder:
    """A process that holds (or waits for) the database file."""

    pid: int
    host: str
    user: str
    command: str
    mode: str
    since: dt.datetime
    waiting: bool = False

    def describe(self, lang: str | None = None) -> str:
        """One line: who holds the file, how, since when (``zh``, ``en`` or both)."""
        held = (dt.datetime.now() - self.since).total_seconds()
        zh_mode = {READ: "读取", WRITE: "写入"}[self.mode]
        state_zh = "等待" if self.waiting else ""
        state_en = "waiting to " if self.waiting else ""
        zh = (
            f"{self.command}（用户 {self.user}，进程 {self.pid}）自 "
            f"{self.since:%H:%M:%S} 起{state_zh}{zh_mode}，已 {held:.0f} 秒"
        )
        en = (
            f"{self.command} (user {self.user}, pid {self.pid}) {state_en}{self.mode} "
            f"since {self.since:%H:%M:%S}, {held:.0f} s"
        )
        return {"zh": zh, "en": en}.get(lang or "", f"{zh} / {en}")


class StoreBusy(RuntimeError):
    """The database file stayed held by others longer than this process may wait."""

    def __init__(self, path: str, mode: str, waited: float, holders: list[Holder]) -> None:
        self.path, self.mode, self.waited, self.holders = path, mode, waited, holders
        super().__init__(f"{self.message('zh')} / {self.message('en')}")

    def message(self, lang: str) -> str:
        """The refusal in ``lang`` (``zh`` or ``en``), naming who holds the store."""
        who = "; ".join(h.describe(lang) for h in self.holders)
        if lang == "zh":
            verb = "读取" if self.mode == READ else "写入"
            return (
                f"数据库忙，已等待 {self.waited:.0f} 秒仍无法{verb}："
                f"{who or '另一进程正在使用'}。请稍后重试"
            )
        return (
            f"the store stayed busy for {self.waited:.0f} s: "
            f"{who or 'another process holds it'}; try again later"
        )


#: Called while waiting: ``(holders, seconds waited, done)``; ``done`` once at the end.
WaitHook = Callable[[list[Holder], float, bool], None]


class FileAccess:
    """This process's claim on one database file (see the module docstring).

    Parameters
    ----------
    db_path
        The DuckDB file.
    wait_seconds
        How long :meth:`acquire` waits before it raises :class:`StoreBusy`.
    on_wait
        Told who holds the file while this process waits (after half a second,
        then every second, and once more when the wait ends).
    user, command
        What this process tells others that wait for it.
    """

    def __init__(
        self,
        db_path: str | Path,
        *,
        wait_seconds: float = 600.0,
        on_wait: WaitHook | None = None,
        user: str | None = None,
        command: str | None = None,
    ) -> None:
        self.path = str(db_path)
        self.wait_seconds = wait_seconds
        self.on_wait = on_wait
        self.user = user or _login_name()
        self.command = command or "xinping"
        self._gate = os.open(self.path + ".gate", os.O_RDWR | os.O_CREAT, 0o644)
        self._data = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._want = os.open(self.path + ".want", os.O_RDWR | os.O_CREAT, 0o644)
        self._holders = Path(self.path + ".holders")
        self._holders.mkdir(exist_ok=True)
        self._me = self._holders / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.mode: str | None = None

    # -- locking -----------------------------------------------------------------
    def acquire(self, mode: str) -> None:
        """Take the file for ``mode`` (:data:`READ` or :data:`WRITE`), waiting as needed."""
        if self.mode is not None:
            raise RuntimeError(f"already holding the store for {self.mode}")
        start = time.monotonic()
        notice = _Notice(self, start)
        # while this process waits, a writer idling on the file sees it is wanted
        fcntl.flock(self._want, fcntl.LOCK_SH)
        try:
            if mode == WRITE:
                self._announce(WRITE, waiting=True)
                self._wait(self._gate, fcntl.LOCK_EX, mode, start, notice)
                try:
                    self._wait(self._data, fcntl.LOCK_EX, mode, start, notice)
                except BaseException:
                    fcntl.flock(self._gate, fcntl.LOCK_UN)
                    raise
            else:
                while True:
                    self._wait(self._gate, fcntl.LOCK_SH, mode, start, notice)
                    try:  # the gate is free, so no writer holds or wants the file
                        fcntl.flock(self._data, fcntl.LOCK_SH | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:  # a writer's exclusive lock outlived its gate
                        pass
                    finally:
                        fcntl.flock(self._gate, fcntl.LOCK_UN)
                    notice.tick(mode)
                    self._check_timeout(mode, start)
                    time.sleep(_POLL[1])
        except BaseException:
            self._withdraw()
            raise
        finally:
            fcntl.flock(self._want, fcntl.LOCK_UN)
            notice.done()
        self.mode = mode
        self._announce(mode, waiting=False)

    def release(self) -> None:
        """Give the file back (a writer's gate too)."""
        if self.mode is None:
            return
        fcntl.flock(self._data, fcntl.LOCK_UN)
        if self.mode == WRITE:
            fcntl.flock(self._gate, fcntl.LOCK_UN)
        self.mode = None
        self._withdraw()

    def writer_waiting(self) -> bool:
        """True when a writer holds or wants the file (readers should let go)."""
        return self.mode != WRITE and _taken(self._gate, fcntl.LOCK_SH)

    def others_waiting(self) -> bool:
        """True when another process (or another handle of this one) waits to take the
        file: a writer keeping an idle connection should let go."""
        return _taken(self._want, fcntl.LOCK_EX)

    def close(self) -> None:
        """Release and close the lock files."""
        self.release()
        fds = (self._gate, self._data, self._want)
        self._gate, self._data, self._want = -1, -1, -1
        for fd in fds:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def __del__(self) -> None:  # a store dropped without close() must not keep its locks
        with contextlib.suppress(Exception):  # at interpreter shutdown modules may be gone
            self.close()

    def _wait(self, fd: int, op: int, mode: str, start: float, notice: _Notice) -> None:
        delay = _POLL[0]
        while True:
            try:
                fcntl.flock(fd, op | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            notice.tick(mode)
            self._check_timeout(mode, start)
            time.sleep(delay)
            delay = min(delay * 2, _POLL[1])

    def _check_timeout(self, mode: str, start: float) -> None:
        waited = time.monotonic() - start
        if waited > self.wait_seconds:
            raise StoreBusy(self.path, mode, waited, self.holders())

    # -- who holds what --------------------------------------------------------------
    def holders(self) -> list[Holder]:
        """The other live processes that hold or want the file, the writer first."""
        found: list[Holder] = []
        host = socket.gethostname()
        for f in self._holders.glob("*.json"):
            if f.stem == self._me.name:
                continue
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
                h = Holder(
                    pid=int(data["pid"]),
                    host=str(data["host"]),
                    user=str(data["user"]),
                    command=str(data["command"]),
                    mode=str(data["mode"]),
                    since=dt.datetime.fromisoformat(data["since"]),
                    waiting=bool(data.get("waiting", False)),
                )
            except (OSError, ValueError, KeyError):
                continue  # being written or removed right now
            if h.host == host and not _alive(h.pid):
                continue
            found.append(h)
        return sorted(found, key=lambda h: (h.mode != WRITE, h.waiting, h.since))

    def _announce(self, mode: str, waiting: bool) -> None:
        data = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": self.user,
            "command": self.command,
            "mode": mode,
            "since": dt.datetime.now().isoformat(timespec="seconds"),
            "waiting": waiting,
        }
        tmp = self._me.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self._me.with_suffix(".json"))
        except OSError:  # telling others is a courtesy; never fail the work for it
            pass

    def _withdraw(self) -> None:
        with contextlib.suppress(OSError):
            self._me.with_suffix(".json").unlink(missing_ok=True)


def _taken(fd: int, op: int) -> bool:
    """True when another holder keeps ``op`` (a shared or exclusive lock) on ``fd`` from
    being taken now; the lock is not kept."""
    try:
        fcntl.flock(fd, op | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


class _Notice:
    """Calls the wait hook at the right moments of one wait."""

    def __init__(self, access: FileAccess, start: float) -> None:
        self.access, self.start, self.last, self.told = access, start, 0.0, False

    def tick(self, mode: str) -> None:
        hook = self.access.on_wait
        waited = time.monotonic() - self.start
        if hook is None or waited < _NOTICE_AFTER or waited - self.last < _NOTICE_EVERY:
            return
        self.last, self.told = waited, True
        hook(self.access.holders(), waited, False)

    def done(self) -> None:
        if self.told and self.access.on_wait is not None:
            self.access.on_wait([], time.monotonic() - self.start, True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _login_name() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
