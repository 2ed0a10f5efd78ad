"""Policies applied to ratings, every number from configuration (DOMAIN.md defaults).

* :mod:`~scoring.policies.inspection` — 双随机 draws by credit-risk class (pure);
  :mod:`~scoring.policies.inspection_store` reads classes and history, stores draws.
* :mod:`~scoring.policies.lending` — 信易贷 knock-outs, credit line and rate tier.
* :mod:`~scoring.policies.rural` — 信用户, 信用村, 信用乡镇, household lines and discounts.
* :mod:`~scoring.policies.driver` — driver integrity points and grade.
* :mod:`~scoring.policies.green_channel` — the green-channel flag.
"""
