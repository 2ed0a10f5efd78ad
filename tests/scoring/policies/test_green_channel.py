"""Green channel: years without a negative record, point in time, listings, full period."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from policy_plant import AS_OF, open_objection, plant, record, subject

from features.records.windows import WindowPolicy
from scoring.policies.green_channel import GreenChannelConfig, green_channel

CFG = GreenChannelConfig()


def test_flags(store) -> None:
    subjects = [
        subject(s, "enterprise")
        for s in ("clean", "penalty", "old", "revoked", "objected", "listed", "positive", "late")
    ]
    subjects.append(subject("young", "enterprise", established="2025-01-01"))
    r = [
        record(
            "penalty",
            "administrative_penalty",
            "2025-06-01",
            severity="general",
            value_text="food",
            valid_until="2026-12-01",
        ),
        record(
            "old",
            "administrative_penalty",
            "2023-06-01",
            severity="serious",
            value_text="other",
            valid_until="2026-12-01",
        ),  # older than 3 years
        record(
            "revoked",
            "administrative_penalty",
            "2025-06-01",
            severity="general",
            value_text="other",
            valid_until="2026-12-01",
            revoked="2026-01-01",
        ),
        record(
            "objected",
            "administrative_penalty",
            "2025-06-01",
            severity="general",
            value_text="other",
            valid_until="2026-12-01",
        ),
        record("listed", "dishonest_judgment_debtor", "2022-01-01", severity="serious"),
        record("positive", "red_list", "2026-01-01", value_text="contract_honouring"),
        record(
            "late",
            "administrative_penalty",
            "2026-10-01",
            severity="general",
            value_text="other",
            published="2026-11-15",
            valid_until="2027-10-01",
        ),
    ]
    plant(store, subjects, r)
    open_objection(store, r[3]["record_id"], "objected", "2026-09-01")
    flags = green_channel(store, "enterprise", AS_OF, CFG, WindowPolicy())
    assert flags.name == "green_channel" and flags.index.is_monotonic_increasing
    assert flags.to_dict() == {
        "clean": True,
        "penalty": False,
        "old": True,
        "revoked": True,
        "objected": True,
        "listed": False,
        "positive": True,
        "late": True,
        "young": False,
    }
    # before the objection the penalty counted; after publication the late one does
    assert not green_channel(store, ["objected"], dt.date(2026, 8, 31), CFG, WindowPolicy())[
        "objected"
    ]
    assert not green_channel(store, ["late"], dt.date(2026, 11, 30), CFG, WindowPolicy())["late"]


def test_years_and_full_period_are_configuration(store) -> None:
    plant(
        store,
        [subject("old", "enterprise"), subject("young", "enterprise", established="2025-01-01")],
        [
            record(
                "old",
                "administrative_penalty",
                "2024-06-01",
                severity="serious",
                value_text="other",
                valid_until="2027-06-01",
            )
        ],
    )
    ids = ["old", "young", "unknown"]
    default = green_channel(store, ids, AS_OF, CFG, WindowPolicy())
    assert default.to_dict() == {"old": False, "unknown": True, "young": False}
    short = green_channel(
        store, ids, AS_OF, GreenChannelConfig(years=2, require_full_period=False), WindowPolicy()
    )
    assert short.to_dict() == {"old": True, "unknown": True, "young": True}
    with pytest.raises(ValueError, match="years"):
        GreenChannelConfig(years=0)


def test_population_of_another_scheme(store) -> None:
    plant(
        store,
        [subject("d1", "driver"), subject("d2", "driver"), subject("e1", "enterprise")],
        [
            record(
                "d2",
                "traffic_violation",
                "2026-05-01",
                value_num=1.0,
                severity="minor",
                valid_until="2027-05-01",
            )
        ],
    )
    flags = green_channel(store, "driver", AS_OF, CFG, WindowPolicy())
    assert flags.to_dict() == {"d1": True, "d2": False}
    assert isinstance(flags, pd.Series)


def test_a_slice_gives_the_stores_flags(store) -> None:
    """On a slice (a one-subject rating) the flag is worked out in process from the
    slice's effective records: the same flags as the query on the whole store."""
    from features.store.sliced import slice_store

    test_flags(store)  # plants the cases above
    ids = list(green_channel(store, "enterprise", AS_OF, CFG, WindowPolicy()).index)
    for day in (AS_OF, dt.date(2026, 8, 31), dt.date(2026, 11, 30)):
        for cfg in (CFG, GreenChannelConfig(years=1, require_full_period=False)):
            whole = green_channel(store, [*ids, "unknown"], day, cfg, WindowPolicy())
            view = slice_store(store, [*ids, "unknown"])
            pd.testing.assert_series_equal(
                green_channel(view, [*ids, "unknown"], day, cfg, WindowPolicy()), whole
            )


def test_a_slice_gives_the_city_flags(tiny_city) -> None:
    from features.store.sliced import SlicedStore

    tables = {
        t: tiny_city.query_arrow(f"SELECT * FROM {t}")
        for t in ("subjects", "records", "objections", "repairs")
    }
    ids = list(tiny_city.query("SELECT DISTINCT subject_id FROM subjects")["subject_id"])
    view = SlicedStore(tiny_city, tables, ids)
    for day in (dt.date(2025, 6, 30), AS_OF):
        whole = green_channel(tiny_city, ids, day, CFG, WindowPolicy())
        assert 0.05 < whole.mean() < 0.95
        pd.testing.assert_series_equal(green_channel(view, ids, day, CFG, WindowPolicy()), whole)


def test_an_organisations_serious_records_are_its_legal_representatives(store) -> None:
    """Seed 002 #12: a firm's serious records enter its legal representative's personal
    credit record, so they deny the person's green channel as the person's own would —
    a serious penalty of the last 3 years or a listing still in force; a general one, an
    older one or another person's firm does not."""
    from features.store.sliced import slice_store

    people = ["p_serious", "p_general", "p_old", "p_listed", "p_none"]
    subjects = [subject(p, "household") for p in people]
    firms = {
        "f_serious": ("p_serious", "2025-03-01", "serious", "administrative_penalty"),
        "f_general": ("p_general", "2025-03-01", "general", "administrative_penalty"),
        "f_old": ("p_old", "2022-03-01", "serious", "administrative_penalty"),
        "f_listed": ("p_listed", "2021-05-01", "serious", "dishonest_judgment_debtor"),
    }
    subjects += [subject(f, "enterprise", legal_rep_id=rep) for f, (rep, *_) in firms.items()]
    records = [
        record(f, kind, day, severity=sev, value_text="other", valid_until="2027-12-31")
        for f, (_, day, sev, kind) in firms.items()
    ]
    plant(store, subjects, records)
    flags = green_channel(store, people, AS_OF, CFG, WindowPolicy())
    assert flags.to_dict() == {
        "p_general": True,
        "p_listed": False,
        "p_none": True,
        "p_old": True,
        "p_serious": False,
    }
    # the firms themselves: their own records, no party
    firm_flags = green_channel(store, list(firms), AS_OF, CFG, WindowPolicy())
    assert firm_flags.to_dict() == {
        "f_general": False,
        "f_listed": False,
        "f_old": True,
        "f_serious": False,
    }
    # a one-subject rating's slice gives the same, in process
    view = slice_store(store, people)
    pd.testing.assert_series_equal(green_channel(view, people, AS_OF, CFG, WindowPolicy()), flags)
    # and the scheme's feature query carries the flag column alike
    from features.build import build_features

    built = build_features(store, "household", AS_OF, with_rules=True).set_index("subject_id")
    assert built["flag__green_channel"].to_dict() == flags.to_dict()
