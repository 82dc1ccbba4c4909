"""The adopted inventory: a snapshot kept as adopted, its documents, the next legal update.

:func:`adopt` copies the inventory's layers and its owners and occupants into a separate
GeoPackage beside it (``<inventory>_adopte_<AAAA-MM-JJ>.gpkg``, or in ``out_dir``), computes its
fingerprint (:func:`foncier.io.fingerprint.fingerprint_layers`), records the adoption in the
inventory's ``adoptions`` table and writes, from the snapshot, one document per zone (HTML and
XLSX): the plot statement (unit, cadastral references, area, owners), the occupants, the legal
vacancy rate and the date of adoption. Later edits change the inventory, never the snapshot nor
its documents. The inventory is to be updated at least every six years:
:func:`next_update_due`.

Examples
--------
>>> import datetime as dt
>>> six_years_after(dt.date(2026, 3, 2)), six_years_after(dt.date(2024, 2, 29))
(datetime.date(2032, 3, 2), datetime.date(2030, 2, 28))
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from foncier.core.inventory import open_inventory, write_inventory
from foncier.errors import LegalError, Problem
from foncier.io.fingerprint import fingerprint_layers
from foncier.legal.consultation import plot_rows
from foncier.legal.documents import adopted_content, adopted_xlsx, write_html
from foncier.legal.store import is_url, read_table, transaction
from foncier.legal.vacancy import legal_vacancy

__all__ = ["Adoption", "adopt", "next_update_due", "six_years_after", "write_adopted_documents"]

UPDATE_YEARS = 6


def six_years_after(day: dt.date) -> dt.date:
    """``day`` six years later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + UPDATE_YEARS)
    except ValueError:
        return day.replace(year=day.year + UPDATE_YEARS, day=28)


@dataclass(frozen=True)
class Adoption:
    """An adoption: its date, snapshot, fingerprint, next legal update and documents."""

    adopted_on: dt.date
    snapshot: Path
    fingerprint: str
    next_update_due: dt.date
    documents: list[Path] = field(default_factory=list)


def _snapshot_layers(inventory, owners: pd.DataFrame, occupants: pd.DataFrame) -> dict:
    layers = {k: v for k, v in inventory.layers().items()}
    return layers, {"owners": owners, "occupants": occupants}


def adopt(source: str | os.PathLike, adopted_on: dt.date, *, out_dir: str | os.PathLike | None
          = None, profile=None, schema: str | None = None, pdf=None) -> Adoption:
    """Adopt the inventory on ``adopted_on``: snapshot, fingerprint, record, documents.

    ``pdf``, a function ``(content, path, profile=)`` (the app's
    :func:`foncier.cli.app.write_legal_pdf`), also writes each zone's document as PDF.

    Raises
    ------
    LegalError
        When a snapshot of that day exists already, or a PostGIS inventory is given no
        ``out_dir``.
    """
    if out_dir is None and is_url(source):
        raise LegalError([Problem("adoptions", None, "out_dir= est nécessaire pour adopter un "
                                  "inventaire en base PostGIS (dossier de l'instantané).")])
    folder = Path(out_dir) if out_dir is not None else Path(source).parent
    stem = "inventaire" if is_url(source) else Path(source).stem
    snapshot = folder / f"{stem}_adopte_{adopted_on.isoformat()}.gpkg"
    if snapshot.exists():
        raise LegalError([Problem("adoptions", adopted_on.isoformat(), f"{snapshot} existe "
                                  "déjà : un inventaire adopté ne se remplace pas.")])
    inventory = open_inventory(source, schema=schema)
    owners = read_table(source, "owners", schema=schema)
    occupants = read_table(source, "occupants", schema=schema)
    layers, tables = _snapshot_layers(inventory, owners, occupants)
    fingerprint = fingerprint_layers({**{k: v.drop(columns="area_ha", errors="ignore")
                                         for k, v in layers.items()}, **tables})
    write_inventory(layers, snapshot)
    with transaction(snapshot) as db:
        for name, frame in tables.items():
            db.replace_table(name, frame)
    due = six_years_after(adopted_on)
    with transaction(source, schema=schema, create=False) as db:
        db.insert("adoptions", [{"adopted_on": adopted_on, "snapshot": str(snapshot),
                                 "fingerprint": fingerprint, "next_update_due": due}])
    docs = write_adopted_documents(snapshot, folder, adopted_on=adopted_on,
                                   fingerprint=fingerprint, profile=profile, pdf=pdf)
    return Adoption(adopted_on, snapshot, fingerprint, due, docs)


def write_adopted_documents(snapshot: str | os.PathLike, out_dir: str | os.PathLike, *,
                            adopted_on: dt.date, fingerprint: str, profile=None,
                            pdf=None) -> list[Path]:
    """From an adopted snapshot, one HTML and one XLSX document per zone; returns their paths.

    ``pdf``, a function ``(content, path, profile=)``, also writes each document as PDF.
    """
    inventory = open_inventory(snapshot)
    owners = read_table(snapshot, "owners")
    occupants = read_table(snapshot, "occupants")
    plots = plot_rows(inventory, adopted_on.year)
    rates = legal_vacancy(inventory.plots, adopted_on.year)
    names = {}
    for rec in owners.to_dict("records"):
        names.setdefault(rec["plot_id"], []).append(rec["name"])
    out = []
    for site in inventory.sites.to_dict("records"):
        sid = str(site["site_id"])
        units = [dict(p, owners=", ".join(names.get(pid, [])) or None)
                 for pid, p in plots.items() if p["site_id"] == sid]
        ids = {u["plot_id"] for u in units}
        occ = [o for o in occupants.to_dict("records") if o.get("terr_id") in ids]
        content = adopted_content(site, units, occ, rates.get(sid), adopted_on=adopted_on,
                                  next_due=six_years_after(adopted_on), fingerprint=fingerprint,
                                  profile=profile)
        base = Path(out_dir) / f"inventaire_adopte_{sid}_{adopted_on.isoformat()}"
        write_html(content, base.with_suffix(".html"))
        adopted_xlsx(content, base.with_suffix(".xlsx"))
        out += [base.with_suffix(".html"), base.with_suffix(".xlsx")]
        if pdf is not None:
            out.append(pdf(content, base.with_suffix(".pdf"), profile=profile))
    return out


def next_update_due(inventory: str | os.PathLike, *, schema: str | None = None
                    ) -> dt.date | None:
    """The date of the next legal update: last adoption + 6 years (None if never adopted)."""
    adoptions = read_table(inventory, "adoptions", schema=schema)
    if not len(adoptions):
        return None
    return six_years_after(max(adoptions["adopted_on"]))
