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
    # the schemes that are not modelled aggregate member ratings or are rated by a
    # published rule alone (a sector evaluation: its band is the grade)
    assert all(schemes()[k].members is not None for k in schemes() if k not in rated())
    assert all(
        any(r.binding == "exact" for r in schemes()[k].rules)
        for k in rated()
        if k not in modelled()
    )
