"""French wording of the detail panel, the table and the map (no Qt here).

The brief in short and the investor report's wording come from :mod:`foncier.report.content`, so the
app's PDF and ``foncier report`` say the same thing.

Examples
--------
>>> format_measured("power", 12.5)
'12,5 MW'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from foncier.core.criteria import ICPE_LABELS, fmt_number
from foncier.core.schema import constraint_label

__all__ = ["constraint_label", "OUTCOME_LABELS", "INFRA_LABELS", "STATUS_NAMES", "format_measured",
           "format_required", "format_attribute", "ATTRIBUTE_LABELS", "UNITS",
           "UNIT_DECIMALS", "scale_label"]

INFRA_LABELS = {
    "motorway_interchange": "Échangeur autoroutier", "rail_freight": "Gare de fret",
    "port": "Port", "airport": "Aéroport", "substation": "Poste électrique",
}
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


def _date(value: Any) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def format_attribute(column: str, value: Any) -> str:
    """A plot attribute as French text ("non renseigné" when null)."""
    if _missing(value):
        return "non renseigné"
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if column == "icpe_max":
        return ICPE_LABELS.get(value, str(value))
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp | np.datetime64):
        return _date(value)
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
        return _date(value)
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
        return "au plus tard le " + value.strftime("%d/%m/%Y")
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
