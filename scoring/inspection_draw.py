"""The routine inspection draw (双随机): classes in force → drawn list → stored draw.

The use case behind ``xinping inspections draw`` and the 分级分类监管 page: the
enterprise credit-risk classes in force on the date
(:func:`scoring.policies.inspection_store.enterprise_classes`), the previous
draws the yearly caps count, the draw itself (:func:`scoring.policies.inspection.draw`,
pure and seeded) and one ``inspections`` row per drawn enterprise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from features.store.base import Store
from scoring.policies.inspection import DrawResult, InspectionConfig, draw, summary_table
from scoring.policies.inspection_store import (
    draw_history,
    enterprise_classes,
    export_frame,
    new_draw_id,
    store_draw,
)


class EmptyDrawError(ValueError):
    """No classified enterprise in the region on the date: nothing is drawn or stored."""


@dataclass(frozen=True)
class DrawOutcome:
    """A stored draw: its id, the result, the ratings it used, the export list and summary."""

    draw_id: str
    as_of: dt.date
    result: DrawResult
    batch: dict
    listing: pd.DataFrame
    summary: pd.DataFrame


def draw_inspections(
    store: Store,
    as_of: dt.date,
    seed: int,
    region: str | None,
    cfg: InspectionConfig,
    drawn_by: str,
) -> DrawOutcome:
    """Draw the inspection list on ``as_of`` and store it.

    Parameters
    ----------
    store
        The store (ratings read, ``inspections`` written).
    as_of
        Classification date: the classes in force on it.
    seed
        Seed of the draw (the same seed and data give the same list).
    region
        A 6-digit 行政区划代码 (``None``: the whole jurisdiction).
    cfg
        The inspection policy in force (settings ``[inspection]``).
    drawn_by
        Who draws (stored with the draw).

    Raises
    ------
    scoring.policies.inspection_store.NoRatingsError
        When no enterprise has a rating on or before ``as_of``.
    ValueError
        When ``region`` is not a 6-digit code.
    EmptyDrawError
        When the region has no classified enterprise (nothing is stored).
    """
    classes, batch = enterprise_classes(store, as_of)
    history = draw_history(store, as_of, cfg)
    result = draw(classes, cfg, seed, region=region, history=history, as_of=as_of)
    if result.population == 0:
        raise EmptyDrawError(f"no classified enterprise in region {region} at {as_of}")
    draw_id = store_draw(
        store, result, as_of, drawn_by=drawn_by, batch=batch, draw_id=new_draw_id(as_of)
    )
    return DrawOutcome(
        draw_id, as_of, result, batch, export_frame(result, draw_id, as_of), summary_table(result)
    )
