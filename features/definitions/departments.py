"""Departments that push records for the declared schemes (practitioners, social
organisations, agricultural businesses, sector evaluations).

The built-in departments are in :mod:`features.records.kinds`; these are the
supervising departments the seeds name for the key professions (seed 000 §五,
001 §四(十), 003 §五(五)), social organisations (民政, seed 001 §七(三)) and the
construction and tourism sector evaluations (seed 001 §三, §四). One module for
all of them, so that two schemes reporting to one department declare it once.
"""

from __future__ import annotations

from features.records.kinds import Department

DEPARTMENTS = (
    Department("health", "卫生健康委员会", "Health Commission"),
    Department("culture_tourism", "文化和旅游局", "Culture and Tourism"),
    Department("education", "教育局", "Education"),
    Department("justice", "司法局", "Justice"),
    Department("finance", "财政局", "Finance"),
    Department("housing_construction", "住房和城乡建设局", "Housing and Urban-Rural Development"),
    Department("civil_affairs", "民政局", "Civil Affairs"),
)
