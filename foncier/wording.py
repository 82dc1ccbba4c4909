"""French wording shared by the library, the command line, the reports, the batch files and the app.

One home for what people read: status and outcome names, constraint and infrastructure labels,
units and the decimals each unit shows, numbers and dates the French way. No Qt here.

Examples
--------
>>> format_measured("power", 12.5)
'12,5 MW'
>>> fmt_number(1234.5, 1)
'1\u202f234,5'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["constraint_label", "fmt_number", "fmt_numbers", "ICPE_LABELS", "STATUS_LABELS",
           "CONSTRAINT_LABELS", "LEVEL_LABELS", "OUTCOME_LABELS", "INFRA_LABELS", "STATUS_NAMES",
           "format_measured", "format_required", "format_attribute", "ATTRIBUTE_LABELS", "UNITS",
           "UNIT_DECIMALS", "scale_label", "INFRA_SYMBOLS", "fmt_fixed", "fmt_unit", "fmt_date",
           "digit_texts", "counted", "heading", "toml_error"]

STATUS_LABELS = {"match": "compatible", "to_check": "à vérifier", "no_match": "incompatible"}

ICPE_LABELS = {"none": "aucun", "declaration": "déclaration", "enregistrement": "enregistrement",
               "autorisation": "autorisation", "seveso_seuil_bas": "Seveso seuil bas",
               "seveso_seuil_haut": "Seveso seuil haut"}

#: French names of the constraint kinds and levels, for reasons, reports and the app.
CONSTRAINT_LABELS = {
    "flood": "Inondation (PPRI)", "pprt": "Risque technologique (PPRT)", "seveso": "Seveso",
    "natura2000": "Natura 2000", "znieff1": "ZNIEFF type 1", "znieff2": "ZNIEFF type 2",
    "wetland": "Zone humide", "monument": "Abords de monument historique",
    "littoral": "Loi Littoral", "archaeology": "Archéologie préventive",
    "housing": "Zone d'habitat", "other": "Autre contrainte",
}
LEVEL_LABELS = {"interdiction": "zone d'interdiction", "prescriptions": "zone de prescriptions"}


def constraint_label(kind: str, level: str | None = None) -> str:
    """French label of a constraint kind, or of one of its levels, or of a ``kind:level`` selector.

    Examples
    --------
    >>> constraint_label("flood", "interdiction")
    "Inondation (PPRI) — zone d'interdiction"
    >>> constraint_label("seveso")
    'Seveso'
    """
    if level is None and ":" in kind:
        kind, _, level = kind.partition(":")
    name = CONSTRAINT_LABELS.get(kind, kind)
    if level:
        return f"{name} — {LEVEL_LABELS.get(level, level)}"
    return name


def counted(count: int, word: str) -> str:
    """A count and its word, plural from 2 on as French has it; an invariable phrase (``à
    vérifier``) takes no s.

    Examples
    --------
    >>> counted(3, "terrain"), counted(1, "compatible"), counted(0, "assemblage")
    ('3 terrains', '1 compatible', '0 assemblage')
    >>> counted(2, "à vérifier")
    '2 à vérifier'

    Thousands are parted by a narrow no-break space, as :func:`fmt_number` parts them:

    >>> counted(99691, "incompatible")
    '99\u202f691 incompatibles'
    """
    return f"{fmt_number(count, 0)} {word}" + (
        "s" if count > 1 and not word.startswith("à") else "")


def heading(title: str) -> str:
    """A brief's name as a project's heading, the word « Projet » never doubled.

    Examples
    --------
    >>> heading("Atelier"), heading("Projet Volta - batteries")
    ('Projet « Atelier »', 'Projet Volta - batteries')
    """
    if title.lower().startswith(("projet ", "projet\u00a0")):
        return title
    return f"Projet « {title} »"


def fmt_number(value: float, decimals: int = 1) -> str:
    """A number the French way: ``12,5``; whole numbers without decimals; thin groups."""
    if value is None or value != value:
        return "?"
    rounded = round(float(value), decimals)
    if rounded == int(rounded):
        text = f"{int(rounded):,}".replace(",", "\u202f")
    else:
        text = f"{rounded:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def fmt_numbers(values, decimals: int = 1) -> np.ndarray:
    """:func:`fmt_number` of every value of an array, as an object array of ``str``: the same
    texts, without a Python call per value.

    The values are rounded in NumPy; the few that NumPy could round otherwise than Python
    (within a millionth of a tie once scaled, or too large), and the missing or infinite ones,
    go through :func:`fmt_number` itself.

    Examples
    --------
    >>> fmt_numbers([1234.5, 0.25, 3, float("nan"), -0.04], 1).tolist()
    ['1\u202f234,5', '0,2', '3', '?', '0']
    """
    values = np.asarray(values, dtype=np.float64)
    scaled = values * 10.0 ** decimals
    units = np.rint(scaled)
    fraction = np.abs(scaled - np.floor(scaled) - 0.5)
    own = ~np.isfinite(scaled) | (np.abs(units) >= 1e9)
    if decimals:
        own |= fraction < 1e-6
    import pyarrow as pa
    import pyarrow.compute as pc

    units = units[~own].astype(np.int64)
    whole, part = np.divmod(np.abs(units), 10 ** decimals)
    text = _grouped(whole)
    if decimals and part.any():
        digits = digit_texts(part, width=decimals)
        text = pc.if_else(pa.array(part > 0), pc.binary_join_element_wise(text, digits, ","),
                          text)
    if (units < 0).any():
        text = pc.if_else(pa.array(units < 0), pc.binary_join_element_wise("-", text, ""), text)
    out = np.empty(len(values), dtype=object)
    out[~own] = text.to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(own).tolist():
        out[i] = fmt_number(float(values[i]), decimals)
    return out


def digit_texts(values: np.ndarray, *, width: int = 0, large: bool = False):
    """Non-negative integers as their decimal digits, left-padded with zeros to ``width``, as
    an Arrow ``string`` (``large_string`` with ``large``) array, without a Python call.

    Examples
    --------
    >>> digit_texts(np.array([7, 42, 1234]), width=3).to_pylist()
    ['007', '042', '1234']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(np.asarray(values, dtype=np.int64)).cast(
        pa.large_string() if large else pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def _grouped(whole: np.ndarray):
    """Whole numbers from 0 to 999 999 999 with their thousands parted by a narrow no-break
    space, as an Arrow string array (``f"{w:,}"`` with ``\u202f``, without a Python call)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = digit_texts(whole)
    for limit in (1_000_000, 1_000):
        big = whole >= limit
        if big.any():
            head = digit_texts(whole // limit)
            tail = [digit_texts(whole // step % 1000, width=3) for step in (1_000_000, 1_000, 1)
                    if step < limit]
            text = pc.if_else(pa.array(big), pc.binary_join_element_wise(head, *tail, "\u202f"),
                              text)
            whole = np.where(big, 0, whole)
    return text


def fmt_fixed(value: float, decimals: int) -> str:
    """A number the French way with exactly ``decimals`` decimals (``23,00`` beside ``12,50``):
    one format per column or unit, whole numbers included; ``?`` when unknown.

    Examples
    --------
    >>> fmt_fixed(23, 2), fmt_fixed(66, 1), fmt_fixed(1234.5, 0)
    ('23,00', '66,0', '1\u202f234')
    """
    if value is None or value != value:
        return "?"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def fmt_unit(value: float, unit: str) -> str:
    """A quantity with its unit's decimals (:data:`UNIT_DECIMALS`), always the same count.

    Examples
    --------
    >>> fmt_unit(23, "ha"), fmt_unit(12.5, "MW")
    ('23,00 ha', '12,5 MW')
    """
    return f"{fmt_fixed(value, UNIT_DECIMALS.get(unit, 2))} {unit}"


INFRA_LABELS = {
    "motorway_interchange": "Échangeur autoroutier", "rail_freight": "Gare de fret",
    "port": "Port", "airport": "Aéroport", "substation": "Poste électrique",
}
#: One- or two-letter symbols of the infrastructure kinds, for small map markers.
INFRA_SYMBOLS = {"motorway_interchange": "A", "rail_freight": "F", "port": "P", "airport": "Av",
                 "substation": "É"}
OUTCOME_LABELS = {"pass": "respecté", "fail": "non respecté", "unknown": "inconnu"}
STATUS_NAMES = {0: "Compatible", 1: "À vérifier", 2: "Incompatible", 3: "Non évalué"}


UNITS = {"area": "ha", "price": "€/m²", "height": "m", "housing": "m", "power": "MW",
         "water": "m³/j", "motorway": "km", "rail_freight": "km", "port": "km",
         "forbidden_constraints": "m²"}
#: Decimals shown per unit: no more than the unit needs.
UNIT_DECIMALS = {"ha": 2, "€/m²": 2, "MW": 1, "m³/j": 0, "m": 0, "km": 1, "m²": 0}
_ATTRIBUTE_UNITS = {"price_eur_m2": "€/m²", "power_mw": "MW", "water_m3_day": "m³/j",
                    "max_height_m": "m", "declared_area_ha": "ha", "area_ha": "ha"}


def _decimals(criterion: str) -> int:
    return UNIT_DECIMALS.get(UNITS.get(criterion, ""), 2)

ATTRIBUTE_LABELS = {
    "plot_id": "Identifiant", "site_id": "Zone d'activité", "cadastral_refs":
    "Références cadastrales", "sales_stage": "Stade de commercialisation",
    "occupancy": "Occupation", "servicing_stage": "Stade d'aménagement",
    "land_control": "Maîtrise foncière", "turnkey": "Clé en main", "price_eur_m2": "Prix (€/m²)",
    "available_from": "Disponible à partir du", "plu_zone": "Zone PLU",
    "icpe_max": "Régime ICPE maximal admis", "power_mw": "Puissance électrique (MW)",
    "water_m3_day": "Eau (m³/j)", "gas": "Gaz", "fiber": "Fibre optique",
    "rail_siding": "Embranchement ferré", "brownfield": "Friche",
    "max_height_m": "Hauteur maximale (m)", "declared_area_ha": "Surface déclarée (ha)",
    "area_ha": "Surface (ha)",
}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating) and value != value:
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return False


def fmt_date(value: Any) -> str:
    """A date the French way, ``JJ/MM/AAAA`` ("?" when missing).

    Takes a :class:`datetime.date` or ``datetime``, a pandas ``Timestamp`` or a NumPy
    ``datetime64``. Each day is written once per process (a million plots' reasons name a few
    thousand days).

    Examples
    --------
    >>> fmt_date(dt.date(2026, 3, 1)), fmt_date(np.datetime64("2027-12-31T10:00")), fmt_date(None)
    ('01/03/2026', '31/12/2027', '?')
    """
    if _missing(value):
        return "?"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)          # the day of its own time zone
    return _day_text(int(np.datetime64(value, "D").astype(np.int64)))


@functools.lru_cache(maxsize=1 << 16)
def _day_text(day: int) -> str:
    d = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def format_attribute(column: str, value: Any) -> str:
    """A plot attribute as French text ("non renseigné" when null)."""
    if _missing(value):
        return "non renseigné"
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if column == "icpe_max":
        return ICPE_LABELS.get(value, str(value))
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp | np.datetime64):
        return fmt_date(value)
    if isinstance(value, float | np.floating):
        unit = _ATTRIBUTE_UNITS.get(column, "")
        return fmt_number(float(value), UNIT_DECIMALS.get(unit, 2))
    return str(value)


def format_measured(criterion: str, value: Any) -> str:
    """A verdict's measured value with its unit."""
    if _missing(value):
        return "inconnu"
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if criterion == "icpe":
        return ICPE_LABELS.get(value, str(value))
    if criterion == "timing" or isinstance(value, dt.date | np.datetime64 | pd.Timestamp):
        return fmt_date(value)
    if isinstance(value, int | float | np.integer | np.floating):
        unit = UNITS.get(criterion)
        return fmt_number(float(value), _decimals(criterion)) + (f" {unit}" if unit else "")
    return str(value)


def format_required(criterion: str, value: Any) -> str:
    """A verdict's required value as French text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if criterion == "icpe":
        return ICPE_LABELS.get(value, str(value))
    if criterion == "forbidden_constraints":
        return "aucun recouvrement : " + ", ".join(_selector_label(s) for s in value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return "au plus tard le " + fmt_date(value)
    if isinstance(value, int | float):
        unit = UNITS.get(criterion, "")
        sign = "≤" if criterion in ("price", "motorway", "rail_freight", "port") else "≥"
        return f"{sign} {fmt_number(value, _decimals(criterion))} {unit}".strip()
    return str(value)


def _selector_label(selector: str) -> str:
    kind, _, level = selector.partition(":")
    return constraint_label(kind, level or None)


def scale_label(metres: float) -> str:
    """A scale bar's length in French: ``500 m``, ``2 km``, ``0,5 km`` never (below 1 km: m).

    Examples
    --------
    >>> scale_label(500), scale_label(2000), scale_label(2500)
    ('500 m', '2 km', '2,5 km')
    """
    if metres >= 1000:
        return f"{fmt_number(metres / 1000, 1)} km"
    return f"{fmt_number(metres, 0)} m"


#: The TOML parser's messages (Python's ``tomllib``, in English) and what they say in French.
_TOML_MESSAGES = [
    (r"Cannot overwrite a value", "une valeur est déjà donnée"),
    (r"Escaped character is not a Unicode scalar value", "caractère échappé invalide"),
    (r"Expected '=' after a key in a key/value pair", "« = » attendu après la clé"),
    (r"Expected '\]' at the end of a table declaration", "« ] » attendu à la fin de l'en-tête"),
    (r"Expected '\]\]' at the end of an array declaration",
     "« ]] » attendu à la fin de l'en-tête"),
    (r"Expected newline or end of document after a statement",
     "une ligne ne porte qu'une clé et sa valeur"),
    (r"Invalid date or datetime", "date invalide (AAAA-MM-JJ)"),
    (r"Invalid hex value", "valeur hexadécimale invalide"),
    (r"Invalid initial character for a key part", "caractère invalide au début d'une clé"),
    (r"Invalid statement", "ligne illisible (ni « clé = valeur » ni « [section] »)"),
    (r"Invalid value", "valeur illisible (un nombre, true, false, une date ou un texte entre "
                       "guillemets : \"…\")"),
    (r"Unclosed array", "liste non fermée (« ] » manquant)"),
    (r"Unclosed inline table", "table non fermée (« } » manquant)"),
    (r"Unescaped '\\' in a string",
     "« \\ » seul dans un texte (écrivez « \\\\ », ou le texte entre apostrophes)"),
    (r"Unterminated string", "texte non terminé (guillemet fermant manquant)"),
    (r"Cannot declare (.+) twice", r"\1 est déclaré deux fois"),
    (r"Cannot mutate immutable namespace (.+)", r"\1 est déjà entièrement donné"),
    (r"Cannot redefine namespace (.+)", r"\1 est déclaré deux fois"),
    (r"Duplicate inline table key (.+)", r"clé \1 donnée deux fois"),
    (r"Found invalid character (.+)", r"caractère invalide \1"),
    (r"Illegal character (.+)", r"caractère interdit \1"),
    (r"Expected (.+)", r"\1 attendu"),
]


def toml_error(exc: Exception) -> str:
    r"""A TOML parser's error in French, then its place (« , ligne 3, colonne 1 »); a message
    this module does not know is kept as it is.

    Examples
    --------
    >>> import tomllib
    >>> try:
    ...     tomllib.loads("[land]\nmin_area_ha = 3\n[land]")
    ... except tomllib.TOMLDecodeError as exc:
    ...     print(toml_error(exc))
    « land » est déclaré deux fois, ligne 3, colonne 6
    """
    text = str(exc)
    m = re.fullmatch(r"(.*?) \(at (?:line (\d+), column (\d+)|(end of document))\)", text,
                     flags=re.S)
    message, place = (m[1], (f"ligne {m[2]}, colonne {m[3]}" if m[2] else
                             "à la fin du fichier")) if m else (text, None)
    for pattern, french in _TOML_MESSAGES:
        found = re.fullmatch(pattern, message, flags=re.S)
        if found:
            message = french.replace(r"\1", _toml_key(found[1])) if found.groups() else french
            break
    return f"{message}, {place}" if place else message


def _toml_key(text: str) -> str:
    """A key as the TOML parser quotes it (``('land', 'min_area_ha')``, ``'b'``) in French
    quotes (« land.min_area_ha »); a character alike, an invisible one by its code (U+0001)."""
    import ast

    try:
        key = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if isinstance(key, tuple) and all(isinstance(k, str) for k in key):
        return f"« {'.'.join(key)} »"
    if isinstance(key, str) and len(key) == 1 and not key.isprintable():
        return f"U+{ord(key):04X}"
    return f"« {key} »" if isinstance(key, str) else text
