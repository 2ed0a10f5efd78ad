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
admin       平台管理员          every page
==========  =================  =================================================

Full personal ID numbers are shown only to the roles in settings
``app.full_id_roles`` (default rural officer and admin); everyone else sees
them masked (:func:`features.records.ids.mask_id`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

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
}


@dataclass(frozen=True)
class User:
    """A signed-in user."""

    username: str
    role: str
    display_name: str
    region_code: str | None = None


#: demo accounts seeded into an empty ``users`` table: username, role, name, area
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("supervisor", "supervisor", "市场监管局 王监管", None),
    ("bank", "bank", "农商银行 李信贷", None),
    ("rural", "rural", "农村信用信息员 张农信", None),
    ("modeller", "modeller", "建模组 陈建模", None),
    ("admin", "admin", "信用办 赵管理", None),
)


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
) -> None:
    """Create an account; the password is stored hashed only.

    Raises
    ------
    ValueError
        When the role is unknown, the password empty or the username taken.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    if not password:
        raise ValueError("a password is needed")
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
                    "created_at": dt.datetime.now(),
                }
            ]
        ),
    )


def seed_demo_users(store: Store, password: str) -> int:
    """Create the demo accounts when the ``users`` table is empty; returns how many."""
    if store.count("users"):
        return 0
    for username, role, name, region in DEMO_ACCOUNTS:
        add_user(store, username, role, name, password, region)
    return len(DEMO_ACCOUNTS)


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when ``username`` and ``password`` match an account, else ``None``."""
    rows = store.query(
        "SELECT * FROM users WHERE username = ? ORDER BY created_at DESC LIMIT 1",
        [username.strip()],
    )
    if rows.empty or not verify_password(password, rows["password_hash"].iloc[0]):
        return None
    row = rows.iloc[0]
    region = row["region_code"] if isinstance(row["region_code"], str) else None
    return User(row["username"], row["role"], row["display_name"], region)
