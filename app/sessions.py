"""Signed sessions: a page refresh keeps the user signed in for ``app.session_hours``.

Streamlit starts a new session (empty ``st.session_state``) on every refresh, so
the sign-in has to live in the browser. At sign-in the server writes an
``issued`` row to the ``sessions`` table and hands the browser a token in a
cookie: the session id, user name, role, issue time and expiry, signed with
HMAC (itsdangerous, keyed by :func:`app.settings.secret_key`). The token is
never stored or logged; the cookie reaches the server with the websocket's
request (``st.context.cookies``) and is checked there:

- the signature (a changed token is refused),
- the expiry, in the token and in the ``issued`` row,
- the session row (sign-out writes ``revoked``: the token dies with it),
- the account as it stands now (a user removed, or given another role since,
  loses the session).

Every check is a function of the store, the key and the time, so tests run
without a browser.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pandas as pd
from itsdangerous import BadSignature, URLSafeSerializer

from app.auth import User, find_user
from features.store.base import Store

#: the cookie that carries the token
COOKIE = "xinping_session"
_SALT = "xinping.session.v1"


@dataclass(frozen=True)
class Claims:
    """What a session token says (all signed)."""

    session_id: str
    username: str
    role: str
    issued_at: dt.datetime
    expires_at: dt.datetime


def _serializer(key: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=_SALT)


def _log(store: Store, claims: Claims, event: str, at: dt.datetime) -> None:
    store.append(
        "sessions",
        pd.DataFrame(
            [
                {
                    "session_id": claims.session_id,
                    "user_name": claims.username,
                    "role": claims.role,
                    "event": event,
                    "logged_at": at,
                    "expires_at": claims.expires_at if event == "issued" else None,
                }
            ]
        ).astype({"expires_at": "datetime64[us]"}),
    )


def issue(
    store: Store, user: User, key: bytes, hours: float, now: dt.datetime
) -> tuple[str, Claims]:
    """Open a session for ``user``: its row in ``sessions`` and the signed token."""
    claims = Claims(
        secrets.token_urlsafe(18),
        user.username,
        user.role,
        now.replace(microsecond=0),
        (now + dt.timedelta(hours=hours)).replace(microsecond=0),
    )
    _log(store, claims, "issued", now)
    token = _serializer(key).dumps(
        {
            "sid": claims.session_id,
            "u": claims.username,
            "r": claims.role,
            "iat": claims.issued_at.isoformat(),
            "exp": claims.expires_at.isoformat(),
        }
    )
    return token, claims


def read_token(token: str, key: bytes) -> Claims | None:
    """The claims of a token signed with ``key``, or ``None`` for anything else."""
    try:
        data = _serializer(key).loads(token)
        return Claims(
            str(data["sid"]),
            str(data["u"]),
            str(data["r"]),
            dt.datetime.fromisoformat(data["iat"]),
            dt.datetime.fromisoformat(data["exp"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def check(store: Store, claims: Claims, now: dt.datetime) -> tuple[User | None, str]:
    """The user a session stands for now, or ``None`` and why not.

    Reasons: ``expired``, ``unknown`` (no such session), ``revoked`` (signed out),
    ``user_changed`` (the account is gone or has another role).
    """
    if claims.expires_at <= now:
        return None, "expired"
    rows = store.query(
        "SELECT event, user_name, role, expires_at FROM sessions WHERE session_id = ?",
        [claims.session_id],
    )
    issued = rows[rows["event"] == "issued"]
    if issued.empty:
        return None, "unknown"
    row = issued.iloc[0]
    if row["user_name"] != claims.username or row["role"] != claims.role:
        return None, "unknown"
    if (rows["event"] == "revoked").any():
        return None, "revoked"
    if pd.Timestamp(row["expires_at"]).to_pydatetime() <= now:
        return None, "expired"
    user = find_user(store, claims.username)
    if user is None or user.role != claims.role:
        return None, "user_changed"
    return user, "ok"


def resume(
    store: Store, token: str, key: bytes, now: dt.datetime
) -> tuple[User | None, Claims | None, str]:
    """The user and claims of a token from the browser, or ``None`` and why not
    (``bad_token`` or a reason of :func:`check`)."""
    claims = read_token(token, key)
    if claims is None:
        return None, None, "bad_token"
    user, reason = check(store, claims, now)
    return user, claims, reason


def revoke(store: Store, claims: Claims, now: dt.datetime) -> None:
    """End a session: its token is refused from now on."""
    _log(store, claims, "revoked", now)
