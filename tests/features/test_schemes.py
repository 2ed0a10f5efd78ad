"""The registry of schemes: which are modelled comes from the declarations."""

from __future__ import annotations

from features.schemes import MODELLED, SCHEMES


def test_modelled_schemes_are_those_declaring_a_target() -> None:
    assert MODELLED == ("enterprise", "sme", "household", "driver")
    assert all(SCHEMES[k].target is not None for k in MODELLED)
    assert {k for k, s in SCHEMES.items() if s.target is None} == {"village", "township"}
