"""Accounts, roles and which role may open which page.

Passwords are kept only as salted PBKDF2-SHA256 hashes (stdlib ``hashlib``)
in the store's ``users`` table, as ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``
with a fresh random salt per user; checks compare in constant time.

Roles (DESIGN.md §1) and their pages:

==========  =================  =================================================
role        中文                pages
==========  =================  =================================================
supervisor  监管人员            总览, 分级分类监管, 主体信用画像
bank        银行信贷员          总览, 信易贷, 主体信用画像
rural       农村信用信息员      总览, 农村信用, 主体信用画像
modeller    建模人员            总览, 模型管理, 数据质量
department  业务部门核查员      总览, 信用核查 (its own department's checks and feedback)
admin       平台管理员          every page (联合奖惩管理 is the steward's alone)
==========  =================  =================================================

Full personal ID numbers are shown only to the roles in settings
``app.full_id_roles`` (default rural officer and admin); everyone else sees
them masked (:func:`features.records.ids.mask_id`).

A department officer belongs to one department (``users.department``, set when
the account is made): every credit check and feedback it records carries that
department, never one typed on a page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

import pandas as pd

from features.store.base import Store

ITERATIONS = 240_000
ALGORITHM = "pbkdf2_sha256"


@dataclass(frozen=True)
class Role:
    """A role of the app with its labels."""

    key: str
    label_zh: str
    label_en: str


ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        Role("supervisor", "监管人员", "Market supervisor"),
        Role("bank", "银行信贷员", "Bank credit officer"),
        Role("rural", "农村信用信息员", "Rural credit officer"),
        Role("modeller", "建模人员", "Modeller"),
        Role("department", "业务部门核查员", "Department officer"),
        Role("admin", "平台管理员", "Platform steward"),
    )
}

#: page key → roles that may open it (the sidebar lists them in this order)
PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": frozenset(ROLES),
    "supervision": frozenset({"supervisor", "admin"}),
    "lending": frozenset({"bank", "admin"}),
    "rural": frozenset({"rural", "admin"}),
    "profile": frozenset({"supervisor", "bank", "rural", "admin"}),
    "models": frozenset({"modeller", "admin"}),
    "objections": frozenset({"admin"}),
    "quality": frozenset({"modeller", "admin"}),
    "checks": frozenset({"department", "admin"}),
    "measures": frozenset({"admin"}),
    "watch": frozenset({"supervisor", "admin"}),  # 信用预警 (issue 19)
    # 信用公示 is public: every role, and signed-out visitors (app/streamlit_app.py)
    "public": frozenset(ROLES),
}
#: pages anyone may open without signing in (they call no ``require``)
PUBLIC_PAGES: frozenset[str] = frozenset({"public"})


@dataclass(frozen=True)
class User:
    """A signed-in user."""

    username: str
    role: str
    display_name: str
    region_code: str | None = None
    department: str | None = None  # a department officer's department (users.department)


#: demo accounts seeded into an empty ``users`` table: username, role, name, area
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("supervisor", "supervisor", "市场监管局 王监管", None),
    ("bank", "bank", "农商银行 李信贷", None),
    ("rural", "rural", "农村信用信息员 张农信", None),
    ("modeller", "modeller", "建模组 陈建模", None),
    ("admin", "admin", "信用办 赵管理", None),
    ("department", "department", "市财政局 孙核查", None),
)
#: the department of each demo account that has one (the procurement measures' implementer)
DEMO_DEPARTMENTS: dict[str, str] = {"department": "市财政局"}


def may_open(role: str | None, page: str) -> bool:
    """True when ``role`` may open ``page`` (unknown pages are closed to everyone)."""
    return role is not None and role in PAGE_ROLES.get(page, frozenset())


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash of ``password`` (new random salt unless given)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash (constant-time comparison)."""
    try:
        algorithm, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algorithm != ALGORITHM:
        return False
    again = hash_password(password, bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(again.split("$")[3], digest)


def add_user(
    store: Store,
    username: str,
    role: str,
    display_name: str,
    password: str,
    region_code: str | None = None,
    department: str | None = None,
) -> None:
    """Create an account; the password is stored hashed only.

    A ``department`` officer must name its department (its checks carry it);
    no other role has one.

    Raises
    ------
    ValueError
        When the role is unknown, the password empty, the username taken, or the
        department missing for a department officer (or given for another role).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    if not password:
        raise ValueError("a password is needed")
    department = (department or "").strip() or None
    if (role == "department") != (department is not None):
        raise ValueError("a department officer needs its department; other roles have none")
    if store.scalar("SELECT count(*) FROM users WHERE username = ?", [username]):
        raise ValueError(f"user {username!r} exists")
    store.append(
        "users",
        pd.DataFrame(
            [
                {
                    "username": username,
                    "role": role,
                    "display_name": display_name,
                    "password_hash": hash_password(password),
                    "region_code": region_code,
                    "department": department,
                    "created_at": dt.datetime.now(),
                }
            ]
        ),
    )


def seed_demo_users(store: Store, password: str) -> int:
    """Create the demo accounts when the ``users`` table is empty, or the ones missing
    from a demo store (one made before an account was added); returns how many.

    A store with accounts but none of the demo ones (a real deployment) is left alone.
    """
    if store.count("users") and not demo_accounts_present(store):
        return 0
    have = set(store.query("SELECT DISTINCT username FROM users")["username"])
    made = 0
    for username, role, name, region in DEMO_ACCOUNTS:
        if username not in have:
            add_user(store, username, role, name, password, region, DEMO_DEPARTMENTS.get(username))
            made += 1
    return made


@cache
def _no_such_user() -> str:
    """A hash to check unknown names against (made once per process, when first needed):
    an unknown user name costs the same PBKDF2 as a known one, so the time of a refusal
    does not tell whether the account exists."""
    return hash_password(secrets.token_hex(16))


def find_user(store: Store, username: str) -> User | None:
    """The account called ``username`` as it stands now, or ``None``."""
    rows = store.query(
        "SELECT username, role, display_name, region_code, department FROM users "
        "WHERE username = ? ORDER BY created_at DESC LIMIT 1",
        [username.strip()],
    )
    if rows.empty:
        return None
    row = rows.iloc[0]
    region = row["region_code"] if isinstance(row["region_code"], str) else None
    dept = row["department"] if isinstance(row["department"], str) else None
    return User(row["username"], row["role"], row["display_name"], region, dept)


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when ``username`` and ``password`` match an account, else ``None``."""
    rows = store.query(
        "SELECT password_hash FROM users WHERE username = ? ORDER BY created_at DESC LIMIT 1",
        [username.strip()],
    )
    stored = _no_such_user() if rows.empty else rows["password_hash"].iloc[0]
    if not verify_password(password, stored) or rows.empty:
        return None
    return find_user(store, username)


# -- throttling and temporary locks -------------------------------------------------
# The state lives in the append-only ``signin_events`` table, read and written only
# here: one row per failed attempt, lock, success or unlock, per key (the user name as
# typed, and the client's address). Failures are counted per key inside a sliding
# window since the key's last success, unlock or lock; a name with ``max_failures`` of
# them is locked for ``lock_minutes``. Names are counted whether or not an account has
# them, so neither the messages nor the lock tell whether a user exists.


@dataclass(frozen=True)
class SigninPolicy:
    """How failed sign-ins are slowed down and locked (settings ``[app.signin]``).

    Attributes
    ----------
    max_failures
        Failed attempts on one user name inside ``window_minutes`` that lock it.
    window_minutes
        Sliding window in which failures count.
    lock_minutes
        How long a lock lasts (an admin may lift it earlier: ``xinping users unlock``).
    delay_seconds, max_delay_seconds
        After the k-th failure on a name (k ≥ 2: one typo costs nothing), the next
        attempt on it is refused until ``delay_seconds * 2**(k-2)`` seconds (at most
        ``max_delay_seconds``) have passed.
    client_max_failures
        Failed attempts from one client address (any user names) inside the window that
        lock the address; 0 turns the per-address limit off.
    """

    max_failures: int = 5
    window_minutes: float = 15
    lock_minutes: float = 15
    delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0
    client_max_failures: int = 20

    def delay(self, failures: int) -> dt.timedelta:
        """The wait after ``failures`` failed attempts in a row (none after the first)."""
        if failures <= 1 or self.delay_seconds <= 0:
            return dt.timedelta(0)
        seconds = min(self.delay_seconds * 2 ** (failures - 2), self.max_delay_seconds)
        return dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class Gate:
    """Whether a sign-in attempt may be checked now.

    ``state`` is ``"open"``, ``"wait"`` (too soon after the last failure) or
    ``"locked"``; ``until`` is when the wait or lock ends; ``key`` the key that
    closed the gate (``user:…`` or ``client:…``).
    """

    state: str = "open"
    until: dt.datetime | None = None
    key: str | None = None


@dataclass(frozen=True)
class SigninOutcome:
    """What one sign-in attempt came to.

    ``result`` is ``"ok"``, ``"failed"`` (wrong name or password), ``"locked"`` or
    ``"wait"`` (refused before the password was checked). ``locked_until`` is set when
    this failure started a lock; ``failures`` counts the name's failures in the window.
    """

    result: str
    user: User | None = None
    until: dt.datetime | None = None
    locked_until: dt.datetime | None = None
    failures: int = 0


def user_key(username: str) -> str:
    """The throttle key of a user name as typed (trimmed, at most 64 characters)."""
    return "user:" + username.strip()[:64]


def client_key(address: str | None) -> str | None:
    """The throttle key of a client address (``None`` when the address is unknown)."""
    return f"client:{address.strip()[:64]}" if address and address.strip() else None


def _key_state(
    store: Store, key: str, policy: SigninPolicy, now: dt.datetime
) -> tuple[list[dt.datetime], dt.datetime | None]:
    """The failures still counting on ``key`` and the end of its lock in force (or None)."""
    horizon = now - dt.timedelta(minutes=max(policy.window_minutes, policy.lock_minutes))
    rows = store.query(
        "SELECT logged_at, event, until FROM signin_events WHERE key = ? AND logged_at > ? "
        "ORDER BY logged_at",
        [key, horizon],
    )
    failures: list[dt.datetime] = []
    lock: dt.datetime | None = None
    for at, event, until in rows.itertuples(index=False):
        if event in ("succeeded", "unlocked"):
            failures, lock = [], None
        elif event == "locked":  # a lock uses up the failures that caused it
            failures, lock = [], pd.Timestamp(until).to_pydatetime()
        elif event == "failed":
            failures.append(pd.Timestamp(at).to_pydatetime())
    since = now - dt.timedelta(minutes=policy.window_minutes)
    failures = [f for f in failures if f > since]
    return failures, (lock if lock is not None and lock > now else None)


def signin_gate(
    store: Store, username: str, client: str | None, policy: SigninPolicy, now: dt.datetime
) -> Gate:
    """Whether an attempt on ``username`` from ``client`` may be checked at ``now``."""
    failures, lock = _key_state(store, user_key(username), policy, now)
    if lock is not None:
        return Gate("locked", lock, user_key(username))
    ckey = client_key(client)
    if ckey is not None and policy.client_max_failures > 0:
        _, client_lock = _key_state(store, ckey, policy, now)
        if client_lock is not None:
            return Gate("locked", client_lock, ckey)
    if failures:
        ready = max(failures) + policy.delay(len(failures))
        if ready > now:
            return Gate("wait", ready, user_key(username))
    return Gate()


def _signin_events(store: Store, rows: list[tuple[dt.datetime, str, str, dt.datetime | None]]):
    store.append(
        "signin_events",
        pd.DataFrame(
            [{"logged_at": a, "key": k, "event": e, "until": u} for a, k, e, u in rows]
        ).astype({"until": "datetime64[us]"}),
    )


def record_failure(
    store: Store, username: str, client: str | None, policy: SigninPolicy, now: dt.datetime
) -> SigninOutcome:
    """Count a failed attempt on ``username`` (and ``client``); lock what reached its limit."""
    keys = [user_key(username), *filter(None, [client_key(client)])]
    _signin_events(store, [(now, k, "failed", None) for k in keys])
    failures, _ = _key_state(store, keys[0], policy, now)
    locks = []
    if len(failures) >= policy.max_failures:
        locks.append(keys[0])
    if len(keys) > 1 and policy.client_max_failures > 0:
        client_failures, client_lock = _key_state(store, keys[1], policy, now)
        if client_lock is None and len(client_failures) >= policy.client_max_failures:
            locks.append(keys[1])
    until = now + dt.timedelta(minutes=policy.lock_minutes)
    if locks:
        _signin_events(store, [(now, k, "locked", until) for k in locks])
    return SigninOutcome(
        "failed",
        until=until if locks else None,
        locked_until=until if locks else None,
        failures=len(failures),
    )


def attempt_sign_in(
    store: Store,
    username: str,
    password: str,
    client: str | None,
    policy: SigninPolicy,
    now: dt.datetime,
) -> SigninOutcome:
    """One sign-in attempt, throttled: refused unchecked while the name (or the client
    address) is locked or must wait, else checked; a failure is counted and may lock.

    The caller writes the audit rows (:func:`app.state.sign_in`); nothing here keeps
    the password.
    """
    gate = signin_gate(store, username, client, policy, now)
    if gate.state != "open":
        return SigninOutcome(gate.state, until=gate.until)
    user = authenticate(store, username, password)
    if user is None:
        return record_failure(store, username, client, policy, now)
    _signin_events(store, [(now, user_key(username), "succeeded", None)])
    return SigninOutcome("ok", user=user)


def unlock_user(
    store: Store, username: str, policy: SigninPolicy, now: dt.datetime
) -> dt.datetime | None:
    """Lift the lock and forget the failures of ``username``; returns the lock's end, if any."""
    _, lock = _key_state(store, user_key(username), policy, now)
    _signin_events(store, [(now, user_key(username), "unlocked", None)])
    return lock


def demo_accounts_present(store: Store) -> bool:
    """True when the store holds at least one of the demo accounts (demo mode)."""
    names = [u for u, *_ in DEMO_ACCOUNTS]
    marks = ", ".join("?" for _ in names)
    return bool(store.scalar(f"SELECT count(*) FROM users WHERE username IN ({marks})", names))


def list_users(
    store: Store, policy: SigninPolicy, now: dt.datetime
) -> list[tuple[User, dt.datetime | None]]:
    """Every account as it stands now, with the end of its sign-in lock (or ``None``)."""
    names = store.query("SELECT DISTINCT username FROM users ORDER BY username")["username"]
    out = []
    for name in names:
        user = find_user(store, name)
        if user is not None:
            out.append((user, _key_state(store, user_key(name), policy, now)[1]))
    return out
