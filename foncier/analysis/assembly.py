"""Plot assembly: combine small neighbouring plots of one site to reach a brief's minimum area.

A brief that sets ``allow_assembly = true`` (under ``[land]``) accepts a group of plots of the same
site that touch, or lie closer than ``assembly_max_gap_m`` (a service road between them), when
together they reach ``min_area_ha``.

Which plots may join an assembly
    Only plots that fail no criterion other than area, whose net area is too small on its own, is
    above 0, and that belong to a site (``site_id`` not null). A plot that reaches the area alone is
    listed on its own and never padded with neighbours.

The combined plot's verdicts
    Its net area is the sum of its members' net areas (gross area likewise), and every attribute
    takes its members' weakest value: the highest price, the latest ``available_from``, the lowest
    power, water and allowed height, the lowest ICPE regime, and for text and yes/no attributes
    the value of a member that does not pass (an unknown value wins over a known one, so every
    unknown is kept). Straight-line distances are measured from the combined plot's geometry, as
    for any plot: the nearest member's distance to each infrastructure kind and to housing. The
    criteria of :mod:`foncier.core.criteria` are then evaluated on these combined rows, so an
    assembly's outcomes, reasons and score come from the very rules that judge single plots, and
    so do its ``completeness`` and ``relax`` columns (:mod:`foncier.core.decision`, from the
    assembly's own verdicts: ``area`` relaxes to the combined net area). Only ``match`` and
    ``to_check`` assemblies are listed, so their ``relax`` is always empty.

The search (no enumeration of subsets)
    1. Adjacency: one STRtree over the eligible plots, queried with
       ``predicate="dwithin", distance=gap + 1 cm`` (1 cm absorbs drawing noise between plots that
       touch); pairs of different sites are dropped. The graph is held as CSR arrays.
    2. Growth: every eligible plot seeds one assembly, and all seeds grow *together*, one member
       per step, with vectorized array operations (no loop over plots). At each step a seed looks
       at the neighbours of all its members that are not yet members: if some complete the area
       (without going over ``max_area_ha``) it takes the one that leaves the least surplus and
       stops; otherwise it takes the largest one, the greedy choice that needs the fewest plots.
       Growth stops at ``max_plots`` members or when a seed has no neighbour left.
    3. Clean-up: assemblies that reached the area are deduplicated (their sorted member lists), and
       an assembly is dropped when removing one of its members gives another candidate (it is then
       not minimal: a smaller assembly does the job).
    4. Order: fewest plots first, then least surplus area, then status and score.

The cost is ``max_plots`` vectorized steps over the edges of the active seeds, so it grows with the
number of eligible plots and their neighbours, never with the number of subsets. The search is
greedy: it finds good assemblies, not necessarily every minimal one.

Examples
--------
>>> import foncier
>>> brief = foncier.Brief(name="Grand", min_area_ha=8, allow_assembly=True, assembly_max_gap_m=20)
>>> found = find_assemblies(foncier.match(foncier.open_inventory(), brief))
>>> found["plot_id"].iloc[0] == found["assembly"].iloc[0].replace("|", "+")
True
>>> bool((found["net_area_ha"] >= 8).all())
True
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.criteria import FAIL, OCCUPANCY_PASS, OUTCOMES, SALES_PASS, evaluate
from foncier.core.geometry import PlotGeometry, ranges
from foncier.core.matching import (
    BASE_COLUMNS,
    DECISION_COLUMNS,
    STATUS_CODES,
    STATUSES,
    MatchResult,
    decision_columns,
    join_reasons,
    rank_order,
    status_codes,
)
from foncier.core.schema import ICPE_REGIMES
from foncier.core.scoring import score_plots

__all__ = ["find_assemblies", "assemble", "DEFAULT_MAX_PLOTS", "TOUCH_TOLERANCE_M"]

#: Default largest number of plots in one assembly.
DEFAULT_MAX_PLOTS = 5
#: Plots closer than this (m) are touching: drawing noise between shared edges.
TOUCH_TOLERANCE_M = 0.01

_HIGHER_IS_BETTER = ("power_mw", "water_m3_day", "max_height_m")
_LOWER_IS_BETTER = ("price_eur_m2",)
_FLAGS = ("turnkey", "gas", "fiber", "rail_siding", "brownfield")
_ICPE_RANK = {r: i for i, r in enumerate(ICPE_REGIMES)}


def _empty_frame(result: MatchResult) -> gpd.GeoDataFrame:
    cols = [*BASE_COLUMNS, *result.criteria, "reasons", *DECISION_COLUMNS, "assembly", "n_plots",
            "surplus_ha"]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=result.inventory.plots.crs)


def _eligible_positions(result: MatchResult) -> np.ndarray:
    """Plots that fail only on being too small, with a site and some net area."""
    brief = result.brief
    ok = np.ones(len(result.status), dtype=bool)
    for name, c in result.criteria.items():
        if name != "area":
            ok &= c.outcome != FAIL
    ok &= result.net_area_ha < brief.min_area_ha
    ok &= result.net_area_ha > 0
    ok &= result.inventory.plots["site_id"].notna().to_numpy()
    return np.flatnonzero(ok)


def _adjacency(geoms: np.ndarray, site: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, indices) of plots of one site within ``gap`` metres of each other."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=gap + TOUCH_TOLERANCE_M)
    keep = (a != b) & (site[a] == site[b])
    a, b = a[keep], b[keep]
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    indptr = np.zeros(len(geoms) + 1, dtype=np.int64)
    np.add.at(indptr, a + 1, 1)
    return np.cumsum(indptr), b


def _grow(indptr: np.ndarray, indices: np.ndarray, net: np.ndarray, *, need: float,
          cap: float | None, max_plots: int) -> tuple[np.ndarray, np.ndarray]:
    """Grow one assembly from every node at once; returns (members padded with -1, totals)."""
    m = len(net)
    members = np.full((m, max_plots), -1, dtype=np.int64)
    members[:, 0] = np.arange(m)
    total = net.copy()
    alive = np.ones(m, dtype=bool)
    for step in range(1, max_plots):
        active = np.flatnonzero(alive & (total < need))
        if not len(active):
            break
        seeds, nbrs = [], []
        for j in range(step):
            nodes = members[active, j]
            counts = indptr[nodes + 1] - indptr[nodes]
            seeds.append(np.repeat(active, counts))
            nbrs.append(indices[ranges(indptr[nodes], counts)])
        seed = np.concatenate(seeds)
        nbr = np.concatenate(nbrs)
        fresh = ~(members[seed, :step] == nbr[:, None]).any(axis=1)
        seed, nbr = seed[fresh], nbr[fresh]
        new_total = total[seed] + net[nbr]
        completes = new_total >= need
        allowed = ~completes | (new_total <= (np.inf if cap is None else cap))
        seed, nbr, completes, new_total = (seed[allowed], nbr[allowed], completes[allowed],
                                           new_total[allowed])
        # completing candidates first (least surplus), then the largest non-completing one
        key = np.where(completes, net[nbr], -net[nbr])
        order = np.lexsort((nbr, key, ~completes, seed))
        seed, nbr = seed[order], nbr[order]
        first = np.flatnonzero(np.r_[True, seed[1:] != seed[:-1]]) if len(seed) else seed
        chosen_seed, chosen = seed[first], nbr[first]
        members[chosen_seed, step] = chosen
        total[chosen_seed] += net[chosen]
        dead = np.setdiff1d(active, chosen_seed, assume_unique=True)
        alive[dead] = False
    return members, total


def _minimal_unique(members: np.ndarray) -> np.ndarray:
    """Deduplicated member rows (sorted, -1 last) without rows that contain another row."""
    big = np.iinfo(np.int64).max
    rows = np.sort(np.where(members < 0, big, members), axis=1)
    rows = np.unique(rows, axis=0)
    sizes = (rows != big).sum(axis=1)
    width = rows.shape[1]
    as_void = _void_rows(rows)
    redundant = np.zeros(len(rows), dtype=bool)
    for drop in range(width):
        sub = np.delete(rows, drop, axis=1)
        sub = np.concatenate([sub, np.full((len(rows), 1), big)], axis=1)
        has = drop < sizes
        redundant |= has & np.isin(_void_rows(sub), as_void)
    rows = rows[~redundant]
    return np.where(rows == big, -1, rows)


def _void_rows(rows: np.ndarray) -> np.ndarray:
    rows = np.ascontiguousarray(rows)
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def _pick(values: np.ndarray, badness: np.ndarray, pad: np.ndarray) -> np.ndarray:
    """Per row, the value of the member with the highest badness (first one on ties)."""
    bad = np.where(pad, -1, badness)
    idx = bad.argmax(axis=1)
    return values[np.arange(len(values)), idx]


def _combined_plots(plots: pd.DataFrame, gpos: np.ndarray, pad: np.ndarray,
                    brief) -> pd.DataFrame:
    """One row per assembly with its members' weakest attribute values."""
    safe = np.where(pad, 0, gpos)
    out: dict[str, object] = {}
    for col in _HIGHER_IS_BETTER + _LOWER_IS_BETTER:
        v = plots[col].to_numpy(dtype="float64", na_value=np.nan)[safe]
        if col in _HIGHER_IS_BETTER:
            out[col] = np.where(pad, np.inf, v).min(axis=1)
        else:
            out[col] = np.where(pad, -np.inf, v).max(axis=1)
    avail = plots["available_from"].to_numpy(dtype="datetime64[s]")[safe]
    out["available_from"] = np.where(pad, np.datetime64("1900-01-01", "s"), avail).max(axis=1)
    for col, good in (("sales_stage", SALES_PASS), ("occupancy", OCCUPANCY_PASS)):
        v = plots[col].to_numpy(dtype=object)[safe]
        out[col] = _pick(v, ~np.isin(v, good), pad)
    zone = plots["plu_zone"].to_numpy(dtype=object)[safe]
    out["plu_zone"] = _pick(zone, pd.isna(zone), pad)
    icpe = plots["icpe_max"].to_numpy(dtype=object)[safe]
    rank = pd.Series(icpe.ravel()).map(_ICPE_RANK).fillna(-1).to_numpy().reshape(icpe.shape)
    out["icpe_max"] = _pick(icpe, len(ICPE_REGIMES) - rank, pad)
    for col in _FLAGS:
        s = plots[col].astype("boolean")
        known = s.notna().to_numpy()[safe]
        value = s.fillna(False).to_numpy(dtype=bool)[safe]
        want = brief.brownfield != "excluded" if col == "brownfield" else True
        badness = np.where(known, (value != want).astype(int), 2)
        picked = _pick(np.where(known, value, None).astype(object), badness, pad)
        out[col] = pd.array(picked, dtype="boolean")
    area = plots["area_ha"].to_numpy()[safe]
    out["area_ha"] = np.where(pad, 0.0, area).sum(axis=1)
    return pd.DataFrame(out)


def _combined_geometry(geo: PlotGeometry, gpos: np.ndarray, pad: np.ndarray) -> PlotGeometry:
    geo.all_overlaps()                      # every group's row of max_overlap is combined
    safe = np.where(pad, 0, gpos)
    k = len(gpos)
    rows = np.arange(k)
    overlap = np.where(pad[None, :, :], 0.0, geo.max_overlap[:, safe]).max(axis=2) \
        if len(geo.groups) else np.zeros((0, k))
    distance_m, nearest = {}, {}
    for kind, d in geo.distance_m.items():
        dd = np.where(pad, np.inf, d[safe])
        idx = dd.argmin(axis=1)
        distance_m[kind] = dd[rows, idx]
        nearest[kind] = geo.nearest[kind][safe][rows, idx]
    housing = None
    if geo.housing_m is not None:
        housing = np.where(pad, np.inf, geo.housing_m[safe]).min(axis=1)
    area = np.where(pad, 0.0, geo.area_m2[safe]).sum(axis=1)
    empty_i = np.zeros(0, dtype=np.int64)
    return PlotGeometry(area_m2=area, groups=list(geo.groups), pair_plot=empty_i,
                        pair_constraint=empty_i, pair_group=empty_i,
                        pair_geometry=np.zeros(0, dtype=object), pair_area=np.zeros(0),
                        max_overlap=overlap, distance_m=distance_m, nearest=nearest,
                        housing_m=housing)


def _scores(result: MatchResult, frame: pd.DataFrame, cgeo: PlotGeometry,
            net: np.ndarray, on: dt.date | None) -> np.ndarray:
    """Assembly scores, computed beside the plots so that every reference value is shared."""
    plots = result.inventory.plots
    cols = ["price_eur_m2", "available_from", "power_mw", "water_m3_day"]
    both = pd.concat([plots[cols].reset_index(drop=True), frame[cols]], ignore_index=True)
    geo = result.inventory.geometry.all_overlaps()
    joined = PlotGeometry(
        area_m2=np.r_[geo.area_m2, cgeo.area_m2], groups=geo.groups, pair_plot=geo.pair_plot,
        pair_constraint=geo.pair_constraint, pair_group=geo.pair_group,
        pair_geometry=geo.pair_geometry, pair_area=geo.pair_area,
        max_overlap=np.concatenate([geo.max_overlap, cgeo.max_overlap], axis=1),
        distance_m={k: np.r_[v, cgeo.distance_m[k]] for k, v in geo.distance_m.items()},
        nearest={}, housing_m=None)
    score = score_plots(both, joined, result.brief, np.r_[result.net_area_ha, net],
                        on=on or result.on)
    return score[len(plots):]


def find_assemblies(result: MatchResult, *, max_plots: int = DEFAULT_MAX_PLOTS,
                    on: dt.date | None = None) -> gpd.GeoDataFrame:
    """Candidate assemblies of neighbouring plots that reach the brief's minimum area.

    Parameters
    ----------
    result : MatchResult
        A match whose brief sets ``allow_assembly = true`` and ``min_area_ha`` (otherwise the
        frame is empty).
    max_plots : int, default 5
        The largest number of plots in one assembly.
    on : date, optional
        The day the score's timing component counts from (today by default): pass the date given
        to :func:`~foncier.match`, if any.

    Returns
    -------
    GeoDataFrame
        One row per assembly that is ``match`` or ``to_check``, fewest plots first, then least
        surplus: the result table's columns (``plot_id`` is the member ids joined by ``+``;
        ``rank`` is the assembly's order here), then ``assembly`` (member ids joined by ``|``),
        ``n_plots``, ``surplus_ha`` (net area over the minimum) and the union of the members'
        geometries.

    Examples
    --------
    >>> import foncier, shapely, geopandas as gpd
    >>> from foncier.analysis.assembly import find_assemblies
    >>> sites = gpd.GeoDataFrame({"site_id": ["Z"]}, geometry=[shapely.box(0, 0, 900, 900)],
    ...                          crs="EPSG:2154")
    >>> plots = gpd.GeoDataFrame(
    ...     {"plot_id": ["A", "B"], "site_id": ["Z", "Z"], "sales_stage": ["en vente"] * 2,
    ...      "occupancy": ["inoccupé"] * 2},
    ...     geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
    ...     crs="EPSG:2154")
    >>> inv = foncier.inventory_from_layers({"sites": sites, "plots": plots})
    >>> res = foncier.match(inv, foncier.Brief(name="x", min_area_ha=2, allow_assembly=True))
    >>> find_assemblies(res)[["assembly", "status", "net_area_ha"]].values.tolist()
    [['A|B', 'match', 2.0]]
    """
    brief = result.brief
    if not brief.allow_assembly or brief.min_area_ha is None or max_plots < 2:
        return _empty_frame(result)
    pos = _eligible_positions(result)
    if len(pos) < 2:
        return _empty_frame(result)
    plots = result.inventory.plots
    geoms = plots.geometry.to_numpy()[pos]
    site = pd.factorize(plots["site_id"].to_numpy(dtype=object)[pos])[0]
    indptr, indices = _adjacency(geoms, site, float(brief.assembly_max_gap_m or 0.0))
    net = result.net_area_ha[pos]
    members, total = _grow(indptr, indices, net, need=brief.min_area_ha,
                           cap=brief.max_area_ha, max_plots=max_plots)
    size = (members >= 0).sum(axis=1)
    done = (total >= brief.min_area_ha) & (size >= 2)
    if not done.any():
        return _empty_frame(result)
    local = _minimal_unique(members[done])
    return _assembly_frame(result, pos, local, on)


def _assembly_frame(result: MatchResult, pos: np.ndarray, local: np.ndarray,
                    on: dt.date | None) -> gpd.GeoDataFrame:
    plots = result.inventory.plots
    brief = result.brief
    pad = local < 0
    gpos = np.where(pad, -1, pos[np.where(pad, 0, local)])
    safe = np.where(pad, 0, gpos)
    k = len(gpos)
    ids = plots["plot_id"].to_numpy(dtype=object)
    member_ids = [ids[row[row >= 0]].tolist() for row in gpos]
    frame = _combined_plots(plots, gpos, pad, brief)
    cgeo = _combined_geometry(result.inventory.geometry, gpos, pad)
    net = np.where(pad, 0.0, result.net_area_ha[safe]).sum(axis=1)
    criteria = evaluate(frame, cgeo, brief, net)
    code = status_codes(criteria, k)
    score = _scores(result, frame, cgeo, net, on)
    all_rows = np.arange(k)
    grid = np.where(pad, None, plots.geometry.to_numpy()[safe])
    data = {
        "rank": np.zeros(k, dtype=np.int64),
        "plot_id": np.array(["+".join(m) for m in member_ids], dtype=object),
        "site_id": plots["site_id"].to_numpy(dtype=object)[safe[:, 0]],
        "status": STATUSES[code],
        "score": score,
        "area_ha": np.round(frame["area_ha"].to_numpy(), 4),
        "net_area_ha": np.round(net, 4),
    }
    for name, c in criteria.items():
        data[name] = OUTCOMES[c.outcome[all_rows]]
    data["reasons"] = join_reasons(criteria, all_rows)
    data.update(decision_columns(criteria, code, all_rows))
    data["assembly"] = np.array(["|".join(m) for m in member_ids], dtype=object)
    data["n_plots"] = (~pad).sum(axis=1)
    data["surplus_ha"] = np.round(net - brief.min_area_ha, 4)
    out = gpd.GeoDataFrame(data, geometry=shapely.union_all(grid, axis=1), crs=plots.crs)
    out = out[code < 2]
    out = out.sort_values(["n_plots", "surplus_ha", "status", "score", "plot_id"],
                          ascending=[True, True, True, False, True],
                          key=_status_key, ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def _status_key(s: pd.Series) -> pd.Series:
    if s.name == "status":
        return s.map(STATUS_CODES)
    if s.name == "score":
        return s.astype(float)
    return s


def assemble(result: MatchResult, *, max_plots: int = DEFAULT_MAX_PLOTS,
             on: dt.date | None = None) -> gpd.GeoDataFrame:
    """The ranked result table with the candidate assemblies listed among the plots.

    The table has the columns of :attr:`MatchResult.table` plus ``assembly``: empty for a single
    plot, the member plot ids joined by ``|`` for an assembly (whose ``plot_id`` joins them by
    ``+``). Rows are ranked as plots are: status, then score (best first), then ``plot_id``.
    Without ``allow_assembly`` in the brief, it is the plain table with an empty ``assembly``.

    Examples
    --------
    >>> import foncier
    >>> from foncier.analysis.assembly import assemble
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="x", min_area_ha=30))
    >>> table = assemble(res)
    >>> bool((table["assembly"] == "").all())
    True
    """
    table = result.table.copy()
    table["assembly"] = ""
    found = find_assemblies(result, max_plots=max_plots, on=on)
    if len(found):
        extra = found[list(table.columns)]
        table = pd.concat([table, extra], ignore_index=True)
        table = table.iloc[rank_order(table)].reset_index(drop=True)
        table["rank"] = np.arange(1, len(table) + 1)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=result.inventory.plots.crs)
