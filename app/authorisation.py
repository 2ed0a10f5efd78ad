"""授权编号: the authorisation reference some roles give before any subject's data.

A bank may look up a firm's or a person's credit information only with that
subject's written authorisation (授权书). The roles for which the app enforces
this are configuration (settings ``[app] authorisation_roles``, default the
bank credit officer), not page code. For them, every page path to a subject's
data asks for the reference first and logs it:

* the search itself: nothing is searched, so no name or ID is listed, before a
  reference is given — a list of names with their subject type and (masked) IDs
  already discloses who is on the platform, and the bank holds an authorisation
  for one subject, not for browsing; the search is logged with the query and
  the reference;
* opening a subject (profile, 信易贷 decision): logged with the reference;
* the credit report download: logged with the reference when it is downloaded.

Other roles see no reference field and nothing changes for them.
"""

from __future__ import annotations

import json

import streamlit as st

from app.auth import User
from app.settings import settings
from app.state import audit


def needs_reference(user: User) -> bool:
    """True when ``user``'s role must give an authorisation reference (settings)."""
    return user.role in settings().app.authorisation_roles


def ask_reference(user: User, label: str, help: str, key: str = "auth") -> str | None:
    """The reference typed by a user whose role needs one (``""`` until typed).

    Returns ``None``, and shows nothing, for a role that needs none.
    """
    if not needs_reference(user):
        return None
    return st.text_input(label, key=key, help=help).strip()


def log_search(user: User, page: str, query: str, reference: str | None) -> None:
    """Log a search made under an authorisation reference, once per query and reference.

    Searches of roles that need no reference are not logged (their look-ups are).
    """
    if reference is None:
        return
    key = f"_searched_{page}"
    marker = json.dumps([query, reference], ensure_ascii=False)
    if st.session_state.get(key) == marker:
        return
    audit(user, "search", None, {"page": page, "query": query, "authorisation": reference})
    st.session_state[key] = marker
