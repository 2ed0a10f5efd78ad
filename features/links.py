"""Related parties as declarations: who a subject's related parties are at a date.

A :class:`Link` names one relation (法定代表人, 所属单位, 担任法定代表人的企业 …) and
says, by its ``via``, how the parties are found:

* :class:`Column` — my column names the party (``legal_rep_id``);
* :class:`Reverse` — subjects whose column names me (the firms I represent);
* :class:`SameColumn` — other subjects sharing my column's value (firms with
  the same legal representative);
* :class:`Table` — rows of the point-in-time table ``subject_links`` with this
  ``relation``, valid at the date;
* :class:`ListPersons` — subjects whose listing in force names me among its
  persons (seed 002 #12: the legal representative and responsible persons).

Each ``via`` gives the pairs ``(subject_id, party_id)`` for a population twice:
as SQL over the CTEs ``pop`` and ``latest`` of :func:`features.compile.population_sql`
(DuckDB and Spark) and in process (:func:`party_lists`, for
:mod:`features.evaluate`). Tests require the same pairs both ways.

The shipped links are declared in :mod:`features.definitions.relations`;
:func:`features.link_lookup.link` is the one look-up of a link by key (in its
own module: the declarations import this one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from features import registry

#: ``list_events`` rows that end a listing (scoring/lists.py ``_status_of``)
LIST_ENDS = ("exit_repair", "exit_rule", "revoke_wrongful")


@dataclass(frozen=True)
class Column:
    """My column ``col`` names the party (``legal_rep_id``, ``employer_id``)."""

    col: str


@dataclass(frozen=True)
class Reverse:
    """The subjects whose column ``col`` is my id (the firms a person represents)."""

    col: str


@dataclass(frozen=True)
class SameColumn:
    """The other subjects whose column ``col`` holds my value of it."""

    col: str


@dataclass(frozen=True)
class Table:
    """Rows of ``subject_links`` with this ``relation`` valid at the date
    (``valid_from <= T < valid_to``; an open ``valid_to`` never ends)."""

    relation: str


@dataclass(frozen=True)
class ListPersons:
    """Subjects whose listing on one of ``lists`` names me among its persons and
    applies at the date: entered by T, not expired, exited or revoked by T, and
    not suspended at T (the ``list_events`` trail).

    Listings ended or suspended through their evidence (an upheld or open
    objection, an approved repair: :mod:`scoring.lists`) are not seen here.
    """

    lists: tuple[str, ...] = ("black",)


Via = Column | Reverse | SameColumn | Table | ListPersons


@dataclass(frozen=True)
class Organisations:
    """Every registered subject type identified by a 统一社会信用代码, as a link's
    ``target_types``: enterprises, social organisations (5…), co-operatives (93…) and any
    such type a scheme folder adds (seed 002 #12 speaks of 企事业单位, not of one list).

    Resolved from the active registry each time a link is read, never copied.
    """

    def resolve(self) -> tuple[str, ...]:
        """The keys of the organisation types of the active registry, in declaration order."""
        return registry.active().organisation_types()


@dataclass(frozen=True)
class Link:
    """A declared relation between a subject and its related parties.

    Parameters
    ----------
    key
        The name indicators use (``Related(key, ...)``).
    label_zh, label_en
        What the relation is called on pages and in reasons.
    via
        How the parties are found (see the module docstring).
    target_types
        The party's subject types, or :class:`Organisations` (every type with a
        USCC, resolved at call time); empty: any party, even one not registered
        as a subject (a legal representative is a person ID).
    roles
        The seed 002 #12 roles a measure reaching the party through this link
        plays (``legal_representative``, ``responsible_persons``).
    counts
        ``records``: an indicator aggregates the parties' records together (one
        party: as its own); ``parties``: it counts the parties with a matching
        record (only the ``count`` aggregation).
    """

    key: str
    label_zh: str
    label_en: str
    via: Via
    target_types: tuple[str, ...] | Organisations = ()
    roles: tuple[str, ...] = ()
    counts: Literal["records", "parties"] = "records"

    def party_types(self) -> tuple[str, ...]:
        """The party's subject types now (empty: any); :class:`Organisations` resolved."""
        if isinstance(self.target_types, Organisations):
            return self.target_types.resolve()
        return self.target_types

    def pop_columns(self) -> tuple[str, ...]:
        """The columns of ``pop`` the pairs SQL reads besides ``subject_id``."""
        if isinstance(self.via, Column | SameColumn):
            return (self.via.col,)
        return ()

    def pairs_sql(self, dialect: str, as_of: dt.date) -> str:
        """``SELECT subject_id, party_id`` for the subjects of ``pop`` (no duplicates).

        ``dialect`` is ``duckdb`` or ``spark``; the query reads the CTEs ``pop``
        and ``latest`` and the tables ``subject_links`` / ``list_events``.
        """
        t = f"DATE '{as_of.isoformat()}'"
        via = self.via
        types = self.party_types()
        if isinstance(via, Column):
            # one party per subject: no DISTINCT needed
            sql = (
                f"SELECT p.subject_id, p.{via.col} AS party_id FROM pop p "
                f"WHERE p.{via.col} IS NOT NULL"
            )
        elif isinstance(via, Reverse):
            sql = (
                "SELECT p.subject_id, f.subject_id AS party_id FROM pop p "
                f"JOIN latest f ON f.{via.col} = p.subject_id AND f.subject_id <> p.subject_id"
            )
        elif isinstance(via, SameColumn):
            sql = (
                "SELECT p.subject_id, f.subject_id AS party_id FROM pop p "
                f"JOIN latest f ON f.{via.col} = p.{via.col} AND f.subject_id <> p.subject_id"
            )
        elif isinstance(via, Table):
            sql = (
                "SELECT DISTINCT p.subject_id, l.party_id FROM pop p "
                "JOIN subject_links l ON l.subject_id = p.subject_id "
                f"AND l.relation = {_str(via.relation)} AND l.valid_from <= {t} "
                f"AND (l.valid_to IS NULL OR l.valid_to > {t}) AND l.party_id <> p.subject_id"
            )
        else:
            sql = (
                "SELECT DISTINCT p.subject_id, n.party_id FROM pop p "
                f"JOIN ({_named_sql(via, dialect, t)}) n "
                "ON n.person = p.subject_id AND n.party_id <> p.subject_id"
            )
        if not types or isinstance(via, Reverse | SameColumn):
            if types:  # the party row is at hand as f
                sql += f" AND f.subject_type IN ({', '.join(map(_str, types))})"
            return sql
        kinds = ", ".join(map(_str, types))
        return (
            f"SELECT q.subject_id, q.party_id FROM ({sql}) q "
            f"JOIN latest t ON t.subject_id = q.party_id AND t.subject_type IN ({kinds})"
        )

    def reverse_sql(self, ids_sql: str, dialect: str = "duckdb") -> str:
        """``SELECT subject_id`` of the subjects that have a party among ``ids_sql``
        through this link, at any date (who to re-rate when the parties' records
        change); reads the CTE ``latest``."""
        via = self.via
        if isinstance(via, Column):
            return f"SELECT subject_id FROM latest WHERE {via.col} IN {ids_sql}"
        if isinstance(via, Reverse):
            return (
                f"SELECT {via.col} AS subject_id FROM latest "
                f"WHERE subject_id IN {ids_sql} AND {via.col} IS NOT NULL"
            )
        if isinstance(via, SameColumn):
            return (
                f"SELECT subject_id FROM latest WHERE {via.col} IN "
                f"(SELECT {via.col} FROM latest WHERE subject_id IN {ids_sql})"
            )
        if isinstance(via, Table):
            return (
                "SELECT subject_id FROM subject_links "
                f"WHERE relation = {_str(via.relation)} AND party_id IN {ids_sql}"
            )
        # every person named on the parties' listings (the trail decides the date)
        return (
            "SELECT DISTINCT upper(trim(person)) AS subject_id FROM ("
            f"{_explode_sql(dialect)} AS person FROM list_events e "
            f"WHERE e.subject_id IN {ids_sql} AND e.persons IS NOT NULL) n"
        )


def _str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _explode_sql(dialect: str) -> str:
    if dialect == "spark":
        return "SELECT e.subject_id AS party_id, e.event_id, explode(split(e.persons, ','))"
    return "SELECT e.subject_id AS party_id, e.event_id, unnest(string_split(e.persons, ','))"


def _named_sql(via: ListPersons, dialect: str, t: str) -> str:
    """``(person, party_id)`` of the listings on ``via.lists`` that apply at ``t``."""
    lists = ", ".join(map(_str, via.lists))
    ends = ", ".join(map(_str, LIST_ENDS))
    return (
        "SELECT upper(trim(x.person)) AS person, x.party_id FROM ("
        f"{_explode_sql(dialect)} AS person FROM list_events e "
        f"WHERE e.event = 'enter' AND e.list_key IN ({lists}) AND e.persons IS NOT NULL "
        f"AND e.effective_on <= {t} AND (e.expires_on IS NULL OR e.expires_on > {t})"
        ") x LEFT JOIN ("
        "SELECT listing_id, "
        f"max(CASE WHEN event IN ({ends}) THEN 1 ELSE 0 END) AS ended, "
        "max(CASE WHEN event = 'suspend' THEN effective_on END) AS suspended, "
        "max(CASE WHEN event = 'resume' THEN effective_on END) AS resumed "
        f"FROM list_events WHERE effective_on <= {t} GROUP BY listing_id"
        ") s ON s.listing_id = x.event_id "
        "WHERE coalesce(s.ended, 0) = 0 "
        "AND (s.suspended IS NULL OR (s.resumed IS NOT NULL AND s.resumed >= s.suspended))"
    )


# --- in process -------------------------------------------------------------------


def _rows(table: pa.Table | None) -> list[dict]:
    return [] if table is None else table.to_pylist()


def _day(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _named(via: ListPersons, events: list[dict], as_of: dt.date) -> list[tuple[str, str]]:
    """The twin of :func:`_named_sql`: ``(person, party_id)`` pairs, in no order."""
    state: dict[str, dict] = {}
    for e in events:
        day = _day(e["effective_on"])
        if day is None or day > as_of:
            continue
        s = state.setdefault(e["listing_id"], {"ended": False, "suspend": None, "resume": None})
        if e["event"] in LIST_ENDS:
            s["ended"] = True
        elif e["event"] in ("suspend", "resume"):
            s[e["event"]] = max(day, s[e["event"]] or day)
    out = []
    for e in events:
        if e["event"] != "enter" or e["list_key"] not in via.lists or not e["persons"]:
            continue
        entered, expires = _day(e["effective_on"]), _day(e["expires_on"])
        if entered is None or entered > as_of or (expires is not None and expires <= as_of):
            continue
        s = state.get(e["event_id"], {"ended": False, "suspend": None, "resume": None})
        suspended = s["suspend"] is not None and (s["resume"] is None or s["resume"] < s["suspend"])
        if s["ended"] or suspended:
            continue
        out += [(p.strip().upper(), e["subject_id"]) for p in e["persons"].split(",")]
    return out


def party_lists(
    link: Link,
    pop: Iterable[Mapping],
    latest: Mapping[str, Mapping],
    tables: Mapping[str, pa.Table],
    as_of: dt.date,
) -> dict[str, list[str]]:
    """The in-process twin of :meth:`Link.pairs_sql`: each subject's parties.

    Parameters
    ----------
    pop
        The subjects' current rows (dicts with ``subject_id`` and the link's columns).
    latest
        Every subject's current row by id (:func:`features.effective.latest_subjects`).
    tables
        The store's tables (a slice); ``subject_links`` and ``list_events`` are read
        by :class:`Table` and :class:`ListPersons` links, absent ones are empty.
    """
    via = link.via
    types = link.party_types()
    rows = list(pop)
    out: dict[str, list[str]] = {r["subject_id"]: [] for r in rows}
    if isinstance(via, Column):
        for r in rows:
            if r[via.col] is not None:
                out[r["subject_id"]].append(r[via.col])
    elif isinstance(via, Reverse | SameColumn):
        index: dict[str, list[str]] = {}
        for sid, f in latest.items():
            if f.get(via.col) is not None and (not types or f["subject_type"] in types):
                index.setdefault(f[via.col], []).append(sid)
        for r in rows:
            key = r["subject_id"] if isinstance(via, Reverse) else r[via.col]
            out[r["subject_id"]] = [f for f in index.get(key, ()) if f != r["subject_id"]]
    elif isinstance(via, Table):
        for x in _rows(tables.get("subject_links")):
            sid, frm, to = x["subject_id"], _day(x["valid_from"]), _day(x["valid_to"])
            if (
                sid in out
                and x["relation"] == via.relation
                and frm is not None
                and frm <= as_of
                and (to is None or to > as_of)
                and x["party_id"] != sid
                and x["party_id"] not in out[sid]
            ):
                out[sid].append(x["party_id"])
    else:
        for person, party in _named(via, _rows(tables.get("list_events")), as_of):
            if person in out and party != person and party not in out[person]:
                out[person].append(party)
    if types and not isinstance(via, Reverse | SameColumn):
        for sid, parties in out.items():
            out[sid] = [p for p in parties if latest.get(p, {}).get("subject_type") in types]
    return out
