"""The documents the law requires: consultation letters and the adopted inventory of a zone.

Each document is first built as data (a dict: title, paragraphs, tables of text cells), then
written as HTML (:func:`to_html`) or, for the adopted inventory, as XLSX (:func:`adopted_xlsx`).
These are the only outputs where private owners' names appear (see
:mod:`foncier.legal.privacy`).

Examples
--------
>>> import datetime as dt
>>> french_date(dt.date(2026, 3, 1)), french_date(dt.date(2026, 12, 25))
('1er mars 2026', '25 décembre 2026')
>>> page = to_html({"title": "Essai", "paragraphs": ["A & B"], "tables": []})
>>> print(page.split("<body>")[1].strip())
<h1>Essai</h1>
<p>A &amp; B</p>
</body></html>
>>> table_rows_html({"header": ["Unité", "Surface"], "rows": [["U1", "2,5 ha"]]})
['<tr><td>U1</td><td>2,5 ha</td></tr>']
>>> table_rows_html({"header": ["Unité", "Surface"], "rows": []})
['<tr><td colspan="2">aucun</td></tr>']
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable
from typing import Any

from foncier.core.missing import is_missing
from foncier.io.atomic import atomic_write
from foncier.wording import fmt_number

__all__ = ["french_date", "letter_content", "adopted_content", "to_html", "table_rows_html",
           "write_html", "adopted_xlsx", "KIND_LABELS"]

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")
KIND_LABELS = {"public": "personne publique", "company": "entreprise",
               "person": "personne physique"}
_OCCUPANCY_NONE = "non renseignée"


def french_date(day: dt.date) -> str:
    """A date written in French (« 1er mars 2026 »)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS[day.month - 1]} {day.year}"


def _cell(value: Any) -> str:
    if is_missing(value):
        return "—"
    if isinstance(value, float):
        return fmt_number(value, 2)
    if isinstance(value, dt.date):
        return french_date(value if not isinstance(value, dt.datetime) else value.date())
    return str(value)


def _sender(profile) -> tuple[str, list[str]]:
    if profile is None:
        return "L'établissement public de coopération intercommunale", []
    return profile.organisation, list(profile.contact_lines())


def letter_content(recipient: dict, plots: list[dict], period: tuple[dt.date, dt.date], *,
                   profile=None, letter_date: dt.date | None = None) -> dict:
    """The consultation letter of one owner or occupant, as data.

    Parameters
    ----------
    recipient : dict
        ``recipient_id``, ``recipient_kind`` (``owner`` / ``occupant``), ``recipient_name`` and
        optionally ``address``.
    plots : list of dict
        Their land units: ``plot_id``, ``site_name``, ``cadastral_refs``, ``area_ha``,
        ``occupancy``, ``legally_vacant`` (bool).
    period : (date, date)
        The consultation's start and end (start + 30 days).
    profile : TerritoryProfile, optional
        The sender (organisation, contact lines); else a neutral sender.
    """
    organisation, contact = _sender(profile)
    start, end = period
    role = "propriétaire" if recipient["recipient_kind"] == "owner" else "occupant"
    rows = [[p["plot_id"], _cell(p.get("site_name")), _cell(p.get("cadastral_refs")),
             _cell(p.get("area_ha")), _cell(p.get("occupancy") or _OCCUPANCY_NONE),
             "oui" if p.get("legally_vacant") else "non"] for p in plots]
    day = letter_date or start
    return {
        "title": "Consultation sur l'inventaire des zones d'activité économique",
        "sender": [organisation, *contact[1:]],
        "recipient": [recipient["recipient_name"], *([recipient["address"]]
                                                      if recipient.get("address") else [])],
        "date": f"Le {french_date(day)}",
        "paragraphs": [
            "Madame, Monsieur,",
            f"En application de l'article L318-8-2 du code de l'urbanisme, {organisation} "
            "établit l'inventaire des zones d'activité économique de son territoire. Vous êtes "
            f"{role} des unités foncières ci-dessous ; nous vous invitons à vérifier les "
            "informations qui vous concernent.",
        ],
        "tables": [{"caption": "Vos unités foncières dans l'inventaire",
                    "header": ["Unité foncière", "Zone", "Références cadastrales",
                               "Surface (ha)", "Occupation", "Vacante (art. L318-8-2)"],
                    "rows": rows}],
        "closing": [
            f"La consultation est ouverte du {french_date(start)} au {french_date(end)}. Vous "
            "disposez de trente jours pour nous faire part de vos observations ou de vos "
            "corrections, par courrier ou par courriel"
            + (" : " + ", ".join(contact[1:]) if contact[1:] else "") + ".",
            "Sans réponse de votre part à cette date, ces informations seront considérées comme "
            "exactes et l'inventaire pourra être arrêté.",
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
            organisation,
        ],
    }


def adopted_content(site: dict, plots: list[dict], occupants: list[dict], vacancy, *,
                    adopted_on: dt.date, next_due: dt.date, fingerprint: str,
                    profile=None) -> dict:
    """The adopted inventory of one zone, as data (plot statement, occupants, vacancy rate).

    ``plots`` rows carry ``plot_id``, ``cadastral_refs``, ``area_ha`` and ``owners`` (text);
    ``occupants`` the ``occupants`` table's rows; ``vacancy`` a
    :class:`~foncier.legal.vacancy.VacancyRate`.
    """
    organisation, _ = _sender(profile)
    rate = "—" if vacancy is None or vacancy.rate_pct is None else \
        f"{fmt_number(vacancy.rate_pct, 1)}\u00a0%"
    vacant = "" if vacancy is None else (
        f" ({len(vacancy.vacant_ids)} unité(s) vacante(s) sur {vacancy.units}, année "
        f"d'imposition {vacancy.tax_year})")
    name = site.get("name") or site["site_id"]
    return {
        "title": f"Inventaire de la zone d'activité économique « {name} »",
        "sender": [organisation],
        "recipient": [],
        "date": f"Inventaire arrêté le {french_date(adopted_on)}",
        "paragraphs": [
            "Inventaire établi en application de l'article L318-8-2 du code de l'urbanisme.",
            f"Taux de vacance de la zone : {rate}{vacant}.",
            f"Prochaine mise à jour au plus tard le {french_date(next_due)}.",
        ],
        "tables": [
            {"caption": "État parcellaire des unités foncières",
             "header": ["Unité foncière", "Références cadastrales", "Surface (ha)",
                        "Propriétaire(s)"],
             "rows": [[p["plot_id"], _cell(p.get("cadastral_refs")), _cell(p.get("area_ha")),
                       _cell(p.get("owners"))] for p in plots]},
            {"caption": "Occupants de la zone",
             "header": ["SIRET", "Établissement", "Code NAF", "Unité foncière", "Adresse"],
             "rows": [[o["siret"], _cell(o.get("etab_nom")), _cell(o.get("etab_activite_code")),
                       _cell(o.get("terr_id")), _cell(o.get("etab_adresse"))]
                      for o in occupants]},
        ],
        "closing": [f"Empreinte de l'inventaire adopté : {fingerprint}"],
    }


_CSS = ("body{font-family:sans-serif;font-size:11pt;margin:2cm;color:#222}"
        "table{border-collapse:collapse;width:100%;margin:1em 0}"
        "th,td{border:1px solid #999;padding:3px 6px;text-align:left}"
        "th{background:#eee}.who{margin-bottom:1.5em}.date{text-align:right}")


def table_rows_html(table: dict, cell: Callable[[Any], str] | None = None) -> list[str]:
    """A document table's body as HTML rows, one ``<tr>`` line a row; « aucun » when empty.

    Parameters
    ----------
    table : dict
        A table of a document's content (``header`` and ``rows`` of text cells).
    cell : callable, optional
        A cell's markup (``<td>`` with its text escaped); by default a plain ``<td>``.

    Returns
    -------
    list of str
    """
    def plain(c: Any) -> str:
        return f"<td>{html.escape(c)}</td>"

    cell = cell or plain
    rows = ["<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in table["rows"]]
    return rows or [f'<tr><td colspan="{len(table["header"])}">aucun</td></tr>']


def to_html(content: dict) -> str:
    """A document's content as a standalone HTML page (text escaped)."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="fr"><head><meta charset="utf-8">',
             f"<title>{e(content['title'])}</title><style>{_CSS}</style></head><body>"]
    if content.get("sender"):
        parts.append('<div class="who">' + "<br>".join(e(x) for x in content["sender"])
                     + "</div>")
    if content.get("recipient"):
        parts.append('<div class="who" style="margin-left:55%">'
                     + "<br>".join(e(x) for x in content["recipient"]) + "</div>")
    if content.get("date"):
        parts.append(f'<p class="date">{e(content["date"])}</p>')
    parts.append(f"<h1>{e(content['title'])}</h1>")
    parts += [f"<p>{e(p)}</p>" for p in content["paragraphs"]]
    for table in content["tables"]:
        parts.append(f"<table><caption>{e(table['caption'])}</caption><tr>"
                     + "".join(f"<th>{e(h)}</th>" for h in table["header"]) + "</tr>")
        parts += table_rows_html(table)
        parts.append("</table>")
    parts += [f"<p>{e(p)}</p>" for p in content.get("closing", [])]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_html(content: dict, path: str | os.PathLike) -> None:
    """Write a document as HTML, atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(to_html(content), encoding="utf-8")


def adopted_xlsx(content: dict, path: str | os.PathLike) -> None:
    """Write the adopted inventory of a zone as XLSX: a sheet « Zone », then one per table."""
    import openpyxl  # loaded when first used (0.1 s: the app's start imports this module)
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Zone"
    for line in [content["title"], content["date"], *content["paragraphs"],
                 *content.get("closing", [])]:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    for table, title in zip(content["tables"], ("État parcellaire", "Occupants"), strict=False):
        ws = book.create_sheet(title)
        ws.append(table["header"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            ws.append(row)
    with atomic_write(path) as tmp:
        book.save(tmp)
