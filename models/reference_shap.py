"""Exact Shapley values of a LightGBM model against one reference row (baseline Shapley).

Path-dependent TreeSHAP (LightGBM's ``pred_contrib``) measures each feature against
the training population's *expected* output, through the trees' cover counts. That
sum is exact, but a feature's share may come out positive although its value is the
best possible one: the attribution mixes in the other features' conditional
distributions. Credit reasons need a plainer statement: *what this subject's value
does compared with a reference subject*. Baseline Shapley (Sundararajan & Najmi
2020, "The many Shapley values for model explanation"; the interventional TreeSHAP of
Lundberg et al. 2020 with a single background row) is that statement:

    v(S) = f(x_S, r_rest)        φ_j = Σ_S |S|!(n−|S|−1)!/n! · (v(S ∪ {j}) − v(S))

so that ``f(r) + Σ φ_j = f(x)`` exactly, a feature whose value equals the reference's
gets exactly 0, and — because every marginal difference of a feature the model is
monotone in has the sign of ``x_j − r_j`` — a monotone feature's share always has the
sign its value has against the reference. ``shap`` computes this
(``TreeExplainer(feature_perturbation="interventional")``) but refuses LightGBM models
with categorical splits, which credit models have (industry, scale), hence this module.

How it is computed: a leaf's value reaches the hybrid row ``(x_S, r_rest)`` exactly when
every feature on the leaf's path is taken from a side that follows the path. With
``A`` the path features only ``x`` follows and ``B`` those only ``r`` follows, the leaf
contributes ``v`` to ``v(S)`` iff ``A ⊆ S`` and ``B ∩ S = ∅`` (and nothing when some
path feature is followed by neither). The Shapley value of that game is
``v·(|A|−1)!|B|!/(|A|+|B|)!`` for each feature of ``A`` and ``−v·|A|!(|B|−1)!/(|A|+|B|)!``
for each of ``B``. Every leaf of every tree is a box over the features on its path,
so the work is whole-array comparisons of the rows against those boxes.

The trees are read from ``Booster.dump_model()`` (thresholds at full double
precision) and routed as LightGBM routes them: numerical splits with their missing
type (``None``: NaN is read as 0; ``Zero``: 0 and NaN take the default side;
``NaN``: NaN takes the default side), categorical splits by their category sets
(NaN and negative codes go right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

_ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| below it is zero for "Zero" missing type
#: largest product of rows × (leaf, feature) pairs held in memory at once: a chunk's
#: arrays then stay near the core's cache (city, 5,000 rows, two threads, 4 M → 2 M:
#: enterprise 188 → 139 ms, sme 167 → 139, household 150 → 133, practitioner 156 → 131)
_CELLS = 2_000_000
#: up to this many rows, :meth:`TreePaths.follows` compares all pairs at once
#: (:func:`_follows_flat`); more, one feature at a time
_FEW_ROWS = 8


@dataclass(frozen=True)
class _Box:
    """What one leaf's path asks of one feature."""

    feature: int
    categorical: bool
    lo: float = -math.inf  # numeric: lo < x <= hi
    hi: float = math.inf
    nan_ok: bool = True
    zero_ok: bool = True
    include: frozenset[int] | None = None  # categorical: codes allowed (None: all) …
    exclude: frozenset[int] = frozenset()  # … minus these


def _step(box: _Box, node: dict, left: bool) -> _Box:
    """``box`` narrowed by following ``node`` to its left (or right) child."""
    if node["decision_type"] == "==":
        cats = frozenset(int(c) for c in str(node["threshold"]).split("||"))
        if left:
            inc = cats if box.include is None else box.include & cats
            return _Box(box.feature, True, include=inc, exclude=box.exclude, nan_ok=False)
        return _Box(
            box.feature, True, include=box.include, exclude=box.exclude | cats, nan_ok=box.nan_ok
        )
    t = float(node["threshold"])
    missing, default_left = node.get("missing_type", "None"), bool(node["default_left"])
    zero_left = default_left if missing == "Zero" else t >= 0.0
    nan_left = zero_left if missing in ("None", "Zero") else default_left
    lo, hi = (box.lo, min(box.hi, t)) if left else (max(box.lo, t), box.hi)
    return _Box(
        box.feature,
        False,
        lo,
        hi,
        box.nan_ok and nan_left == left,
        box.zero_ok and zero_left == left,
    )


@dataclass(frozen=True)
class _Group:
    """The pairs of one feature among a set of pairs, as :meth:`TreePaths.follows` reads them."""

    feature: int
    at: np.ndarray  # positions in the set
    lo: np.ndarray  # (pairs, 1) numeric bounds, nan/zero flags …
    hi: np.ndarray
    nan_ok: np.ndarray
    zero_ok: np.ndarray
    table: np.ndarray | None  # … or, for a categorical feature, allowed codes per pair


@dataclass(frozen=True)
class _Plan:
    """How :meth:`TreePaths.follows` checks a set of pairs: one :class:`_Group` per
    feature (many rows: whole-array comparisons per feature), and the same pairs laid
    side by side, one entry per pair in the set's order (a few rows: one comparison over
    all pairs instead of a loop over ~60 features, which costs a one-subject rating
    more than the comparisons themselves)."""

    groups: list[_Group]
    feature: np.ndarray  # per pair: its feature
    lo: np.ndarray  # numeric bounds (categorical pairs: ±inf, replaced by their table)
    hi: np.ndarray
    nan_ok: np.ndarray
    zero_ok: np.ndarray  # (read for numeric pairs only)
    cat_at: np.ndarray  # positions of the categorical pairs …
    cat_last: np.ndarray  # … their largest code (K: every code from K on) …
    cat_start: np.ndarray  # … and where each one's table starts in ``cat_flags``
    cat_flags: np.ndarray  # every categorical pair's table, one after another

    @property
    def size(self) -> int:
        return len(self.feature)


@dataclass(frozen=True)
class TreePaths:
    """Every leaf of an ensemble as boxes over its path features, for one model.

    Pairs (leaf, feature) are stored leaf by leaf; ``starts`` gives where each leaf
    with at least one split begins. Leaves of single-leaf trees add a constant that
    every row and the reference share (``constant``).
    """

    n_features: int
    feature: np.ndarray  # per pair
    categorical: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    nan_ok: np.ndarray
    zero_ok: np.ndarray
    cat_table: dict[int, np.ndarray]  # pair → allowed flag per code 0…K-1, then codes ≥ K
    leaf_of_pair: np.ndarray  # position of the pair's leaf in ``value``
    starts: np.ndarray
    value: np.ndarray  # per leaf with splits
    constant: float
    # the trees in the ensemble's order, for its output summed as LightGBM sums it: each
    # tree with splits as a row of ones over its leaves, and each single-leaf tree's value
    # with its position among all trees
    tree_sum: sparse.csr_matrix  # (trees with splits, leaves)
    single_at: np.ndarray
    single_value: np.ndarray

    @classmethod
    def from_dump(cls, dump: dict, n_trees: int | None = None) -> TreePaths:
        """Read the trees of ``Booster.dump_model()`` (the first ``n_trees``)."""
        n_features = int(dump["max_feature_idx"]) + 1
        trees = dump["tree_info"][: n_trees if n_trees else None]
        boxes: list[list[_Box]] = []
        values: list[float] = []
        constant = 0.0
        tree_starts: list[int] = []
        single_at: list[int] = []
        single_value: list[float] = []
        for position, tree in enumerate(trees):
            root = tree["tree_structure"]
            if "leaf_value" in root:
                constant += float(root["leaf_value"])
                single_at.append(position)
                single_value.append(float(root["leaf_value"]))
                continue
            tree_starts.append(len(values))
            stack: list[tuple[dict, dict[int, _Box]]] = [(root, {})]
            while stack:
                node, path = stack.pop()
                if "leaf_value" in node:
                    boxes.append(list(path.values()))
                    values.append(float(node["leaf_value"]))
                    continue
                f = int(node["split_feature"])
                start = path.get(f) or _Box(f, node["decision_type"] == "==")
                for child, left in ((node["left_child"], True), (node["right_child"], False)):
                    stack.append((child, {**path, f: _step(start, node, left)}))
        pairs = [
            (i, b) for i, leaf in enumerate(boxes) for b in sorted(leaf, key=lambda b: b.feature)
        ]
        cat_codes: dict[int, int] = {}
        for _, b in pairs:
            if b.categorical:
                seen = (b.include or frozenset()) | b.exclude
                cat_codes[b.feature] = max(cat_codes.get(b.feature, 0), max(seen, default=0) + 1)
        cat_table = {}
        for p, (_, b) in enumerate(pairs):
            if b.categorical:
                k = cat_codes[b.feature]
                allowed = np.array(
                    [(b.include is None or c in b.include) and c not in b.exclude for c in range(k)]
                    + [b.include is None],
                    dtype=bool,
                )
                cat_table[p] = allowed
        leaf_of_pair = np.array([i for i, _ in pairs], dtype=np.int64)
        counts = np.bincount(leaf_of_pair, minlength=len(boxes))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return cls(
            n_features=n_features,
            feature=np.array([b.feature for _, b in pairs], dtype=np.int64),
            categorical=np.array([b.categorical for _, b in pairs], dtype=bool),
            lo=np.array([b.lo for _, b in pairs], dtype=np.float64),
            hi=np.array([b.hi for _, b in pairs], dtype=np.float64),
            nan_ok=np.array([b.nan_ok for _, b in pairs], dtype=bool),
            zero_ok=np.array([b.zero_ok for _, b in pairs], dtype=bool),
            cat_table=cat_table,
            leaf_of_pair=leaf_of_pair,
            starts=starts,
            value=np.array(values, dtype=np.float64),
            constant=constant,
            tree_sum=_counter(np.array(tree_starts, dtype=np.int64), len(values), np.float64),
            single_at=np.array(single_at, dtype=np.int64),
            single_value=np.array(single_value, dtype=np.float64),
        )

    def output_of(self, leaf_values: np.ndarray) -> np.ndarray:
        """The ensemble's raw output from ``(leaves with splits, rows)`` holding each
        row's reached leaf's value and zero elsewhere, added as LightGBM adds it.

        ``Booster.predict(raw_score=True)`` starts at 0 and adds one tree after another in
        double precision; so does this (a running sum over the trees in order: not a
        pairwise sum), so the two agree bit for bit where the routing agrees. Each tree's
        value is its one reached leaf's (the other leaves add exact zeros).
        """
        per_tree = self.tree_sum @ leaf_values  # a sparse product: cheaper than reduceat
        if len(self.single_at):
            n_trees = self.tree_sum.shape[0] + len(self.single_at)
            ordered = np.empty((n_trees, leaf_values.shape[1]))
            multi = np.ones(n_trees, dtype=bool)
            multi[self.single_at] = False
            ordered[multi] = per_tree
            ordered[self.single_at] = self.single_value[:, None]
            per_tree = ordered
        return np.add.accumulate(per_tree, axis=0)[-1]

    def plan(self, pairs: np.ndarray | None = None) -> _Plan:
        """How :meth:`follows` checks ``pairs`` (default: all); computed once per model
        and reference, reused for every chunk of rows."""
        pairs = np.arange(len(self.feature)) if pairs is None else pairs
        feature = self.feature[pairs]
        groups = []
        for f in np.unique(feature):
            at = np.flatnonzero(feature == f)
            idx = pairs[at]
            table = (
                np.stack([self.cat_table[int(p)] for p in idx])
                if self.categorical[idx[0]]
                else None
            )  # (pairs, K + 1)
            groups.append(
                _Group(
                    int(f),
                    at,
                    self.lo[idx, None],
                    self.hi[idx, None],
                    self.nan_ok[idx, None],
                    self.zero_ok[idx, None],
                    table,
                )
            )
        categorical = self.categorical[pairs]
        cat_at = np.flatnonzero(categorical)
        tables = [self.cat_table[int(p)] for p in pairs[cat_at]]
        lengths = np.array([len(t) for t in tables], dtype=np.int64)
        return _Plan(
            groups,
            feature,
            np.where(categorical, -math.inf, self.lo[pairs]),
            np.where(categorical, math.inf, self.hi[pairs]),
            self.nan_ok[pairs],
            self.zero_ok[pairs],
            cat_at,
            lengths - 1,
            np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64),
            np.concatenate(tables) if tables else np.zeros(0, dtype=bool),
        )

    def follows(
        self, x: np.ndarray, pairs: np.ndarray | None = None, plan: _Plan | None = None
    ) -> np.ndarray:
        """``(n_pairs, n_rows)``: whether each row's value keeps to each pair's box.

        Pairs along the first axis: the per-leaf reductions then run over contiguous
        rows of the result. ``pairs`` restricts the result to those pair positions
        (``plan``: the same, prepared by :meth:`plan`).
        """
        if plan is None:
            plan = self.plan(pairs)
        if x.shape[0] <= _FEW_ROWS:
            return _follows_flat(plan, x)
        out = np.empty((plan.size, x.shape[0]), dtype=bool)
        for g in plan.groups:
            v = x[:, g.feature]
            odd = np.isnan(v)
            if g.table is not None:
                odd |= v < 0  # NaN and negative codes go right at every split
                k = g.table.shape[1] - 1
                code = np.minimum(np.where(odd, 0, v), k).astype(np.int64)
                block = g.table[:, code]
            else:
                block = (v > g.lo) & (v <= g.hi)
                zero = np.abs(v) <= _ZERO
                if zero.any():
                    block[:, zero] = g.zero_ok
            if odd.any():
                block[:, odd] = g.nan_ok
            out[g.at] = block
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The ensemble's raw output for every row, as LightGBM computes it (a check on
        the routing)."""
        if len(self.feature) == 0:
            return np.full(x.shape[0], self.constant)
        all_ok = np.logical_and.reduceat(self.follows(x), self.starts, axis=0)
        return self.output_of(np.where(all_ok, self.value[:, None], 0.0))


def _follows_flat(plan: _Plan, x: np.ndarray) -> np.ndarray:
    """:meth:`TreePaths.follows` of a few rows, every pair at once: each pair reads its
    feature's value, then the rules of the per-feature loop apply entry by entry."""
    v = x[:, plan.feature].T  # (pairs, rows)
    odd = np.isnan(v)
    block = (v > plan.lo[:, None]) & (v <= plan.hi[:, None])
    # zero as LightGBM reads it (the categorical pairs' entries are replaced below)
    block = np.where(np.abs(v) <= _ZERO, plan.zero_ok[:, None], block)
    if len(plan.cat_at):
        vc = v[plan.cat_at]
        bad = odd[plan.cat_at] | (vc < 0)  # NaN and negative codes go right at every split
        code = np.minimum(np.where(bad, 0, vc), plan.cat_last[:, None]).astype(np.int64)
        block[plan.cat_at] = plan.cat_flags[plan.cat_start[:, None] + code]
        odd[plan.cat_at] = bad
    return np.where(odd, plan.nan_ok[:, None], block)


def _weights(depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Shapley weights of the leaf game: ``wa[a, b] = (a−1)! b! / (a+b)!`` for each
    feature only ``x`` follows, ``wb[a, b] = a! (b−1)! / (a+b)!`` for each only the
    reference follows."""
    wa = np.zeros((depth + 1, depth + 1))
    wb = np.zeros((depth + 1, depth + 1))
    for a in range(depth + 1):
        for b in range(depth + 1):
            if a:
                wa[a, b] = 1.0 / (a * math.comb(a + b, b))
            if b:
                wb[a, b] = 1.0 / (b * math.comb(a + b, a))
    return wa, wb


def _segments(leaf: np.ndarray, n_leaves: int) -> tuple[np.ndarray, np.ndarray]:
    """Start of each leaf's run in ``leaf`` (sorted) and the leaves that have one."""
    has = np.bincount(leaf, minlength=n_leaves) > 0
    starts = np.flatnonzero(np.r_[True, leaf[1:] != leaf[:-1]]) if len(leaf) else leaf
    return starts, np.flatnonzero(has)


def _counter(starts: np.ndarray, n_pairs: int, dtype: type = np.uint8) -> sparse.csr_matrix:
    """``(runs, n_pairs)`` ones matrix: row ``i`` sums the pairs of the run starting at
    ``starts[i]`` (runs are contiguous and cover every pair). A run holds one pair per
    feature of a leaf's path: its count fits the rows' ``uint8`` (the product keeps it).
    The same with ``float64`` ones sums a tree's leaves (runs of leaves, any length)."""
    lengths = np.diff(np.r_[starts, n_pairs]).astype(np.int64)
    if dtype is np.uint8 and len(lengths) and lengths.max() > 255:
        raise ValueError("a leaf's path reads more than 255 features")
    runs = np.repeat(np.arange(len(starts)), lengths)
    return sparse.csr_matrix(
        (np.ones(n_pairs, dtype=dtype), (runs, np.arange(n_pairs))),
        shape=(len(starts), n_pairs),
    )


class ReferenceExplainer:
    """Baseline Shapley values of one model against one reference row.

    Everything that depends only on the model and the reference — which boxes the
    reference keeps to, the leaves' Shapley weights, the sums onto features — is
    prepared once; :meth:`__call__` then only compares rows with boxes.
    """

    #: version of the prepared arrays (models cache an explainer: one of another layout,
    #: e.g. unpickled with a model registered before, is rebuilt)
    LAYOUT = 4

    def __init__(self, paths: TreePaths, reference: np.ndarray) -> None:
        self.paths = paths
        m = paths.n_features
        ref = np.asarray(reference, dtype=np.float64).reshape(1, -1)
        self.empty = len(paths.feature) == 0
        if self.empty:
            self.base = paths.constant
            return
        ref_follows = paths.follows(ref)[:, 0]
        self.base = float(
            paths.value @ np.logical_and.reduceat(ref_follows, paths.starts) + paths.constant
        )
        n_leaves = len(paths.value)
        leaf = paths.leaf_of_pair
        # pairs whose box the reference leaves: only x can open the leaf there (set A);
        # pairs whose box it keeps to: a row that leaves them needs the reference (set B)
        px, pr = np.flatnonzero(~ref_follows), np.flatnonzero(ref_follows)
        self.plan_x, self.plan_r = paths.plan(px), paths.plan(pr)
        self.n_px, self.n_pr = len(px), len(pr)
        self.n_a = np.bincount(leaf[px], minlength=n_leaves)
        self.sx, self.lx = _segments(leaf[px], n_leaves)
        self.sr, self.lr = _segments(leaf[pr], n_leaves)
        self.leaf_r = leaf[pr]
        depth = int(np.bincount(leaf, minlength=n_leaves).max())
        self.wa, self.wb = _weights(depth)
        # a leaf's weights by position in the flat tables (``take`` gathers faster than
        # indexing by two arrays)
        self.a_at = (self.n_a.astype(np.intp) * self.wa.shape[1])[:, None]
        self.wa_flat, self.wb_flat = self.wa.ravel(), self.wb.ravel()
        # each pair adds to one feature: sparse sums of the per-pair shares
        # a leaf's pairs counted by sparse products (one pass over the pairs) rather
        # than reduceat over each leaf's run (a loop per leaf): the same integer counts
        self.count_x = _counter(self.sx, self.n_px)  # pairs of A a row leaves, per leaf
        self.count_r = _counter(self.sr, self.n_pr)  # pairs of B a row leaves, per leaf
        self.gain_onto = sparse.csr_matrix(
            (np.ones(len(px)), (paths.feature[px], leaf[px])), shape=(m, n_leaves)
        )  # leaf → its A features
        self.loss_onto = sparse.csr_matrix(
            (np.ones(len(pr)), (paths.feature[pr], np.arange(len(pr)))), shape=(m, len(pr))
        )  # B pair → its feature

    def _chunk(self, rows: np.ndarray, output: bool) -> tuple[np.ndarray, np.ndarray | None]:
        p, n = self.paths, len(rows)
        live = np.repeat(p.value[:, None], n, axis=1)
        if self.n_px:
            # a path feature neither side keeps to closes the leaf for every coalition
            left = ~p.follows(rows, plan=self.plan_x)
            live[self.lx] *= (self.count_x @ left.view(np.uint8)) == 0
        n_b = np.zeros((len(p.value), n), dtype=np.uint8)
        if self.n_pr:
            kept = p.follows(rows, plan=self.plan_r)
            n_b[self.lr] = self.count_r @ (~kept).view(np.uint8)
        at = self.a_at + n_b  # each leaf's (|A|, |B|) weight, per row
        gain = live * self.wa_flat.take(at)  # to each feature only x keeps to
        phi = self.gain_onto @ gain
        if self.n_pr:
            loss = live * self.wb_flat.take(at)  # from each only the reference keeps to
            share = loss[self.leaf_r]
            np.putmask(share, kept, 0.0)  # a B pair the row keeps to costs nothing
            phi -= self.loss_onto @ share
        raw = None
        if output:
            # a row reaches the leaf its own values lead to: every A pair kept (live) and
            # no B pair left; ``live`` is not read again, so it takes the mask in place
            if self.n_pr:
                np.multiply(live, n_b == 0, out=live)
            raw = p.output_of(live)
        return phi.T, raw

    def __call__(self, x: np.ndarray, n_jobs: int = 1) -> tuple[np.ndarray, float]:
        """The contributions of every row of ``x`` and the reference's output.

        ``n_jobs`` threads share the chunks of rows (numpy and scipy release the
        interpreter lock in the array work).
        """
        phi, _ = self._run(x, n_jobs, output=False)
        return phi, self.base

    def with_output(self, x: np.ndarray, n_jobs: int = 1) -> tuple[np.ndarray, float, np.ndarray]:
        """:meth:`__call__` and the model's raw output for every row, as
        ``Booster.predict(raw_score=True)`` gives it bit for bit (:meth:`TreePaths.output_of`):
        the leaves each row reaches are known from the explanation, so the prediction
        costs one sum more instead of a second pass through the trees."""
        phi, raw = self._run(x, n_jobs, output=True)
        assert raw is not None
        return phi, self.base, raw

    def _run(
        self, x: np.ndarray, n_jobs: int, output: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        x = np.asarray(x, dtype=np.float64)
        n, m = x.shape[0], self.paths.n_features
        if self.empty:
            return np.zeros((n, m)), np.full(n, self.paths.constant) if output else None
        step = max(1, _CELLS // len(self.paths.feature))
        starts = range(0, n, step)
        out = np.empty((n, m))
        raw = np.empty(n) if output else None

        def put(lo: int, part: tuple[np.ndarray, np.ndarray | None]) -> None:
            out[lo : lo + step] = part[0]
            if raw is not None:
                raw[lo : lo + step] = part[1]

        if n_jobs > 1 and len(starts) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                parts = pool.map(lambda lo: (lo, self._chunk(x[lo : lo + step], output)), starts)
                for lo, part in parts:
                    put(lo, part)
        else:
            for lo in starts:
                put(lo, self._chunk(x[lo : lo + step], output))
        return out, raw


def reference_shap(
    paths: TreePaths, x: np.ndarray, reference: np.ndarray, n_jobs: int = 1
) -> tuple[np.ndarray, float]:
    """Baseline Shapley values of every row of ``x`` against ``reference``.

    Parameters
    ----------
    paths
        The model's leaves (:meth:`TreePaths.from_dump`).
    x
        ``(n_rows, n_features)`` float matrix, as the model reads it.
    reference
        ``(n_features,)``: the reference row.
    n_jobs
        Threads.

    Returns
    -------
    (ndarray of shape (n_rows, n_features), float)
        The contributions and the model's raw output at the reference; each row of
        contributions adds up to ``f(x) − f(reference)``.
    """
    return ReferenceExplainer(paths, reference)(x, n_jobs)
