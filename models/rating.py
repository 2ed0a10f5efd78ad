"""Grade scales: from a probability of default to a published grade.

A scale (``models/scales/<scheme>.toml``, or ``scale.toml`` in a scheme folder)
lists the grades from best to worst with their labels and a reference share of
the population (e.g. 丹东's A/B/C/D mix for enterprises).
:meth:`GradeScale.fit_bands` turns the shares into PD bands on training data and
then moves each boundary, if needed, until observed default rates rise with
every worse grade.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from models.overrides import Override, parse_overrides

SCALES_DIR = Path(__file__).with_name("scales")  # the shipped scales (a folder scheme has its own)


@dataclass(frozen=True)
class Grade:
    """One grade: key (AAA, A, D…), labels and reference share."""

    key: str
    label_zh: str
    label_en: str
    share: float


@dataclass(frozen=True)
class GradeScale:
    """Grades from best to worst, PD upper bounds between them, and overrides.

    Attributes
    ----------
    scheme
        Scheme key.
    grades
        Best first.
    cutoffs
        ``len(grades) - 1`` increasing PD bounds: a PD at or below ``cutoffs[k]``
        (and above the previous one) gets grade ``k``. Empty until fitted.
    min_share
        Smallest share of the training population a grade may keep.
    overrides
        Policy overrides applied after the model (see :mod:`models.overrides`).
    """

    scheme: str
    grades: tuple[Grade, ...]
    cutoffs: tuple[float, ...] = ()
    min_share: float = 0.005
    overrides: tuple[Override, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Grade keys, best first."""
        return tuple(g.key for g in self.grades)

    def label(self, key: str, lang: str = "zh") -> str:
        """Label of grade ``key``."""
        for g in self.grades:
            if g.key == key:
                return g.label_zh if lang == "zh" else g.label_en
        raise KeyError(f"scale {self.scheme} has no grade {key!r}")

    def rank(self, keys: np.ndarray) -> np.ndarray:
        """Position of each grade key (0 = best)."""
        index = {k: i for i, k in enumerate(self.keys)}
        return np.array([index[k] for k in keys], dtype=int)

    def assign(self, pd: np.ndarray) -> np.ndarray:
        """Grade keys of probabilities of default (needs fitted cutoffs)."""
        if len(self.cutoffs) != len(self.grades) - 1:
            raise ValueError(f"scale {self.scheme} has no PD bands yet: call fit_bands")
        idx = np.searchsorted(np.asarray(self.cutoffs), np.asarray(pd, dtype=float), side="left")
        return np.asarray(self.keys, dtype=object)[idx]

    def fit_bands(
        self,
        pd: np.ndarray,
        y: np.ndarray,
        max_rounds: int = 50,
        sample_weight: np.ndarray | None = None,
    ) -> GradeScale:
        """PD bands from reference shares, adjusted so default rates rise by grade.

        Parameters
        ----------
        pd
            Calibrated PDs of the training population.
        y
            Observed outcomes (1 = target event).
        max_rounds
            Passes over the boundaries when repairing non-monotone rates.
        sample_weight
            Subjects each row stands for (a weighted sample): shares, the smallest
            grade and default rates are then of the weights, not of the rows.
        """
        p = np.asarray(pd, dtype=float)
        t = np.asarray(y, dtype=float)
        order = np.argsort(p, kind="stable")
        p, t = p[order], t[order]
        n = len(p)
        shares = np.array([g.share for g in self.grades], dtype=float)
        cum = np.cumsum(shares / shares.sum())[:-1]
        if sample_weight is None:
            # boundaries as positions in the sorted population
            pos = np.clip(np.round(cum * n).astype(int), 1, n - 1)
            min_n = max(1, int(np.ceil(self.min_share * n)))
            csum = np.concatenate([[0.0], np.cumsum(t)])

            def rate(a: int, b: int) -> float:
                return (csum[b] - csum[a]) / max(b - a, 1)

            def candidates(lo: int, hi: int) -> np.ndarray:
                return np.unique(np.linspace(lo + min_n, hi - min_n, 41).astype(int))

        else:
            w = np.asarray(sample_weight, dtype=float)[order]
            cw = np.concatenate([[0.0], np.cumsum(w)])
            cy = np.concatenate([[0.0], np.cumsum(w * t)])
            total = cw[-1]
            pos = np.clip(np.searchsorted(cw, cum * total, side="left"), 1, n - 1)
            min_w = self.min_share * total

            def rate(a: int, b: int) -> float:
                return (cy[b] - cy[a]) / max(cw[b] - cw[a], 1e-12)

            def candidates(lo: int, hi: int) -> np.ndarray:
                first = int(np.searchsorted(cw, cw[lo] + min_w, side="left"))
                last = int(np.searchsorted(cw, cw[hi] - min_w, side="right")) - 1
                if first > last:
                    return np.array([], dtype=int)
                return np.unique(np.linspace(first, last, 41).astype(int))

        def edges(ps: np.ndarray) -> np.ndarray:
            return np.concatenate([[0], ps, [n]])

        for _ in range(max_rounds):
            changed = False
            e = edges(pos)
            for k in range(len(pos)):
                lo, hi = e[k], e[k + 2]
                if rate(e[k], e[k + 1]) < rate(e[k + 1], e[k + 2]):
                    continue
                # search the boundary between grade k and k+1 that separates them best
                cands = candidates(lo, hi)
                best, best_gap = None, 0.0
                for c in cands:
                    gap = rate(c, hi) - rate(lo, c)
                    if gap > best_gap:
                        best, best_gap = c, gap
                if best is not None and best != pos[k]:
                    pos[k] = best
                    e = edges(pos)
                    changed = True
            if not changed:
                break
        pos = np.maximum.accumulate(pos)
        # a boundary position i means the first i sorted subjects are in better grades
        cutoffs = tuple(float((p[i - 1] + p[i]) / 2) for i in pos)
        return replace(self, cutoffs=cutoffs)


def scale_source(scheme: str, path: Path | None = None) -> Traversable:
    """Where ``scheme``'s grade scale is: ``path`` when given (a scheme folder's
    ``scale.toml``, as its registry entry names it), else the shipped
    ``models/scales/<scheme>.toml`` read as package data, so that it loads from a
    zipped package too (``spark-submit --py-files``).

    ``models`` imports no other package: callers pass a folder scheme's file
    (``features.registry.scale_file(key)``, ``None`` for a shipped scheme).
    """
    if path is not None:
        return path
    return resources.files("models").joinpath("scales", f"{scheme}.toml")


def is_letter_grade(key: str) -> bool:
    """True for a grade named by letters (``A``, ``AA``, ``BBB``…: read as it is), False
    for a code (the household scale's ``NR``: read by its label)."""
    return key.isalpha() and set(key) <= set("ABCDE")


@functools.cache
def code_grades() -> dict[str, tuple[str, str]]:
    """Every shipped scale's grades that are codes, not letters, → (中文, English) label:
    how a page names them (``NR`` → 未评为信用户 / Not a credit household).

    Raises
    ------
    ValueError
        When two scales label one code differently (a page could not tell which).
    """
    out: dict[str, tuple[str, str]] = {}
    folder = resources.files("models").joinpath("scales")
    for name in sorted(f.name for f in folder.iterdir() if f.name.endswith(".toml")):
        for g in load_scale(name.removesuffix(".toml")).grades:
            if is_letter_grade(g.key):
                continue
            if out.setdefault(g.key, (g.label_zh, g.label_en)) != (g.label_zh, g.label_en):
                raise ValueError(f"grade {g.key} has two labels: {out[g.key]} and {name}")
    return out


def has_scale(scheme: str, path: Path | None = None) -> bool:
    """True when ``scheme`` has a grade scale file (rule-only schemes such as village have none)."""
    return scale_source(scheme, path).is_file()


def load_scale(scheme: str, folder: Path | None = None, path: Path | None = None) -> GradeScale:
    """Read ``scheme``'s grade scale (unknown keys are errors).

    Parameters
    ----------
    scheme
        The scheme key.
    folder
        Read ``<folder>/<scheme>.toml`` instead (tests).
    path
        The scale file of a scheme folder (``features.registry.scale_file(scheme)``);
        ``None`` reads the shipped scale (:func:`scale_source`).
    """
    path = folder / f"{scheme}.toml" if folder is not None else scale_source(scheme, path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    allowed = {"scheme", "name_zh", "name_en", "min_share", "grades", "overrides", "source"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    grades = []
    for g in data["grades"]:
        extra = set(g) - {"key", "label_zh", "label_en", "share"}
        if extra:
            raise ValueError(f"{path}: grade {g.get('key')}: unknown keys {sorted(extra)}")
        grades.append(Grade(g["key"], g["label_zh"], g["label_en"], float(g["share"])))
    keys = [g.key for g in grades]
    overrides = parse_overrides(data.get("overrides", []), keys, str(path))
    return GradeScale(
        scheme=data["scheme"],
        grades=tuple(grades),
        min_share=float(data.get("min_share", 0.005)),
        overrides=overrides,
    )
