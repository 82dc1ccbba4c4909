"""A synthetic, Normandy-sized inventory for the benchmarks.

:func:`make_synthetic_layers` builds the four layers of DESIGN.md (``sites``, ``plots``,
``constraints``, ``infrastructure``) with realistic shapes and attributes, deterministically from a
seed and without a per-feature Python loop on the geometry:

- activity zones (about one per 25 plots) scattered over a Lambert-93 extent the size of Normandy
  (x 330 000 to 620 000, y 6 800 000 to 6 990 000), denser around a few towns;
- plots: rectangles of 0.2 to 30 ha packed in rows inside their zone, every plot column filled with
  CNIG enumeration values (:mod:`foncier.core.schema`) and about 10 % nulls (unknown);
- constraint polygons (24-vertex irregular shapes of 1 to 200 ha) of every kind and level, 80 % of
  them near the zones so that they overlap plots and each other (flood prescriptions around flood
  interdiction zones, 500 m monument perimeters, ...);
- infrastructure points of every kind (substations with ``capacity_mw``).

Run ``python benchmarks/synthetic.py OUT.gpkg [--plots N]`` to write one to a GeoPackage.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier import write_inventory
from foncier.core.schema import (
    CRS,
    ICPE_REGIMES,
    LAND_CONTROLS,
    OCCUPANCIES,
    SALES_STAGES,
    SERVICING_STAGES,
    SITE_VOCATIONS,
)

__all__ = ["make_synthetic_layers", "write_synthetic_inventory", "EXTENT"]

#: (xmin, ymin, xmax, ymax) in Lambert-93: about the size of Normandy.
EXTENT = (330_000.0, 6_800_000.0, 620_000.0, 6_990_000.0)
NULL_SHARE = 0.10
PLOTS_PER_SITE = 25
SLOT_M = 2_500.0  # zones are centred in distinct cells of this size while there are enough cells
ROAD_M = 15.0  # gap between neighbouring plots
N_TOWNS = 30

# Value -> relative frequency, for the CNIG enumerations and the extensions.
SALES_WEIGHTS = dict(zip(SALES_STAGES, (4, 2, 40, 12, 14, 6, 4, 8, 1, 1), strict=True))
OCCUPANCY_WEIGHTS = dict(zip(OCCUPANCIES, (50, 6, 15, 8, 8, 8, 2, 1), strict=True))
SERVICING_WEIGHTS = dict(zip(SERVICING_STAGES, (3, 20, 10, 25, 30, 8, 2, 1), strict=True))
LAND_WEIGHTS = dict(zip(LAND_CONTROLS, (12, 1, 1, 2, 30, 12, 1, 1, 8, 6, 8, 5, 1, 1, 6, 2, 1, 4,
                                        1, 1), strict=True))
VOCATION_WEIGHTS = dict(zip(SITE_VOCATIONS, (25, 10, 6, 20, 1, 3, 1, 12, 4, 15, 1, 1, 1),
                            strict=True))
ICPE_WEIGHTS = dict(zip(ICPE_REGIMES, (10, 25, 30, 25, 6, 4), strict=True))
ZONE_WEIGHTS = {"UX": 30, "UXa": 8, "UXb": 6, "UXp": 2, "ux": 1, "1AUx": 15, "1AUX": 3,
                "2AUx": 5, "UE": 10, "UZ": 8, "UI": 5, "1AUe": 3, "U": 2, "A": 1, "N": 1}
HEIGHTS = np.arange(8.0, 40.5, 0.5)

# (kind, level) -> (share of the constraints, min ha, max ha, elongation, name prefix)
CONSTRAINT_MIX: dict[tuple[str, str | None], tuple[float, float, float, float, str]] = {
    ("flood", "interdiction"): (0.11, 1, 120, 5.0, "PPRI - zone rouge"),
    ("flood", "prescriptions"): (0.13, 2, 200, 4.0, "PPRI - zone bleue"),
    ("pprt", "interdiction"): (0.02, 1, 40, 1.3, "PPRT - zone d'interdiction"),
    ("pprt", "prescriptions"): (0.03, 5, 150, 1.3, "PPRT - zone de prescriptions"),
    ("seveso", None): (0.03, 1, 60, 1.2, "Établissement Seveso"),
    ("natura2000", None): (0.08, 5, 200, 2.0, "Natura 2000"),
    ("znieff1", None): (0.07, 1, 120, 1.8, "ZNIEFF de type I"),
    ("znieff2", None): (0.07, 20, 200, 1.8, "ZNIEFF de type II"),
    ("wetland", None): (0.12, 1, 80, 2.5, "Zone humide"),
    ("monument", None): (0.08, 78.5, 78.5, 1.0, "Périmètre de monument historique"),
    ("littoral", None): (0.03, 20, 200, 3.0, "Espace proche du rivage"),
    ("archaeology", None): (0.06, 1, 50, 1.5, "Zone de présomption archéologique"),
    ("housing", None): (0.13, 1, 100, 1.5, "Zone d'habitat"),
    ("other", None): (0.01, 1, 100, 1.5, "Autre servitude"),
}
INFRA_MIX = {"motorway_interchange": 0.30, "rail_freight": 0.15, "port": 0.03, "airport": 0.02,
             "substation": 0.50}
INFRA_NAMES = {"motorway_interchange": "Échangeur", "rail_freight": "Gare de fret",
               "port": "Port", "airport": "Aérodrome", "substation": "Poste source"}
SUBSTATION_MW = np.array([10.0, 20.0, 36.0, 40.0, 63.0, 80.0, 100.0, 150.0, 225.0, 400.0])
SITE_PREFIXES = np.array(["ZA", "ZI", "Parc d'activités", "ZAE", "Zone portuaire", "Technopôle",
                          "Pôle logistique", "ZAC"], dtype=object)
SITE_PLACES = np.array(["du Bocage", "de la Vallée", "des Hauts Prés", "du Moulin", "de la Gare",
                        "des Forges", "du Plateau", "de la Croix", "des Landes", "du Port",
                        "de l'Estuaire", "des Marettes", "du Château", "de la Fosse",
                        "des Champs Fleuris", "de la Briqueterie"], dtype=object)


# ---------------------------------------------------------------------------------------------
# Small vectorized helpers
# ---------------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    """``n`` values drawn from a value -> weight mapping (object array)."""
    values = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return values[rng.choice(len(values), size=n, p=p / p.sum())]


def _with_nulls(rng: np.random.Generator, values: np.ndarray, share: float = NULL_SHARE
                ) -> np.ndarray:
    """An object copy of ``values`` with about ``share`` of them set to None (unknown)."""
    out = values.astype(object)
    out[rng.random(len(out)) < share] = None
    return out


def _nullable_real(rng: np.random.Generator, values: np.ndarray, share: float = NULL_SHARE
                   ) -> np.ndarray:
    out = values.astype(float)
    out[rng.random(len(out)) < share] = np.nan
    return out


def _nullable_bool(rng: np.random.Generator, values: np.ndarray, share: float = NULL_SHARE
                   ) -> pd.Series:
    out = pd.array(values.astype(bool), dtype="boolean")
    out[rng.random(len(values)) < share] = pd.NA
    return pd.Series(out)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` followed by zero-padded numbers, e.g. ``C-000042``."""
    return (prefix + pd.Series(numbers).astype(str).str.zfill(width)).to_numpy(dtype=object)


def _department(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The Normandy département code roughly at a Lambert-93 position."""
    return np.select(
        [x < 420_000, (x < 500_000) & (y > 6_880_000), x < 500_000, y > 6_920_000],
        ["50", "14", "61", "76"], default="27").astype(object)


def _blobs(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, area_m2: np.ndarray,
           elongation: np.ndarray, *, vertices: int = 24, roughness: float = 0.25) -> np.ndarray:
    """Irregular star-shaped polygons of about the given area, elongated and rotated."""
    n = len(cx)
    theta = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    radius = 1.0 + roughness * (rng.random((n, vertices)) * 2.0 - 1.0)
    # Area of a unit-ish star polygon with these radii, to scale it to the wanted area.
    unit_area = 0.5 * np.sin(2.0 * np.pi / vertices) * (radius * np.roll(radius, -1, axis=1)).sum(1)
    scale = np.sqrt(area_m2 / (unit_area * 1.0))
    ax = scale * np.sqrt(elongation)
    ay = scale / np.sqrt(elongation)
    px = radius * np.cos(theta) * ax[:, None]
    py = radius * np.sin(theta) * ay[:, None]
    rot = rng.random(n) * np.pi
    c, s = np.cos(rot)[:, None], np.sin(rot)[:, None]
    coords = np.stack([cx[:, None] + c * px - s * py, cy[:, None] + s * px + c * py], axis=2)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)  # close the rings
    return shapely.polygons(coords)


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

def _site_centres(rng: np.random.Generator, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the activity zones: distinct cells of a grid, denser near a few towns."""
    xmin, ymin, xmax, ymax = EXTENT
    nx, ny = int((xmax - xmin) // SLOT_M), int((ymax - ymin) // SLOT_M)
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    sx = xmin + (gx.ravel() + 0.5) * SLOT_M
    sy = ymin + (gy.ravel() + 0.5) * SLOT_M
    towns = rng.uniform((xmin, ymin), (xmax, ymax), size=(N_TOWNS, 2))
    d2 = ((sx[:, None] - towns[:, 0]) ** 2 + (sy[:, None] - towns[:, 1]) ** 2).min(axis=1)
    weight = 0.3 + np.exp(-d2 / (2 * 15_000.0 ** 2))
    cells = rng.choice(len(sx), size=n_sites, replace=n_sites > len(sx), p=weight / weight.sum())
    return sx[cells], sy[cells]


def _plot_sizes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Width and height (m) of rectangles of 0.2 to 30 ha (median about 1.5 ha)."""
    area_ha = np.clip(rng.lognormal(np.log(1.5), 1.0, n), 0.2, 30.0)
    aspect = rng.uniform(0.5, 2.0, n)
    width = np.sqrt(area_ha * 10_000.0 * aspect)
    return width, area_ha * 10_000.0 / width


def _pack_plots(site: np.ndarray, width: np.ndarray, height: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (m) of each plot inside its zone: shelves of plots, no two plots overlapping.

    Plots of a zone are laid left to right; a new shelf starts when the running width passes the
    zone's target width, and each shelf is as tall as its tallest plot.
    """
    frame = pd.DataFrame({"site": site, "w": width + ROAD_M, "h": height + ROAD_M})
    by_site = frame.groupby("site", sort=False)
    target = np.sqrt(by_site["w"].transform("sum") * by_site["h"].transform("mean")) * 1.2
    start = by_site["w"].cumsum() - frame["w"]
    shelf = np.floor(start / target).astype(np.int64)
    x = start - shelf * target
    frame["shelf"] = shelf
    shelf_h = frame.groupby(["site", "shelf"], sort=True)["h"].max().rename("sh").reset_index()
    shelf_h["y0"] = shelf_h.groupby("site")["sh"].cumsum() - shelf_h["sh"]
    y = frame.merge(shelf_h, on=["site", "shelf"], how="left")["y0"]
    return x.to_numpy(), y.to_numpy()


def _plot_attributes(rng: np.random.Generator, n: int, site_pos: np.ndarray,
                     site_gas: np.ndarray, site_fiber: np.ndarray, site_rail: np.ndarray,
                     insee: np.ndarray, area_ha: np.ndarray) -> dict[str, object]:
    """Every DESIGN.md plot column but the ids and the geometry."""
    sections = np.array(["ZA", "ZB", "ZC", "ZD", "ZE", "AB", "AC", "AD", "OA", "OB", "YA",
                         "XB"], dtype=object)
    n_refs = rng.choice([1, 1, 1, 2, 2, 3, 4], size=n)
    first = rng.integers(1, 9_000, n)
    refs = pd.Series(insee + "000" + sections[rng.integers(0, len(sections), n)]
                     + pd.Series(first).astype(str).str.zfill(4).to_numpy(dtype=object))
    for k in range(1, 4):  # at most 4 parcels, consecutive numbers
        more = pd.Series(refs.str[:10].to_numpy(dtype=object)
                         + pd.Series(first + k).astype(str).str.zfill(4).to_numpy(dtype=object))
        refs = refs.where(n_refs <= k, refs + "|" + more)

    sales = _pick(rng, SALES_WEIGHTS, n)
    occupancy = _pick(rng, OCCUPANCY_WEIGHTS, n)
    brownfield = (occupancy == "friche") | (rng.random(n) < 0.03)
    days = rng.integers(-900, 6 * 365, n)
    available = np.datetime64("2026-01-01") + np.where(days < 0, days // 3, days) \
        .astype("timedelta64[D]")
    available = pd.Series(available.astype("datetime64[s]"))
    available[rng.random(n) < NULL_SHARE] = pd.NaT
    has_gas = site_gas[site_pos] & (rng.random(n) < 0.9)
    has_fiber = site_fiber[site_pos] & (rng.random(n) < 0.95)
    has_rail = site_rail[site_pos] & (rng.random(n) < 0.4)
    declared = np.round(area_ha * rng.normal(1.0, 0.02, n), 2)
    off = rng.random(n) < 0.005  # a few declared areas more than 10 % off (validation warnings)
    declared[off] = np.round(area_ha[off] * rng.choice([0.7, 1.3], int(off.sum())), 2)
    return {
        "cadastral_refs": _with_nulls(rng, refs.to_numpy(dtype=object)),
        "sales_stage": _with_nulls(rng, sales),
        "occupancy": _with_nulls(rng, occupancy),
        "servicing_stage": _with_nulls(rng, _pick(rng, SERVICING_WEIGHTS, n)),
        "land_control": _with_nulls(rng, _pick(rng, LAND_WEIGHTS, n)),
        "turnkey": _nullable_bool(rng, rng.random(n) < 0.15),
        "price_eur_m2": _nullable_real(rng, np.round(np.clip(
            rng.lognormal(np.log(15.0), 0.6, n), 2.0, 150.0), 1)),
        "available_from": available,
        "plu_zone": _with_nulls(rng, _pick(rng, ZONE_WEIGHTS, n)),
        "icpe_max": _with_nulls(rng, _pick(rng, ICPE_WEIGHTS, n)),
        "power_mw": _nullable_real(rng, np.round(np.clip(
            rng.lognormal(np.log(4.0), 1.0, n), 0.1, 150.0), 1)),
        "water_m3_day": _nullable_real(rng, np.round(np.clip(
            rng.lognormal(np.log(250.0), 1.0, n), 5.0, 10_000.0))),
        "gas": _nullable_bool(rng, has_gas),
        "fiber": _nullable_bool(rng, has_fiber),
        "rail_siding": _nullable_bool(rng, has_rail),
        "brownfield": _nullable_bool(rng, brownfield, share=NULL_SHARE / 2),
        "max_height_m": _nullable_real(rng, HEIGHTS[rng.integers(0, len(HEIGHTS), n)]),
        "declared_area_ha": _nullable_real(rng, declared),
    }


def _sites_and_plots(rng: np.random.Generator, n_plots: int
                     ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    n_sites = max(1, round(n_plots / PLOTS_PER_SITE))
    cx, cy = _site_centres(rng, n_sites)
    share = rng.gamma(3.0, 1.0, n_sites)
    counts = rng.multinomial(n_plots, share / share.sum())
    site_pos = np.repeat(np.arange(n_sites), counts)
    width, height = _plot_sizes(rng, n_plots)
    dx, dy = _pack_plots(site_pos, width, height)
    # Centre each zone's block of plots on the zone's centre.
    span_x = pd.Series(dx + width).groupby(site_pos).max().reindex(range(n_sites), fill_value=0)
    span_y = pd.Series(dy + height).groupby(site_pos).max().reindex(range(n_sites), fill_value=0)
    x0 = cx - span_x.to_numpy() / 2.0
    y0 = cy - span_y.to_numpy() / 2.0
    px, py = x0[site_pos] + dx, y0[site_pos] + dy
    plot_geoms = shapely.box(px, py, px + width, py + height)

    site_ids = _ids("ZAE-", np.arange(1, n_sites + 1), 5)
    rank_in_site = np.arange(n_plots) - np.repeat(np.cumsum(counts) - counts, counts)
    plot_ids = (site_ids[site_pos] + "-P"
                + pd.Series(rank_in_site + 1).astype(str).str.zfill(3).to_numpy(dtype=object))
    dept = _department(cx, cy)
    insee = dept + pd.Series(rng.integers(1, 700, n_sites)).astype(str).str.zfill(3) \
        .to_numpy(dtype=object)
    n_epci = max(1, n_sites // 60)
    epci_of_site = np.minimum((cx - EXTENT[0]) / (EXTENT[2] - EXTENT[0]) * n_epci,
                              n_epci - 1).astype(int)
    epci_siren = (200_000_000 + 37 * np.arange(n_epci) + 11).astype(str).astype(object)
    epci_name = np.array([f"Communauté de communes synthétique n° {i + 1}"
                          for i in range(n_epci)], dtype=object)

    # Zone outlines: the box around its plots with a 30 m margin (a default box when empty).
    bounds = pd.DataFrame({"s": site_pos, "x0": px, "y0": py, "x1": px + width, "y1": py + height})
    agg = bounds.groupby("s").agg(x0=("x0", "min"), y0=("y0", "min"), x1=("x1", "max"),
                                  y1=("y1", "max")).reindex(range(n_sites))
    empty = agg["x0"].isna().to_numpy()
    agg.loc[empty, ["x0", "y0"]] = np.c_[cx[empty] - 200, cy[empty] - 200]
    agg.loc[empty, ["x1", "y1"]] = np.c_[cx[empty] + 200, cy[empty] + 200]
    site_geoms = shapely.box(agg["x0"] - 30, agg["y0"] - 30, agg["x1"] + 30, agg["y1"] + 30)
    names = (SITE_PREFIXES[rng.integers(0, len(SITE_PREFIXES), n_sites)] + " "
             + SITE_PLACES[rng.integers(0, len(SITE_PLACES), n_sites)] + " "
             + pd.Series(np.arange(1, n_sites + 1)).astype(str).to_numpy(dtype=object))
    sites = gpd.GeoDataFrame({
        "site_id": site_ids,
        "name": _with_nulls(rng, names, 0.02),
        "epci_siren": epci_siren[epci_of_site],
        "epci_name": epci_name[epci_of_site],
        "commune_insee": _with_nulls(rng, insee, 0.02),
        "vocation": _with_nulls(rng, _pick(rng, VOCATION_WEIGHTS, n_sites)),
    }, geometry=site_geoms, crs=CRS)

    attrs = _plot_attributes(rng, n_plots, site_pos, rng.random(n_sites) < 0.65,
                             rng.random(n_sites) < 0.8, rng.random(n_sites) < 0.12,
                             insee[site_pos], width * height / 10_000.0)
    outside = rng.random(n_plots) < 0.02  # brownfields outside any zone
    site_col = site_ids[site_pos].astype(object)
    site_col[outside] = None
    brownfield = attrs["brownfield"]
    brownfield[outside] = True
    plots = gpd.GeoDataFrame({"plot_id": plot_ids, "site_id": site_col, **attrs},
                             geometry=plot_geoms, crs=CRS)
    return sites, plots


def _constraints(rng: np.random.Generator, n: int, plots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    groups = list(CONSTRAINT_MIX)
    share = np.array([CONSTRAINT_MIX[g][0] for g in groups])
    gi = rng.choice(len(groups), size=n, p=share / share.sum())
    lo = np.array([CONSTRAINT_MIX[g][1] for g in groups])[gi]
    hi = np.array([CONSTRAINT_MIX[g][2] for g in groups])[gi]
    area_ha = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    elong = np.array([CONSTRAINT_MIX[g][3] for g in groups])[gi] * rng.uniform(0.7, 1.4, n)

    # 80 % are centred near a plot (so they overlap plots), the others anywhere.
    centroids = shapely.centroid(plots.geometry.to_numpy())
    near = rng.random(n) < 0.8
    anchor = rng.integers(0, len(centroids), n)
    xmin, ymin, xmax, ymax = EXTENT
    cx = np.where(near, shapely.get_x(centroids[anchor]) + rng.normal(0, 600, n),
                  rng.uniform(xmin, xmax, n))
    cy = np.where(near, shapely.get_y(centroids[anchor]) + rng.normal(0, 600, n),
                  rng.uniform(ymin, ymax, n))
    # Flood prescriptions often surround a flood interdiction zone (the same river).
    red = np.flatnonzero(gi == groups.index(("flood", "interdiction")))
    blue = np.flatnonzero(gi == groups.index(("flood", "prescriptions")))
    paired = blue[rng.random(len(blue)) < 0.6]
    if len(red) and len(paired):
        mate = red[rng.integers(0, len(red), len(paired))]
        cx[paired], cy[paired] = cx[mate], cy[mate]
        area_ha[paired] = np.minimum(area_ha[mate] * rng.uniform(1.5, 3.0, len(paired)), 200.0)
        elong[paired] = elong[mate]
    geoms = _blobs(rng, cx, cy, area_ha * 10_000.0, elong)
    monument = gi == groups.index(("monument", None))
    geoms[monument] = shapely.buffer(shapely.points(cx[monument], cy[monument]), 500.0,
                                     quad_segs=8)

    kinds = np.array([g[0] for g in groups], dtype=object)[gi]
    levels = np.array([g[1] for g in groups], dtype=object)[gi]
    names = np.array([CONSTRAINT_MIX[g][4] for g in groups], dtype=object)[gi] \
        + " n° " + pd.Series(np.arange(1, n + 1)).astype(str).to_numpy(dtype=object)
    return gpd.GeoDataFrame({
        "constraint_id": _ids("C-", np.arange(1, n + 1), 6),
        "kind": kinds,
        "level": levels,
        "name": _with_nulls(rng, names, 0.05),
        "source": np.full(n, "synthétique (benchmark)", dtype=object),
    }, geometry=geoms, crs=CRS)


def _infrastructure(rng: np.random.Generator, n: int, plots: gpd.GeoDataFrame
                    ) -> gpd.GeoDataFrame:
    kinds = _pick(rng, INFRA_MIX, n)
    kinds[: len(INFRA_MIX)] = list(INFRA_MIX)  # every kind at least once
    xmin, ymin, xmax, ymax = EXTENT
    centroids = shapely.centroid(plots.geometry.to_numpy())
    anchor = rng.integers(0, len(centroids), n)
    near = rng.random(n) < 0.6
    x = np.where(near, shapely.get_x(centroids[anchor]) + rng.normal(0, 3_000, n),
                 rng.uniform(xmin, xmax, n))
    y = np.where(near, shapely.get_y(centroids[anchor]) + rng.normal(0, 3_000, n),
                 rng.uniform(ymin, ymax, n))
    port = kinds == "port"  # ports on the Channel coast, roughly the northern band
    y[port] = rng.uniform(ymax - 40_000, ymax, int(port.sum()))
    sub = kinds == "substation"
    capacity = np.full(n, np.nan)
    capacity[sub] = SUBSTATION_MW[rng.integers(0, len(SUBSTATION_MW), int(sub.sum()))]
    capacity[sub & (rng.random(n) < 0.05)] = np.nan
    names = np.array([INFRA_NAMES[k] for k in INFRA_NAMES], dtype=object)
    label = names[pd.Categorical(kinds, categories=list(INFRA_NAMES)).codes] \
        + " n° " + pd.Series(np.arange(1, n + 1)).astype(str).to_numpy(dtype=object)
    return gpd.GeoDataFrame({
        "infra_id": _ids("INF-", np.arange(1, n + 1), 5),
        "kind": kinds,
        "name": label,
        "capacity_mw": capacity,
    }, geometry=shapely.points(x, y), crs=CRS)


def make_synthetic_layers(*, n_plots: int = 100_000, n_constraints: int = 20_000,
                          n_infra: int = 2_000, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """The layers of a synthetic inventory (DESIGN.md's columns, EPSG:2154), deterministic.

    Parameters
    ----------
    n_plots, n_constraints, n_infra : int
        Number of plots, constraint polygons and infrastructure points (zones: one per 25 plots).
    seed : int
        The same seed always gives the same layers.

    Returns
    -------
    dict of str to GeoDataFrame
        ``sites``, ``plots``, ``constraints`` and ``infrastructure``.

    Examples
    --------
    >>> layers = make_synthetic_layers(n_plots=500, n_constraints=100, n_infra=20)
    >>> {k: len(v) for k, v in layers.items()}
    {'sites': 20, 'plots': 500, 'constraints': 100, 'infrastructure': 20}
    >>> bool(layers["plots"].geometry.area.between(1_999, 300_001).all())
    True
    """
    if n_plots < 1 or n_constraints < 0 or n_infra < len(INFRA_MIX):
        raise ValueError(f"n_plots >= 1, n_constraints >= 0 and n_infra >= {len(INFRA_MIX)} "
                         "expected")
    rng = np.random.default_rng(seed)
    sites, plots = _sites_and_plots(rng, n_plots)
    return {
        "sites": sites,
        "plots": plots,
        "constraints": _constraints(rng, n_constraints, plots),
        "infrastructure": _infrastructure(rng, n_infra, plots),
    }


def write_synthetic_inventory(path: str | os.PathLike, **kw: int) -> None:
    """Write :func:`make_synthetic_layers` (same keywords) to a GeoPackage, atomically."""
    write_inventory(make_synthetic_layers(**kw), path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic inventory (GeoPackage).")
    parser.add_argument("out", help="the GeoPackage to write")
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--constraints", type=int, default=None,
                        help="default: one per 5 plots")
    parser.add_argument("--infra", type=int, default=None, help="default: one per 50 plots")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t = time.perf_counter()
    write_synthetic_inventory(
        args.out, n_plots=args.plots,
        n_constraints=args.constraints if args.constraints is not None else args.plots // 5,
        n_infra=args.infra if args.infra is not None else max(len(INFRA_MIX), args.plots // 50),
        seed=args.seed)
    print(f"{args.out}: {args.plots} plots written in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
