"""The scheme façade: which are modelled comes from the declarations.

The shipped keys are listed once, in tests/features/test_registry.py.
"""

from __future__ import annotations

from features.schemes import MODELLED, SCHEMES, modelled, rated, schemes


def test_modelled_schemes_are_those_declaring_a_target() -> None:
    assert modelled() == MODELLED
    assert schemes() == SCHEMES
    assert modelled() == tuple(k for k, s in schemes().items() if s.target is not None)
    assert set(rated()) <= set(schemes())
    # the aggregate schemes (rules over member ratings) are not modelled
    assert all(schemes()[k].members is not None for k in schemes() if k not in modelled())
