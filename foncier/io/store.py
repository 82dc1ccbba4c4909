"""Read and write inventory layers from a store: a GeoPackage file (the default) or PostGIS.

Writes are atomic: layers are written to a temporary file beside the target, which then replaces
it, so an error never leaves a half-written GeoPackage; a GDAL or disk error (full disk, read-only
folder) is an :class:`~foncier.errors.OutputError` naming the GeoPackage once. A
``postgresql://`` URL goes to :mod:`foncier.io.postgis`, which works in one schema
(``schema=``, else the first of the URL's ``search_path``, else ``public``) and writes in one
transaction.
The atomic writes are those of :mod:`foncier.io.atomic` (``atomic_path``, ``atomic_write``,
re-exported here).

Examples
--------
>>> from foncier.io.sample import sample_inventory_path
>>> sorted(list_layers(sample_inventory_path()))[1:3]
['communes', 'constraints']
>>> try:
...     list_layers(sample_inventory_path(), schema="epci_a")
... except InventoryError as exc:
...     print(str(exc).split(': ', 1)[1][:48])
schema= ne vaut que pour une base PostGIS (URL p
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from foncier.errors import InventoryError, OutputError, Problem
from foncier.io.atomic import atomic_path, atomic_write  # re-exported (home: foncier.io.atomic)

if TYPE_CHECKING:  # at run time, imported by the functions that need it
    import geopandas as gpd

__all__ = ["read_layers", "write_layers", "list_layers", "atomic_path", "atomic_write",
           "GPKG_VERSION", "write_gpkg_layer"]

#: The GeoPackage version foncier writes: 1.2, which QGIS 3.22 and GDAL 3.6 (Debian 12) read
#: without warnings and check with their validator (GDAL 3.8+ writes 1.4 by default, whose R-tree
#: triggers older readers do not know).
GPKG_VERSION = "1.2"


def write_gpkg_layer(frame, path: str | os.PathLike, layer: str, **options) -> None:
    """Write one layer to a GeoPackage with pyogrio, created as GeoPackage :data:`GPKG_VERSION`.

    ``options`` go to :func:`pyogrio.write_dataframe` (``layer_options``, ``append``...); the
    version is a dataset creation option, used when the file is created.

    Examples
    --------
    >>> import sqlite3, tempfile, pathlib, shapely, geopandas as gpd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "v.gpkg"
    >>> write_gpkg_layer(gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                                   crs=2154), out, "lot")
    >>> with sqlite3.connect(out) as con:
    ...     con.execute("PRAGMA user_version").fetchone()
    (10200,)
    """
    import pyogrio

    dataset = {"VERSION": GPKG_VERSION, **options.pop("dataset_options", {})}
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", dataset_options=dataset,
                            **options)


def _is_url(source: str | os.PathLike) -> bool:
    return isinstance(source, str) and source.startswith(("postgresql://", "postgres://"))


def _no_schema(source, schema, error=InventoryError) -> None:
    if schema is None or _is_url(source):
        return
    message = ("schema= ne vaut que pour une base PostGIS (URL postgresql://...) ; ce fichier "
               "n'a pas de schémas : retirez schema= ou donnez l'URL de la base.")
    if error is InventoryError:
        raise InventoryError([Problem(str(source), None, message)])
    raise error(f"{source} : {message}")


def list_layers(source: str | os.PathLike, *, schema: str | None = None) -> list[str]:
    """Names of the layers (tables) a store holds (for PostGIS: in the target ``schema``)."""
    import pyogrio

    _no_schema(source, schema)
    if _is_url(source):
        from foncier.io import postgis

        return postgis.list_layers(str(source), schema=schema)
    path = Path(source)
    if not path.exists():
        raise InventoryError("fichier introuvable : vérifiez le chemin.", source=str(path))
    if path.is_dir():
        raise InventoryError(f"c'est un dossier : {_GIVE_AN_INVENTORY}", source=str(path))
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        if "not recognized as being in a supported file format" in str(exc):
            why = "format non reconnu"     # GDAL's advice (a driver's prefix) would mislead
        else:
            why = str(exc)
        raise InventoryError(f"ce fichier n'est pas un GeoPackage lisible ({why}) : "
                             f"{_GIVE_AN_INVENTORY}", source=str(path)) from None


_GIVE_AN_INVENTORY = "donnez un inventaire GeoPackage (.gpkg) ou une URL postgresql://."


def read_layers(source: str | os.PathLike, names: list[str] | tuple[str, ...], *,
                schema: str | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Read the named layers that exist in a store (missing ones are left out).

    ``schema`` (PostGIS only) names the schema to read; by default the URL's ``search_path``
    decides, else ``public``.
    """
    import geopandas as gpd

    _no_schema(source, schema)
    if _is_url(source):
        from foncier.io import postgis

        return postgis.read_layers(str(source), names, schema=schema)
    present = set(list_layers(source))
    out = {}
    for name in names:
        if name not in present:
            continue
        try:
            frame = _read_layer(source, name)
        except Exception as exc:
            raise InventoryError([Problem(name, None, f"couche illisible ({exc}).")],
                                 source=str(source)) from None
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
        out[name] = frame
    return out


#: Without Arrow (a layer whose text is not UTF-8), large layers are read in chunks of this many
#: features: pyogrio holds the interpreter lock while it reads, and chunks let other threads (the
#: desktop app's window) run in between. Through Arrow the lock is held only while the batches
#: become columns (at most 0.8 s for 1,000,000 plots).
READ_CHUNK = 25_000


def _read_layer(source: str | os.PathLike, name: str) -> gpd.GeoDataFrame:
    # GDAL's Arrow stream is about 5 times faster than feature by feature, and its text
    # columns arrive as Arrow-backed strings (a fraction of the memory of Python objects).
    # A text column holding bytes that are not UTF-8 is read again feature by feature, as
    # GDAL's Arrow stream passes them on unchecked (they would fail later, anywhere).
    try:
        return _read_chunks(source, name, use_arrow=True, check_text=True)
    except _NotUtf8:
        return _read_chunks(source, name, use_arrow=False, check_text=False)


class _NotUtf8(Exception):
    """A text column read through Arrow holds bytes that are not UTF-8."""


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, after checking that its Arrow-backed text columns are valid UTF-8."""
    import pyarrow as pa

    for col in frame.columns:
        values = frame[col].array
        data = getattr(values, "_pa_array", None)
        if data is None:
            continue
        try:
            data.validate(full=True)
        except pa.ArrowInvalid:
            raise _NotUtf8(col) from None
    return frame


def _read_chunks(source: str | os.PathLike, name: str, *, use_arrow: bool,
                 check_text: bool) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pyogrio

    check = _checked if check_text else (lambda frame: frame)
    # Dates come back as datetime64, as without Arrow (not as datetime.date objects).
    extra = {"arrow_to_pandas_kwargs": {"date_as_object": False}} if use_arrow else {}
    # The Arrow stream is read in one call: it reads in batches with the interpreter lock
    # released, where ``skip_features`` would make GDAL walk every skipped feature again
    # (quadratic: 20 s for 1,000,000 plots in chunks, 3 s at once).
    count = -1 if use_arrow else pyogrio.read_info(source, layer=name).get("features", -1)
    if count <= READ_CHUNK:
        return check(pyogrio.read_dataframe(source, layer=name, use_arrow=use_arrow, **extra))
    parts = [check(pyogrio.read_dataframe(source, layer=name, skip_features=start,
                                          max_features=READ_CHUNK, use_arrow=use_arrow))
             for start in range(0, count, READ_CHUNK)]
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry=parts[0].geometry.name, crs=parts[0].crs)


def _to_writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if col == frame.geometry.name:
            continue
        dtype = frame[col].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d").astype(object)
            frame.loc[frame[col].isna(), col] = None
    return frame


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], target: str | os.PathLike, *,
                 schema: str | None = None) -> None:
    """Write layers to a store; a GeoPackage is written whole, atomically.

    Dates are written as ISO text (``AAAA-MM-JJ``), booleans as GeoPackage booleans. For PostGIS,
    the given layers replace those of the target ``schema`` (default: the URL's
    ``search_path``, else ``public``) in one transaction; other schemas are never touched.
    """
    _no_schema(target, schema, OutputError)
    if _is_url(target):
        from foncier.io import postgis

        postgis.write_layers(layers, str(target), schema=schema)
        return
    with atomic_write(target) as tmp:
        for name, frame in layers.items():
            write_gpkg_layer(_to_writable(frame), tmp, name, promote_to_multi=False)
