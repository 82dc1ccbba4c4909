"""Occupants of the zones: establishments of a SIRENE extract, stored as the CNIG ETABLISSEMENT.

:func:`import_sirene` reads a SIRENE extract (CSV or XLSX) with the columns ``siret``,
``denominationUniteLegale`` (else ``enseigne1Etablissement``), ``activitePrincipaleEtablissement``
(NAF code), ``etatAdministratifEtablissement`` (``A`` active, ``F`` closed: closed ones are left
out), an address (``adresse``, or ``numeroVoieEtablissement``, ``typeVoieEtablissement``,
``libelleVoieEtablissement``, ``codePostalEtablissement``, ``libelleCommuneEtablissement``) and
either a ``plot_id`` or coordinates: ``coordonneeLambertAbscisseEtablissement`` /
``coordonneeLambertOrdonneeEtablissement`` (Lambert-93, as SIRENE gives them) or ``longitude`` /
``latitude`` (WGS 84). With coordinates, the plot is the one containing the point.

Examples
--------
>>> import geopandas as gpd, pandas as pd, shapely
>>> plots = gpd.GeoDataFrame({"plot_id": ["P1"]}, geometry=[shapely.box(0, 0, 100, 100)],
...                          crs="EPSG:2154")
>>> rows = pd.DataFrame([{"siret": "73282932000074", "denominationUniteLegale": "ACME",
...     "etatAdministratifEtablissement": "A", "coordonneeLambertAbscisseEtablissement": "50",
...     "coordonneeLambertOrdonneeEtablissement": "50"}])
>>> occ, problems = check_sirene(rows, plots)
>>> occ[["siret", "siren", "terr_id", "etab_nom"]].to_dict("records"), problems
([{'siret': '73282932000074', 'siren': '732829320', 'terr_id': 'P1', 'etab_nom': 'ACME'}], [])
"""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import shapely

from foncier.core.missing import is_missing
from foncier.core.schema import LEGAL_TABLES
from foncier.errors import LegalError, Problem
from foncier.legal.owners import _col, _digits, read_rows, valid_siret

__all__ = ["check_sirene", "import_sirene", "occupants_by_plot"]

_ADDRESS = ("numeroVoieEtablissement", "typeVoieEtablissement", "libelleVoieEtablissement",
            "codePostalEtablissement", "libelleCommuneEtablissement")


def _text(value) -> str | None:
    return None if is_missing(value) or not str(value).strip() else str(value).strip()


def _address(frame: pd.DataFrame, pos: int) -> str | None:
    given = _text(_col(frame, "adresse", "address").iloc[pos])
    if given:
        return given
    parts = [_text(_col(frame, c).iloc[pos]) for c in _ADDRESS]
    return " ".join(p for p in parts if p) or None


def _point(frame: pd.DataFrame, pos: int) -> tuple[shapely.Point | None, str | None]:
    """The establishment's point in Lambert-93 and, if its coordinates are not numbers, why."""
    pairs = ((("coordonneeLambertAbscisseEtablissement", "x"),
              ("coordonneeLambertOrdonneeEtablissement", "y"), "EPSG:2154"),
             (("longitude",), ("latitude",), "EPSG:4326"))
    for xs, ys, crs in pairs:
        x, y = _text(_col(frame, *xs).iloc[pos]), _text(_col(frame, *ys).iloc[pos])
        if x is None and y is None:
            continue
        try:
            point = shapely.Point(float(x.replace(",", ".")), float(y.replace(",", ".")))
        except (AttributeError, ValueError):
            return None, f"{xs[0]} / {ys[0]} = « {x} » / « {y} » ne sont pas des coordonnées"
        if crs != "EPSG:2154":
            point = gpd.GeoSeries([point], crs=crs).to_crs("EPSG:2154").iloc[0]
        return point, None
    return None, None


def check_sirene(frame: pd.DataFrame, plots: gpd.GeoDataFrame
                 ) -> tuple[pd.DataFrame, list[Problem]]:
    """SIRENE rows as ``occupants`` rows (closed establishments left out), with every problem.

    ``where`` of each problem is ``occupants``, ``row`` the file's line (``ligne 2`` = first row).
    An establishment whose point falls in no plot is kept without plot (a warning).
    """
    plot_ids = set(plots["plot_id"].astype(str))
    tree = shapely.STRtree(plots.geometry.to_numpy())
    problems: list[Problem] = []
    out = []
    for pos in range(len(frame)):
        line = f"ligne {pos + 2}"
        state = _text(_col(frame, "etatAdministratifEtablissement").iloc[pos])
        if state and state.upper() == "F":
            continue
        siret = _digits(_col(frame, "siret").iloc[pos])
        errors = []
        if siret is None or not valid_siret(siret):
            errors.append(f"siret = « {siret or ''} » n'est pas un SIRET valide (14 chiffres, "
                          "clé de Luhn) : corrigez-le.")
        name = _text(_col(frame, "denominationUniteLegale", "enseigne1Etablissement",
                          "etab_nom").iloc[pos])
        if name is None:
            errors.append("denominationUniteLegale manquant : donnez le nom de l'établissement.")
        plot = _text(_col(frame, "plot_id", "terr_id").iloc[pos])
        point, why = _point(frame, pos)
        if why:
            errors.append(f"{why} : corrigez-les ou videz-les.")
        if plot is not None and plot not in plot_ids:
            errors.append(f"plot_id = « {plot} » est inconnu dans la couche plots : corrigez-le.")
        if errors:
            problems += [Problem("occupants", line, e) for e in errors]
            continue
        if plot is None and point is not None:
            hits = tree.query(point, predicate="intersects")
            if len(hits):
                plot = str(plots["plot_id"].iloc[int(min(hits))])
            else:
                problems.append(Problem("occupants", line, f"l'établissement {siret} est hors "
                                        "de tout terrain : donnez son plot_id ou vérifiez ses "
                                        "coordonnées.", "warning"))
        out.append({"siret": siret, "siren": siret[:9], "terr_id": plot, "etab_nom": name,
                    "etab_activite_code": _text(
                        _col(frame, "activitePrincipaleEtablissement").iloc[pos]),
                    "etab_adresse": _address(frame, pos), "etab_actif": "oui"})
    return pd.DataFrame(out, columns=list(LEGAL_TABLES["occupants"]), dtype=object), problems


def import_sirene(path: str | os.PathLike, plots: gpd.GeoDataFrame
                  ) -> tuple[pd.DataFrame, list[Problem]]:
    """Occupants read from a SIRENE extract (CSV/XLSX); returns them and the warnings.

    Raises
    ------
    LegalError
        With every error, each naming the file's line and the column.
    """
    occupants, problems = check_sirene(read_rows(path, "occupants"), plots)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LegalError(errors, source=str(path))
    return occupants, problems


def occupants_by_plot(occupants: pd.DataFrame) -> dict[str, list[dict]]:
    """Plot id -> its occupants' rows."""
    out: dict[str, list[dict]] = {}
    for rec in occupants.to_dict("records"):
        if rec.get("terr_id"):
            out.setdefault(str(rec["terr_id"]), []).append(rec)
    return out
