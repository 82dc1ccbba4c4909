"""Errors as a user reads them: a French sentence first, the technical detail behind « Détails ».

The library's messages are precise but technical: a GeoPackage error quotes GDAL in English with
the path twice, a brief error names TOML keys (``land.min_area_ha``). :func:`inventory_message`
and :func:`brief_message` give the sentence a user reads (the form's labels instead of TOML
keys, the GDAL text removed); the original message stays as the dialog's detailed text.

Examples
--------
>>> msg = ("/d/x.gpkg: /d/x.gpkg: ce fichier n'est pas un GeoPackage lisible ('/d/x.gpkg' not "
...        "recognized as being in a supported file format.; It might help to specify the "
...        "correct driver explicitly by prefixing the file path with '<DRIVER>:').")
>>> inventory_message(msg, "x.gpkg")
"Impossible d'ouvrir l'inventaire « x.gpkg » : ce fichier n'est pas un GeoPackage lisible."
>>> import foncier
>>> try:
...     foncier.Brief(name="x", min_area_ha=-2)
... except foncier.BriefError as exc:
...     print(brief_message(exc))
Surface nette minimale : -2 est négatif : une quantité positive est attendue.
"""

from __future__ import annotations

import re

import foncier
from foncier.core.brief import SECTIONS

__all__ = ["inventory_message", "brief_message", "field_label", "FIELD_LABELS"]

#: Parenthesised GDAL/OGR text in English (the driver's own words) inside a library message.
_GDAL = re.compile(r"\s*\([^()]*(?:not recognized|supported file format|<DRIVER>|GDAL|"
                   r"No such file|unable to open|not a database|malformed)[^()]*\)",
                   re.IGNORECASE)


def _labels() -> dict[str, str]:
    from .filters import SECTIONS_FR, WEIGHT_LABELS

    by_key = {key: label for _, keys in SECTIONS_FR for key, label, _, _ in keys}
    out = {"name": "Projet"}
    for section, keys in SECTIONS.items():
        for key in keys:
            if key in by_key:
                out[f"{section}.{key}"] = by_key[key]
                out[key] = by_key[key]
    for key, label in WEIGHT_LABELS.items():
        out[f"weights.{key}"] = f"Pondération « {label} »"
    out["delays"] = "Durées des procédures"
    return out


FIELD_LABELS: dict[str, str] = {}


def field_label(where: str) -> str:
    """The form's French label of a TOML key (``land.min_area_ha`` → « Surface nette minimale »),
    else the key itself."""
    if not FIELD_LABELS:
        FIELD_LABELS.update(_labels())
    if where in FIELD_LABELS:
        return FIELD_LABELS[where]
    head = where.split("[", 1)[0]
    if head.startswith("delays."):
        return f"Durée « {head.split('.', 1)[1]} »"
    return FIELD_LABELS.get(head, where)


def brief_message(exc: foncier.BriefError) -> str:
    """A brief error with the form's labels (one line per problem)."""
    lines = []
    for p in exc.problems:
        where = str(p.where)
        if where.lower().endswith(".toml") or "/" in where:
            lines.append(p.message)
        else:
            lines.append(f"{field_label(where)} : {p.message}")
    return "\n".join(lines) if lines else str(exc)


def inventory_message(message: str, name: str) -> str:
    """An inventory error without the repeated path nor GDAL's English words."""
    text = _GDAL.sub("", message).strip()
    # "path: path: what" -> "what" (the path is said once, by name, in the sentence).
    parts = text.split(": ")
    while len(parts) > 1 and (parts[0].endswith(name) or "/" in parts[0] or "\\" in parts[0]):
        parts.pop(0)
    text = ": ".join(parts).strip()
    text = text.replace(" .", ".")
    if text and not text.endswith((".", "!", "?")):
        text += "."
    return f"Impossible d'ouvrir l'inventaire « {name} » : {text}"
