"""Tiny hand-built inventories in Lambert-93, shared by the test modules."""

from __future__ import annotations

import geopandas as gpd
import shapely

from foncier.core.brief import Brief
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


#: The infrastructure of ``three_plot_layers`` unless told otherwise: an interchange 5 km north of
#: the plots and a port 40 km away.
NEAR_INFRASTRUCTURE = (
    {"infra_id": "M1", "kind": "motorway_interchange", "name": "Échangeur",
     "geometry": shapely.Point(0, 5100)},
    {"infra_id": "T1", "kind": "port", "name": "Port", "geometry": shapely.Point(900, 40_000)},
)


#: The constraints of ``three_plot_layers``: id, kind, level, box (xmin, ymin, xmax, ymax).
_THREE_PLOT_CONSTRAINTS = (
    ("C1", "flood", "interdiction", (300, 0, 400, 500)),    # over P2
    ("C2", "flood", "prescriptions", (350, 0, 450, 500)),   # over P2, overlapping C1
    ("C3", "wetland", None, (600, 0, 700, 300)),            # over P3
    ("H1", "housing", None, (0, 1000, 200, 1200)),          # 900 m north of P1
)

#: One change each against ``three_plot_layers()`` (its keywords), by name: a cache must see
#: every one of them (``pytest.mark.parametrize("change", list(LAYER_CHANGES.values()),
#: ids=list(LAYER_CHANGES))``).
LAYER_CHANGES = {
    "geometry moved": {"moved": 150.0},
    "attribute changed": {"price": 99.0},
    "plot added and deleted": {"extra_plot": True, "drop_p2": True},
    "constraint added": {"extra_constraint": True},
}

#: The brief the cache tests match ``three_plot_layers`` against.
THREE_PLOT_BRIEF = Brief(name="Essai", min_area_ha=1.0, excluded_constraints=["wetland"],
                         forbidden_constraints=["flood:interdiction"], motorway_max_km=10.0,
                         port_max_km=50.0, min_housing_distance_m=100.0)


def three_plot_layers(price=20.0, moved=0.0, extra_plot=False, drop_p2=False,
                      extra_constraint=False, bowtie=False, infrastructure=NEAR_INFRASTRUCTURE):
    """Three plots (2, 10 and 9 ha), overlapping flood zones, a wetland and housing, with variants.

    Each keyword changes one thing against the default layers: ``price`` (P2's price),
    ``moved`` (P1 shifted east, in metres), ``extra_plot`` (P4 added), ``drop_p2`` (P2 deleted),
    ``extra_constraint`` (a wetland C4 on P1), ``bowtie`` (P1 self-intersecting, repaired on
    opening with a warning), ``infrastructure`` (rows in place of ``NEAR_INFRASTRUCTURE``).
    """
    p1 = shapely.box(moved, 0, 200 + moved, 100)
    if bowtie:
        p1 = shapely.Polygon([(0, 0), (200, 100), (200, 0), (0, 100)])
    plots = [{"plot_id": "P1", "geometry": p1},
             {"plot_id": "P2", "geometry": shapely.box(300, 0, 500, 500), "price_eur_m2": price},
             {"plot_id": "P3", "geometry": shapely.box(600, 0, 900, 300)}]
    if drop_p2:
        plots.pop(1)
    if extra_plot:
        plots.append({"plot_id": "P4", "geometry": shapely.box(1000, 0, 1200, 200)})
    cons = [{"constraint_id": cid, "kind": kind, "level": level, "geometry": shapely.box(*box)}
            for cid, kind, level, box in _THREE_PLOT_CONSTRAINTS]
    if extra_constraint:
        cons.append({"constraint_id": "C4", "kind": "wetland", "level": None,
                     "geometry": shapely.box(0, 0, 100, 100)})
    return make_layers(plots, cons, infrastructure)
