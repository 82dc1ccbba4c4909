"""Small stored inventories for the legal tests."""

from __future__ import annotations

import shapely
from builders import make_layers

from foncier.core.inventory import write_inventory


def box(i: int):
    return shapely.box(i * 200, 0, i * 200 + 100, 100)


def plots_rows():
    return [
        {"plot_id": "P1", "geometry": box(0), "cadastral_refs": "50147000ZK0101",
         "cfe_activity_until": None, "unoccupied_since": "2020-03-01", "occupancy": "vacant"},
        {"plot_id": "P2", "geometry": box(1), "cadastral_refs": "50147000ZK0102",
         "cfe_activity_until": "2023-12-31", "unoccupied_since": "2024-01-01",
         "occupancy": "vacant"},
        {"plot_id": "P3", "geometry": box(2), "cadastral_refs": "50147000ZK0103",
         "cfe_activity_until": "2024-01-01", "unoccupied_since": "2024-01-02",
         "occupancy": "occupé"},
        {"plot_id": "P4", "geometry": box(3), "cadastral_refs": "50147000ZK0104",
         "occupancy": "inconnu"},
    ]


def stored_inventory(path):
    """A GeoPackage with one zone (Z1) and four plots around the two-year limit of 2026."""
    layers = make_layers(plots_rows())
    write_inventory(layers, path)
    return path
