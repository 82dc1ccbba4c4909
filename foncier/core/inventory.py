"""The inventory: activity zones, plots, constraints and infrastructure, in Lambert-93.

Open one with :func:`open_inventory` (a GeoPackage path, a ``postgresql://`` URL, or nothing for
the bundled Normandy sample). The heavy geometry every brief needs (plot x constraint overlaps by
kind and level, distances to each infrastructure kind) is computed once, on first use, and cached
on the inventory (:attr:`Inventory.geometry`).

Cross-process cache (``cache=True``, the default; see :mod:`foncier.io.cache`):

- a GeoPackage is keyed on the fingerprint of its bytes (:func:`foncier.io.fingerprint.
  fingerprint_file`) and on ``repair``; the checked layers and their notes come from the cache
  when the same bytes were opened before (the same warnings are emitted again), and the plot
  geometry on the first access of :attr:`Inventory.geometry`;
- a PostGIS inventory has no file to fingerprint: its layers are always read, and its plot
  geometry is cached under the fingerprint of the checked layers
  (:func:`foncier.io.fingerprint.fingerprint_layers`, computed on first access of
  :attr:`Inventory.geometry`);
- an inventory built from in-memory layers (:func:`inventory_from_layers`) is not cached.

Entries live in the cache folder (``FONCIER_CACHE_DIR``, else the user's cache folder), never
beside the user's files. Replacing a layer of an opened inventory (``inv.plots = ...``) detaches
it from the cache; the layers must not be modified in place.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foncier.core.geometry import OverlapSource, PlotGeometry, compute_plot_geometry
from foncier.core.schema import REQUIRED_LAYERS
from foncier.core.validation import check_layers, off_type_layers, restore_stored_values
from foncier.errors import GeometryRepairWarning, InventoryError, Problem, ReprojectionWarning
from foncier.io.store import list_layers, read_layers, write_layers

if TYPE_CHECKING:  # at run time, imported by the functions that need it
    import geopandas as gpd

__all__ = ["Inventory", "open_inventory", "inventory_from_layers", "write_inventory",
           "validate_inventory"]

_REQUIRED = object()


class _Layer:
    """A layer field of :class:`Inventory`: a GeoDataFrame, or a layer read from the cache
    (:class:`foncier.io.cache.LazyLayer`) whose geometries are decoded on first access.

    The field stores what it is given; reading it gives a GeoDataFrame (the same object every
    time). :meth:`Inventory.attributes` reads a layer's columns without decoding anything.
    """

    def __init__(self, default: Any = _REQUIRED):
        self._default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_layer_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:          # the dataclass asks for the field's default
            if self._default is _REQUIRED:
                raise AttributeError(self._slot)
            return self._default
        from foncier.io.cache import layer_frame

        return layer_frame(obj.__dict__[self._slot])

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self._slot] = value


def _is_lazy(value: Any) -> bool:
    from foncier.io.cache import LazyLayer

    return isinstance(value, LazyLayer)


def _stored(inv: Inventory, name: str) -> Any:
    """What a layer field holds: the GeoDataFrame, or the cache's lazy layer (which gives the
    same GeoDataFrame once decoded)."""
    return inv.__dict__["_layer_" + name]


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

    Layers read from the on-disk cache keep their geometries as WKB until a layer is first
    read as a GeoDataFrame: :meth:`attributes` gives a layer's columns and :meth:`geometries`
    some of its geometries without decoding the whole layer (a warm match never does).
    """

    sites: gpd.GeoDataFrame = _Layer()
    plots: gpd.GeoDataFrame = _Layer()
    constraints: gpd.GeoDataFrame = _Layer()
    infrastructure: gpd.GeoDataFrame = _Layer()
    communes: gpd.GeoDataFrame | None = _Layer(default=None)
    source: str | None = None
    notes: list[Problem] = field(default_factory=list)
    location: str | None = field(default=None, repr=False)
    _geometry: PlotGeometry | None = field(default=None, repr=False)
    _cache: _CacheLink | None = field(default=None, repr=False)

    @property
    def geometry(self) -> PlotGeometry:
        """The precomputed plot geometry (overlaps and distances), built on first access.

        For an inventory opened with ``cache=True`` it comes from the on-disk cache when the
        same inventory was measured before, and is stored there otherwise.
        """
        if self._geometry is None:
            link = self._cache
            if link is not None and not link.still_attached(self):
                link = self._cache = None
            if link is None:
                self._geometry = self._compute_geometry()
            else:
                self._geometry = link.geometry(self._compute_geometry)
        return self._geometry

    @property
    def cache_key(self) -> str | None:
        """The content key under which the on-disk cache keeps this inventory (its checked
        layers, its plot geometry): None when it was opened without the cache, built in
        memory, or its layers were replaced since it was opened. Another process that opens
        the same location and finds the same key holds the same content."""
        link = self._cache
        return link.key if link is not None and link.still_attached(self) else None

    @property
    def cache_dir(self) -> str | os.PathLike | None:
        """The cache folder this inventory was opened with (None: the default one, see
        :func:`foncier.io.cache.resolve_cache_dir`)."""
        return None if self._cache is None else self._cache.cache_dir

    def attributes(self, name: str) -> pd.DataFrame:
        """A layer's columns, without decoding its geometries when they are still those the
        cache read (a warm match never needs the plots' geometry): the layer itself once it has
        been read as a GeoDataFrame.

        Examples
        --------
        >>> inv = open_inventory()
        >>> "plot_id" in inv.attributes("plots").columns
        True
        """
        value = self._field(name)
        if _is_lazy(value):
            return value.frame() if value.decoded else value.attributes
        return value

    def geometries(self, name: str, positions: np.ndarray) -> np.ndarray:
        """The geometries of a layer's rows at ``positions`` (shapely objects), decoding only
        those when the layer's geometries are still those the cache read.

        Examples
        --------
        >>> inv = open_inventory()
        >>> [g.geom_type for g in inv.geometries("plots", [0, 1])]
        ['Polygon', 'Polygon']
        """
        value = self._field(name, present=True)
        if _is_lazy(value):
            return value.geometries(positions)
        return value.geometry.to_numpy()[np.asarray(positions, dtype=np.int64)]

    def layer_crs(self, name: str) -> Any:
        """A layer's CRS (:class:`pyproj.CRS`), without decoding its geometries."""
        return self._field(name, present=True).crs

    def _field(self, name: str, *, present: bool = False) -> Any:
        """What the layer field ``name`` holds (None for an absent ``communes``, refused
        with ``present``)."""
        if name not in _LAYER_NAMES:
            raise KeyError(f"couche inconnue : {name!r}")
        value = _stored(self, name)
        if value is None and present:
            raise KeyError(f"couche absente de l'inventaire : {name!r}")
        return value

    def _compute_geometry(self) -> PlotGeometry:
        # Each constraint group's overlaps are measured when a brief first names it.
        return compute_plot_geometry(self.plots, self.constraints, self.infrastructure,
                                     overlaps=False)

    def cached_arrays(self, name: str, compute: Callable[[], dict], *,
                      valid: Callable[[dict], bool] = lambda arrays: True) -> dict:
        """Arrays derived from this inventory, kept in the on-disk cache beside its geometry.

        ``compute()`` makes them (a dict of numpy arrays, lists or None: what
        :func:`foncier.io.cache.store_geometry` takes); they are stored under ``name`` and the
        inventory's content key, and read back by later processes when ``valid(arrays)``. An
        inventory opened without the cache (in memory, ``cache=False``), or whose layers were
        replaced since it was opened, computes them every time.

        Examples
        --------
        >>> inv = inventory_from_layers(open_inventory(cache=False).layers())
        >>> inv.cached_arrays("demo", lambda: {"n": [len(inv.plots)]})["n"] == [len(inv.plots)]
        True
        """
        from foncier.io import cache

        link = self._cache
        if link is None or link.key is None or not link.still_attached(self):
            return compute()
        key = f"{name}:{link.key}"
        arrays = cache.load_geometry(key, cache_dir=link.cache_dir)
        if arrays is not None and valid(arrays):
            return arrays
        arrays = compute()
        cache.store_geometry(key, arrays, cache_dir=link.cache_dir, background=True)
        return arrays

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers by name (``communes`` only when present)."""
        out = {"sites": self.sites, "plots": self.plots, "constraints": self.constraints,
               "infrastructure": self.infrastructure}
        if self.communes is not None:
            out["communes"] = self.communes
        return out

    def __repr__(self) -> str:
        n = {name: len(_stored(self, name)) for name in _LAYER_NAMES[:4]}
        return (f"Inventory({self.source or 'en mémoire'}: {n['sites']} zones, "
                f"{n['plots']} terrains, {n['constraints']} contraintes, "
                f"{n['infrastructure']} infrastructures)")


_LAYER_NAMES = ("sites", "plots", "constraints", "infrastructure", "communes")


@dataclass(eq=False)
class _CacheLink:
    """How an opened inventory reaches its plot geometry in the on-disk cache.

    ``key`` is None when it is to be computed from the layers (PostGIS); ``frames`` are the
    layers the key describes: an inventory whose layers were replaced no longer uses the link.
    """

    key: str | None
    frames: tuple
    cache_dir: str | os.PathLike | None = None

    def still_attached(self, inv: Inventory) -> bool:
        return all(a is b for a, b in zip(self.frames, _geometry_frames(inv), strict=True))

    def geometry(self, compute: Callable[[], PlotGeometry]) -> PlotGeometry:
        from foncier.io import cache

        if self.key is None:
            from foncier.io.fingerprint import fingerprint_layers

            plots, constraints, infrastructure = self.frames
            self.key = fingerprint_layers({"plots": plots, "constraints": constraints,
                                           "infrastructure": infrastructure})
        # The pieces stay WKB until a union not in the cache needs them (at 1,000,000 plots:
        # 4 million geometries, 5 s and a gigabyte a warm process no longer pays).
        arrays = cache.load_geometry(self.key, cache_dir=self.cache_dir, lazy=("pair_geometry",))
        if arrays is not None:
            try:
                geo = PlotGeometry(**arrays)
            except TypeError:   # fields of another layout: computed again
                geo = None
            if geo is not None and geo.n_plots == len(self.frames[0]):
                plots, constraints, _ = self.frames
                geo._overlap_source = OverlapSource(plots, constraints)
                return self._linked(geo)
        geo = compute()
        self._stored(geo)
        return self._linked(geo)

    def _linked(self, geo: PlotGeometry) -> PlotGeometry:
        """``geo`` kept in the cache: its excluded areas, and itself again once it has
        measured more constraint groups."""
        geo._disk = _DiskArrays(self.key, self.cache_dir)
        geo._on_grow = self._stored
        return geo

    def _stored(self, geo: PlotGeometry) -> None:
        """Store the geometry under the inventory's key, in the background (a later store of
        the same entry replaces one not written yet). Once written, the overlap pieces held
        in memory are let go, to be read from the entry if needed again (``WkbArray.spill``)."""
        from foncier.io import cache

        arrays = cache.geometry_arrays(geo)
        pieces = arrays.get("pair_geometry")

        def written(path) -> None:
            if isinstance(pieces, cache.WkbArray):
                pieces.spill(path, "pair_geometry.wkb.npy")

        cache.store_geometry(self.key, arrays, cache_dir=self.cache_dir, background=True,
                             written=written)


@dataclass(frozen=True)
class _DiskArrays:
    """Arrays derived from an inventory's geometry (the excluded area of a selection of
    constraints), kept in the on-disk cache under the geometry's key."""

    key: str
    cache_dir: str | os.PathLike | None

    def load(self, name: str):
        from foncier.io import cache

        found = cache.load_geometry(f"{self.key}#{name}", cache_dir=self.cache_dir,
                                    kind="derived")
        return None if found is None else found.get("values")

    def store(self, name: str, values) -> None:
        from foncier.io import cache

        cache.store_geometry(f"{self.key}#{name}", {"values": values}, cache_dir=self.cache_dir,
                             kind="derived", background=True)


def _geometry_frames(inv: Inventory) -> tuple:
    """The layers the plot geometry is measured from, as the fields hold them (a lazy layer
    stays undecoded): replacing one detaches the inventory from its cache entry."""
    return tuple(_stored(inv, name) for name in ("plots", "constraints", "infrastructure"))


def _emit_notes(problems: list[Problem], source: str | None) -> None:
    """The warnings an inventory's notes give when it is opened (repairs, reprojections)."""
    for p in problems:
        if p.severity == "warning" and "géométrie invalide" in p.message:
            warnings.warn(f"{source or 'inventaire'}: {p}", GeometryRepairWarning, stacklevel=4)
        elif p.severity == "info" and "reprojetée" in p.message:
            warnings.warn(f"{source or 'inventaire'}: {p}", ReprojectionWarning, stacklevel=4)


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
    return _checked_inventory(layers, source=source, repair=repair, require_all=require_all)


def _checked_inventory(layers: Mapping[str, gpd.GeoDataFrame], *, source: str | None,
                       repair: bool, require_all: bool, consume: bool = False) -> Inventory:
    """:func:`inventory_from_layers`; with ``consume``, the layers are taken out of the dict
    ``layers`` as they are checked (:func:`~foncier.core.validation.check_layers`)."""
    checked, problems = check_layers(layers, repair=repair, require_all=require_all,
                                     consume=consume)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InventoryError(errors, source=source)
    _emit_notes(problems, source)
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
                   schema: str | None = None, cache: bool | None = None,
                   cache_dir: str | os.PathLike | None = None) -> Inventory:
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
    cache : bool, optional
        Use the on-disk cache (see the module's documentation): the checked layers of a
        GeoPackage and the plot geometry of any stored inventory are reused when the same
        content was opened before. With False nothing is read from it or written to it. By
        default it is used unless the environment variable ``FONCIER_NO_CACHE`` is ``1``
        (what the command line's ``--no-cache`` sets).
    cache_dir : path, optional
        The cache folder; default ``FONCIER_CACHE_DIR``, else the user's cache folder.

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
    if cache is None:
        cache = os.environ.get("FONCIER_NO_CACHE", "").strip() not in ("1", "true", "yes")
    src = _resolve(source, schema)
    is_url = src.startswith(("postgresql://", "postgres://"))
    names = tuple(REQUIRED_LAYERS) + ("communes",)
    key, reading = None, None
    if cache and not is_url:
        key, reading = _file_key(src, names, repair=repair, cache_dir=cache_dir)
    inv = _from_cache(key, src, cache_dir) if key else None
    if inv is not None and reading is not None:
        reading.exception()        # the read started for nothing ends before the open does
    if inv is None:
        # The layers as read are let go one by one as they are checked (consume): only the
        # dict refers to them (the read's future gives this same dict).
        layers = reading.result() if reading is not None else _read(src, names)
        inv = _checked_inventory(layers, source=_display(src), repair=repair,
                                 require_all=True, consume=isinstance(layers, dict))
        if key:
            _store_layers(key, inv, cache_dir)
    inv.location = src
    if cache:
        inv._cache = _CacheLink(key=key, frames=_geometry_frames(inv), cache_dir=cache_dir)
    return inv


def _file_key(src: str, names: tuple[str, ...], *, repair: bool,
              cache_dir: str | os.PathLike | None):
    """The cache key of a GeoPackage, and the read of its layers when it was started.

    A file whose fingerprint is not in the memo is hashed (0.07 s at 100,000 plots, 0.6 s
    at 1,000,000), and is then most often not in the cache either: its layers are read on a
    thread meanwhile (both release the interpreter's lock). The read is a future whose
    ``result()`` gives the layers or raises the read's error; when the layers come from the
    cache after all, the open waits for the read to end and drops it.
    """
    from foncier.io.fingerprint import fingerprint_file

    suffix = f":repair={bool(repair)}"
    try:
        known = fingerprint_file(src, cache_dir=cache_dir, memo_only=True)
    except OSError:       # not a readable file: the store's own error is raised by the read
        return None, None
    if known is not None:
        return known + suffix, None
    from foncier.io.threads import started

    reading = started(_read, src, names, name="foncier-read")
    try:
        return fingerprint_file(src, cache_dir=cache_dir) + suffix, reading
    except OSError:
        return None, reading


_NOTE_FIELDS = ["where", "row", "message", "severity"]


def _store_layers(key: str, inv: Inventory, cache_dir: str | os.PathLike | None) -> None:
    """Keep the checked layers of an opened GeoPackage and its notes in the cache."""
    import pandas as pd

    from foncier.io import cache

    notes = pd.DataFrame([[p.where, p.row, p.message, p.severity] for p in inv.notes],
                         columns=_NOTE_FIELDS, dtype=object)
    cache.store_layers(key, {**inv.layers(), "communes": inv.communes, "_notes": notes},
                       cache_dir=cache_dir, background=True)


def _from_cache(key: str, src: str, cache_dir: str | os.PathLike | None) -> Inventory | None:
    """The inventory whose checked layers the cache holds under ``key``, or None."""
    from foncier.io import cache

    layers = cache.load_layers(key, cache_dir=cache_dir, lazy=True)
    if layers is None:
        return None
    names = set(REQUIRED_LAYERS) | {"communes", "_notes"}
    if set(layers) != names or any(layers[n] is None for n in REQUIRED_LAYERS):
        return None
    notes = [Problem(where=r["where"], row=r["row"], message=r["message"],
                     severity=r["severity"])
             for r in layers.pop("_notes").to_dict("records")]
    source = _display(src)
    _emit_notes(notes, source)
    return Inventory(sites=layers["sites"], plots=layers["plots"],
                     constraints=layers["constraints"],
                     infrastructure=layers["infrastructure"], communes=layers["communes"],
                     source=source, notes=notes)


def _read(source: str, names: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """The layers of a store; from a GeoPackage, with the text GDAL read as 0 put back.

    SQLite's scan for such text runs on a thread beside GDAL's read (both release the
    interpreter's lock): 0.1 s at 100,000 plots, 1 s at 1,000,000, no longer added to it.
    """
    if source.startswith(("postgresql://", "postgres://")):
        return read_layers(source, names)
    from foncier.io.threads import started

    scan = started(off_type_layers, source, names, name="foncier-scan")
    layers = read_layers(source, names)
    return restore_stored_values(source, layers, off_type=scan.result())


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
