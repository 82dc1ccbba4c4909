"""The thirty-day consultation of owners and occupants on the inventory (art. L318-8-2).

:func:`start_consultation` opens it (``consultation_period``: start, end = start + 30 days) and
lists one recipient per owner (``owners.owner_id``) and per occupant (``occupants.siret``) in the
``consultation`` table, status « à envoyer »; :func:`write_letters` writes their letters (HTML,
one per recipient) and marks them « envoyé » with the letter's date; :func:`record_answer`
records an answer (« réponse reçue », or « corrigé » with the correction made);
:func:`consultation_status` sums it up (recipients without answer after the end: « sans
réponse »).

Examples
--------
>>> import datetime as dt
>>> consultation_end(dt.date(2026, 3, 1))
datetime.date(2026, 3, 31)
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from foncier.core.inventory import open_inventory
from foncier.core.missing import is_missing
from foncier.errors import LegalError, Problem
from foncier.legal.documents import letter_content, write_html
from foncier.legal.store import transaction
from foncier.legal.vacancy import is_legally_vacant

__all__ = ["CONSULTATION_DAYS", "consultation_end", "start_consultation", "write_letters",
           "record_answer", "consultation_status", "ConsultationStatus", "plot_rows"]

CONSULTATION_DAYS = 30


def consultation_end(start: dt.date) -> dt.date:
    """The consultation's last day: ``start`` + 30 days."""
    return start + dt.timedelta(days=CONSULTATION_DAYS)


def _recipients(owners: pd.DataFrame, occupants: pd.DataFrame) -> list[dict]:
    out = []
    for owner_id, group in owners.groupby("owner_id", sort=True):
        out.append({"recipient_id": str(owner_id), "recipient_kind": "owner",
                    "recipient_name": group["name"].iloc[0],
                    "plot_ids": ";".join(sorted(set(group["plot_id"]))),
                    "status": "à envoyer"})
    for siret, group in occupants.groupby("siret", sort=True):
        plots = sorted({p for p in group["terr_id"] if p})
        out.append({"recipient_id": str(siret), "recipient_kind": "occupant",
                    "recipient_name": group["etab_nom"].iloc[0], "plot_ids": ";".join(plots),
                    "status": "à envoyer"})
    return out


def start_consultation(source: str | os.PathLike, start: dt.date, *,
                       schema: str | None = None) -> tuple[dt.date, dt.date, int]:
    """Open the consultation on ``start``; returns (start, end, number of recipients).

    Raises
    ------
    LegalError
        When the inventory has neither owners nor occupants, or a consultation is open already.
    """
    with transaction(source, schema=schema, create=False) as db:
        period = db.read("consultation_period")
        if len(period):
            raise LegalError([Problem("consultation_period", None, "une consultation est déjà "
                                      f"ouverte (du {period['start_date'].iloc[0]} au "
                                      f"{period['end_date'].iloc[0]}) ; elle ne se rouvre pas.")])
        rows = _recipients(db.read("owners"), db.read("occupants"))
        if not rows:
            raise LegalError([Problem("owners", None, "aucun propriétaire ni occupant dans "
                                      "l'inventaire : importez-les d'abord.")])
        end = consultation_end(start)
        db.replace_table("consultation_period", pd.DataFrame([{"start_date": start,
                                                               "end_date": end}]))
        db.replace_table("consultation", pd.DataFrame(rows))
    return start, end, len(rows)


def plot_rows(inventory, tax_year: int) -> dict[str, dict]:
    """Plot id -> the fields letters and documents show (zone name, refs, area, vacancy)."""
    names = dict(zip(inventory.sites["site_id"], inventory.sites["name"], strict=True))
    out = {}
    for rec in inventory.plots.to_dict("records"):
        out[str(rec["plot_id"])] = {
            "plot_id": str(rec["plot_id"]), "site_id": rec.get("site_id"),
            "site_name": names.get(rec.get("site_id")), "cadastral_refs": rec.get("cadastral_refs"),
            "area_ha": round(float(rec["area_ha"]), 2), "occupancy": rec.get("occupancy"),
            "legally_vacant": is_legally_vacant(rec.get("cfe_activity_until"),
                                                rec.get("unoccupied_since"), tax_year)}
    return out


def _period(db) -> tuple[dt.date, dt.date]:
    period = db.read("consultation_period")
    if not len(period):
        raise LegalError([Problem("consultation_period", None, "aucune consultation ouverte : "
                                  "ouvrez-la d'abord (start_consultation).")])
    return period["start_date"].iloc[0], period["end_date"].iloc[0]


def write_letters(source: str | os.PathLike, out_dir: str | os.PathLike, *, profile=None,
                  letter_date: dt.date | None = None, schema: str | None = None,
                  pdf=None) -> list[Path]:
    """Write every recipient's letter (``<kind>_<recipient_id>.html``) into ``out_dir``.

    Letters not yet sent get ``letter_date`` (default: the consultation's start) and the status
    « envoyé »; the others keep theirs. ``pdf``, a function ``(content, path, profile=)``
    (the app's :func:`foncier.cli.app.write_legal_pdf`), also writes each letter as
    ``<kind>_<recipient_id>.pdf``. Returns the letters' paths (HTML, then PDF when written).
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise LegalError(f"dossier introuvable : {out}. Créez-le ou choisissez-en un autre.",
                         source="letters")
    inventory = open_inventory(source, schema=schema)
    with transaction(source, schema=schema, create=False) as db:
        start, end = _period(db)
        day = letter_date or start
        plots = plot_rows(inventory, day.year)
        addresses = dict(zip(db.read("owners")["owner_id"], db.read("owners")["address"],
                             strict=True))
        table = db.read("consultation")
        paths = []
        for i, rec in table.iterrows():
            rec = dict(rec, address=addresses.get(rec["recipient_id"])
                       if rec["recipient_kind"] == "owner" else None)
            units = [plots[p] for p in str(rec["plot_ids"] or "").split(";") if p in plots]
            content = letter_content(rec, units, (start, end), profile=profile,
                                     letter_date=day if is_missing(rec["letter_date"])
                                     else rec["letter_date"])
            path = out / f"{rec['recipient_kind']}_{rec['recipient_id']}.html"
            write_html(content, path)
            paths.append(path)
            if pdf is not None:
                paths.append(pdf(content, path.with_suffix(".pdf"), profile=profile))
            if rec["status"] == "à envoyer":
                table.at[i, "letter_date"], table.at[i, "status"] = day, "envoyé"
        db.replace_table("consultation", table)
    return paths


def record_answer(source: str | os.PathLike, recipient_id: str, answer_date: dt.date, *,
                  correction: str | None = None, schema: str | None = None) -> dict:
    """Record a recipient's answer (and the correction made, if any); returns their row."""
    with transaction(source, schema=schema, create=False) as db:
        start, _ = _period(db)
        table = db.read("consultation")
        hit = table.index[table["recipient_id"] == str(recipient_id)]
        if not len(hit):
            known = ", ".join(table["recipient_id"].astype(str)) or "aucun"
            raise LegalError([Problem("consultation", str(recipient_id), "destinataire inconnu "
                                      f"(destinataires : {known}) : vérifiez l'identifiant.")])
        if answer_date < start:
            raise LegalError([Problem("consultation", str(recipient_id), "date de réponse "
                                      f"{answer_date.isoformat()} antérieure au début de la "
                                      f"consultation ({start.isoformat()}) : corrigez-la.")])
        i = hit[0]
        table.at[i, "answer_date"] = answer_date
        table.at[i, "correction"] = correction
        table.at[i, "status"] = "corrigé" if correction else "réponse reçue"
        db.replace_table("consultation", table)
        return dict(table.loc[i])


@dataclass(frozen=True)
class ConsultationStatus:
    """Where the consultation stands on a day: its dates, days left, recipients per status."""

    start: dt.date
    end: dt.date
    days_left: int
    counts: dict[str, int]
    table: pd.DataFrame

    def lines(self) -> list[str]:
        """The summary in French, a line per fact."""
        state = (f"ouverte, {self.days_left} jour(s) restant(s)" if self.days_left > 0
                 else "close")
        return [f"Consultation du {self.start.isoformat()} au {self.end.isoformat()} : {state}.",
                *(f"  {status} : {n}" for status, n in self.counts.items())]


def consultation_status(source: str | os.PathLike, *, today: dt.date | None = None,
                        schema: str | None = None) -> ConsultationStatus:
    """The consultation's state on ``today`` (default: today)."""
    today = today or dt.date.today()
    with transaction(source, schema=schema, create=False) as db:
        start, end = _period(db)
        table = db.read("consultation")
    if today > end:
        late = table["answer_date"].map(is_missing)
        table.loc[late, "status"] = "sans réponse"
    counts = {k: int(v) for k, v in table["status"].value_counts(sort=False).items()}
    return ConsultationStatus(start, end, (end - today).days, counts, table)
