"""The practitioner declaration and its demo-city generator agree: the professions, the
record kinds (values, polarity, domain, departments) and the target events."""

from __future__ import annotations

import itertools

import pytest

from features import registry
from features.definitions import practitioner
from features.records.kinds import all_departments, all_kinds
from features.records.synthetic.generator_spec import load_generator_spec
from features.records.values import DOMAINS, kind_value_label, value_num_unit


@pytest.fixture(scope="module")
def spec():
    entry = registry.active().entry("practitioner")
    assert entry.generator is not None, "the shipped scheme has its generator file"
    return load_generator_spec(entry.generator)


def _values(value) -> list:
    return list(value) if isinstance(value, dict) else [value]


def test_the_professions_agree(spec) -> None:
    declared = registry.active().subject_type("practitioner").attribute("profession")
    assert set(spec.attributes["profession"].choices) == set(declared.choices)
    assert set(declared.choices) == set(practitioner.PROFESSIONS)
    assert all(zh and en for zh, en in practitioner.PROFESSIONS.values())


def test_every_generated_record_is_a_declared_value_of_its_kind(spec) -> None:
    kinds, depts = all_kinds(), all_departments()
    for name, ev in itertools.chain(spec.events.items(), spec.yearly.items()):
        kind = kinds[ev.kind]  # registered: built in or declared
        for text in _values(ev.value_text):
            if kind.values:
                assert text in kind.values, (name, text)
                # read as words on a Chinese page, never the code
                assert kind_value_label(ev.kind, text) != text, (name, text)
            if ev.polarity is not None:
                assert kind.polarity_for(text) == ev.polarity, (name, text)
        for sev in _values(getattr(ev, "severity", None)):
            assert sev is None or sev in kind.severities, (name, sev)
        assert ev.domain is None or ev.domain == kind.domain, name
        assert kind.domain in DOMAINS
        for dept in [ev.dept, *getattr(ev, "dept_by", {}).get("profession", {}).values()]:
            assert dept is None or dept in depts, (name, dept)
        if ev.value_num is not None and kind.value_num_unit:
            assert value_num_unit(ev.kind) == "学时"


def test_the_target_is_the_generators_target_events(spec) -> None:
    target = registry.active().get_scheme("practitioner").target

    def hit(kind: str, severity, value) -> bool:
        return any(
            kind in m.kinds
            and (not m.severities or severity in m.severities)
            and (not m.values or value in m.values)
            for m in target.match
        )

    for name, ev in spec.events.items():
        combos = list(itertools.product(_values(ev.severity), _values(ev.value_text)))
        expected = name in spec.target.events
        assert all(hit(ev.kind, s, v) == expected for s, v in combos), name
