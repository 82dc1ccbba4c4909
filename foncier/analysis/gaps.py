"""Data gaps: which missing attributes leave verdicts « à vérifier », and which to fill first.

For a set of briefs, every ``unknown`` verdict of a criterion is traced to what it lacks: a plot
attribute (``price_eur_m2`` for ``price``, ``available_from`` for ``timing`` and ``start``,
``sales_stage`` and/or ``occupancy`` for ``availability``, ...) or, for distances, a layer feature
(no ``housing`` constraint, no infrastructure of a kind). :func:`gaps` then counts, per attribute:

- ``unknown``: the (plot, brief) pairs where that attribute causes at least one unknown verdict;
- ``decided``: the (plot, brief) pairs ``to_check`` that filling that attribute alone would decide
  (it is the only cause of every unknown and no criterion fails: the plot becomes ``match`` or
  ``no_match`` once it is known);
- ``plots``: the distinct plots concerned (for at least one brief);

over the whole inventory and per activity zone (``site_id``), ranked by ``decided``, then
``unknown``. :func:`gaps_in_french` gives French column labels for output.

Examples
--------
>>> import foncier
>>> inv = foncier.open_inventory()
>>> g = gaps(inv, [foncier.Brief(name="a", power_mw=5), foncier.Brief(name="b", gas=True)])
>>> list(g.columns)
['scope', 'site_id', 'attribute', 'label', 'unknown', 'decided', 'plots']
>>> bool((g["decided"] <= g["unknown"]).all())
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from foncier.core.brief import Brief
from foncier.core.criteria import OCCUPANCY_PASS, SALES_PASS, UNKNOWN, _normal
from foncier.core.inventory import Inventory
from foncier.core.matching import MatchResult, match
from foncier.wording import ATTRIBUTE_LABELS

__all__ = ["gaps", "gaps_in_french", "CRITERION_SOURCES", "GAP_LABELS", "GAP_COLUMNS_FR"]

#: Criterion -> what its unknown verdict lacks (availability: see :func:`_availability_causes`).
CRITERION_SOURCES = {
    "price": "price_eur_m2", "timing": "available_from", "start": "available_from",
    "zoning": "plu_zone", "turnkey": "turnkey", "brownfield": "brownfield",
    "height": "max_height_m", "icpe": "icpe_max", "power": "power_mw", "water": "water_m3_day",
    "gas": "gas", "fiber": "fiber", "rail_siding": "rail_siding",
    "housing": "constraints.housing", "motorway": "infrastructure.motorway_interchange",
    "rail_freight": "infrastructure.rail_freight", "port": "infrastructure.port",
}
#: Every source, in report order, with its French label.
GAP_LABELS = {
    **{a: ATTRIBUTE_LABELS[a] for a in (
        "sales_stage", "occupancy", "price_eur_m2", "available_from", "plu_zone", "turnkey",
        "brownfield", "max_height_m", "icpe_max", "power_mw", "water_m3_day", "gas", "fiber",
        "rail_siding")},
    "constraints.housing": "Zones d'habitat (couche des contraintes)",
    "infrastructure.motorway_interchange": "Échangeurs autoroutiers (couche des infrastructures)",
    "infrastructure.rail_freight": "Gares de fret (couche des infrastructures)",
    "infrastructure.port": "Ports (couche des infrastructures)",
}
GAP_COLUMNS_FR = {"scope": "Portée", "site_id": "Zone d'activité", "attribute": "Attribut",
                  "label": "Donnée manquante", "unknown": "Verdicts inconnus",
                  "decided": "Verdicts tranchés si renseignée", "plots": "Terrains concernés"}
_ORDER = {a: i for i, a in enumerate(GAP_LABELS)}


def _passes(plots: pd.DataFrame, col: str, values: tuple[str, ...]) -> np.ndarray:
    codes, uniques = pd.factorize(plots[col].to_numpy(dtype=object))
    wanted = {_normal(v) for v in values}
    hits = np.array([_normal(u) in wanted for u in uniques] + [False], dtype=bool)
    return hits[codes]


def _availability_causes(plots: pd.DataFrame) -> dict[str, np.ndarray]:
    """Where availability is unknown, the side(s) that are not a pass lack data."""
    return {"sales_stage": ~_passes(plots, "sales_stage", SALES_PASS),
            "occupancy": ~_passes(plots, "occupancy", OCCUPANCY_PASS)}


def _causes(result: MatchResult, availability: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Source -> plots where it causes at least one unknown verdict of the result."""
    out: dict[str, np.ndarray] = {}
    for name, c in result.criteria.items():
        unknown = c.outcome == UNKNOWN
        if not unknown.any():
            continue
        sources = ({k: unknown & v for k, v in availability.items()} if name == "availability"
                   else {CRITERION_SOURCES[name]: unknown})
        for src, mask in sources.items():
            out[src] = out[src] | mask if src in out else mask
    return out


def gaps(inventory: Inventory, briefs: Iterable[Brief | MatchResult], *,
         on: dt.date | None = None) -> pd.DataFrame:
    """Count the unknown verdicts each missing attribute causes, overall and per zone.

    Parameters
    ----------
    inventory : Inventory
    briefs : iterable of Brief or MatchResult
        The briefs to match (a :class:`MatchResult` of this inventory is used as it is).
    on : date, optional
        The day of the match, for briefs (today by default).

    Returns
    -------
    DataFrame
        Columns ``scope`` (``overall``, then ``zone`` rows), ``site_id`` (None overall, and for
        plots outside any zone), ``attribute`` (a plot column, or ``constraints.housing`` /
        ``infrastructure.<kind>``), ``label`` (French), ``unknown``, ``decided``, ``plots`` (see
        the module's docstring). Only sources that cause an unknown verdict; each scope ranked
        by ``decided``, then ``unknown``, most first.

    Examples
    --------
    >>> import foncier
    >>> inv = foncier.open_inventory()
    >>> g = gaps(inv, [foncier.Brief(name="a", power_mw=5, water_m3_day=100)])
    >>> set(g.loc[g["scope"] == "overall", "attribute"]) <= set(GAP_LABELS)
    True
    """
    plots = inventory.attributes("plots")
    n = len(plots)
    availability = _availability_causes(plots)
    site_codes, sites = pd.factorize(plots["site_id"].to_numpy(dtype=object), use_na_sentinel=True)
    n_sites = len(sites) + 1
    site_codes = np.where(site_codes < 0, len(sites), site_codes)
    unknown = {s: np.zeros(n_sites, np.int64) for s in GAP_LABELS}
    decided = {s: np.zeros(n_sites, np.int64) for s in GAP_LABELS}
    touched = {s: np.zeros(n, bool) for s in GAP_LABELS}
    for item in briefs:
        result = item if isinstance(item, MatchResult) else match(inventory, item, on=on)
        causes = _causes(result, availability)
        if not causes:
            continue
        n_causes = np.sum([m for m in causes.values()], axis=0)
        open_ = (result.status_code == 1) & (n_causes == 1)
        for src, mask in causes.items():
            unknown[src] += np.bincount(site_codes[mask], minlength=n_sites)
            decided[src] += np.bincount(site_codes[mask & open_], minlength=n_sites)
            touched[src] |= mask
    rows = []
    for src in GAP_LABELS:
        plots_per_site = np.bincount(site_codes[touched[src]], minlength=n_sites)
        if unknown[src].sum():
            rows.append(("overall", None, src, int(unknown[src].sum()), int(decided[src].sum()),
                         int(touched[src].sum())))
        for s in np.flatnonzero(unknown[src]):
            site = sites[s] if s < len(sites) else None
            rows.append(("zone", site, src, int(unknown[src][s]), int(decided[src][s]),
                         int(plots_per_site[s])))
    frame = pd.DataFrame(rows, columns=["scope", "site_id", "attribute", "unknown", "decided",
                                        "plots"])
    frame.insert(3, "label", frame["attribute"].map(GAP_LABELS))
    frame["_scope"] = (frame["scope"] == "zone").astype(int)
    frame["_site"] = frame["site_id"].fillna("\uffff")
    frame["_order"] = frame["attribute"].map(_ORDER)
    frame = frame.sort_values(["_scope", "_site", "decided", "unknown", "_order"],
                              ascending=[True, True, False, False, True], kind="stable")
    return frame.drop(columns=["_scope", "_site", "_order"]).reset_index(drop=True)


def gaps_in_french(frame: pd.DataFrame) -> pd.DataFrame:
    """A :func:`gaps` table with French column labels and scope names, for output.

    Examples
    --------
    >>> import foncier
    >>> g = gaps(foncier.open_inventory(), [foncier.Brief(name="a", power_mw=5)])
    >>> list(gaps_in_french(g).columns)[:3]
    ['Portée', "Zone d'activité", 'Attribut']
    """
    out = frame.copy()
    out["site_id"] = out["site_id"].astype(object)
    outside = (out["scope"] == "zone") & out["site_id"].isna()
    out["site_id"] = out["site_id"].where(out["site_id"].notna(), "")
    out.loc[outside, "site_id"] = "hors zone"
    out["scope"] = out["scope"].map({"overall": "ensemble", "zone": "zone"})
    return out.rename(columns=GAP_COLUMNS_FR)
