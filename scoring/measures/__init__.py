"""Joint rewards and punishments (联合奖惩): the measures catalogue (措施清单).

* :mod:`~scoring.measures.vocabulary` — list keys, tiers, matters, trigger expressions.
* :mod:`~scoring.measures.catalogue` — frozen measures and the catalogue.
* :mod:`~scoring.measures.checks` — plain data checked into a catalogue; the shipped file.
* :mod:`~scoring.measures.matching` — which measures apply to a subject for a matter, and why.
* :mod:`~scoring.measures.versions` — saved versions in the store; the catalogue in force.
"""
