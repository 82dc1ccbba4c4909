"""Validate CNIG tables against the Table Schemas: every violation names table, row and field.

Checks required fields, numbers (finite and not negative: every number of the standard is a
count, a surface, a distance or a price; a rate is at most 100), dates, geopoints,
enumerations (also those the JSON keeps beside ``constraints``), patterns, e-mails, unique keys,
the links between tables, and the values nothing can mean (see
:func:`~foncier.standards.cnig.read.unusable_values`).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"terr_id": ["T1"], "terr_surf_brute": ["-2"]})
>>> [p.message for p in validate_tables({"terrain-eco": t}) if p.where.endswith("brute")]
['nombre positif ou nul attendu, reçu « -2 »']
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.errors import CnigError, Problem
from foncier.standards.checks import shown
from foncier.standards.cnig.read import collect_cnig, unusable_values
from foncier.standards.cnig.schema import (
    GEOMETRY_FIELDS,
    KEYS,
    Field,
    _parse_geopoint,
    schema_fields,
)

__all__ = ["validate_tables", "validate_cnig"]

#: Number fields that are percentages.
RATES = ("site_taux_vacance",)



def _check_field(table: str, f: Field, values: pd.Series, rows: pd.Series) -> list[Problem]:
    where = f"{table}.{f.name}"
    present = values.notna()
    out: list[Problem] = []

    text = values.astype(object).where(present, None)

    def report(mask, why):
        for pos in np.flatnonzero(np.asarray(mask)):
            v = text.iloc[pos]
            said = "" if v is None else f" « {shown(v)} »"
            out.append(Problem(where, rows.iloc[pos], f"{why}{said}"))

    if f.required:
        report(~present, "champ obligatoire vide : renseignez-le.")
    if f.type == "number":
        num = pd.to_numeric(text, errors="coerce")
        report(present & num.isna(), "nombre attendu (point décimal), reçu")
        finite = num.where(np.isfinite(num.astype(float)))
        report(finite < 0, "nombre positif ou nul attendu, reçu")
        if f.name in RATES:
            report(finite > 100, "pourcentage entre 0 et 100 attendu, reçu")
    elif f.type == "date":
        fmt = "%Y" if f.format == "%Y" else "%Y-%m-%d"
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        spelt = "AAAA" if fmt == "%Y" else "AAAA-MM-JJ"
        report(present & parsed.isna(), f"date au format {spelt} attendue, reçu")
    elif f.type == "geopoint":
        _, bad = _parse_geopoint(text)
        report(bad, "point « longitude, latitude » attendu, reçu")
    if f.enum:
        report(present & ~text.isin(f.enum), "valeur hors de la liste du standard ("
               + " | ".join(f.enum) + "), reçu")
    if f.pattern:
        ok = text[present].astype(str).str.fullmatch(f.pattern)
        report(present & ~ok.reindex(text.index, fill_value=True).astype(bool),
               "format invalide (motif du standard), reçu")
    if f.format == "email":
        ok = text[present].astype(str).str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+")
        report(present & ~ok.reindex(text.index, fill_value=True).astype(bool),
               "adresse électronique invalide")
    return out


def validate_tables(tables: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Every violation of the Table Schemas, with its table, row and field.

    Checks required fields, numbers, dates, geopoints, enumerations (also those beside
    ``constraints``), patterns, e-mails, unique keys and the links between tables
    (``site_id`` of a terrain, ``pole_id`` of a site when POLE-ECO is given), and the values
    nothing can mean (:func:`~foncier.standards.cnig.read.unusable_values`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"terr_id": ["T1"], "terr_etat_occup": ["libre"]})
    >>> [p for p in validate_tables({"terrain-eco": t}) if p.where.endswith("occup")][0].row
    'ligne 1'
    """
    return unusable_values(tables) + _schema_problems(tables)


def _schema_problems(tables: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """The violations of the Table Schemas (without :func:`unusable_values`)."""
    problems: list[Problem] = []
    for table, frame in tables.items():
        rows = (frame["_row"] if "_row" in frame.columns
                else pd.Series([f"ligne {i + 1}" for i in range(len(frame))], index=frame.index))
        key = KEYS[table]
        for f in schema_fields(table):
            if f.name == GEOMETRY_FIELDS[table] and isinstance(frame, gpd.GeoDataFrame):
                geoms = frame.geometry.to_numpy()
                empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
                for pos in np.flatnonzero(empty & f.required):
                    problems.append(Problem(f"{table}.{f.name}", rows.iloc[pos],
                                            "géométrie obligatoire absente."))
                if f.type != "geopoint" or f.name not in frame.columns:
                    continue
            if f.name not in frame.columns:
                if f.required:
                    problems.append(Problem(f"{table}.{f.name}", None, "colonne obligatoire "
                                            "absente : ajoutez-la."))
                continue
            problems.extend(_check_field(table, f, frame[f.name], rows))
        if key in frame.columns:
            ids = frame[key]
            for pos in np.flatnonzero((ids.notna() & ids.duplicated(keep="first")).to_numpy()):
                problems.append(Problem(f"{table}.{key}", rows.iloc[pos], f"identifiant "
                                        f"« {shown(ids.iloc[pos])} » en double : rendez-le "
                                        "unique."))
    links = (("terrain-eco", "site_id", "site-eco", "site_id"),
             ("site-eco", "pole_id", "pole-eco", "pole_id"))
    for child, col, parent, pcol in links:
        if child in tables and parent in tables and col in tables[child].columns:
            known = set(tables[parent][pcol].dropna())
            frame = tables[child]
            bad = frame[col].notna() & ~frame[col].isin(known)
            for pos in np.flatnonzero(bad.to_numpy()):
                problems.append(Problem(f"{child}.{col}", frame["_row"].iloc[pos]
                                        if "_row" in frame.columns else f"ligne {pos + 1}",
                                        f"« {shown(frame[col].iloc[pos])} » absent de la table "
                                        f"{parent}."))
    return problems


def validate_cnig(sources, *, repair: bool = False) -> list[Problem]:
    """Read CNIG files and list every violation of the standard (never raises for a violation).

    Reading errors (a broken line, an unreadable geometry, a value split by an unquoted ``;``
    when ``repair`` is not given) are listed too, with every other violation of the same files:
    everything is reported at once.
    """
    try:
        tables, notes = collect_cnig(sources, repair=repair)
    except CnigError as exc:
        return list(exc.problems)
    return notes + _schema_problems(tables)
