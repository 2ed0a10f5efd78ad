"""The generated demo city: subjects, records and the latent truth behind them.

Modelled on 曲靖 (Qujing): its real county codes, a plausible industry mix and
rates, and a latent risk per subject that drifts month by month and drives
every negative event, loan default and accident. The latent risk and each
subject's true probability of its scheme's target event are written only to
``synthetic_truth``; features never read it.
"""
