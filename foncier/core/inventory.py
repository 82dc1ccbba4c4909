"""The inventory: activity zones, plots, constraints and infrastructure, in Lambert-93.

Open one with :func:`open_inventory` (a GeoPackage path, a ``postgresql://`` URL, or nothing for
the bundled Normandy sample). The heavy geometry every brief needs (plot x constraint overlaps by
kind and level, distances to each infrastructure kind) is computed once, on first use, and cached
on the inventory (:attr:`Inventory.geometry`).

Examples
--------
>>> inv = open_inventory()                          # the bundled Normandy sample
>>> inv                                             # doctest: +ELLIPSIS
Inventory(...normandie.gpkg: ... zones, ... terrains, ... contraintes, ... infrastructures)
>>> sorted(inv.layers()) == ["communes", "constraints", "infrastructure", "plots", "sites"]
True
>>> inv.geometry is inv.geometry                    # measured once, on first use
True
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from foncier.core.geometry import PlotGeometry, compute_plot_geometry
from foncier.core.schema import REQUIRED_LAYERS
from foncier.core.validation import check_layers, restore_stored_values
from foncier.errors import GeometryRepairWarning, InventoryError, Problem, ReprojectionWarning
from foncier.io.store import list_layers, read_layers, write_layers

__all__ = ["Inventory", "open_inventory", "inventory_from_layers", "write_inventory",
           "validate_inventory"]


@dataclass(eq=False)
class Inventory:
    """An inventory of activity zones and plots, with constraints and infrastructure.

    Every layer is a GeoDataFrame in EPSG:2154 with the columns of DESIGN.md; ``plots`` has an extra
    ``area_ha`` column computed from its geometry.

    Attributes
    ----------
    sites, plots, constraints, infrastructure : GeoDataFrame
    communes : GeoDataFrame or None
        Optional commune boundaries for the map's background.
    source : str or None
        Where it was read from, fit for messages (a database URL without its password).
    location : str or None
        Where it was read from, to read it again (may hold a password: never print it).
    notes : list of Problem
        Non-fatal findings made while opening it (repairs, reprojections, warnings).
    """

    sites: gpd.GeoDataFrame
    plots: gpd.GeoDataFrame
    constraints: gpd.GeoDataFrame
    infrastructure: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame | None = None
    source: str | None = None
    notes: list[Problem] = field(default_factory=list)
    location: str | None = field(default=None, repr=False)
    _geometry: PlotGeometry | None = field(default=None, repr=False)

    @property
    def geometry(self) -> PlotGeometry:
        """The precomputed plot geometry (overlaps and distances), built on first access."""
        if self._geometry is None:
            self._geometry = compute_plot_geometry(self.plots, self.constraints,
                                                   self.infrastructure)
        return self._geometry

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers by name (``communes`` only when present)."""
        out = {"sites": self.sites, "plots": self.plots, "constraints": self.constraints,
               "infrastructure": self.infrastructure}
        if self.communes is not None:
            out["communes"] = self.communes
        return out

    def __repr__(self) -> str:
        return (f"Inventory({self.source or 'en mémoire'}: {len(self.sites)} zones, "
                f"{len(self.plots)} terrains, {len(self.constraints)} contraintes, "
                f"{len(self.infrastructure)} infrastructures)")


def inventory_from_layers(layers: Mapping[str, gpd.GeoDataFrame], *, source: str | None = None,
                          repair: bool = True, require_all: bool = False) -> Inventory:
    """Build an :class:`Inventory` from GeoDataFrames, checking them as :func:`open_inventory` does.

    ``constraints`` and ``infrastructure`` may be left out (an inventory without them) unless
    ``require_all`` is set, as :func:`open_inventory` does for stored inventories.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> sites = gpd.GeoDataFrame({"site_id": ["Z1"]}, geometry=[shapely.box(0, 0, 400, 400)],
    ...                          crs="EPSG:2154")
    >>> plots = gpd.GeoDataFrame({"plot_id": ["P1"], "site_id": ["Z1"]},
    ...                          geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:2154")
    >>> inv = inventory_from_layers({"sites": sites, "plots": plots})
    >>> float(inv.plots.loc[0, "area_ha"])
    2.0
    """
    checked, problems = check_layers(layers, repair=repair, require_all=require_all)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InventoryError(errors, source=source)
    for p in problems:
        if p.severity == "warning" and "géométrie invalide" in p.message:
            warnings.warn(f"{source or 'inventaire'}: {p}", GeometryRepairWarning, stacklevel=3)
        elif p.severity == "info" and "reprojetée" in p.message:
            warnings.warn(f"{source or 'inventaire'}: {p}", ReprojectionWarning, stacklevel=3)
    return Inventory(
        sites=checked["sites"], plots=checked["plots"], constraints=checked["constraints"],
        infrastructure=checked["infrastructure"], communes=checked.get("communes"),
        source=source, notes=[p for p in problems if p.severity != "error"],
    )


def _resolve(source: str | os.PathLike | None, schema: str | None = None) -> str:
    """The store's location; ``schema`` goes into a database URL (a file refuses it)."""
    if isinstance(source, str) and source.startswith(("postgresql://", "postgres://")):
        from foncier.io.postgis import with_schema

        return with_schema(source, schema)
    if source is None:
        from foncier.io.sample import sample_inventory_path

        source = sample_inventory_path()
    if schema is not None:
        list_layers(source, schema=schema)      # raises: schema= is for databases only
    return str(Path(source))


def open_inventory(source: str | os.PathLike | None = None, *, repair: bool = True,
                   schema: str | None = None) -> Inventory:
    """Open an inventory.

    Parameters
    ----------
    source : path, ``postgresql://`` URL or None
        A GeoPackage following DESIGN.md, a PostGIS database, or ``None`` for the bundled
        Normandy sample inventory.
    repair : bool, default True
        Repair invalid geometries (each repair is reported with a :class:`GeometryRepairWarning`).
    schema : str, optional
        PostGIS only: the schema holding the inventory; by default the first schema of the URL's
        ``search_path``, else ``public``. Tables of other schemas are never read.

    Returns
    -------
    Inventory

    Raises
    ------
    InventoryError
        With every problem that makes the inventory unusable (missing layer or column, no CRS,
        duplicate ids, empty or non-polygon geometries...), each naming its layer and row.

    Examples
    --------
    >>> inv = open_inventory()          # the bundled sample
    >>> len(inv.plots) >= 300
    True
    """
    src = _resolve(source, schema)
    names = tuple(REQUIRED_LAYERS) + ("communes",)
    layers = _read(src, names)
    inv = inventory_from_layers(layers, source=_display(src), repair=repair, require_all=True)
    inv.location = src
    return inv


def _read(source: str, names: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """The layers of a store; from a GeoPackage, with the text GDAL read as 0 put back."""
    layers = read_layers(source, names)
    if not source.startswith(("postgresql://", "postgres://")):
        layers = restore_stored_values(source, layers)
    return layers


def _display(source: str) -> str:
    """A source fit for messages: a database URL loses its password."""
    if source.startswith(("postgresql://", "postgres://")):
        from foncier.io.postgis import safe_url

        return safe_url(source)
    return source


def validate_inventory(
    source: str | os.PathLike | Inventory | Mapping[str, gpd.GeoDataFrame] | None = None, *,
    schema: str | None = None,
) -> list[Problem]:
    """Every problem of an inventory (errors, warnings and infos), without raising.

    ``source`` is a store (path or URL; None for the sample), an :class:`Inventory` or a mapping of
    layers; ``schema`` as in :func:`open_inventory`.

    Examples
    --------
    >>> [p for p in validate_inventory() if p.severity != "info"]   # the sample is clean
    []
    """
    if isinstance(source, Inventory):
        layers = source.layers()
    elif isinstance(source, Mapping):
        layers = dict(source)
    else:
        layers = _read(_resolve(source, schema), tuple(REQUIRED_LAYERS) + ("communes",))
    _, problems = check_layers(layers)
    return problems


def write_inventory(inventory: Inventory | Mapping[str, gpd.GeoDataFrame],
                    target: str | os.PathLike, *, schema: str | None = None) -> None:
    """Write an inventory (or its layers) to a GeoPackage or PostGIS URL, atomically.

    The computed ``area_ha`` column is not stored. For PostGIS, ``schema`` names the schema the
    layers replace (created when missing); by default the first schema of the URL's
    ``search_path``, else ``public``. Other schemas are never touched.
    """
    layers = inventory.layers() if isinstance(inventory, Inventory) else dict(inventory)
    clean = {}
    for name, frame in layers.items():
        if name == "plots" and "area_ha" in frame.columns:
            frame = frame.drop(columns="area_ha")
        clean[name] = frame
    write_layers(clean, target, schema=schema)
