"""Plot geometries from cadastral references and an Etalab cadastre parcels file.

The national cadastre service (cadastre.data.gouv.fr, « Etalab » cadastre) publishes one file per
département, ``cadastre-<dép>-parcelles.json.gz``: a GeoJSON FeatureCollection in WGS84 whose
features have the properties ``id`` (14 characters: commune 5, prefix 3, section 2, number 4,
e.g. ``50147000ZK0101``), ``commune``, ``prefixe``, ``section``, ``numero``, ``contenance`` (m²),
``arpente``, ``created`` and ``updated``.

:func:`fill_from_cadastre` gives every plot that has ``cadastral_refs`` (references joined by
``|``, the CNIG ``terr_refcad``) but no geometry the union of its parcels, reprojected to
Lambert-93. Every problem is collected before anything is reported: a malformed reference or a
reference absent from the file is an error naming the plot and the references; a declared area
(``declared_area_ha``) more than 10 % away from the parcels' summed ``contenance`` is a warning.

The file is streamed (:func:`read_parcels`): a département file holds hundreds of megabytes, and
only the features whose ``id`` is wanted are kept (each feature is decoded on its own, its
geometry built only when wanted); a ``.gz`` file is decompressed on the fly.

Examples
--------
>>> parse_refs("50147000ZK0101| 50147000zk0102")
['50147000ZK0101', '50147000ZK0102']
>>> bad_refs(["50147000ZK0101", "5014700ZK0101", "2A004000AB0012"])
['5014700ZK0101']
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.crs import to_lambert93
from foncier.core.missing import is_missing
from foncier.core.schema import CRS
from foncier.errors import LayerError, Problem
from foncier.wording import fmt_number

__all__ = ["REF_PATTERN", "AREA_TOLERANCE", "parse_refs", "bad_refs", "iter_features",
           "read_parcels", "fill_from_cadastre"]

#: A parcel reference: commune (5: département 2 digits or 2A/2B, then 3 digits), prefix (3
#: digits), section (2 letters or digits, ``0A`` for a one-letter section), number (4 digits).
REF_PATTERN = re.compile(r"^(?:\d{2}|2[AB])\d{3}\d{3}[0-9A-Z]{2}\d{4}$")
#: A declared area differing from the parcels' summed contenance by more than this is warned.
AREA_TOLERANCE = 0.10
_CHUNK = 1 << 20
_SKIP = re.compile(r"[\s,\x1e]*")


def parse_refs(text) -> list[str]:
    """The references of a ``|``-joined text, stripped and upper-cased (empty ones dropped)."""
    if is_missing(text):
        return []
    return [r.strip().upper() for r in str(text).split("|") if r.strip()]


def bad_refs(refs: Iterable[str]) -> list[str]:
    """The references that are not 14 characters of the cadastral pattern."""
    return [r for r in refs if not REF_PATTERN.match(r)]


def _open_text(path: Path):
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def iter_features(path: str | os.PathLike) -> Iterator[dict]:
    """Each feature of a GeoJSON FeatureCollection (or feature sequence), one at a time.

    The file is read by chunks of 1 MiB; each feature is decoded by :mod:`json` on its own, so
    memory holds one chunk and one feature, whatever the file's size.
    """
    path = Path(path)
    decoder = json.JSONDecoder()
    with _open_text(path) as fh:
        buf = fh.read(_CHUNK)
        start = _features_start(buf)
        while start is None:
            more = fh.read(_CHUNK)
            if not more:
                raise ValueError("aucune liste « features » : ce n'est pas un GeoJSON")
            buf += more
            start = _features_start(buf)
        pos, eof = start, False
        while True:
            pos = _SKIP.match(buf, pos).end()
            if pos < len(buf) and buf[pos] == "]":
                return
            if pos >= len(buf) - 1 and eof:
                return
            try:
                feature, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if eof:
                    raise
                more = fh.read(_CHUNK)
                eof = not more
                buf = buf[pos:] + more
                pos = 0
                continue
            pos = end
            yield feature
            if pos > _CHUNK:
                buf, pos = buf[pos:], 0


def _features_start(buf: str) -> int | None:
    """Where the first feature starts: after ``"features": [``, or 0 for a feature sequence."""
    head = buf.lstrip("\ufeff \t\r\n\x1e")
    if head.startswith("{") and re.match(r'\{\s*"type"\s*:\s*"Feature"\s*[,}]', head):
        return len(buf) - len(head)
    m = re.search(r'"features"\s*:\s*\[', buf)
    return m.end() if m else None


def read_parcels(path: str | os.PathLike, refs: Iterable[str] | None = None
                 ) -> gpd.GeoDataFrame:
    """The parcels of an Etalab cadastre file whose ``id`` is in ``refs`` (all when None).

    Returns a GeoDataFrame in Lambert-93 with columns ``id``, ``commune``, ``contenance`` (m²,
    float, NaN when absent) and the geometry; a file that is not GeoJSON raises
    :class:`~foncier.errors.LayerError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "cadastre-50-parcelles.json"
    >>> ring = [[-1.1, 49.1], [-1.099, 49.1], [-1.099, 49.101], [-1.1, 49.1]]
    >>> feat = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
    ...         "properties": {"id": "50147000ZK0101", "commune": "50147", "contenance": 5000}}
    >>> _ = f.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}))
    >>> read_parcels(f, ["50147000ZK0101"])[["id", "contenance"]].values.tolist()
    [['50147000ZK0101', 5000.0]]
    """
    path = Path(path)
    if not path.exists():
        raise LayerError([Problem(path.name, None, f"fichier introuvable ({path}) : vérifiez "
                                  "le chemin du fichier des parcelles.")])
    wanted = None if refs is None else set(refs)
    communes = None if wanted is None else {r[:5] for r in wanted}
    ids, comms, areas, geoms = [], [], [], []
    try:
        for feature in iter_features(path):
            props = feature.get("properties") or {}
            pid = props.get("id") or feature.get("id")
            if wanted is not None and (str(props.get("commune") or pid)[:5] not in communes
                                       or pid not in wanted):
                continue
            ids.append(pid)
            comms.append(props.get("commune"))
            area = props.get("contenance")
            areas.append(float(area) if isinstance(area, int | float) else np.nan)
            geoms.append(feature.get("geometry"))
    except (ValueError, OSError, EOFError, AttributeError, TypeError) as exc:
        raise LayerError([Problem(path.name, None, f"fichier de parcelles illisible "
                                  f"({str(exc)[:200]}) : donnez le fichier "
                                  "cadastre-<département>-parcelles.json(.gz) d'Etalab.")]
                         ) from None
    shapes = np.array([shapely.geometry.shape(g) if g else None for g in geoms], dtype=object)
    frame = gpd.GeoDataFrame({"id": ids, "commune": comms, "contenance": areas},
                             geometry=shapes, crs="EPSG:4326")
    return to_lambert93(frame, where=path.name, problems=[])


def _wanted(plots: pd.DataFrame) -> tuple[dict[int, list[str]], list[Problem]]:
    """Positions of the plots without geometry -> their references; malformed ones reported."""
    geoms = plots.geometry.to_numpy() if isinstance(plots, gpd.GeoDataFrame) else None
    empty = (np.ones(len(plots), bool) if geoms is None
             else shapely.is_missing(geoms) | shapely.is_empty(geoms))
    refs_col = plots["cadastral_refs"] if "cadastral_refs" in plots else pd.Series(
        [None] * len(plots), index=plots.index)
    ids = plots["plot_id"].to_numpy(dtype=object)
    wanted, problems = {}, []
    for pos in np.flatnonzero(empty):
        refs = parse_refs(refs_col.iloc[pos])
        if not refs:
            continue
        bad = bad_refs(refs)
        if bad:
            problems.append(Problem("plots", str(ids[pos]), f"référence(s) cadastrale(s) mal "
                                    f"formée(s) : {', '.join(bad[:10])} ; une référence a 14 "
                                    "caractères (commune 5, préfixe 3, section 2, numéro 4, "
                                    "par exemple 50147000ZK0101), séparées par « | »."))
        wanted[int(pos)] = [r for r in refs if r not in bad]
    return wanted, problems


def fill_from_cadastre(plots: gpd.GeoDataFrame | pd.DataFrame, parcels_file: str | os.PathLike
                       ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Plots with the geometry of their parcels where they have references but no geometry.

    Parameters
    ----------
    plots : DataFrame
        The ``plots`` layer (``plot_id``, ``cadastral_refs``, optional ``declared_area_ha`` and
        geometry, in Lambert-93). Plots that have a geometry keep it.
    parcels_file : path
        An Etalab ``cadastre-<dép>-parcelles.json`` or ``.json.gz``.

    Returns
    -------
    plots : GeoDataFrame
        A copy, in Lambert-93, each filled plot being the union of its parcels.
    warnings : list of Problem
        Declared areas more than 10 % away from the parcels' summed ``contenance``.

    Raises
    ------
    LayerError
        Every malformed reference and every reference absent from the file, per plot (plot id
        and references), at once; nothing is filled then.
    """
    path = Path(parcels_file)
    wanted, problems = _wanted(plots)
    all_refs = {r for refs in wanted.values() for r in refs}
    parcels = read_parcels(path, all_refs) if all_refs else read_parcels(path, ())
    by_id = parcels.drop_duplicates("id").set_index("id")
    ids = plots["plot_id"].to_numpy(dtype=object)
    geoms = (plots.geometry.to_numpy().copy() if isinstance(plots, gpd.GeoDataFrame)
             else np.full(len(plots), None, dtype=object))
    notes: list[Problem] = []
    declared = (pd.to_numeric(plots["declared_area_ha"], errors="coerce").to_numpy()
                if "declared_area_ha" in plots else np.full(len(plots), np.nan))
    for pos, refs in wanted.items():
        unknown = [r for r in refs if r not in by_id.index]
        if unknown:
            problems.append(Problem("plots", str(ids[pos]), f"référence(s) cadastrale(s) "
                                    f"absente(s) de {path.name} : {', '.join(unknown[:10])}"
                                    f"{' ...' if len(unknown) > 10 else ''} ; vérifiez-les ou "
                                    "donnez le fichier des parcelles du bon département."))
            continue
        if not refs:
            continue
        found = by_id.loc[refs]
        geoms[pos] = shapely.union_all(found.geometry.to_numpy())
        notes += _area_check(str(ids[pos]), declared[pos], found["contenance"].to_numpy())
    if problems:
        raise LayerError(problems)
    out = gpd.GeoDataFrame(pd.DataFrame(plots).drop(columns="geometry", errors="ignore"),
                           geometry=geoms, crs=CRS)
    return out, notes


def _area_check(plot_id: str, declared_ha: float, contenance: np.ndarray) -> list[Problem]:
    if np.isnan(declared_ha) or np.isnan(contenance).any():
        return []
    parcels_ha = float(contenance.sum()) / 10_000.0
    if parcels_ha > 0 and abs(declared_ha - parcels_ha) <= AREA_TOLERANCE * parcels_ha:
        return []
    return [Problem("plots", plot_id, f"surface déclarée {fmt_number(declared_ha, 2)} ha contre "
                    f"{fmt_number(parcels_ha, 2)} ha de contenance cadastrale (écart de plus de "
                    "10 %) : vérifiez declared_area_ha ou les références cadastrales.",
                    "warning")]
