"""Tiny hand-built inventories in Lambert-93, shared by the test modules."""

from __future__ import annotations

import geopandas as gpd
import shapely

from foncier.core.schema import LAYERS

CRS = "EPSG:2154"

# A plot row with every attribute known and favourable; tests override what they exercise.
GOOD_PLOT = {
    "site_id": "Z1",
    "cadastral_refs": "50147000ZK0101",
    "sales_stage": "en vente",
    "occupancy": "inoccupé",
    "servicing_stage": "viabilisé et aménagé",
    "land_control": "structure intercommunale",
    "turnkey": True,
    "price_eur_m2": 20.0,
    "available_from": "2026-01-01",
    "plu_zone": "UX",
    "icpe_max": "autorisation",
    "power_mw": 20.0,
    "water_m3_day": 500.0,
    "gas": True,
    "fiber": True,
    "rail_siding": True,
    "brownfield": False,
    "max_height_m": 25.0,
    "declared_area_ha": None,
}


def make_layers(plots, constraints=(), infrastructure=(), sites=None):
    """Layers from lists of dicts, each with a ``geometry`` entry (shapely) and any columns."""
    rows = [{**GOOD_PLOT, **p} for p in plots]
    plots_gdf = gpd.GeoDataFrame(rows, geometry=[r.pop("geometry") for r in rows], crs=CRS)
    if sites is None:
        sites = [{"site_id": "Z1", "name": "ZAE test", "geometry": shapely.box(-10_000, -10_000,
                                                                                10_000, 10_000)}]
    sites = [dict(s) for s in sites]
    sites_gdf = gpd.GeoDataFrame(sites, geometry=[s.pop("geometry") for s in sites], crs=CRS)
    cons = [dict(c) for c in constraints]
    cons_gdf = gpd.GeoDataFrame(
        cons or {"constraint_id": [], "kind": [], "level": []},
        geometry=[c.pop("geometry") for c in cons], crs=CRS)
    infra = [dict(i) for i in infrastructure]
    infra_gdf = gpd.GeoDataFrame(
        infra or {"infra_id": [], "kind": []},
        geometry=[i.pop("geometry") for i in infra], crs=CRS)
    layers = {"sites": sites_gdf, "plots": plots_gdf, "constraints": cons_gdf,
              "infrastructure": infra_gdf}
    for name, frame in layers.items():          # complete layers: every column of the contract
        for col in LAYERS[name]:
            if col not in frame.columns:
                frame[col] = None
    return layers
