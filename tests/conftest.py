"""Shared fixtures: tiny hand-built inventories in Lambert-93, and Qt offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import geopandas as gpd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402

from foncier.schema import LAYERS  # noqa: E402

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


@pytest.fixture
def layers_factory():
    return make_layers


@pytest.fixture
def tiny_layers():
    """Three plots, overlapping flood zones, a wetland, housing, and infrastructure."""
    return make_layers(
        plots=[
            {"plot_id": "P1", "geometry": shapely.box(0, 0, 200, 100)},          # 2 ha
            {"plot_id": "P2", "geometry": shapely.box(300, 0, 500, 500)},        # 10 ha
            {"plot_id": "P3", "geometry": shapely.box(600, 0, 900, 300)},        # 9 ha
        ],
        constraints=[
            {"constraint_id": "C1", "kind": "flood", "level": "interdiction",
             "geometry": shapely.box(300, 0, 400, 500)},
            {"constraint_id": "C2", "kind": "flood", "level": "prescriptions",
             "geometry": shapely.box(350, 0, 450, 500)},
            {"constraint_id": "C3", "kind": "wetland", "level": None,
             "geometry": shapely.box(600, 0, 700, 300)},
            {"constraint_id": "H1", "kind": "housing", "level": None,
             "geometry": shapely.box(0, 1000, 200, 1200)},
        ],
        infrastructure=[
            {"infra_id": "M1", "kind": "motorway_interchange", "name": "Échangeur",
             "geometry": shapely.Point(0, 5100)},
            {"infra_id": "R1", "kind": "rail_freight", "name": "Gare",
             "geometry": shapely.Point(1900, 0)},
        ],
    )


@pytest.fixture
def tiny_inventory(tiny_layers):
    from foncier import inventory_from_layers

    return inventory_from_layers(tiny_layers)


@pytest.fixture(scope="session")
def sample_inventory():
    from foncier import open_inventory

    return open_inventory()


@pytest.fixture(autouse=True, scope="session")
def _widgets_application_first():
    """Create the QApplication before any test writes a PDF in-process.

    The PDF writer makes a bare QGuiApplication when none exists; widget tests run after it would
    then have no QApplication. One QApplication for the whole session serves both.
    """
    from PySide6.QtWidgets import QApplication

    yield QApplication.instance() or QApplication([])
