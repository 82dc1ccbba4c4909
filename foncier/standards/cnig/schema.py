"""The CNIG Sites Économiques Table Schemas: tables, fields, enumerations, value <-> text.

The four tables' schemas are shipped in ``foncier/standards/cnig_sites_economiques/`` (with the
official GeoPackage template's structure); the enumerations the JSON keeps beside
``constraints`` are read too.

Examples
--------
>>> f = {f.name: f for f in schema_fields("terrain-eco")}["terr_cle_en_main"]
>>> f.enum, f.column
(('oui', 'non'), 'terr_cle_en_main')
>>> _text(True), _text(5.0), _text(float("nan")), _fmt_number(5.35)
('oui', '5', None, '5.35')
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.missing import is_missing

STANDARD_DIR = Path(__file__).parents[1] / "cnig_sites_economiques"
TABLES = ("pole-eco", "site-eco", "terrain-eco", "etablissement")
GPKG_LAYERS = {t: t.replace("-", "_") for t in TABLES}
#: The field each table's geometry lives in (GeoJSON text in CSV, the layer geometry in GPKG).
GEOMETRY_FIELDS = {"pole-eco": "pole_geompoint", "site-eco": "site_geomsurf",
                   "terrain-eco": "terr_geomsurf", "etablissement": "etab_geompoint"}
KEYS = {"pole-eco": "pole_id", "site-eco": "site_id", "terrain-eco": "terr_id",
        "etablissement": "SIRET"}
#: Inventory layers holding the two tables foncier has no layer for.
EXTRA_LAYERS = {"pole-eco": "cnig_pole_eco", "etablissement": "cnig_etablissement"}
PREFIX = "cnig_"
MISSING = frozenset({"", "NA", "NaN", "N/A"})

SITE_MAP = {"site_id": "site_id", "site_nom": "name", "site_epci_siren": "epci_siren",
            "site_epci_nom": "epci_name", "site_comm_insee": "commune_insee",
            "site_vocadomi": "vocation"}
PLOT_MAP = {"terr_id": "plot_id", "site_id": "site_id", "terr_refcad": "cadastral_refs",
            "terr_stade_comm": "sales_stage", "terr_etat_occup": "occupancy",
            "terr_stade_amngt": "servicing_stage", "terr_maitrise_fonc": "land_control",
            "terr_cle_en_main": "turnkey", "terr_m2_prix": "price_eur_m2",
            "terr_surf_brute": "declared_area_ha"}
#: Site networks of the standard that foncier keeps per plot.
NETWORKS = {"reseau_gaz": "gas", "reseau_fibre_optique": "fiber",
            "reseau_fret_ferroviaire": "rail_siding"}
#: Site fields computed from the plots on export.
COMPUTED = ("site_uf_nbre", "site_uf_vacant_nbre", "site_taux_vacance", "site_surf_comm_dispo")
VACANT = ("vacant", "friche")
FOR_SALE = ("en vente", "en vente avec contraintes")


@dataclass(frozen=True)
class Field:
    """One field of a CNIG Table Schema."""

    name: str
    type: str
    format: str | None
    required: bool
    enum: tuple[str, ...] | None
    pattern: str | None

    @property
    def column(self) -> str:
        """Its column name in the GeoPackage template (``ban-id`` -> ``ban_id``, lower case)."""
        return self.name.lower().replace("-", "_")


@functools.cache
def schema_fields(table: str) -> tuple[Field, ...]:
    """The fields of a table's Table Schema, with the enumerations found beside ``constraints``.

    Examples
    --------
    >>> f = {f.name: f for f in schema_fields("site-eco")}["site_vocadomi"]
    >>> f.required, "entrepôts, logistique" in f.enum
    (True, True)
    """
    if table not in TABLES:
        raise ValueError(f"table CNIG inconnue : {table} ({', '.join(TABLES)})")
    spec = json.loads((STANDARD_DIR / f"{table}.json").read_text(encoding="utf-8"))
    out = []
    for f in spec["fields"]:
        cons = f.get("constraints", {})
        enum = cons.get("enum", f.get("enum"))
        out.append(Field(f["name"], f.get("type", "string"), f.get("format"),
                         bool(cons.get("required", False)), tuple(enum) if enum else None,
                         cons.get("pattern")))
    return tuple(out)


@functools.cache
def _template() -> dict:
    return json.loads((STANDARD_DIR / "gpkg_template.json").read_text(encoding="utf-8"))


def _names(table: str) -> list[str]:
    return [f.name for f in schema_fields(table)]


def _fields(table: str) -> dict[str, Field]:
    return {f.name: f for f in schema_fields(table)}


# --------------------------------------------------------------------------------------------
# Text <-> values


def _fmt_number(v) -> str | None:
    if is_missing(v):
        return None
    v = float(v)
    return str(int(v)) if v.is_integer() else format(v, ".12g")


def _text(v) -> str | None:
    """Canonical CNIG text of a value read from a GeoPackage or an inventory."""
    if is_missing(v):
        return None
    if isinstance(v, bool | np.bool_):
        return "oui" if v else "non"
    if isinstance(v, int | float | np.integer | np.floating):
        return _fmt_number(v)
    if isinstance(v, pd.Timestamp | dt.date):
        return v.strftime("%Y-%m-%d")
    s = str(v)
    return None if s in MISSING else s


def _text_series(series: pd.Series) -> pd.Series:
    return pd.Series([_text(v) for v in series.to_numpy(dtype=object)], index=series.index,
                     dtype=object)



def _parse_geopoint(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Frictionless ``geopoint`` (``"lon, lat"``) to points; returns (geoms, bad mask)."""
    coords = np.full((len(values), 2), np.nan)
    for i, v in enumerate(values.to_numpy(dtype=object)):
        parts = v.split(",") if isinstance(v, str) else []
        if len(parts) == 2:
            coords[i] = pd.to_numeric(pd.Series(parts).str.strip(), errors="coerce")
    lon, lat = coords[:, 0], coords[:, 1]
    with np.errstate(invalid="ignore"):
        ok = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)       # NaN and infinity are refused
    geoms = np.full(len(values), None, dtype=object)
    geoms[ok] = shapely.points(coords[ok])
    return geoms, values.notna().to_numpy() & ~ok


def _fmt_geopoint(geoms: gpd.GeoSeries) -> pd.Series:
    pts = geoms.representative_point().to_crs("EPSG:4326")
    out = [None if p is None or p.is_empty else f"{p.x:.6f}, {p.y:.6f}" for p in pts]
    return pd.Series(out, index=geoms.index, dtype=object)


