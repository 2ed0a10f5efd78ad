"""API keys of the departments (接口密钥): one key per department, its scopes and rate limit.

A key is ``xp_<key id>_<secret>``. The key id is public (lists, the audit log);
the secret is shown once, when the key is issued, and never stored: the
``api_keys`` table keeps a salted SHA-256 of it (``sha256$<salt hex>$<hash hex>``)
and a presented key is checked in constant time (:func:`hmac.compare_digest`),
as :mod:`app.auth` keeps passwords. Unlike a password the secret is 256 random
bits, so key stretching (PBKDF2) would add no safety and would cost every call.

A department holds one active key at a time (to change it: revoke, then issue).
A key names its department (the API takes the department from the key, never
from a request), the matters it may check (``scopes``: matter keys, or ``*``
for every matter — never given by default) and its rate limit per minute.
Issuing and revoking are append-only rows (``issued``, ``revoked``) and audit
log rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from features.store.base import Store
from scoring.audit import write_audit
from scoring.measures.vocabulary import MATTERS

TABLE = "api_keys"
PREFIX = "xp"
ALL_MATTERS = "*"
_TOKEN = re.compile(rf"^{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{20,}})$")


class ApiKeyError(ValueError):
    """A key that cannot be issued or revoked; ``zh`` holds the Chinese message."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class ApiKey:
    """A department's API key as it stands (never its secret)."""

    key_id: str
    department: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    issued_at: dt.datetime
    issued_by: str
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        """True until the key is revoked."""
        return self.revoked_at is None

    def may_check(self, matter: str) -> bool:
        """True when the key's scopes cover ``matter``."""
        return ALL_MATTERS in self.scopes or matter in self.scopes


def _hash(secret: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    return f"sha256${salt.hex()}${hashlib.sha256(salt + secret.encode()).hexdigest()}"


def _matches(secret: str, stored: str) -> bool:
    try:
        algorithm, salt, digest = stored.split("$")
        raw = bytes.fromhex(salt)
    except ValueError:
        return False
    return algorithm == "sha256" and hmac.compare_digest(_hash(secret, raw).split("$")[2], digest)


def _scopes(scopes: Sequence[str]) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    if not found:
        raise ApiKeyError(
            "name the matters the key may check (--scope procurement …, or '*' for every matter)",
            "须指定该密钥可核查的事项（--scope procurement 等，全部事项用 '*'）",
        )
    unknown = [s for s in found if s != ALL_MATTERS and s not in MATTERS]
    if unknown:
        raise ApiKeyError(
            f"unknown matter(s) {', '.join(unknown)}; known: {', '.join(MATTERS)} or '*'",
            f"未知事项 {'、'.join(unknown)}；可选：{'、'.join(MATTERS)} 或 '*'",
        )
    if ALL_MATTERS in found and len(found) > 1:
        raise ApiKeyError("'*' covers every matter: give it alone", "'*' 已含全部事项，须单独使用")
    return found


def _rows(store: Store, key_id: str | None = None) -> pd.DataFrame:
    where = "" if key_id is None else " WHERE key_id = ?"
    return store.query(
        f"SELECT * FROM {TABLE}{where} ORDER BY logged_at, event",
        None if key_id is None else [key_id],
    )


def _keys(rows: pd.DataFrame) -> list[ApiKey]:
    out: list[ApiKey] = []
    for key_id, group in rows.groupby("key_id", sort=False):
        issued = group[group["event"] == "issued"]
        if issued.empty:
            continue
        first = issued.iloc[0]
        revoked = group[group["event"] == "revoked"]
        out.append(
            ApiKey(
                str(key_id),
                str(first["department"]),
                tuple(str(first["scopes"]).split(",")),
                int(first["rate_per_minute"]),
                pd.Timestamp(first["logged_at"]).to_pydatetime(),
                str(first["by"]),
                None
                if revoked.empty
                else pd.Timestamp(revoked.iloc[0]["logged_at"]).to_pydatetime(),
                None if revoked.empty else str(revoked.iloc[0]["by"]),
            )
        )
    return out


def issue_key(
    store: Store,
    department: str,
    scopes: Sequence[str],
    rate_per_minute: int,
    by: str,
    role: str = "cli",
) -> tuple[ApiKey, str]:
    """Issue a key for a department; audit it.

    Returns
    -------
    key, token
        The key as stored and the full key (``xp_<id>_<secret>``) to hand to the
        department — shown this once, never stored.

    Raises
    ------
    ApiKeyError
        Empty department, no or unknown scopes, ``*`` with others, a rate ≤ 0, or a
        department that already has an active key (one key per department: to change
        one, revoke it and issue anew).
    """
    dept = department.strip()
    if not dept:
        raise ApiKeyError("the department is required (--dept)", "须填写部门（--dept）")
    found = _scopes(scopes)
    if (
        isinstance(rate_per_minute, bool)
        or not isinstance(rate_per_minute, int)
        or rate_per_minute <= 0
    ):
        raise ApiKeyError(
            f"the rate limit must be whole calls per minute > 0, not {rate_per_minute!r}",
            f"每分钟限额须为大于 0 的整数，不能是 {rate_per_minute!r}",
        )
    held = [k for k in list_keys(store) if k.department == dept and k.active]
    if held:
        raise ApiKeyError(
            f"{dept} already has the active key {held[0].key_id}: one key per department "
            f"(revoke it first: xinping api-keys revoke {held[0].key_id} --reason …)",
            f"{dept} 已有有效密钥 {held[0].key_id}：每个部门一个密钥"
            f"（先吊销：xinping api-keys revoke {held[0].key_id} --reason …）",
        )
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    now = dt.datetime.now()
    store.append(
        TABLE,
        pd.DataFrame(
            [
                {
                    "key_id": key_id,
                    "event": "issued",
                    "department": dept,
                    "scopes": ",".join(found),
                    "rate_per_minute": rate_per_minute,
                    "key_hash": _hash(secret),
                    "by": by,
                    "reason": None,
                    "logged_at": now,
                }
            ]
        ),
    )
    write_audit(
        store,
        by,
        role,
        "api_key_issued",
        None,
        {"key_id": key_id, "department": dept, "scopes": list(found), "rate": rate_per_minute},
    )
    return ApiKey(key_id, dept, found, rate_per_minute, now, by), f"{PREFIX}_{key_id}_{secret}"


def revoke_key(store: Store, key_id: str, by: str, reason: str, role: str = "cli") -> ApiKey:
    """Revoke a key from now on; audit it.

    Raises
    ------
    ApiKeyError
        No such key, already revoked, or no reason given.
    """
    if not reason.strip():
        raise ApiKeyError("give the reason for revoking (--reason)", "须填写吊销理由（--reason）")
    found = _keys(_rows(store, key_id.strip()))
    if not found:
        raise ApiKeyError(f"no API key {key_id!r}", f"没有编号为 {key_id} 的接口密钥")
    key = found[0]
    if not key.active:
        raise ApiKeyError(
            f"key {key.key_id} was revoked on {key.revoked_at:%Y-%m-%d %H:%M}",
            f"密钥 {key.key_id} 已于 {key.revoked_at:%Y-%m-%d %H:%M} 吊销",
        )
    now = dt.datetime.now()
    store.append(
        TABLE,
        pd.DataFrame(
            [
                {
                    "key_id": key.key_id,
                    "event": "revoked",
                    "department": key.department,
                    "by": by,
                    "reason": reason.strip(),
                    "logged_at": now,
                }
            ]
        ),
    )
    write_audit(
        store,
        by,
        role,
        "api_key_revoked",
        None,
        {"key_id": key.key_id, "department": key.department, "reason": reason.strip()},
    )
    return replace(key, revoked_at=now, revoked_by=by)


def list_keys(store: Store) -> list[ApiKey]:
    """Every key ever issued, oldest first (revoked ones with their revocation)."""
    return _keys(_rows(store))


#: a stored hash to check malformed and unknown keys against, so that a refusal takes
#: the same work whether or not the key id exists
_NO_SUCH_KEY = _hash(secrets.token_urlsafe(32))


def find_key(store: Store, token: str) -> ApiKey | None:
    """The key ``token`` is, when its secret matches (revoked keys included: check
    :attr:`ApiKey.active`); ``None`` for a malformed or unknown key or a wrong secret."""
    m = _TOKEN.match(token.strip())
    rows = _rows(store, m.group(1)) if m else pd.DataFrame()
    issued = rows[rows["event"] == "issued"] if not rows.empty else rows
    stored = _NO_SUCH_KEY if issued.empty else str(issued["key_hash"].iloc[0])
    ok = _matches(m.group(2) if m else token, stored)
    if not ok or issued.empty:
        return None
    return _keys(rows)[0]
