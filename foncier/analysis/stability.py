"""Weight stability: how far can one score weight move before the ranking of the best plots changes?

The score is a weighted mean of components (:mod:`foncier.core.scoring`). Moving one weight ``w``
(the others fixed), a plot's score is ``s_i(w) = (A_i + w c_i) / (T + w)``, with ``c_i`` its
component, ``A_i`` the weighted sum of its other components and ``T`` the sum of the other
weights. Since ``T + w > 0``, plot ``i`` is ahead of plot ``j`` where ``a + b w`` is positive,
``a = A_i - A_j``, ``b = c_i - c_j``: each pairwise order changes at most once, at
``w = -a / b``. The intervals are computed exactly from these crossings (no sampling): the rank of
a plot is constant between two consecutive crossings with the other plots of its status, and the
interval reported is the widest one around the current weight over which the rank stays the same
(a plot passing ahead while another falls behind keeps the rank).

All the analysed plots are done at once per weight (:func:`rank_intervals`): their crossings with
every other plot of the status form one ``top x n`` matrix, and the bounds are the nearest
crossing points where the rank changes; only the plots that can ever stand ahead of one of them
are kept (the others stay behind for every weight).

Only plots of the same status compete (the status ranks first). The best status present is
analysed, its first ``top`` plots (10 by default).

Ties. :func:`foncier.match` ranks by the score rounded to 0.1, then by ``plot_id``. This module
ranks by the exact (unrounded) score, then by ``plot_id``: the intervals are those of the exact
order, whose breakpoints are exact. Two plots less than 0.1 point apart may stand in the other
order in the result table; the ``rank`` reported here is the exact rank within the status group
(the table's rank everywhere else). At an exact crossing two plots tie and ``plot_id`` decides.

Examples
--------
>>> import numpy as np
>>> base, comp = np.array([1.0, 2.0, 0.0]), np.array([0.9, 0.0, 1.0])
>>> rank_interval(base, comp, 2.0, 1.0, np.array([0, 1, 2]), 0)  # 2nd until w = 1.11
(2, 0.0, 1.1111111111111112)
>>> stability_sentence("price", 0.4, 3.1)
'classement stable tant que le poids du prix reste entre 0,4 et 3,1'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from foncier.core.matching import MatchResult, _id_rank
from foncier.core.scoring import score_components, score_weights, weighted_sum
from foncier.wording import fmt_number

__all__ = ["rank_interval", "rank_intervals", "weight_stability", "stability_sentence",
           "WEIGHT_NAMES"]

#: The component after « le poids … » in French.
WEIGHT_NAMES = {"area": "de la surface", "price": "du prix", "timing": "du délai de disponibilité",
                "motorway": "de l'accès autoroutier", "rail_freight": "de la gare de fret",
                "port": "du port", "power": "de la puissance électrique", "water": "de l'eau"}
COLUMNS = ["plot_id", "rank", "weight", "current", "low", "high", "top3_low", "top3_high"]


def _ahead_function(base, comp, id_rank, i):
    """Rank of plot ``i`` on the pieces and points of ``[0, inf)`` cut by its crossings."""
    others = np.arange(len(base)) != i
    a = base[i] - base[others]
    b = comp[i] - comp[others]
    lower = id_rank[others] < id_rank[i]
    moving = b != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(moving, -a / np.where(moving, b, 1.0), np.nan)
    inside = moving & (cross >= 0)
    # Always ahead on the whole domain: a constant order, or a crossing below 0 and b < 0.
    const = int(((~moving) & ((a < 0) | ((a == 0) & lower))).sum()
                + (moving & ~inside & (b < 0)).sum())
    points = np.unique(cross[inside])
    pos = np.sort(cross[inside & (b > 0)])    # ahead before their crossing
    neg = np.sort(cross[inside & (b < 0)])    # ahead after it
    tie = np.sort(cross[inside & lower])      # ahead at the crossing (plot_id tie-break)
    n_pos = len(pos)
    piece = np.empty(len(points) + 1, dtype=np.int64)
    piece[:-1] = n_pos - np.searchsorted(pos, points, "left")
    piece[-1] = 0
    piece[1:] += np.searchsorted(neg, points, "right")
    point = (n_pos - np.searchsorted(pos, points, "right") + np.searchsorted(neg, points, "left")
             + np.searchsorted(tie, points, "right") - np.searchsorted(tie, points, "left"))
    seq = np.empty(2 * len(points) + 1, dtype=np.int64)
    seq[0::2] = 1 + const + piece
    seq[1::2] = 1 + const + point
    return points, seq


def rank_interval(base: np.ndarray, comp: np.ndarray, total: float, weight: float,
                  id_rank: np.ndarray, i: int) -> tuple[int, float, float]:
    """Plot ``i``'s rank at ``weight`` and the interval of the weight that keeps it.

    Parameters
    ----------
    base : ndarray
        ``A_j``: each competing plot's weighted sum of the other components.
    comp : ndarray
        ``c_j``: each plot's component of the weight that moves.
    total : float
        ``T``: the sum of the other weights (``>= 0``).
    weight : float
        The current weight (``>= 0``).
    id_rank : ndarray of int
        Each plot's rank in ``plot_id`` order (the tie-break).
    i : int
        The plot's position in these arrays.

    Returns
    -------
    (rank, low, high)
        ``rank`` from 1 (exact score, then ``plot_id``); the rank stays the same for every weight
        strictly between ``low`` (0 at the lowest) and ``high`` (``inf`` when unbounded).

    Examples
    --------
    >>> rank_interval(np.array([1.0, 1.5]), np.array([1.0, 0.0]), 1.0, 1.0, np.array([0, 1]), 0)
    (1, 0.5, inf)
    """
    del total  # the sign of s_i - s_j does not depend on T (T + w > 0)
    points, seq = _ahead_function(np.asarray(base, float), np.asarray(comp, float),
                                  np.asarray(id_rank), i)
    k = int(np.searchsorted(points, weight, "left"))
    at = 2 * k + 1 if k < len(points) and points[k] == weight else 2 * k
    rank = int(seq[at])
    changed = np.flatnonzero(seq != rank)
    left, right = changed[changed < at], changed[changed > at]
    # Element e of seq: a piece when even, point (e - 1) // 2 when odd; bounds are points.
    low = 0.0 if not len(left) else float(points[left[-1] // 2])
    high = math.inf if not len(right) else float(points[(right[0] - 1) // 2])
    return rank, low, high


def rank_intervals(base: np.ndarray, comp: np.ndarray, weight: float, id_rank: np.ndarray,
                   heads: np.ndarray, *, sweeps: int = 8
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`rank_interval` of several plots at once, over the ``heads x plots`` crossings
    (numpy broadcasting; no loop over plots).

    The rank at a weight ``x`` is ``1 + const + #(b > 0, cross > x) + #(b < 0, cross < x) +
    #(lower plot_id, cross = x)``. ``high`` is the first crossing point at or after the weight
    where the rank changes (at the point or just after it), ``low`` the last one at or before it.
    The nearest points are tried one by one (``sweeps`` times: the first one almost always
    changes the rank); the heads still undecided then sort all their crossings.

    Returns
    -------
    (rank, low, high)
        Three arrays, one value per head (``low`` 0 at the lowest, ``high`` may be ``inf``).

    Examples
    --------
    >>> base, comp = np.array([1.0, 2.0, 0.0]), np.array([0.9, 0.0, 1.0])
    >>> rank, low, high = rank_intervals(base, comp, 1.0, np.array([0, 1, 2]), np.array([0, 1]))
    >>> rank.tolist(), low.tolist(), high.tolist()
    ([2, 1], [0.0, 0.0], [1.1111111111111112, 1.1111111111111112])
    """
    cross, pos, neg, tie, const = _crossings(base, comp, id_rank, heads)
    w = float(weight)
    n_pos = pos.sum(axis=1)
    here = (n_pos - (pos & (cross <= w)).sum(axis=1) + (neg & (cross < w)).sum(axis=1)
            + (tie & (cross == w)).sum(axis=1))
    low, high = np.zeros(len(here)), np.full(len(here), np.inf)
    for side, out in ((1, high), (-1, low)):
        left = _sweep(cross, pos, neg, tie, n_pos, here, w, side, out, sweeps)
        if len(left):
            out[left] = _sorted_bounds(cross[left], pos[left], neg[left], tie[left],
                                       n_pos[left], here[left], w)[0 if side < 0 else 1]
    return (1 + const + here).astype(np.int64), low, high


def _crossings(base, comp, id_rank, heads):
    """Each head's crossing weight with every other plot (``inf`` outside ``[0, inf)`` or
    never), the kinds of the crossings (ahead before it, ahead after it, ahead at it by
    ``plot_id``) and the number of plots ahead on the whole domain."""
    base, comp = np.asarray(base, float), np.asarray(comp, float)
    id_rank, heads = np.asarray(id_rank), np.asarray(heads, dtype=np.int64)
    a = base[heads, None] - base[None, :]
    b = comp[heads, None] - comp[None, :]
    lower = id_rank[None, :] < id_rank[heads, None]
    other = np.arange(len(base))[None, :] != heads[:, None]
    moving = (b != 0) & other
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(moving, -a / np.where(moving, b, 1.0), np.inf)
    inside = moving & (cross >= 0)
    const = (((~moving) & other & ((a < 0) | ((a == 0) & lower))).sum(axis=1)
             + (moving & ~inside & (b < 0)).sum(axis=1))
    cross = np.where(inside, cross, np.inf)
    return cross, inside & (b > 0), inside & (b < 0), inside & lower, const


def _sweep(cross, pos, neg, tie, n_pos, here, w, side, out, sweeps):
    """Try the nearest crossing points on one side of ``w`` (``side`` 1: above, -1: below),
    writing the bound of the heads they decide into ``out``; returns the undecided heads."""
    rows = np.arange(len(here))
    valid = np.isfinite(cross)
    reach = valid & ((cross >= w) if side > 0 else (cross <= w))
    for _ in range(sweeps):
        if not len(rows):
            break
        c, v = cross[rows], reach[rows]
        p = (np.where(v, c, np.inf).min(axis=1) if side > 0
             else np.where(v, c, -np.inf).max(axis=1))
        none = ~np.isfinite(p)       # no crossing left on that side: the default bound
        pc = p[:, None]
        r = here[rows]
        ps, ns = pos[rows], neg[rows]
        at = (n_pos[rows] - (ps & (c <= pc)).sum(axis=1) + (ns & (c < pc)).sum(axis=1)
              + (tie[rows] & (c == pc)).sum(axis=1))
        if side > 0:
            nxt = n_pos[rows] - (ps & (c <= pc)).sum(axis=1) + (ns & (c <= pc)).sum(axis=1)
            change = (nxt != r) | ((p > w) & (at != r))
        else:
            nxt = n_pos[rows] - (ps & (c < pc)).sum(axis=1) + (ns & (c < pc)).sum(axis=1)
            change = (nxt != r) | ((p < w) & (at != r))
        done = none | change
        out[rows[change & ~none]] = p[change & ~none]
        reach[rows] = v & ((c > pc) if side > 0 else (c < pc))
        rows = rows[~done]
    return rows


def _sorted_bounds(cross, pos, neg, tie, n_pos, here, w):
    """``(low, high)`` of heads from all their crossings sorted (cumulative counts)."""
    order = np.argsort(cross, axis=1, kind="stable")
    s = np.take_along_axis(cross, order, axis=1)
    valid = np.isfinite(s)
    zero = np.zeros((len(s), 1), dtype=np.int64)
    counts = [np.concatenate([zero, np.cumsum(np.take_along_axis(m, order, axis=1), axis=1)],
                             axis=1) for m in (pos, neg, tie)]
    g0, g1 = _groups(s)
    rows = np.arange(len(s))[:, None]
    cpos, cneg, ctie = counts
    n = n_pos[:, None]
    before = n - cpos[rows, g0] + cneg[rows, g0]       # just left of the point
    after = n - cpos[rows, g1] + cneg[rows, g1]        # just right of it
    at = n - cpos[rows, g1] + cneg[rows, g0] + ctie[rows, g1] - ctie[rows, g0]
    r = here[:, None]
    right = valid & (s >= w) & ((after != r) | ((s > w) & (at != r)))
    left = valid & (s <= w) & ((before != r) | ((s < w) & (at != r)))
    return (np.where(left, s, 0.0).max(axis=1, initial=0.0),
            np.where(right, s, np.inf).min(axis=1, initial=np.inf))


def _groups(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per element of each sorted row, the first index of its run of equal values and the index
    after its last."""
    m = s.shape[1]
    idx = np.broadcast_to(np.arange(m), s.shape)
    start = np.ones(s.shape, dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    g0 = np.maximum.accumulate(np.where(start, idx, 0), axis=1)
    end = np.ones(s.shape, dtype=bool)
    end[:, :-1] = start[:, 1:]
    g1 = np.minimum.accumulate(np.where(end, idx + 1, m)[:, ::-1], axis=1)[:, ::-1]
    return g0, g1


def _exact_scores(result: MatchResult):
    plots = result.inventory.attributes("plots")
    comps = result.components       # kept by the match when asked (a batch does)
    if comps is None:
        comps = score_components(plots, result.inventory.geometry, result.brief,
                                 result.net_area_ha, on=result.on)
    weights = score_weights(result.brief)
    return comps, weights, weighted_sum(comps, weights, len(plots))


def weight_stability(result: MatchResult, *, top: int = 10) -> pd.DataFrame:
    """For the best plots, the interval of each weight that keeps their rank and the top three.

    Parameters
    ----------
    result : MatchResult
        From :func:`foncier.match`.
    top : int, optional
        How many plots of the best status present to analyse (10).

    Returns
    -------
    DataFrame
        One row per (plot, weight in use): ``plot_id``, ``rank`` (exact rank in the status
        group), ``weight`` (component name), ``current`` (its weight), ``low`` and ``high`` (the
        plot keeps its rank for every weight strictly between; ``high`` may be ``inf``),
        ``top3_low`` and ``top3_high`` (the first three plots stay the same, in the same order).
        Empty when no weight is in use or no plot is ranked.

    Examples
    --------
    >>> import foncier
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="t", min_area_ha=2))
    >>> st = weight_stability(res)
    >>> sorted(set(st["weight"]))
    ['area', 'price', 'timing']
    >>> bool(((st["low"] <= st["current"]) & (st["current"] <= st["high"])).all())
    True
    """
    comps, weights, acc = _exact_scores(result)
    used = [k for k in comps if weights[k] > 0]
    if not used or not len(result.status):
        return pd.DataFrame({c: [] for c in COLUMNS})
    best = int(result.status_code.min())
    group = np.flatnonzero(result.status_code == best)
    # plot_id ranks over the whole inventory (cached by the match): same order in the group
    id_rank = _id_rank(result.inventory.attributes("plots"), result.inventory.geometry)[group]
    heads = _best(acc[group], id_rank, top)
    ids = result.inventory.attributes("plots")["plot_id"].to_numpy(dtype=object)[group[heads]]
    total = sum(weights.values())
    rows = []
    for k in used:
        w = weights[k]
        c = comps[k][group]
        base = acc[group] - w * c
        cand = _candidates(base, c, total - w, heads)
        local = np.searchsorted(cand, heads)
        rank, low, high = rank_intervals(base[cand], c[cand], w, id_rank[cand], local)
        t_low, t_high = float(low[:3].max()), float(high[:3].min())
        rows += [(str(ids[j]), int(rank[j]), k, w, float(low[j]), float(high[j]), t_low, t_high)
                 for j in range(len(heads))]
    weight_order = {k: i for i, k in enumerate(WEIGHT_NAMES)}
    rows.sort(key=lambda row: (row[1], weight_order.get(row[2], len(weight_order))))
    return pd.DataFrame(rows, columns=COLUMNS)


def _best(score: np.ndarray, id_rank: np.ndarray, top: int) -> np.ndarray:
    """Positions of the ``top`` best plots, by exact score then ``plot_id``, best first (only
    the plots scoring at least the ``top``-th best score are sorted)."""
    if len(score) > top > 0:
        kth = np.partition(-score, top - 1)[top - 1]
        near = np.flatnonzero(-score <= kth)
    else:
        near = np.arange(len(score))
    return near[np.lexsort((id_rank[near], -score[near]))][:top]


def _candidates(base: np.ndarray, comp: np.ndarray, total: float, heads: np.ndarray):
    """Plots that can stand ahead of one of ``heads`` for some weight (the others never do).

    Over ``[0, inf)`` a plot's score moves monotonically from ``A / T`` to ``c``: a plot whose
    highest score stays below every head's lowest one is behind them for every weight.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        start = base / total if total > 0 else comp
    hi = np.maximum(start, comp)
    lo = np.minimum(start[heads], comp[heads]).min()
    keep = hi >= lo - 1e-12
    keep[heads] = True
    return np.flatnonzero(keep)


def _inward(low: float, high: float, current: float | None) -> tuple[str, str]:
    """Both bounds rounded inwards to the fewest decimals (1 to 3) that keep them apart and
    ``current`` between them."""
    for decimals in (1, 2, 3):
        scale = 10.0 ** decimals
        lo = math.ceil(low * scale - 1e-9) / scale if low > 0 else 0.0
        hi = math.floor(high * scale + 1e-9) / scale if math.isfinite(high) else math.inf
        ok = lo < hi and (current is None or lo <= current <= hi)
        if ok or decimals == 3:
            return fmt_number(lo, decimals), (fmt_number(hi, decimals) if hi < math.inf else "")
    raise AssertionError("unreachable")


def stability_sentence(weight: str, low: float, high: float, *, current: float | None = None
                       ) -> str:
    """A weight's stability interval in French.

    Bounds are rounded inwards (the low one up, the high one down) to one decimal, or more when
    needed to keep them apart and ``current`` between them.

    Examples
    --------
    >>> stability_sentence("price", 0.4, float("inf"))
    'classement stable tant que le poids du prix reste au-delà de 0,4'
    >>> stability_sentence("motorway", 0.0, 2.96)
    "classement stable tant que le poids de l'accès autoroutier reste en deçà de 2,9"
    >>> stability_sentence("water", 0.0, float("inf"))
    "classement stable quel que soit le poids de l'eau"
    >>> stability_sentence("price", 0.96, 1.04, current=1.0)
    'classement stable tant que le poids du prix reste entre 0,96 et 1,04'
    """
    what = f"le poids {WEIGHT_NAMES.get(weight, weight)}"
    finite = math.isfinite(high)
    if low <= 0 and not finite:
        return f"classement stable quel que soit {what}"
    lo_text, hi_text = _inward(low, high, current)
    if low <= 0:
        return f"classement stable tant que {what} reste en deçà de {hi_text}"
    if not finite:
        return f"classement stable tant que {what} reste au-delà de {lo_text}"
    return f"classement stable tant que {what} reste entre {lo_text} et {hi_text}"
