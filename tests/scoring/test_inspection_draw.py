"""The inspection draw use case on the little city: classes in force, stored draw, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from little_city import D0, D1, E1, E2, E4, E6

from scoring.inspection_draw import EmptyDrawError, draw_inspections
from scoring.policies.inspection import InspectionConfig
from scoring.policies.inspection_store import NoRatingsError, enterprise_classes


def test_classes_are_the_ratings_in_force(city) -> None:
    classes, batch = enterprise_classes(city, D1)
    assert classes["subject_id"].is_unique  # a re-rating does not list a firm twice
    by = classes.set_index("subject_id")["credit_class"]
    assert by[E6] == "A"  # the re-rating after the upheld objection, not the batch's D
    assert by[E1] == "D" and by[E2] == "B" and by[E4] == "A"
    assert batch["model_version"] == "2" and batch["as_of"] == D1.isoformat()
    # after D1 and before the next batch the same classes are in force
    later, _ = enterprise_classes(city, dt.date(2026, 10, 20))
    assert later.equals(classes)
    # at D0 the later batch of the date wins over the older model version
    assert enterprise_classes(city, D0)[0].set_index("subject_id")["credit_class"][E2] == "B"
    with pytest.raises(NoRatingsError, match="rated dates: 2026-09-30, 2026-06-30"):
        enterprise_classes(city, dt.date(2020, 1, 1))


def test_a_draw_is_stored_with_its_ratings(city) -> None:
    out = draw_inspections(city, D1, 7, None, InspectionConfig(), "张三")
    stored = city.query("SELECT * FROM inspections WHERE draw_id = ?", [out.draw_id])
    assert len(stored) == len(out.listing) == len(out.result.drawn) > 0
    assert set(stored["drawn_by"]) == {"张三"} and set(stored["seed"]) == {7}
    assert out.batch["model_version"] == "2" and not out.summary.empty
    with pytest.raises(EmptyDrawError, match="no classified enterprise in region 110101"):
        draw_inspections(city, D1, 7, "110101", InspectionConfig(), "张三")
    assert city.query("SELECT count(DISTINCT draw_id) AS n FROM inspections")["n"].iloc[0] == 1
