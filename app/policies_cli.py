"""``xinping migration``, ``xinping rural`` and ``xinping lending``: ratings in use.

Registered on the root command line (:mod:`app.cli_root`) when :mod:`app.cli`
imports this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from app.cli_root import (
    StoreOption,
    audit,
    cli,
    console,
    day_option,
    fail,
    latest_day,
    login_name,
    open_store,
    within_limit,
)
from app.settings import settings


def _latest_as_of(st, scheme: str) -> dt.date:
    """The latest as-of date of the scheme's ratings, or a clear error when there is none."""
    from scoring.history import latest_as_of

    day = latest_as_of(st, scheme)
    if day is None:
        fail(f"no {scheme} ratings: run `xinping score --subject {scheme}` first")
    return day


def _on(st, on: dt.date | None, scheme: str) -> dt.date:
    """``--on`` within the date limit; by default the latest ratings, not after the limit
    (ratings once written for a later day are not read as in force)."""
    limit = latest_day(st)
    if on is None:
        return min(_latest_as_of(st, scheme), limit.day)
    return within_limit(limit, on, "--on")


@cli.command()
def migration(
    subject: Annotated[str, typer.Option("--subject", help="Scheme key.")],
    date_from: Annotated[dt.date, day_option("--from", "Earlier as-of date.")],
    date_to: Annotated[dt.date, day_option("--to", "Later as-of date.")],
    top: Annotated[int, typer.Option(help="Movers to list.")] = 20,
    store: StoreOption = None,
) -> None:
    """Grade migration between two dates and the subjects that moved, with the records
    that moved them. 等级迁移。"""
    from features.records.ids import mask_id
    from features.schemes import MODELLED
    from scoring.history import migration as matrix
    from scoring.history import movers

    if subject not in MODELLED:
        fail(f"{subject!r} is not a modelled scheme; use one of {', '.join(MODELLED)}")
    a, b = date_from, date_to
    with open_store(store, read_only=True) as st:
        limit = latest_day(st)
        within_limit(limit, a, "--from")
        within_limit(limit, b, "--to")
        m = matrix(st, subject, a, b)
        moved = movers(st, subject, a, b, settings().windows.policy())
    table = Table(title=f"{escape(subject)} 等级迁移 migration {a} → {b}")
    table.add_column("from \\ to")
    for g in m.grades:
        table.add_column(g, justify="right")
    for g in m.grades:
        table.add_row(g, *[str(int(m.counts.at[g, h])) for h in m.grades])
    console.print(table)
    console.print(
        f"上调 upgrades {m.upgrades:,} · 下调 downgrades {m.downgrades:,} · "
        f"不变 stable {m.stable:,}",
        markup=False,
        highlight=False,
    )
    moved = moved.reindex(moved["steps"].abs().sort_values(ascending=False).index).head(top)
    lst = Table(title=f"变动主体 movers (top {len(moved)})")
    for col in ("主体 subject", "from", "to", "records that moved them"):
        lst.add_column(col)
    for _, r in moved.iterrows():
        recs = "; ".join(
            f"{x['kind']} {x['change']} {x.get('record_date') or ''}" for x in r["records"][:3]
        )
        more = f" (+{len(r['records']) - 3})" if len(r["records"]) > 3 else ""
        # record kinds and dates come from department files: shown literally
        lst.add_row(
            escape(str(mask_id(r["subject_id"]))),
            escape(str(r["grade_from"])),
            escape(str(r["grade_to"])),
            escape(recs + more),
        )
    console.print(lst)


@cli.command()
def rural(
    on: Annotated[dt.date | None, day_option("--on", "Date (default: latest ratings).")] = None,
    village: Annotated[
        str | None,
        typer.Option(help="One village: its criteria and the households weighing on them."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """信用户 / 信用村 / 信用乡镇 by the rural rules. 农村信用评定。"""
    from features.records.ids import mask_id
    from scoring.rural_rating import NoRuralRatingsError, rural_assessment

    with open_store(store, read_only=True) as st:
        day = _on(st, on, "household")
        try:
            result = rural_assessment(st, day, settings().rural.config(), settings().build_config())
        except NoRuralRatingsError as exc:
            fail(str(exc))
    v, t = result.villages.units, result.townships.units
    console.print(
        f"{day}: 信用村 credit villages {int(v['is_credit_village'].sum())}/{len(v)} · "
        f"信用乡镇 credit townships {int(t.filter(like='is_credit').sum().sum())}"
        f"/{len(t)}",
        markup=False,
        highlight=False,
    )
    crit = result.villages.criteria
    fails = crit[~crit["passed"]].groupby("label_zh").size()
    for label, n in fails.items():
        console.print(f"  未达标 failed {label}: {n} villages", markup=False, highlight=False)
    firms = result.businesses
    if not firms.empty:
        # shown beside the criteria, never counted in the verdict (scoring.village_businesses)
        console.print(
            f"  村内合作社/家庭农场 rated co-operatives and family farms: {len(firms)} in "
            f"{firms['village_code'].nunique()} villages, 最低等级 in the worst grade: "
            f"{int(firms['worst_grade'].sum())}",
            markup=False,
            highlight=False,
        )
    if village:
        mine = crit[crit["unit_code"] == village]
        if mine.empty:
            fail(f"unknown village {village!r}")
        for _, c in mine.iterrows():
            mark = "✓" if c["passed"] else "✗"
            weigh = ", ".join(mask_id(h) for h in c["weighing"][:5])
            console.print(
                f"{mark} {c['message_zh']} / {c['message_en']}"
                + (f" — 影响最大 weighing most: {weigh}" if weigh else ""),
                markup=False,
                highlight=False,
            )
        mine = firms[firms["village_code"] == village] if not firms.empty else firms
        if not mine.empty:
            console.print("村内合作社/家庭农场 co-operatives and family farms of the village:")
        for _, b in mine.iterrows():
            pd_text = f" PD {b['pd']:.2%}" if b["pd"] == b["pd"] and b["pd"] is not None else ""
            console.print(
                f"  {b['name']} {b['subject_id']}: {b['final_grade']}（{b['grade_label_zh']}）"
                + pd_text
                + (" 最低等级 worst grade" if b["worst_grade"] else ""),
                markup=False,
                highlight=False,
            )


@cli.command()
def lending(
    subject_ids: Annotated[list[str] | None, typer.Argument(help="SME IDs (default: all).")] = None,
    on: Annotated[dt.date | None, day_option("--on", "Date (default: latest ratings).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Who (audit log).")] = None,
    auth_ref: Annotated[
        str | None,
        typer.Option(
            "--auth-ref",
            help="授权编号: the SMEs' authorisation "
            "reference (a bank asking; written to the audit log).",
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """信易贷: knock-outs, suggested credit line and rate tier of rated SMEs. 信易贷授信建议。"""
    from scoring.lending_decision import applicant_decisions, lending_decisions

    cfg = settings()
    with open_store(store) as st:
        day = _on(st, on, "sme")
        detail: dict = {"on": str(day)}
        if auth_ref and auth_ref.strip():
            detail["authorisation"] = auth_ref.strip()
        if subject_ids:
            # one row per SME asked for, as the page's applicants upload
            ids = [i.strip().upper() for i in subject_ids]
            # named SMEs: their lending measures read and applied, as on the page
            rows = applicant_decisions(
                st,
                day,
                ids,
                cfg.lending.config(),
                cfg.build_config(),
                cfg.lists.config(),
                cfg.checks.config(cfg.windows.policy()),
            )
            for sid in ids:
                audit(st, user or login_name(), "cli", "lending_lookup", sid, detail)
        else:
            out = lending_decisions(st, day, cfg.lending.config(), cfg.build_config())
    if subject_ids:
        for _, r in rows.iterrows():
            if r["status"] != "ok":
                why = {
                    "unknown": "未知主体 unknown subject",
                    "empty": "空 empty",
                    "unrated": f"{day} 无信易贷评级 not rated as an SME",
                }[r["status"]]
                console.print(f"{r['subject_id']}: {why}", markup=False, highlight=False)
                continue
            console.print(
                f"{r['subject_id']} {r['name']} {r['grade']}: {r['decision_zh']} · "
                f"额度 line {r['credit_line']:,.0f} 元 · {r['rate_tier_zh']}",
                markup=False,
                highlight=False,
            )
            if r["reasons_zh"]:
                console.print(
                    f"   ✗ {r['reasons_zh']} / {r['reasons_en']}", markup=False, highlight=False
                )
        return
    from scoring.history import grade_order

    summary = (
        out.groupby(["grade", "decision_zh"])
        .agg(n=("subject_id", "size"), line=("credit_line", "mean"))
        .reset_index()
    )
    # grades in the scale's order, the best first (AAA … C), not alphabetically
    rank = {g: i for i, g in enumerate(grade_order("sme", summary["grade"]))}
    summary = summary.sort_values(
        ["grade", "decision_zh"],
        key=lambda c: c.map(rank) if c.name == "grade" else c,
        kind="stable",
    )
    table = Table(title=f"信易贷 {day}: {len(out):,} SMEs")
    for col in ("等级 grade", "决定 decision", "户数 n", "平均额度 mean line (元)"):
        table.add_column(col)
    for _, r in summary.iterrows():
        table.add_row(r["grade"], r["decision_zh"], f"{r['n']:,}", f"{r['line']:,.0f}")
    console.print(table)
