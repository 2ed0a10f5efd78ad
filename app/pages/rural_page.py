"""农村信用: townships → villages → households; which are 信用村 / 信用乡镇 and why not; the
households weighing most on a failing village; each household's line and rate discount;
the village committee's assessment entered or corrected and the household re-rated at once.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app.cache import latest_as_of, names, store_key, village_people
from app.components import formats, tables
from app.components.changes import rerated
from app.data import assess_ahead
from app.data.casework import changes_frame
from app.data.rural import (
    bring_up_to_date,
    businesses,
    criteria,
    households,
    last_assessment,
    townships,
    updated_result,
    villages,
)
from app.i18n import lang, t
from app.settings import settings
from app.state import (
    after_limit,
    audit,
    audit_lookup,
    date_limit,
    limit_refusal,
    mask_frame,
    mlflow_home,
    note_change,
    require,
    store,
)
from features.store.base import Store
from scoring.casework import assess_household
from scoring.loader import NoModelError
from scoring.rural_rating import NoRuralRatingsError, RuralResult, rural_assessment

user = require("rural")
st.title(t("page.rural"))
s = store()
cfg = settings()
latest = latest_as_of(s, "household")
if latest is None:
    st.info(t("rural.empty"))
    st.stop()
# nothing after the data date or today, whichever is earlier ([dates] latest)
limit = date_limit().day
on = st.date_input(
    t("rural.on"), value=min(latest, limit), max_value=limit, key="on", format="YYYY-MM-DD"
)
if after_limit(on, t("rural.on")):
    st.stop()


@st.cache_resource(show_spinner=False, max_entries=8)
def assess(_store: Store, day: dt.date, key: tuple[str, str]) -> RuralResult:
    """The rural rules on ``day``, shared by every session (``key``: :func:`store_key`).

    Shared as it is, not copied: a city's result is a million households (a copy for each
    page run, as ``st.cache_data`` gives, unpickled 0.4 s of every click on this page). The
    page only reads it; every view copies what it changes (tests/app/test_pages_work.py).
    """
    result = rural_assessment(_store, day, cfg.rural.config(), cfg.build_config())
    result.rows.prime()  # where each village's rows are, for every save and view after
    return result


# after an assessment stored from this page, the result brought up to date with it
# (app.data.rural.bring_up_to_date) instead of every village rated again
computed_for = store_key(s)
try:
    # the first view of a day rates every village from every household (a city: ~40 s)
    with st.spinner(t("rural.computing"), show_time=True):
        result = updated_result(computed_for, on) or assess(s, on, computed_for)
except NoRuralRatingsError:
    st.info(t("rural.empty"))
    st.stop()


def store_assessment(household: str, score: int, day: dt.date, note: str) -> tuple[str, object]:
    """Store the assessment submitted with the form at the bottom and re-rate its household
    (and the village's co-operatives); returns what to show under the form: ``("saved",
    (title, changes, seconds))``, or ``("error" | "warning", message)``."""
    refusal = limit_refusal(day, t("rural.date"))
    if refusal is not None:
        return "error", refusal
    try:
        with st.spinner(t("rural.saving")):
            out = assess_household(
                s,
                household,
                float(score),
                day,
                user.username,
                mlflow_home(),
                cfg.build_config(),
                cfg.rating_policies(),
                note,
                ahead=assess_ahead.take(s, household, day),
            )
    except NoModelError:
        return "warning", t("rural.no_model")
    except ValueError as exc:
        return "error", formats.plain(str(exc))  # may quote what was typed
    note_change(out)
    if day == on:  # the households' ratings of the day shown moved
        bring_up_to_date(
            s,
            result,
            computed_for,
            [c.subject_id for c in out.changes if c.scheme == "household"],
            out.versions,
            cfg.rural.config(),
            cfg.build_config(),
        )
    audit(
        user,
        "village_assessment",
        household,
        {"record_id": out.ident, "score": score, "on": str(day)},
    )
    changes = mask_frame(user, changes_frame(out.changes))
    return "saved", (t("rural.saved", id=out.ident), changes, out.seconds)


# this run follows a click on the form's button (at the bottom): the assessment is stored
# before anything is drawn, so the tables, the verdicts and the current assessment below
# show it; its outcome is shown under the form
outcome = None
if st.session_state.get("save"):
    outcome = store_assessment(
        st.session_state["household"],
        int(st.session_state["score"]),
        st.session_state["assess_on"],
        st.session_state.get("note", ""),
    )
    if outcome[0] == "saved":
        computed_for = store_key(s)
        with st.spinner(t("rural.computing"), show_time=True):
            result = updated_result(computed_for, on) or assess(s, on, computed_for)


def criteria_table(unit: str) -> None:
    """The unit's criteria with value, threshold and the message of each."""
    st.markdown(f"**{t('rural.criteria')}**")
    c = criteria(result, unit, lang())
    c["passed_mark"] = c["passed"].map({True: "✓", False: "✗"})
    c[["value", "threshold"]] = c[["value", "threshold"]].map(formats.share)  # all are shares
    tables.show(c, ["label", "value", "threshold", "passed_mark", "message"], key=f"crit_{unit}")


offers, v_units, t_units = result.offers, result.villages.units, result.townships.units
m1, m2, m3 = st.columns(3)
m1.metric(t("rural.households_n"), f"{int(offers['credit_household'].sum()):,} / {len(offers):,}")
m2.metric(t("rural.villages_n"), f"{int(v_units['is_credit_village'].sum())} / {len(v_units)}")
m3.metric(t("rural.townships_n"), f"{int(t_units['is_credit_township'].sum())} / {len(t_units)}")

township_names, village_names = names(s, "township"), names(s, "village")
st.subheader(t("rural.townships"))
tw = townships(result, township_names)
tables.show(
    tw,
    [
        "name",
        "is_credit_township",
        "villages",
        "credit_villages",
        "credit_village_share",
        "households",
        "township_code",
    ],
    key="townships",
)
township = st.selectbox(
    t("rural.township"),
    list(tw["township_code"]),
    key="township",
    format_func=lambda c: f"{township_names.get(c, c)} · {c}",
)
tname = township_names.get(township, township)
good = bool(tw.loc[tw["township_code"] == township, "is_credit_township"].iloc[0])
(st.success if good else st.warning)(
    t("rural.is_township" if good else "rural.not_township", name=formats.plain(tname))
)
criteria_table(township)

st.subheader(t("rural.villages", name=formats.plain(tname)))
vs = villages(result, township, village_names)
tables.show(
    vs,
    [
        "name",
        "is_credit_village",
        "households",
        "credit_households",
        "credit_share",
        "businesses",
        "businesses_worst",
        "village_code",
    ],
    key="villages",
)
village = st.selectbox(
    t("rural.village"),
    list(vs["village_code"]),
    key="village",
    format_func=lambda c: f"{village_names.get(c, c)} · {c}",
)
audit_lookup(user, village, "rural")
vname = village_names.get(village, village)
good = bool(vs.loc[vs["village_code"] == village, "is_credit_village"].iloc[0])
(st.success if good else st.error)(
    t("rural.is_village" if good else "rural.not_village", name=formats.plain(vname))
)
criteria_table(village)

people = households(result, village, village_people(s, village))
st.markdown(f"**{t('rural.weighing')}**")
heavy = people[people["weighs"] > 0]
if heavy.empty:
    st.caption(t("rural.weighing_none"))
else:
    tables.show(
        mask_frame(user, heavy),
        ["name", "subject_id", "final_grade", "pd", "weighs"],
        key="weighing",
    )
st.subheader(t("rural.households"))
shown = mask_frame(user, people).assign(rate_discount=people["rate_discount"].map("{:.0%}".format))
tables.show(
    shown,
    ["name", "subject_id", "final_grade", "pd", "credit_household", "credit_line", "rate_discount"],
    key="households",
    height=320,
)

# 新型农业经营主体 of the village with their rating in force (shown, not a 信用村 criterion)
st.subheader(t("rural.businesses"))
farms = businesses(result, village, lang())
if farms.empty:
    st.caption(t("rural.businesses_none"))
else:
    tables.show(farms, ["name", "subject_id", "final_grade", "grade_label", "pd"], key="businesses")

st.subheader(t("rural.assess"))
by_id = dict(zip(people["subject_id"], people["name"], strict=True))
masked = dict(zip(people["subject_id"], shown["subject_id"], strict=True))
household = st.selectbox(
    t("rural.household"),
    list(people["subject_id"]),
    key="household",
    format_func=lambda i: f"{by_id[i]} · {masked[i]}",
)
audit_lookup(user, household, "rural_household")
now = last_assessment(s, household)
if now is None:
    st.caption(t("rural.no_current"))
else:
    st.caption(
        t(
            "rural.current",
            score=f"{now['value_num']:.0f}",
            date=formats.day(now["event_date"]),
            id=formats.plain(now["record_id"]),
        )
    )
with st.form("assessment"):
    f1, f2 = st.columns(2)
    f1.number_input(
        t("rural.score"),
        min_value=0,
        max_value=100,
        step=1,
        key="score",
        value=int(now["value_num"]) if now is not None else 80,
    )
    assess_day = f2.date_input(
        t("rural.date"), value=limit, max_value=limit, key="assess_on", format="YYYY-MM-DD"
    )
    st.text_input(t("rural.note"), key="note")
    st.form_submit_button(t("rural.save"), key="save", type="primary")
if outcome is not None:
    kind, shown = outcome
    if kind == "saved":
        rerated(*shown)
    else:
        (st.warning if kind == "warning" else st.error)(shown)
# what saving an assessment of this household reads first, read while the officer types
if household is not None and assess_day is not None and assess_day <= limit:
    assess_ahead.start(
        s, household, assess_day, mlflow_home(), cfg.build_config(), cfg.rating_policies()
    )
