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

from foncier.core.criteria import net_area_ha
from foncier.core.matching import MatchResult
from foncier.core.scoring import score_components, score_weights
from foncier.wording import fmt_number

__all__ = ["rank_interval", "weight_stability", "stability_sentence", "WEIGHT_NAMES"]

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


def _exact_scores(result: MatchResult):
    plots = result.inventory.plots
    geo = result.inventory.geometry
    comps = score_components(plots, geo, result.brief, net_area_ha(geo, result.brief),
                             on=result.on)
    weights = score_weights(result.brief)
    acc = np.zeros(len(plots))
    for name, c in comps.items():
        acc += weights[name] * c
    return comps, weights, acc


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
    ids = result.inventory.plots["plot_id"].to_numpy(dtype=object)[group].astype(str)
    id_rank = np.empty(len(group), dtype=np.int64)
    id_rank[np.argsort(ids, kind="stable")] = np.arange(len(group))
    order = np.lexsort((id_rank, -acc[group]))
    heads = order[:top]
    total = sum(weights.values())
    rows = []
    for k in used:
        w = weights[k]
        c = comps[k][group]
        base = acc[group] - w * c
        cand = _candidates(base, c, total - w, heads)
        local = {int(h): int(np.flatnonzero(cand == h)[0]) for h in heads}
        found = [rank_interval(base[cand], c[cand], total - w, w, id_rank[cand], local[int(h)])
                 for h in heads]
        top3 = found[:3]
        t_low, t_high = max(f[1] for f in top3), min(f[2] for f in top3)
        for h, (rank, low, high) in zip(heads, found, strict=True):
            rows.append((ids[h], rank, k, w, low, high, t_low, t_high))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["rank", "weight"], key=_weight_order, kind="stable",
                             ignore_index=True)


def _weight_order(col: pd.Series) -> pd.Series:
    if col.name == "weight":
        order = {k: i for i, k in enumerate(WEIGHT_NAMES)}
        return col.map(order)
    return col


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
