"""Decision support over one brief's verdicts: completeness, relax values, near misses, funnel.

Contract (DESIGN.md, "Decision support"):

- :func:`completeness`: per plot, the share of the asked criteria (availability included) whose
  outcome is ``pass`` or ``fail``, rounded to 3 decimals;
- :func:`relax`: empty unless the plot is ``no_match``; then one ``criterion=value`` item per
  failing criterion, in the verdict table's order, joined by ``; ``: the brief value at which that
  criterion would pass, i.e. the plot's own measure in the brief key's unit (numbers rounded to 3
  decimals with a ``.``, dates ISO); a criterion no brief number can relax is written bare;
- :func:`near_misses`: the ``no_match`` plots with exactly one failing criterion, in rank order,
  with that value and a French sentence;
- :func:`funnel`: per asked criterion, how many plots it fails and for how many it is the only
  fail.

The two table columns are computed by :mod:`foncier.core.decision` (below the matching, which
puts them in every result table); the functions here apply them to a whole :class:`MatchResult`.
The ``start`` criterion (:mod:`foncier.core.delays`) relaxes to the plot's earliest start of works
(an ISO date). Every function is one vectorized pass over the plots; only the few distinct
sentences of :func:`near_misses` are written one by one.

Examples
--------
>>> import foncier
>>> inv = foncier.open_inventory()
>>> res = foncier.match(inv, foncier.Brief(name="Atelier", max_price_eur_m2=10, fiber=True))
>>> c = completeness(res)
>>> bool(((c >= 0) & (c <= 1)).all())
True
>>> r = relax(res)
>>> bool((r[res.status != "no_match"] == "").all())
True
>>> list(funnel(res).columns)
['criterion', 'label', 'fails', 'only_fail', 'unknown']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from foncier.core.criteria import CRITERIA, FAIL, LABELS, UNKNOWN
from foncier.core.decision import (
    RELAXABLE,
    completeness_of,
    fail_counts_of,
    relax_of,
    relax_values_of,
)
from foncier.core.matching import MatchResult
from foncier.wording import UNIT_DECIMALS, UNITS, fmt_date, fmt_number

__all__ = ["completeness", "relax", "relax_values", "near_misses", "funnel", "RELAXABLE",
           "fail_counts"]

#: Brief keys that are maxima (a larger value relaxes them); the others are minima.
_MAXIMA = {"price", "motorway", "rail_freight", "port"}
_ORDER = {c: i for i, c in enumerate(CRITERIA)}

_SENTENCES = {
    "area_min": "passerait avec une surface minimale de {} ha",
    "area_max": "passerait avec une surface maximale de {} ha",
    "price": "passerait avec un prix maximal de {} €/m²",
    "timing": "passerait avec une disponibilité au {}",
    "start": "passerait avec un début des travaux au {}",
    "height": "passerait avec une hauteur de construction de {} m",
    "power": "passerait avec un besoin en puissance de {} MW",
    "water": "passerait avec un besoin en eau de {} m³/j",
    "housing": "passerait avec une distance aux habitations de {} m au moins (à vol d'oiseau)",
    "motorway": "passerait avec un échangeur autoroutier à {} km au plus (à vol d'oiseau)",
    "rail_freight": "passerait avec une gare de fret à {} km au plus (à vol d'oiseau)",
    "port": "passerait avec un port à {} km au plus (à vol d'oiseau)",
}


def fail_counts(result: MatchResult) -> np.ndarray:
    """Number of failing criteria per plot (inventory order)."""
    if not result.criteria:
        return np.zeros(len(result.status), dtype=np.int64)
    return fail_counts_of(result.criteria, None)


def completeness(result: MatchResult) -> np.ndarray:
    """Share of each plot's asked criteria whose outcome is known (pass or fail).

    Parameters
    ----------
    result : MatchResult
        From :func:`foncier.match`.

    Returns
    -------
    ndarray of float
        From 0 to 1 per plot (inventory order), rounded to 3 decimals; 1 when every asked
        criterion (availability included) is known.

    Examples
    --------
    >>> import foncier
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="t", min_area_ha=1))
    >>> sorted(set(completeness(res).tolist())) in ([0.5, 1.0], [1.0], [0.5])
    True
    """
    return completeness_of(result.criteria, np.arange(len(result.status)))


def relax_values(result: MatchResult, criterion: str,
                 positions: np.ndarray | None = None) -> np.ndarray:
    """The relax value of one criterion for plots (text; ``""`` for a bare criterion).

    Parameters
    ----------
    result : MatchResult
    criterion : str
        An asked criterion.
    positions : ndarray of int, optional
        Plot positions (every plot by default).

    Returns
    -------
    ndarray of str
        The plot's own measure in the brief key's unit (see :func:`relax`), whatever the outcome.
    """
    positions = np.arange(len(result.status)) if positions is None else positions
    return relax_values_of(criterion, result.criteria[criterion], positions)


def relax(result: MatchResult) -> np.ndarray:
    """The brief values at which each ``no_match`` plot's failing criteria would pass.

    Parameters
    ----------
    result : MatchResult
        From :func:`foncier.match`.

    Returns
    -------
    ndarray of str (object)
        Per plot (inventory order): ``""`` unless the plot is ``no_match``; then one item per
        failing criterion in the verdict table's order, joined by ``; ``: ``criterion=value``
        (area -> net area in ha, price -> €/m², timing -> available_from ISO date, start ->
        earliest start of works ISO date, height -> m, power -> MW, water -> m³/day, housing ->
        m, motorway / rail_freight / port -> km; numbers rounded to 3 decimals), or the bare
        ``criterion`` when no brief number relaxes it.

    Examples
    --------
    >>> import foncier
    >>> res = foncier.match(foncier.open_inventory(),
    ...                     foncier.Brief(name="t", max_price_eur_m2=5, gas=True))
    >>> items = {i.partition("=")[0] for r in relax(res) for i in r.split("; ") if r}
    >>> items <= {"availability", "price", "gas"}
    True
    """
    return relax_of(result.criteria, result.status_code)


def _round_towards(value: float, decimals: int, up: bool) -> float:
    """``value`` rounded to ``decimals`` in the direction that keeps the sentence true."""
    scale = 10.0 ** decimals
    f = math.ceil if up else math.floor
    return f(value * scale - (1e-9 if up else -1e-9)) / scale


def _sentence(criterion: str, value: object, below_min: bool) -> str:
    if criterion not in RELAXABLE:
        return f"passerait sans le critère « {LABELS[criterion]} »"
    if RELAXABLE[criterion] == "date":
        return _SENTENCES[criterion].format(fmt_date(value))
    decimals = UNIT_DECIMALS.get(UNITS.get(criterion, ""), 2)
    if criterion == "area":
        key, up = ("area_min", False) if below_min else ("area_max", True)
    else:
        key, up = criterion, criterion in _MAXIMA
    rounded = _round_towards(float(value), decimals, up)
    if not up and rounded <= 0:     # a minimum of nothing asks nothing: the criterion goes
        return f"passerait sans le critère « {LABELS[criterion]} » ({_AT_ZERO[key]})"
    return _SENTENCES[key].format(fmt_number(rounded, decimals))


#: Why a minimum relaxed to nothing (the plot's own value is 0) is the criterion dropped.
_AT_ZERO = {
    "area_min": "surface nette nulle",
    "height": "hauteur autorisée nulle",
    "power": "aucune puissance disponible",
    "water": "aucune eau disponible",
    "housing": "le terrain touche une zone d'habitat",
}


def near_misses(result: MatchResult, *, limit: int | None = None) -> pd.DataFrame:
    """The ``no_match`` plots with exactly one failing criterion, in rank order.

    Parameters
    ----------
    result : MatchResult
        From :func:`foncier.match`.
    limit : int, optional
        Only the first ``limit`` near misses in rank order (None: all).

    Returns
    -------
    DataFrame
        Columns ``rank`` (the result table's rank), ``plot_id``, ``site_id``, ``score``,
        ``criterion``, ``value`` (the relax value, ``""`` for a bare criterion), ``relax`` (the
        relax item) and ``sentence``, French, e.g. « passerait avec un prix maximal de
        38,50 €/m² ». A sentence's number is rounded in the direction that keeps it true (up for
        a maximum, down for a minimum) to the decimals of its unit.

    Examples
    --------
    >>> import foncier
    >>> res = foncier.match(foncier.open_inventory(),
    ...                     foncier.Brief(name="t", max_price_eur_m2=5, gas=True))
    >>> nm = near_misses(res)
    >>> bool(nm["sentence"].str.startswith("passerait").all())
    True
    """
    n = len(result.status)
    single = (result.status_code == 2) & (fail_counts(result) == 1)
    rank = np.empty(n, dtype=np.int64)
    rank[result.order] = np.arange(1, n + 1)
    pos = result.order[single[result.order]]
    if limit is not None:
        pos = pos[:limit]
    crit = np.full(len(pos), "", dtype=object)
    value = np.full(len(pos), "", dtype=object)
    raw = np.full(len(pos), None, dtype=object)
    below = np.zeros(len(pos), dtype=bool)
    for name, c in result.criteria.items():
        hit = np.flatnonzero(c.outcome[pos] == FAIL)
        if not len(hit):
            continue
        crit[hit] = name
        value[hit] = relax_values(result, name, pos[hit]).astype(object)
        raw[hit] = list(c.measured[pos[hit]])
        if name == "area" and result.brief.min_area_ha is not None:
            below[hit] = c.measured[pos[hit]] < result.brief.min_area_ha
    relax_item = np.where(value == "", crit, crit + "=" + value)
    sentence = np.full(len(pos), "", dtype=object)
    if len(pos):
        keys = pd.Series(relax_item + np.where(below, "<", ">"))
        codes, uniques = pd.factorize(keys)
        first = pd.Series(np.arange(len(pos))).groupby(codes).first().to_numpy()
        texts = np.array([_sentence(crit[f], raw[f], bool(below[f])) for f in first],
                         dtype=object)
        sentence = texts[codes]
    plots = result.inventory.attributes("plots")
    return pd.DataFrame({
        "rank": rank[pos],
        "plot_id": plots["plot_id"].to_numpy(dtype=object)[pos],
        "site_id": plots["site_id"].to_numpy(dtype=object)[pos],
        "score": result.score[pos],
        "criterion": crit,
        "value": value,
        "relax": relax_item,
        "sentence": sentence,
    })


def funnel(result: MatchResult) -> pd.DataFrame:
    """Per asked criterion: the plots it fails, and those for which it is the only fail.

    Parameters
    ----------
    result : MatchResult
        From :func:`foncier.match`.

    Returns
    -------
    DataFrame
        Columns ``criterion``, ``label`` (French), ``fails``, ``only_fail``, ``unknown``; sorted
        by ``fails``, most first, ties in the verdict table's order.

    Examples
    --------
    >>> import foncier
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="t", gas=True))
    >>> funnel(res)["criterion"].tolist() in (["availability", "gas"], ["gas", "availability"])
    True
    """
    failed = {name: c.outcome == FAIL for name, c in result.criteria.items()}
    alone = fail_counts(result) == 1
    rows = sorted(((name, LABELS[name], int(np.count_nonzero(f)),
                    int(np.count_nonzero(f & alone)),
                    int(np.count_nonzero(result.criteria[name].outcome == UNKNOWN)))
                   for name, f in failed.items()), key=lambda r: (-r[2], _ORDER[r[0]]))
    frame = pd.DataFrame(rows, columns=["criterion", "label", "fails", "only_fail", "unknown"])
    return frame.astype({"fails": np.int64, "only_fail": np.int64, "unknown": np.int64})
