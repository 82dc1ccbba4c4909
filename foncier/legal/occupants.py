"""Occupants of the zones: establishments of a SIRENE extract, stored as the CNIG ETABLISSEMENT.

:func:`import_sirene` reads a SIRENE extract (CSV or XLSX) with the columns ``siret``,
``denominationUniteLegale`` (else ``enseigne1Etablissement``), ``activitePrincipaleEtablissement``
(NAF code), ``etatAdministratifEtablissement`` (``A`` active, ``F`` closed: closed ones are left
out), an address (``adresse``, or ``numeroVoieEtablissement``, ``typeVoieEtablissement``,
``libelleVoieEtablissement``, ``codePostalEtablissement``, ``libelleCommuneEtablissement``) and
either a ``plot_id`` or coordinates: ``coordonneeLambertAbscisseEtablissement`` /
``coordonneeLambertOrdonneeEtablissement`` (Lambert-93, as SIRENE gives them) or ``longitude`` /
``latitude`` (WGS 84). With coordinates, the plot is the one containing the point.

The other fields the CNIG ETABLISSEMENT requires are read when the extract has them (every one is
optional in the import; the CNIG export reports what is still missing):

===========================  ================================================================
occupants column             read from (first column present)
===========================  ================================================================
``etab_nat_juridique``       ``categorieJuridiqueUniteLegale`` (a unite-legale column: present
                             when the extract joined it), ``legal_category``,
                             ``etab_nat_juridique``; 4 digits (INSEE level III, e.g. ``5710``)
``etab_creation_date``       ``dateCreationEtablissement``, ``creation_date``,
                             ``etab_creation_date``; ``AAAA-MM-JJ`` (or ``JJ/MM/AAAA``)
``etab_activite_libelle``    ``activity_label``, ``libelleActivitePrincipaleEtablissement``,
                             ``etab_activite_libelle``: SIRENE gives only the NAF code and
                             foncier has no NAF table, so the user adds the label
``etab_effectif_code``       ``trancheEffectifsEtablissement``, ``headcount_band``,
                             ``etab_effectif_code``: an INSEE band code (below; ``3`` is read
                             as ``03``); empty with ``caractereEmployeurEtablissement`` = ``N``
                             (non-employer) -> ``NN``
``etab_effectif_libelle``    the band's label (below), the one INSEE publishes
``etab_effectif_annee``      ``anneeEffectifsEtablissement``, ``headcount_year``,
                             ``etab_effectif_annee``; ``AAAA``
===========================  ================================================================

The CNIG standard wants the INSEE code of the band (``etab_effectif_code``, its example « 3 »
is ``03`` without its zero), the label (``etab_effectif_libelle``, « 6 à 9 salariés ») and the
year (``etab_effectif_annee``, ``AAAA``); the SIRENE code is kept as it is and its label is
:data:`~foncier.core.schema.HEADCOUNT_BANDS`:

====  =============================  ====  ===============================
code  label                          code  label
====  =============================  ====  ===============================
NN    Unité non employeuse           22    100 à 199 salariés
00    0 salarié                      31    200 à 249 salariés
01    1 ou 2 salariés                32    250 à 499 salariés
02    3 à 5 salariés                 41    500 à 999 salariés
03    6 à 9 salariés                 42    1 000 à 1 999 salariés
11    10 à 19 salariés               51    2 000 à 4 999 salariés
12    20 à 49 salariés               52    5 000 à 9 999 salariés
21    50 à 99 salariés               53    10 000 salariés et plus
====  =============================  ====  ===============================

Every bad value is reported with its line and column, all at once.

Examples
--------
>>> import geopandas as gpd, pandas as pd, shapely
>>> plots = gpd.GeoDataFrame({"plot_id": ["P1"]}, geometry=[shapely.box(0, 0, 100, 100)],
...                          crs="EPSG:2154")
>>> rows = pd.DataFrame([{"siret": "73282932000074", "denominationUniteLegale": "ACME",
...     "etatAdministratifEtablissement": "A", "coordonneeLambertAbscisseEtablissement": "50",
...     "coordonneeLambertOrdonneeEtablissement": "50", "trancheEffectifsEtablissement": "03"}])
>>> occ, problems = check_sirene(rows, plots)
>>> occ[["siret", "siren", "terr_id", "etab_nom"]].to_dict("records"), problems
([{'siret': '73282932000074', 'siren': '732829320', 'terr_id': 'P1', 'etab_nom': 'ACME'}], [])
>>> occ.loc[0, ["etab_effectif_code", "etab_effectif_libelle"]].tolist()
['03', '6 à 9 salariés']
>>> rows["dateCreationEtablissement"] = "2015-13-01"
>>> [p.message for p in check_sirene(rows, plots)[1]]
["dateCreationEtablissement = « 2015-13-01 » n'est pas une date (AAAA-MM-JJ) : corrigez-la."]
"""

from __future__ import annotations

import datetime as dt
import os
import re

import geopandas as gpd
import pandas as pd
import shapely

from foncier.core.missing import is_missing
from foncier.core.schema import HEADCOUNT_BANDS, LEGAL_TABLES
from foncier.errors import LegalError, Problem
from foncier.legal.owners import _col, _digits, read_rows, valid_siret

__all__ = ["check_sirene", "import_sirene", "occupants_by_plot"]

_ADDRESS = ("numeroVoieEtablissement", "typeVoieEtablissement", "libelleVoieEtablissement",
            "codePostalEtablissement", "libelleCommuneEtablissement")


#: occupants column -> the import's columns it is read from, first present first.
FACT_COLUMNS = {
    "etab_nat_juridique": ("categorieJuridiqueUniteLegale", "legal_category",
                           "etab_nat_juridique"),
    "etab_creation_date": ("dateCreationEtablissement", "creation_date", "etab_creation_date"),
    "etab_activite_libelle": ("activity_label", "libelleActivitePrincipaleEtablissement",
                              "etab_activite_libelle"),
    "etab_effectif_code": ("trancheEffectifsEtablissement", "headcount_band",
                           "etab_effectif_code"),
    "etab_effectif_annee": ("anneeEffectifsEtablissement", "headcount_year",
                            "etab_effectif_annee"),
}
EMPLOYER = "caractereEmployeurEtablissement"


def _text(value) -> str | None:
    return None if is_missing(value) or not str(value).strip() else str(value).strip()


def _pick(frame: pd.DataFrame, names: tuple[str, ...], pos: int) -> tuple[str | None, str]:
    """The row's value in the first of ``names`` the file has, and that column's name."""
    lower = {c.lower() for c in frame.columns}
    for name in names:
        if name.lower() in lower:
            return _text(_col(frame, name).iloc[pos]), name
    return None, names[0]


def _date(text: str) -> dt.date | None:
    """``AAAA-MM-JJ`` (an XLSX cell may add `` 00:00:00``) or ``JJ/MM/AAAA``; None if neither."""
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00)?", text)
    fr = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    try:
        if iso:
            return dt.date(*map(int, iso.groups()))
        if fr:
            return dt.date(int(fr[3]), int(fr[2]), int(fr[1]))
    except ValueError:
        pass
    return None


def _band(code: str | None, employer: str | None) -> str | None:
    """The INSEE band code (``3`` -> ``03``; no band of a non-employer -> ``NN``), or ``bad``."""
    if code is None:
        return "NN" if employer == "N" else None
    code = code.upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    return code if code in HEADCOUNT_BANDS else "bad"


def _facts(frame: pd.DataFrame, pos: int) -> tuple[dict, list[str]]:
    """The ETABLISSEMENT facts of one row (legal category ... headcount), with every error."""
    got = {col: _pick(frame, names, pos) for col, names in FACT_COLUMNS.items()}
    errors = []
    category, name = got["etab_nat_juridique"]
    category = re.sub(r"\.0$", "", category) if category else None
    if category is not None and not re.fullmatch(r"\d{4}", category):
        errors.append(f"{name} = « {category} » n'est pas une catégorie juridique de l'INSEE "
                      "(4 chiffres, niveau III, par exemple 5710) : corrigez-la.")
    created, name = got["etab_creation_date"]
    day = _date(created) if created is not None else None
    if created is not None and day is None:
        errors.append(f"{name} = « {created} » n'est pas une date (AAAA-MM-JJ) : corrigez-la.")
    year, name = got["etab_effectif_annee"]
    year = re.sub(r"\.0$", "", year) if year else None
    if year is not None and not re.fullmatch(r"(19|20)\d{2}", year):
        errors.append(f"{name} = « {year} » n'est pas une année (AAAA) : corrigez-la.")
    employer = _text(_col(frame, EMPLOYER).iloc[pos])
    employer = employer.upper() if employer else None
    if employer not in (None, "O", "N"):
        errors.append(f"{EMPLOYER} = « {employer} » : O (employeur) ou N (non employeur) "
                      "attendu ; corrigez-le ou videz-le.")
    given, name = got["etab_effectif_code"]
    band = _band(given, employer)
    if band == "bad":
        errors.append(f"{name} = « {given} » n'est pas une tranche d'effectif de l'INSEE "
                      f"({', '.join(HEADCOUNT_BANDS)}) : corrigez-la.")
        band = None
    return {"etab_nat_juridique": category, "etab_creation_date": day,
            "etab_activite_libelle": got["etab_activite_libelle"][0],
            "etab_effectif_code": band, "etab_effectif_libelle": HEADCOUNT_BANDS.get(band),
            "etab_effectif_annee": year}, errors


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
    An establishment whose point falls in no plot is kept without plot (a warning). The legal
    category, creation date, activity label and headcount band are read as the module's table
    says (:data:`FACT_COLUMNS`).
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
        facts, bad = _facts(frame, pos)
        errors += bad
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
                        _col(frame, "activitePrincipaleEtablissement",
                             "etab_activite_code").iloc[pos]),
                    "etab_adresse": _address(frame, pos), "etab_actif": "oui", **facts})
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
