"""Tiny Etalab cadastre parcels files with the real property names, for the tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from pyproj import Transformer

_TO_WGS84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


def parcel(ref: str, x0: float, y0: float, w: float, h: float, contenance=None) -> dict:
    """A parcel feature: a Lambert-93 rectangle written in WGS84, as Etalab writes them."""
    ring = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)]
    coords = [list(_TO_WGS84.transform(x, y)) for x, y in ring]
    props = {"id": ref, "commune": ref[:5], "prefixe": ref[5:8], "section": ref[8:10],
             "numero": ref[10:], "contenance": round(w * h) if contenance is None else contenance,
             "arpente": False, "created": "2004-03-12", "updated": "2023-01-04"}
    return {"type": "Feature", "id": ref, "geometry": {"type": "Polygon",
                                                       "coordinates": [coords]},
            "properties": props}


def write_parcels(path: Path, features: list[dict], *, one_line: bool = True) -> Path:
    """A FeatureCollection file (gzip when the name ends with .gz)."""
    sep = "," if one_line else ",\n"
    text = '{"type":"FeatureCollection","features":[' + sep.join(
        json.dumps(f, separators=(",", ":")) for f in features) + "]}"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
