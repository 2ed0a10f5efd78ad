"""Batch scoring: ratings rows, exact reasons, idempotent and atomic writes."""

from __future__ import annotations

import datetime as dt
import json
import threading

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from scoring.batch import iter_ratings, rate_frame, rate_subjects, score_scheme

AS_OF = dt.date(2026, 10, 31)


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_every_population_subject_gets_one_rating(tiny, champions, scheme) -> None:
    model = champions[scheme]
    run = score_scheme(tiny, model, AS_OF)
    population = build_features(tiny, scheme, AS_OF)["subject_id"]
    rows = tiny.query("SELECT * FROM ratings WHERE scheme = ?", [scheme])
    assert run.rows == len(rows) == len(population)
    assert set(rows["subject_id"]) == set(population)
    assert (rows["model_name"] == f"xinping-{scheme}").all()
    assert (rows["model_version"] == model.version).all()
    assert (rows["run_id"] == model.run_id).all() and model.run_id
    assert rows["final_grade"].isin(model.pipeline.scale.keys).all()
    assert rows["pd"].between(0, 1).all()
    assert sum(run.grades.values()) == run.rows


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_reasons_add_up_to_the_model_output(tiny, champions, scheme) -> None:
    model = champions[scheme]
    score_scheme(tiny, model, AS_OF)
    rows = tiny.query(
        "SELECT subject_id, score, reasons FROM ratings WHERE scheme = ? ORDER BY subject_id",
        [scheme],
    )
    features = (
        build_features(tiny, scheme, AS_OF)
        .set_index("subject_id")
        .loc[rows["subject_id"]]
        .reset_index()
    )
    pipe = model.pipeline
    x = pipe.model_input(features)
    expected = (
        pipe.estimator.predict_score(x)
        if pipe.family == "scorecard"
        else pipe.estimator.decision_function(x)
    )
    got = []
    for text in rows["reasons"]:
        r = json.loads(text)
        listed = [i["contribution"] for i in r["raise"] + r["lower"]]
        assert r["base"] + sum(listed) + r["rest"] == pytest.approx(r["output"], abs=1e-9)
        assert len(r["raise"]) <= 5 and len(r["lower"]) <= 3
        risks = [i["risk"] for i in r["raise"]]
        assert all(v > 0 for v in risks) and risks == sorted(risks, reverse=True)
        assert all(i["risk"] < 0 for i in r["lower"])
        for i in r["raise"] + r["lower"]:
            assert i["text_zh"] and i["text_en"] and i["label_zh"]
            sign = -1 if r["unit"] == "points" else 1
            assert i["risk"] == pytest.approx(sign * i["contribution"])
        got.append(r["output"])
    assert np.allclose(got, expected, atol=1e-9)
    if pipe.family == "scorecard":
        assert np.array_equal(rows["score"].to_numpy(), np.asarray(expected, dtype=float))


def test_a_reason_quotes_the_subjects_value(tiny, champions) -> None:
    score_scheme(tiny, champions["driver"], AS_OF)
    rows = tiny.query("SELECT subject_id, reasons FROM ratings WHERE scheme = 'driver'")
    features = build_features(tiny, "driver", AS_OF).set_index("subject_id")
    checked = 0
    for sid, text in zip(rows["subject_id"], rows["reasons"], strict=True):
        for item in json.loads(text)["raise"]:
            value = features.at[sid, item["indicator"]]
            if item["value"] is None:
                assert pd.isna(value)
            elif isinstance(item["value"], float):
                assert item["value"] == pytest.approx(float(value))
                checked += 1
    assert checked > 100


def test_a_rerun_replaces_the_batch(tiny, champions) -> None:
    model = champions["driver"]
    first = score_scheme(tiny, model, AS_OF)
    second = score_scheme(tiny, model, AS_OF)
    assert second.replaced == first.rows
    assert tiny.count("ratings") == first.rows
    other_day = score_scheme(tiny, model, dt.date(2026, 9, 30))
    assert other_day.replaced == 0
    assert tiny.count("ratings") == first.rows + other_day.rows


def test_a_run_killed_midway_leaves_the_previous_result(tiny, champions, monkeypatch) -> None:
    model = champions["driver"]
    score_scheme(tiny, model, AS_OF, scored_at=dt.datetime(2026, 11, 1, 8))
    before = tiny.query("SELECT * FROM ratings ORDER BY subject_id")
    from features.store.duckdb_store import DuckDBStore

    real_append = DuckDBStore.append

    def dying(self, table, data):
        if table == "ratings":
            half = len(data) // 2  # the parts arrive as Arrow tables or frames
            real_append(self, table, data.slice(0, half) if hasattr(data, "slice") else data[:half])
            raise KeyboardInterrupt("killed")
        return real_append(self, table, data)

    monkeypatch.setattr(DuckDBStore, "append", dying)
    with pytest.raises(KeyboardInterrupt):
        score_scheme(tiny, model, AS_OF)
    monkeypatch.undo()
    after = tiny.query("SELECT * FROM ratings ORDER BY subject_id")
    pd.testing.assert_frame_equal(before, after)


def _cited(rows: pd.DataFrame) -> list:
    return [
        [(i["indicator"], i["text_zh"]) for i in r["raise"] + r["lower"]] + [r.get("points_rule")]
        for r in map(json.loads, rows["reasons"])
    ]


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_rows_do_not_depend_on_the_part_size(tiny, champions, scheme) -> None:
    model, at = champions[scheme], dt.datetime(2026, 11, 1, 8)
    features = build_features(tiny, scheme, AS_OF)
    whole = rate_frame(model, features, AS_OF, at, chunk_rows=len(features) + 1)
    parts = list(iter_ratings(model, features, AS_OF, at, chunk_rows=97))
    assert len(parts) == -(-len(features) // 97) > 2
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    run = score_scheme(tiny, model, AS_OF, scored_at=at, chunk_rows=97)
    stored = tiny.query("SELECT * FROM ratings WHERE scheme = ? ORDER BY subject_id", [scheme])
    written = rate_subjects(tiny, model, AS_OF, scored_at=at).sort_values("subject_id")
    assert run.rows == len(stored) == len(whole)
    # built again, the indicators can differ in the last bit (parallel sums): the
    # texts are rounded for reading and do not
    assert _cited(stored) == _cited(written)
    assert stored["final_grade"].tolist() == written["final_grade"].tolist()
    # the grade mix the run reports is what it stored (for drivers, after the points rule)
    assert run.grades == {
        g: int((stored["final_grade"] == g).sum()) for g in model.pipeline.scale.keys
    }


@pytest.mark.parametrize("scheme", ["enterprise", "driver"])
def test_a_population_built_in_parts_is_rated_as_one_build(
    tiny, champions, scheme, monkeypatch
) -> None:
    # the command builds the population in subject ranges and rates each as it comes
    # (memory holds one part's indicators): the rows are those of one whole build
    model, at = champions[scheme], dt.datetime(2026, 11, 1, 8)
    whole = rate_subjects(tiny, model, AS_OF, scored_at=at).sort_values("subject_id")
    import features.build

    monkeypatch.setattr(features.build, "part_rows", lambda limit: 60)
    marks: list[tuple[str, int, int]] = []
    run = score_scheme(
        tiny, model, AS_OF, scored_at=at, chunk_rows=25, progress=lambda *m: marks.append(m)
    )
    stored = tiny.query("SELECT * FROM ratings WHERE scheme = ? ORDER BY subject_id", [scheme])
    n = len(whole)
    assert run.rows == len(stored) == n
    assert stored["subject_id"].tolist() == whole["subject_id"].tolist()
    assert stored["final_grade"].tolist() == whole["final_grade"].tolist()
    assert np.allclose(stored["pd"], whole["pd"], rtol=1e-9, atol=0)
    assert _cited(stored) == _cited(whole.reset_index(drop=True))
    # built in parts of about 60 subjects, reported against the population in both stages
    built = [d for s, d, t in marks if s.startswith("指标")]
    scored = [d for s, d, t in marks if s.startswith("评分")]
    assert built[0] == 0 and built[-1] == n and len(built) == 1 + -(-n // 60)
    assert scored == sorted(scored) and scored[-1] == n
    assert {t for _, _, t in marks} == {n}


def test_a_run_killed_after_some_parts_leaves_the_previous_result(
    tiny, champions, monkeypatch
) -> None:
    model = champions["driver"]
    score_scheme(tiny, model, AS_OF, scored_at=dt.datetime(2026, 11, 1, 8))
    before = tiny.query("SELECT * FROM ratings ORDER BY subject_id")
    from features.store.duckdb_store import DuckDBStore

    real_append, appended = DuckDBStore.append, []

    def dying(self, table, data):
        if table == "ratings" and len(appended) == 3:
            raise KeyboardInterrupt("killed")
        appended.append(len(data))
        return real_append(self, table, data)

    monkeypatch.setattr(DuckDBStore, "append", dying)
    with pytest.raises(KeyboardInterrupt):
        score_scheme(tiny, model, AS_OF, chunk_rows=50)
    monkeypatch.undo()
    assert appended == [50, 50, 50]  # three parts were in before the kill
    after = tiny.query("SELECT * FROM ratings ORDER BY subject_id")
    pd.testing.assert_frame_equal(before, after)


def test_event_rerating_rows_are_kept_by_a_batch_rerun(tiny, champions) -> None:
    model = champions["driver"]
    score_scheme(tiny, model, AS_OF)
    sid = tiny.scalar("SELECT min(subject_id) FROM ratings")
    score_scheme(tiny, model, AS_OF, subjects=[sid], cause={"kind": "test", "id": "x"})
    again = score_scheme(tiny, model, AS_OF)
    rows = tiny.query("SELECT reasons FROM ratings WHERE subject_id = ?", [sid])
    assert len(rows) == 2 and again.replaced == again.rows
    assert sum("cause" in json.loads(r) for r in rows["reasons"]) == 1


def test_ratings_carry_the_green_channel_and_the_driver_points_rule(tiny, champions) -> None:
    from scoring.policies.driver import driver_grades
    from scoring.policies.green_channel import green_channel

    score_scheme(tiny, champions["driver"], AS_OF)
    rows = tiny.query("SELECT subject_id, green_channel, reasons FROM ratings ORDER BY subject_id")
    flags = green_channel(tiny, rows["subject_id"].tolist(), AS_OF)
    assert rows["green_channel"].tolist() == flags.loc[rows["subject_id"]].tolist()
    assert 0 < rows["green_channel"].mean() < 1
    points = driver_grades(tiny, AS_OF).set_index("subject_id")
    rule = [json.loads(r)["points_rule"] for r in rows["reasons"]]
    assert [r["points"] for r in rule] == points.loc[rows["subject_id"], "points"].tolist()
    assert {r["grade"] for r in rule} <= {"AAA", "AA", "A", "B"}


RANK = {"AAA": 0, "AA": 1, "A": 2, "B": 3}


def _plant(store, subject_id: str, kind: str, record_id: str, **values) -> None:
    from features.records.kinds import KINDS

    k = KINDS[kind]
    day = pd.Timestamp("2026-08-01")
    store.append(
        "records",
        pd.DataFrame(
            [
                {
                    "record_id": record_id,
                    "subject_id": subject_id,
                    "kind": kind,
                    "domain": k.domain,
                    "severity": "general",
                    "polarity": k.polarity_for(values.get("value_text")),
                    "value_num": values.get("value_num"),
                    "value_text": values.get("value_text"),
                    "amount": None,
                    "event_date": day,
                    "decided_on": day,
                    "published_on": day + pd.Timedelta(days=5),
                    "valid_until": None,
                    "revoked_on": None,
                    "source_dept": k.dept,
                }
            ]
        ),
    )


def test_every_driver_final_grade_is_capped_by_the_points_grade(tiny, champions) -> None:
    score_scheme(tiny, champions["driver"], AS_OF)
    rows = tiny.query("SELECT model_grade, final_grade, overrides, reasons FROM ratings")
    capped = 0
    for model, final, overrides, reasons in rows.itertuples(index=False):
        rule = json.loads(reasons)["points_rule"]
        named = [o for o in json.loads(overrides) if o["indicator"] == "points_rule"]
        # never better than the points grade; the model's grade where the rule allows it
        assert RANK[final] == max(RANK[model], RANK[rule["grade"]])
        # the override is named exactly where the rule moved the grade
        assert bool(named) == (RANK[rule["grade"]] > RANK[model])
        if named:
            capped += 1
            assert named[0]["grade"] == rule["grade"]
            assert [r["record_id"] for r in named[0]["records"]] == [
                d["record_id"] for d in rule["detail"]
            ]
        if rule["points"] == 0:
            assert final == model and not named
    assert capped > 0


def test_a_responsible_accident_makes_an_aaa_driver_b(tiny, champions) -> None:
    model = champions["driver"]
    score_scheme(tiny, model, AS_OF)
    rows = tiny.query(
        "SELECT subject_id, model_grade, pd, reasons FROM ratings "
        "WHERE model_grade = 'AAA' ORDER BY pd, subject_id"
    )
    clean = [
        r.subject_id
        for r in rows.itertuples()
        if json.loads(r.reasons)["points_rule"]["points"] == 0
    ]
    accident, violation = clean[0], clean[1]
    _plant(tiny, accident, "traffic_accident", "T-ACC-1", value_text="equal")
    _plant(tiny, violation, "traffic_violation", "T-VIO-6", value_num=6.0)
    # the re-rating path (objections, look-ups) and the batch path agree
    one = rate_subjects(tiny, model, AS_OF, subjects=[accident, violation])
    score_scheme(tiny, model, AS_OF)
    batch = tiny.query(
        "SELECT subject_id, model_grade, final_grade, overrides FROM ratings "
        "WHERE subject_id IN (?, ?)",
        [accident, violation],
    )
    for got in (one, batch):
        got = got.set_index("subject_id")
        # the model still ranks the driver above B: the published rule caps it
        assert RANK[got.loc[accident, "model_grade"]] < RANK["B"]
        assert got.loc[accident, "final_grade"] == "B"
        rule = [
            o for o in json.loads(got.loc[accident, "overrides"]) if o["indicator"] == "points_rule"
        ]
        assert rule and rule[0]["grade"] == "B" and rule[0]["points"] == 20
        assert [(r["record_id"], r["points"]) for r in rule[0]["records"]] == [("T-ACC-1", 20)]
        assert "T-ACC-1" in rule[0]["reason_zh"]
        # 6 licence points score 10: no better than A
        assert RANK[got.loc[violation, "final_grade"]] >= RANK["A"]


def test_a_part_that_cannot_be_spilled_stops_the_run_and_leaves_the_previous_result(
    tiny, champions, monkeypatch
) -> None:
    """Parts go to their spill files on another thread while the next is rated: a write
    that fails there fails the run here, and nothing of the batch is written."""
    import scoring.batch as batch

    model = champions["driver"]
    score_scheme(tiny, model, AS_OF, scored_at=dt.datetime(2026, 11, 1, 8))
    before = tiny.query("SELECT * FROM ratings ORDER BY subject_id")
    real_write, spilled = batch._write_arrow, []

    def full_disk(table, path):
        if len(spilled) == 2:
            raise OSError(28, "No space left on device")
        spilled.append(threading.current_thread().name)
        return real_write(table, path)

    monkeypatch.setattr(batch, "_write_arrow", full_disk)
    with pytest.raises(OSError, match="No space left"):
        score_scheme(tiny, model, AS_OF, chunk_rows=50)
    monkeypatch.undo()
    assert len(spilled) == 2 and all(n.startswith("xinping-spill") for n in spilled)
    after = tiny.query("SELECT * FROM ratings ORDER BY subject_id")
    pd.testing.assert_frame_equal(before, after)
