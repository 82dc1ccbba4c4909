"""The score: how well a plot fits, from 0 to 100, to rank plots within a status.

The score is a weighted mean of components, each from 0 (worst) to 1 (best), times 100:

========== ============================================================ =====================
component  value                                                         default weight
========== ============================================================ =====================
area       ``1 / (1 + |net area - target| / target)``; target is         1 when area is asked
           ``min_area_ha`` (else ``max_area_ha``): nearer the request
price      ``1 - price / reference``; reference is ``max_price_eur_m2``  1
           (else the inventory's highest price): cheaper is better
timing     ``1 - days until available / horizon``; horizon is the days   1
           until ``available_by`` (else 730): sooner is better
motorway,  ``1 - distance / reference``; reference is the brief's         1 when asked
rail_      maximum (else 50 km): closer is better
freight,
port
power,     ``value / (2 x requirement)`` capped at 1 (else value /        1 when asked
water      inventory's highest): more headroom is better
========== ============================================================ =====================

Components are clipped to [0, 1]; an unknown value scores 0. The brief's ``[weights]`` table
overrides the default weights (``weights.price = 3`` makes price count three times as much; a weight
of 0 drops a component). With no weighted component the score is 0.

Examples
--------
Two plots of the bundled sample scored for a 5 ha brief with a motorway within 20 km:

>>> import foncier
>>> from foncier.core.criteria import net_area_ha
>>> inv = foncier.open_inventory()
>>> brief = foncier.Brief(name="Plateforme", min_area_ha=5, motorway_max_km=20,
...                       weights={"price": 0})
>>> sorted(k for k, w in score_weights(brief).items() if w)          # price dropped
['area', 'motorway', 'timing']
>>> scores = score_plots(inv.plots, inv.geometry, brief, net_area_ha(inv.geometry, brief))
>>> len(scores) == len(inv.plots), bool(((scores >= 0) & (scores <= 100)).all())
(True, True)
>>> from foncier import Brief
>>> score_weights(Brief(name="t", power_mw=5))["power"]
1.0
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from foncier.core.brief import Brief
from foncier.core.geometry import PlotGeometry

__all__ = ["score_plots", "score_weights", "score_components", "score_from_components",
           "weighted_sum"]

_DEFAULT_REF_KM = 50.0
_DEFAULT_HORIZON_DAYS = 730.0


def score_weights(brief: Brief) -> dict[str, float]:
    """The weight of each score component for a brief (defaults, then ``[weights]``)."""
    w = {
        "area": 1.0 if (brief.min_area_ha or brief.max_area_ha) else 0.0,
        "price": 1.0,
        "timing": 1.0,
        "motorway": 1.0 if brief.motorway_max_km is not None else 0.0,
        "rail_freight": 1.0 if brief.rail_freight_max_km is not None else 0.0,
        "port": 1.0 if brief.port_max_km is not None else 0.0,
        "power": 1.0 if brief.power_mw is not None else 0.0,
        "water": 1.0 if brief.water_m3_day is not None else 0.0,
    }
    w.update(brief.weight_map)
    if not (brief.min_area_ha or brief.max_area_ha):
        w["area"] = 0.0  # no area asked: nothing to be near (a weight alone would crash)
    return w


def _numbers(plots: pd.DataFrame, geo: PlotGeometry, col: str) -> np.ndarray:
    """A numeric column as float64, anything but a finite number as NaN (unknown, scores 0);
    made once per inventory (``geo.cached``), as every brief scores the same column."""
    def build() -> np.ndarray:
        values = pd.to_numeric(plots[col], errors="coerce").to_numpy(dtype="float64",
                                                                      na_value=np.nan)
        return np.where(np.isfinite(values), values, np.nan)

    return geo.cached(("numbers", col), build)


def _clip(values: np.ndarray) -> np.ndarray:
    out = np.clip(values, 0.0, 1.0)             # a new array: NaN stays NaN, then scores 0
    out[np.isnan(out)] = 0.0
    return out


def _headroom(values: np.ndarray, required: float | None) -> np.ndarray:
    if required:
        return _clip(values / (2.0 * required))
    top = np.nanmax(values) if np.isfinite(values).any() else 0.0
    return _clip(values / top) if top > 0 else np.zeros(len(values))


def score_components(plots: pd.DataFrame, geo: PlotGeometry, brief: Brief, net_ha: np.ndarray,
                     *, on: dt.date | None = None) -> dict[str, np.ndarray]:
    """Each weighted score component per plot, from 0 (worst) to 1 (best).

    Only components whose weight (:func:`score_weights`) is above 0 are computed, in the order of
    the module's table; a component the inventory cannot measure (no infrastructure of its kind,
    no price at all) is all zeros. The score is ``100 * sum(w_c * comp_c) / sum(w_c)`` rounded to
    0.1 (:func:`score_plots`), the sum running over every weight.

    Parameters
    ----------
    plots : DataFrame
        The inventory's plots.
    geo : PlotGeometry
    brief : Brief
    net_ha : ndarray
        Net area of each plot in ha.
    on : date, optional
        The day the timing component counts from (today by default).

    Returns
    -------
    dict of str to ndarray
        Component name -> float array (inventory order).

    Examples
    --------
    >>> import foncier
    >>> from foncier.core.criteria import net_area_ha
    >>> inv = foncier.open_inventory()
    >>> b = foncier.Brief(name="t", min_area_ha=2)
    >>> comps = score_components(inv.plots, inv.geometry, b, net_area_ha(inv.geometry, b))
    >>> list(comps)
    ['area', 'price', 'timing']
    """
    weights = score_weights(brief)
    n = len(plots)
    out: dict[str, np.ndarray] = {}
    on = on or dt.date.today()
    if weights["area"]:
        target = brief.min_area_ha or brief.max_area_ha
        out["area"] = 1.0 / (1.0 + np.abs(net_ha - target) / target)
    if weights["price"]:
        price = _numbers(plots, geo, "price_eur_m2")
        ref = brief.max_price_eur_m2 or (np.nanmax(price) if np.isfinite(price).any() else 0)
        out["price"] = _clip(1.0 - price / ref) if ref else np.zeros(n)
    if weights["timing"]:
        avail = geo.cached(("days", "available_from"),
                           lambda: plots["available_from"].to_numpy(dtype="datetime64[D]"))
        start = np.datetime64(on, "D")
        days = np.maximum((avail - start).astype("float64"), 0.0)
        days[np.isnat(avail)] = np.nan
        horizon = _DEFAULT_HORIZON_DAYS
        if brief.available_by is not None:
            horizon = max(float((np.datetime64(brief.available_by, "D") - start)
                                .astype("float64")), 1.0)
        out["timing"] = _clip(1.0 - days / horizon)
    for comp, kind in (("motorway", "motorway_interchange"), ("rail_freight", "rail_freight"),
                       ("port", "port")):
        if weights[comp]:
            if kind in geo.distance_m:
                ref = getattr(brief, f"{comp}_max_km") or _DEFAULT_REF_KM
                out[comp] = _clip(1.0 - geo.distance_m[kind] / (ref * 1000.0))
            else:
                out[comp] = np.zeros(n)
    if weights["power"]:
        out["power"] = _headroom(_numbers(plots, geo, "power_mw"),
                                 brief.power_mw)
    if weights["water"]:
        out["water"] = _headroom(
            _numbers(plots, geo, "water_m3_day"), brief.water_m3_day)
    return out


def score_plots(plots: pd.DataFrame, geo: PlotGeometry, brief: Brief, net_ha: np.ndarray, *,
                on: dt.date | None = None) -> np.ndarray:
    """Score every plot from 0 to 100 (see the module's docstring).

    The weighted mean of :func:`score_components`, times 100, rounded to 0.1.

    Parameters
    ----------
    plots, geo, brief, net_ha, on
        As for :func:`score_components`.
    """
    return score_from_components(score_components(plots, geo, brief, net_ha, on=on),
                                 score_weights(brief), len(plots))


def score_from_components(components: dict[str, np.ndarray], weights: dict[str, float],
                          n: int) -> np.ndarray:
    """The score of :func:`score_plots` from its :func:`score_components` and
    :func:`score_weights` (for a caller that keeps the components, as a batch does for the
    weights' stability), ``n`` plots.

    Examples
    --------
    >>> score_from_components({"area": np.array([1.0, 0.5])}, {"area": 1.0, "price": 1.0}, 2)
    array([50., 25.])
    """
    total = sum(weights.values())
    if total <= 0 or n == 0:
        return np.zeros(n)
    acc = weighted_sum(components, weights, n)
    with np.errstate(invalid="ignore", over="ignore"):
        score = 100.0 * acc / total
    # Always a finite number from 0 to 100, whatever the inventory's values (an infinite price...).
    return np.round(np.clip(np.nan_to_num(score, nan=0.0, posinf=100.0, neginf=0.0), 0.0, 100.0),
                    1)


def weighted_sum(components: dict[str, np.ndarray], weights: dict[str, float],
                 n: int) -> np.ndarray:
    """Each plot's sum of its components times their weights, before the score divides it by
    the weights' total and rounds it (:func:`score_from_components`); ``n`` plots.

    Examples
    --------
    >>> weighted_sum({"area": np.array([1.0, 0.5]), "price": np.array([0.5, 0.0])},
    ...              {"area": 1.0, "price": 2.0}, 2)
    array([2. , 0.5])
    """
    acc = np.zeros(n)
    for name, comp in components.items():
        acc += weights[name] * comp
    return acc
