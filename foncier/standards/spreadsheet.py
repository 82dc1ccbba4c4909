"""Spreadsheet inventories: one row per plot, French column headers, French conventions.

An EPCI often keeps its plots in a workbook. :func:`read_sheet` reads an XLSX or CSV file (CSV:
``;`` or ``,`` separated, UTF-8 or Windows-1252) whose headers (« Surface (ha) », « Prix €/m² »,
« Zone PLU », « Références cadastrales »...) are mapped to the inventory's columns by a small TOML
mapping: :data:`DEFAULT_MAPPING` (the template's headers) ships with foncier; a user mapping
(``mapping=`` a TOML file) adds or overrides headers::

    [columns]
    "N° de lot" = "plot_id"
    "Surface cadastrale (ha)" = "declared_area_ha"

    [sheet]
    name = "Terrains"   # the sheet to read (default: « Terrains », else the first one)
    header_row = 1      # the row of the headers

Headers are matched ignoring case, accents' composition and repeated spaces; columns no header
maps are reported (warning) and ignored. Values follow French conventions: numbers « 12,5 » or
« 1 234,5 », booleans « oui »/« non », dates « 30/06/2027 » (or Excel dates), the enumerations of
:mod:`foncier.core.schema` (ICPE regimes by their French label or code).

Geometry, per row: the plot's cadastral references with a parcels file (``cadastre=``, see
:mod:`foncier.standards.cadastre`), else ``x``/``y`` in Lambert-93, else ``latitude``/
``longitude`` (WGS84). A point becomes a **square** of the declared surface centred on it, its
sides along the Lambert-93 axes: plots are polygons (DESIGN.md), a square keeps the declared area
exactly, and the note says those plots are placed approximately. A plot with a zone
(``site_id``) gets a site whose geometry is the convex hull of its plots, named after the
« Zone d'activité » column.

Every problem is reported at once by spreadsheet row number and column header
(:class:`~foncier.errors.StandardsError`). :func:`write_template` writes the workbook to fill.

Examples
--------
>>> to_number("1 234,5"), to_number("12.5"), to_number(3)
(1234.5, 12.5, 3.0)
>>> to_bool("Oui"), to_bool("non"), to_date("30/06/2027")
(True, False, datetime.date(2027, 6, 30))
>>> DEFAULT_MAPPING["Prix €/m²"]
'price_eur_m2'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.schema import CRS, ENUMS, LAYERS
from foncier.errors import Problem, StandardsError
from foncier.io.reasons import file_reason, os_reason
from foncier.wording import ICPE_LABELS

__all__ = ["DEFAULT_MAPPING_TOML", "DEFAULT_MAPPING", "COLUMN_HELP", "read_sheet",
           "import_sheet", "write_template", "to_number", "to_bool", "to_date"]

#: The mapping shipped with foncier: the template's headers -> inventory columns.
DEFAULT_MAPPING_TOML = """\
[sheet]
name = "Terrains"
header_row = 1

[columns]
"Identifiant du terrain" = "plot_id"
"Zone d'activité (identifiant)" = "site_id"
"Zone d'activité" = "site_name"
"Références cadastrales" = "cadastral_refs"
"Surface (ha)" = "declared_area_ha"
"Prix €/m²" = "price_eur_m2"
"Zone PLU" = "plu_zone"
"Disponible à partir du" = "available_from"
"Stade de commercialisation" = "sales_stage"
"Occupation" = "occupancy"
"Stade d'aménagement" = "servicing_stage"
"Maîtrise foncière" = "land_control"
"Clé en main" = "turnkey"
"Régime ICPE maximal" = "icpe_max"
"Puissance (MW)" = "power_mw"
"Eau (m³/j)" = "water_m3_day"
"Gaz" = "gas"
"Fibre optique" = "fiber"
"Embranchement ferré" = "rail_siding"
"Friche" = "brownfield"
"Hauteur maximale (m)" = "max_height_m"
"X (Lambert-93)" = "x"
"Y (Lambert-93)" = "y"
"Latitude" = "latitude"
"Longitude" = "longitude"
"""
DEFAULT_MAPPING: dict[str, str] = tomllib.loads(DEFAULT_MAPPING_TOML)["columns"]
_PLACES = {"x": "real", "y": "real", "latitude": "real", "longitude": "real",
           "site_name": "text"}
#: Inventory column -> (French explanation, format) for the template's « Lisez-moi » sheet.
COLUMN_HELP = {
    "plot_id": ("Identifiant unique du terrain (obligatoire).", "texte"),
    "site_id": ("Identifiant de la zone d'activité du terrain (vide : hors zone).", "texte"),
    "site_name": ("Nom de la zone d'activité.", "texte"),
    "cadastral_refs": ("Parcelles du terrain, 14 caractères chacune, séparées par « | ».",
                       "50147000ZK0101|50147000ZK0102"),
    "declared_area_ha": ("Surface du terrain.", "hectares, « 2,5 »"),
    "price_eur_m2": ("Prix de vente hors taxes.", "euros par m², « 18,5 »"),
    "plu_zone": ("Zone du PLU (libellé du Géoportail de l'urbanisme).", "« UX », « 1AUx »"),
    "available_from": ("Date à partir de laquelle le terrain est disponible.", "« 30/06/2027 »"),
    "sales_stage": ("Stade de commercialisation (liste).", "liste"),
    "occupancy": ("État d'occupation (liste).", "liste"),
    "servicing_stage": ("Stade d'aménagement et de viabilisation (liste).", "liste"),
    "land_control": ("Qui maîtrise le foncier (liste).", "liste"),
    "turnkey": ("Terrain clé en main.", "oui / non"),
    "icpe_max": ("Régime ICPE le plus exigeant admis sur le terrain (liste).", "liste"),
    "power_mw": ("Puissance électrique disponible.", "MW, « 12 »"),
    "water_m3_day": ("Capacité en eau.", "m³ par jour"),
    "gas": ("Desserte en gaz.", "oui / non"),
    "fiber": ("Desserte en fibre optique.", "oui / non"),
    "rail_siding": ("Embranchement ferré (ITE).", "oui / non"),
    "brownfield": ("Le terrain est une friche.", "oui / non"),
    "max_height_m": ("Hauteur maximale autorisée des bâtiments.", "mètres"),
    "x": ("Position si ni géométrie ni références : abscisse (le terrain devient un carré de "
          "sa surface centré sur le point).", "mètres, Lambert-93"),
    "y": ("Position : ordonnée.", "mètres, Lambert-93"),
    "latitude": ("Position, au lieu de X/Y.", "degrés décimaux WGS84, « 49,12 »"),
    "longitude": ("Position, au lieu de X/Y.", "degrés décimaux WGS84, « -1,09 »"),
}
_TRUE = {"oui", "o", "vrai", "true", "yes", "1", "x"}
_FALSE = {"non", "n", "faux", "false", "no", "0"}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
ICPE_FROM_LABEL = {v.casefold(): k for k, v in ICPE_LABELS.items()}


def _norm(text) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip().casefold()


def to_number(value) -> float:
    """A number written the French way (« 12,5 », « 1 234,5 ») or a cell's number.

    Raises ``ValueError`` when the value is not a finite number.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        out = float(value)
    else:
        text = _SPACES.sub("", str(value))
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        out = float(text)
    if not math.isfinite(out):
        raise ValueError(value)
    return out


def to_bool(value) -> bool:
    """« oui »/« non » (also o/n, vrai/faux, 1/0, a cell's boolean); ``ValueError`` else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _norm(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def to_date(value) -> dt.date:
    """A date « 30/06/2027 », « 2027-06-30 » or a cell's date; ``ValueError`` else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = _DATE.match(text)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    return dt.date.fromisoformat(text[:10])


@dataclass
class _Sheet:
    headers: list[str]
    rows: list[tuple[int, list]]          # (spreadsheet row number, cell values)
    where: str


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (
        isinstance(v, float) and math.isnan(v))


def _read_xlsx(path: Path, sheet: str | None, header_row: int) -> _Sheet:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        if isinstance(exc, (InvalidFileException, zipfile.BadZipFile)):
            why = "ce n'est pas un classeur Excel"      # openpyxl's words would be English
        else:
            why = os_reason(exc) if isinstance(exc, OSError) else str(exc)[:200]
        raise StandardsError([Problem(path.name, None, f"classeur illisible ({why}) : "
                                      "donnez un fichier .xlsx ou .csv.")]) from None
    try:
        names = book.sheetnames
        name = sheet if sheet in names else (None if sheet and sheet != "Terrains" else names[0])
        if name is None:
            raise StandardsError([Problem(path.name, None, f"feuille « {sheet} » absente ; "
                                          f"feuilles : {', '.join(names)}.")])
        cells = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    return _split(cells, header_row, f"{path.name} (feuille {name})")


def _read_csv(path: Path, header_row: int) -> _Sheet:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first = text.splitlines()[header_row - 1] if text.strip() else ""
    delim = ";" if first.count(";") >= first.count(",") else ","
    cells = list(csv.reader(io.StringIO(text), delimiter=delim))
    return _split(cells, header_row, path.name)


def _split(cells: list, header_row: int, where: str) -> _Sheet:
    if len(cells) < header_row:
        raise StandardsError([Problem(where, None, f"pas de ligne d'en-tête (ligne "
                                      f"{header_row}) : le fichier est vide.")])
    headers = ["" if h is None else str(h).strip() for h in cells[header_row - 1]]
    rows = [(header_row + 1 + i, list(r)) for i, r in enumerate(cells[header_row:])
            if any(not _blank(v) for v in r)]
    return _Sheet(headers, rows, where)


def load_mapping(mapping: str | os.PathLike | None) -> tuple[dict[str, str], dict]:
    """The header mapping (normalized header -> column) and the ``[sheet]`` settings."""
    base = tomllib.loads(DEFAULT_MAPPING_TOML)
    columns = {_norm(k): v for k, v in base["columns"].items()}
    sheet = dict(base["sheet"])
    if mapping is not None:
        path = Path(mapping)
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StandardsError([Problem(path.name, None, f"correspondance illisible "
                                          f"({file_reason(exc)}) : un fichier TOML avec une "
                                          "table [columns] « en-tête » = « colonne ».")]
                                 ) from None
        known = set(LAYERS["plots"]) | set(_PLACES)
        bad = [f"« {k} » = « {v} »" for k, v in user.get("columns", {}).items()
               if v not in known]
        if bad:
            raise StandardsError([Problem(path.name, "columns", f"colonne(s) inconnue(s) : "
                                          f"{', '.join(bad)} ; colonnes admises : "
                                          f"{', '.join(sorted(known))}.")])
        columns.update({_norm(k): v for k, v in user.get("columns", {}).items()})
        sheet.update(user.get("sheet", {}))
    return columns, sheet


def _convert(kind: str, column: str, value):
    if kind == "real":
        return to_number(value)
    if kind == "bool":
        return to_bool(value)
    if kind == "date":
        return pd.Timestamp(to_date(value))
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    text = text.strip()
    if column == "icpe_max":
        text = ICPE_FROM_LABEL.get(text.casefold(), text)
    allowed = ENUMS.get(("plots", column))
    if allowed is not None:
        match = {a.casefold(): a for a in allowed}.get(_norm(text))
        if match is None:
            raise LookupError(allowed)
        return match
    return text


_EXPECTED = {"real": "un nombre (« 12,5 »)", "bool": "« oui » ou « non »",
             "date": "une date (« 30/06/2027 »)"}


def _values(sheet: _Sheet, columns: dict[str, str]) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows as inventory columns, every unreadable cell reported by row and header."""
    problems: list[Problem] = []
    used: dict[int, str] = {}
    for i, h in enumerate(sheet.headers):
        col = columns.get(_norm(h))
        if col is None:
            if h:
                problems.append(Problem(sheet.where, None, f"colonne « {h} » non reconnue, "
                                        "ignorée (ajoutez-la à la correspondance TOML).",
                                        "warning"))
        elif col in used.values():
            problems.append(Problem(sheet.where, None, f"colonne « {h} » en double pour "
                                    f"{col} : gardez-en une."))
        else:
            used[i] = col
    if "plot_id" not in used.values():
        problems.append(Problem(sheet.where, None, "aucune colonne d'identifiant des terrains "
                                "(« Identifiant du terrain ») : ajoutez-la."))
    types = {**{c: t for c, (t, _) in LAYERS["plots"].items()}, **_PLACES}
    records = []
    for number, cells in sheet.rows:
        rec = {"_row": number}
        for i, col in used.items():
            value = cells[i] if i < len(cells) else None
            if _blank(value):
                rec[col] = None
                continue
            try:
                rec[col] = _convert(types[col], col, value)
            except LookupError as exc:
                rec[col] = None
                problems.append(Problem(sheet.where, f"ligne {number}", f"colonne "
                                        f"« {sheet.headers[i]} » : « {str(value)[:60]} » "
                                        f"n'est pas une valeur admise ({', '.join(exc.args[0])})."))
            except (ValueError, TypeError, OverflowError):
                rec[col] = None
                problems.append(Problem(sheet.where, f"ligne {number}", f"colonne "
                                        f"« {sheet.headers[i]} » : « {str(value)[:60]} » "
                                        f"n'est pas {_EXPECTED[types[col]]}."))
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=["_row", *used.values()]), problems


def _geometries(frame: pd.DataFrame, use: np.ndarray, where: str, problems: list[Problem],
                notes: list[Problem]) -> np.ndarray:
    """A square of the declared surface around the x/y or latitude/longitude of the rows at
    ``use`` (the others are placed from their cadastral references)."""
    from pyproj import Transformer

    n = len(frame)
    names = ("x", "y", "latitude", "longitude", "declared_area_ha")
    col = {c: (pd.to_numeric(frame[c]).to_numpy(dtype=float, na_value=np.nan) if c in frame
               else np.full(n, np.nan)) for c in names}
    x, y = col["x"].copy(), col["y"].copy()
    ll = np.isnan(x) & np.isnan(y) & ~np.isnan(col["latitude"]) & ~np.isnan(col["longitude"])
    if ll.any():
        to93 = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
        x[ll], y[ll] = to93.transform(col["longitude"][ll], col["latitude"][ll])
    bad_ll = ll & ((np.abs(col["latitude"]) > 90) | (np.abs(col["longitude"]) > 180))
    geoms = np.full(n, None, dtype=object)
    placed = 0
    for pos in np.flatnonzero(use):
        row = f"ligne {frame['_row'].iloc[pos]}"
        if np.isnan(x[pos]) != np.isnan(y[pos]) or bad_ll[pos]:
            problems.append(Problem(where, row, "position incomplète ou hors limites : "
                                    "donnez X et Y (Lambert-93) ou latitude et longitude."))
            continue
        if np.isnan(x[pos]):
            continue
        area = col["declared_area_ha"][pos]
        if np.isnan(area) or area <= 0:
            problems.append(Problem(where, row, "terrain placé par un point sans surface : "
                                    "renseignez « Surface (ha) » (le terrain devient un carré "
                                    "de cette surface) ou ses références cadastrales."))
            continue
        half = math.sqrt(area * 10_000.0) / 2
        geoms[pos] = shapely.box(x[pos] - half, y[pos] - half, x[pos] + half, y[pos] + half)
        placed += 1
    if placed:
        notes.append(Problem(where, None, f"{placed} terrain(s) placé(s) par un point : chacun "
                             "est un carré de sa surface déclarée centré sur le point (position "
                             "approximative).", "warning"))
    return geoms


def _sites(plots: gpd.GeoDataFrame, names: pd.Series) -> gpd.GeoDataFrame:
    """One site per ``site_id``: the convex hull of its plots, named after the sheet."""
    has = plots["site_id"].notna() & plots.geometry.notna()
    if not has.any():
        return gpd.GeoDataFrame({"site_id": [], "name": []}, geometry=[], crs=CRS)
    groups = plots.loc[has].assign(_name=names[has]).groupby("site_id", sort=True)
    ids = list(groups.groups)
    geoms = [shapely.convex_hull(shapely.union_all(g.geometry.to_numpy())) for _, g in groups]
    labels = [g["_name"].dropna().iloc[0] if g["_name"].notna().any() else None
              for _, g in groups]
    return gpd.GeoDataFrame({"site_id": ids, "name": labels}, geometry=geoms, crs=CRS)


def read_sheet(path: str | os.PathLike, *, mapping: str | os.PathLike | None = None,
               cadastre: str | os.PathLike | None = None
               ) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """The ``sites`` and ``plots`` layers of a spreadsheet inventory, and its warnings.

    Parameters
    ----------
    path : path
        An ``.xlsx`` or ``.csv`` file, one row per plot, headers on ``header_row``.
    mapping : path, optional
        A TOML mapping adding to / overriding :data:`DEFAULT_MAPPING` (see the module).
    cadastre : path, optional
        An Etalab ``cadastre-<dép>-parcelles.json(.gz)``: plots with references get their
        parcels' union (this takes precedence over x/y and latitude/longitude).

    Raises
    ------
    StandardsError
        Every unreadable cell (row number and header), missing position... at once.
    """
    from foncier.standards.cadastre import fill_from_cadastre

    path = Path(path)
    if not path.exists():
        raise StandardsError([Problem(path.name, None, f"fichier introuvable ({path}) : "
                                      "vérifiez le chemin.")])
    columns, settings = load_mapping(mapping)
    header_row = int(settings.get("header_row", 1))
    if path.suffix.lower() == ".csv":
        sheet = _read_csv(path, header_row)
    else:
        sheet = _read_xlsx(path, settings.get("name"), header_row)
    frame, problems = _values(sheet, columns)
    notes = [p for p in problems if p.severity != "error"]
    problems = [p for p in problems if p.severity == "error"]
    for c in ("site_id", "cadastral_refs", "declared_area_ha", "site_name"):
        if c not in frame:
            frame[c] = None
    refs = frame["cadastral_refs"].notna() & (cadastre is not None)
    geoms = _geometries(frame, ~refs.to_numpy(), sheet.where, problems, notes)
    if cadastre is None:
        lost = frame["cadastral_refs"].notna().to_numpy() & (geoms == None)  # noqa: E711
        for r in frame.loc[lost, "_row"]:
            problems.append(Problem(sheet.where, f"ligne {r}", "terrain sans position : "
                                    "donnez le fichier des parcelles cadastrales (paramètre "
                                    "`cadastre=`) ou X/Y, ou latitude/longitude."))
    plot_cols = [c for c in LAYERS["plots"] if c in frame]
    plots = gpd.GeoDataFrame(frame[plot_cols], geometry=geoms, crs=CRS)
    if cadastre is not None and refs.any():
        try:
            plots, area_notes = fill_from_cadastre(plots, cadastre)
            notes += area_notes
        except StandardsError as exc:
            problems += exc.problems
    if problems:
        raise StandardsError(problems)
    plots["site_id"] = plots["site_id"].astype(object)
    sites = _sites(plots, frame["site_name"])
    return {"sites": sites, "plots": plots}, notes


def import_sheet(path: str | os.PathLike, target: str | os.PathLike, *,
                 mapping: str | os.PathLike | None = None,
                 cadastre: str | os.PathLike | None = None):
    """Read a spreadsheet inventory (:func:`read_sheet`) and write it as an inventory.

    Returns the :class:`~foncier.core.inventory.Inventory` and the warnings; nothing is written
    when the sheet or the resulting inventory has errors.
    """
    from foncier.core.inventory import _display, inventory_from_layers, write_inventory

    layers, notes = read_sheet(path, mapping=mapping, cadastre=cadastre)
    inv = inventory_from_layers(layers, source=_display(str(target)))
    write_inventory(inv.layers(), target)
    inv.location = str(target)
    inv.source = _display(str(target))
    return inv, notes


def write_template(path: str | os.PathLike) -> Path:
    """Write the workbook an EPCI fills: one row per plot, drop-down lists, a « Lisez-moi ».

    The « Terrains » sheet has :data:`DEFAULT_MAPPING`'s headers (frozen), drop-down lists for
    the enumerations (from a « Listes » sheet) and oui/non columns; « Lisez-moi » explains each
    column. The file is written atomically.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from foncier.io.atomic import atomic_write

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Terrains"
    lists = book.create_sheet("Listes")
    readme = book.create_sheet("Lisez-moi", 0)
    headers = list(DEFAULT_MAPPING)
    types = {**{c: t for c, (t, _) in LAYERS["plots"].items()}, **_PLACES}
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    enums = {c: ([ICPE_LABELS[v] for v in vals] if c == "icpe_max" else list(vals))
             for (layer, c), vals in ENUMS.items() if layer == "plots"}
    enums.update({c: ["oui", "non"] for c, t in types.items() if t == "bool"})
    list_col = 0
    for j, header in enumerate(headers, start=1):
        col = DEFAULT_MAPPING[header]
        cell = sheet.cell(1, j, header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = max(14, min(40, len(header) + 4))
        if col in enums:
            list_col += 1
            ll = get_column_letter(list_col)
            lists.cell(1, list_col, header).font = bold
            for i, v in enumerate(enums[col], start=2):
                lists.cell(i, list_col, v)
            dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                                formula1=f"=Listes!${ll}$2:${ll}${len(enums[col]) + 1}",
                                errorTitle=header, error="Choisissez une valeur de la liste.")
            dv.add(f"{letter}2:{letter}2000")
            sheet.add_data_validation(dv)
        elif types[col] == "date":
            for r in range(2, 2001):
                sheet.cell(r, j).number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "B2"
    lists.sheet_state = "hidden"
    readme.append(["Colonne", "Contenu", "Format"])
    for c in readme[1]:
        c.font, c.fill = bold, fill
    for header in headers:
        text, fmt = COLUMN_HELP[DEFAULT_MAPPING[header]]
        readme.append([header, text, fmt])
    readme.append([])
    readme.append(["", "Une ligne par terrain, sur la feuille « Terrains ». Position : références "
                   "cadastrales (avec le fichier des parcelles d'Etalab), sinon X/Y en "
                   "Lambert-93, sinon latitude/longitude. Import : foncier import-sheet "
                   "FICHIER.xlsx --out inventaire.gpkg [--cadastre "
                   "cadastre-<département>-parcelles.json.gz]."])
    for letter, width in (("A", 32), ("B", 80), ("C", 32)):
        readme.column_dimensions[letter].width = width
    readme.freeze_panes = "A2"
    book.active = 1
    path = Path(path)
    with atomic_write(path) as tmp:
        book.save(tmp)
    return path
