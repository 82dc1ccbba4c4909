"""The audit trail: what produced a result, recorded in every output.

:func:`audit_record` gathers, for one or more briefs matched against one or more inventories:

- ``foncier_version``: the installed foncier's version;
- ``created``: the date and time of the run (ISO 8601, local time with its UTC offset);
- ``on``: the match day given to :func:`foncier.match`, if any (ISO date; absent: the day of the
  run);
- ``inventories``: per inventory its ``source`` (the file or the database URL without password;
  ``en mémoire`` for layers built in memory) and a ``fingerprint`` of its content
  (:func:`foncier.io.fingerprint.fingerprint_file` for a file, ``file-…``;
  :func:`foncier.io.fingerprint.fingerprint_layers` for a database or layers in memory);
- ``briefs``: per brief its ``name``, the whole brief as TOML (``toml``,
  :func:`foncier.core.brief.brief_to_toml`: :func:`foncier.read_brief` reads it back) and the
  ``weights`` actually used (:func:`foncier.core.scoring.score_weights`: the defaults completed
  by the brief's ``[weights]``).

The record is a plain JSON-ready dict. The writers put it in their files
(:func:`foncier.io.results.write_table` ``audit=``; :func:`foncier.analysis.batch.write_batch`):
a « Paramètres » sheet in XLSX, a ``foncier_audit`` table in a GeoPackage, a ``foncier_audit``
foreign member in GeoJSON. A CSV stays a plain table: :func:`audit_to_toml` gives the record as
a TOML sidecar (``foncier match … --out r.csv --audit r.audit.toml``). :func:`audit_footer` is the
one-line French footer for PDF and HTML reports.

A result can be checked months later: same version, same fingerprint of the inventory, same brief
and weights give the same table.

Examples
--------
>>> import datetime as dt, foncier, tomllib
>>> inv = foncier.open_inventory()
>>> rec = audit_record(inv, foncier.Brief(name="Atelier", min_area_ha=2),
...                    now=dt.datetime(2026, 3, 5, 14, 32, tzinfo=dt.timezone.utc))
>>> rec["created"], rec["inventories"][0]["fingerprint"].startswith("file-")
('2026-03-05T14:32:00+00:00', True)
>>> rec["briefs"][0]["weights"]["area"]
1.0
>>> foncier.core.brief.brief_from_dict(tomllib.loads(rec["briefs"][0]["toml"])).min_area_ha
2.0
>>> tomllib.loads(audit_to_toml(rec))["briefs"][0]["name"]
'Atelier'
>>> audit_footer(rec)  # doctest: +ELLIPSIS
'Produit par foncier ... le 05/03/2026 à 14:32 — inventaire ... — projet « Atelier »'
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from foncier.core.brief import Brief, brief_to_toml
from foncier.core.inventory import Inventory
from foncier.core.matching import MatchResult
from foncier.core.scoring import score_weights
from foncier.io.fingerprint import fingerprint_file, fingerprint_layers

__all__ = ["audit_record", "audit_to_toml", "audit_footer", "write_audit", "inventory_audit",
           "IN_MEMORY"]

#: The ``source`` of an inventory built in memory.
IN_MEMORY = "en mémoire"


def _version() -> str:
    import foncier

    return str(foncier.__version__)


def inventory_audit(inventory: Inventory) -> dict[str, str]:
    """An inventory's ``source`` and content ``fingerprint``.

    A file (GeoPackage) is fingerprinted by its bytes, anything else (a database, layers in
    memory) by its layers' content.
    """
    location = inventory.location
    if location and "://" not in location and Path(location).is_file():
        fingerprint = fingerprint_file(location)
    else:
        fingerprint = fingerprint_layers(inventory.layers())
    return {"source": inventory.source or IN_MEMORY, "fingerprint": fingerprint}


def _brief_audit(brief: Brief) -> dict[str, Any]:
    return {"name": brief.name, "toml": brief_to_toml(brief),
            "weights": {k: float(v) for k, v in score_weights(brief).items()}}


def audit_record(inventories: Inventory | MatchResult | Sequence[Inventory],
                 briefs: Brief | Iterable[Brief] | None = None, *, on: dt.date | None = None,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """The audit record of a run: version, date and time, inventories, briefs and weights.

    Parameters
    ----------
    inventories : Inventory, MatchResult or sequence of Inventory
        What was matched; a :class:`MatchResult` gives its inventory, its brief and its ``on``.
    briefs : Brief or iterable of Brief, optional
        The briefs (required unless ``inventories`` is a :class:`MatchResult`).
    on : date, optional
        The match day given to the matching, if any.
    now : datetime, optional
        The time of the run (now by default, local time).

    Returns
    -------
    dict
        JSON-ready: ``foncier_version``, ``created``, (``on``), ``inventories`` (list of
        ``source``, ``fingerprint``), ``briefs`` (list of ``name``, ``toml``, ``weights``).
    """
    if isinstance(inventories, MatchResult):
        result = inventories
        inventories = [result.inventory]
        briefs = [result.brief] if briefs is None else briefs
        on = result.on if on is None else on
    elif isinstance(inventories, Inventory):
        inventories = [inventories]
    if briefs is None:
        raise ValueError("audit_record : briefs= est requis sans résultat de correspondance")
    briefs = [briefs] if isinstance(briefs, Brief) else list(briefs)
    now = now or dt.datetime.now().astimezone()
    record: dict[str, Any] = {"foncier_version": _version(),
                              "created": now.isoformat(timespec="seconds")}
    if on is not None:
        record["on"] = on.isoformat()
    record["inventories"] = [inventory_audit(inv) for inv in inventories]
    record["briefs"] = [_brief_audit(b) for b in briefs]
    return record


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a valid TOML basic string


def audit_to_toml(record: dict[str, Any]) -> str:
    """The record as TOML (a sidecar for a CSV): top-level keys, then ``[[inventories]]`` and
    ``[[briefs]]`` tables (each brief's ``[briefs.weights]``)."""
    lines = [f"{k} = {_toml(v)}" for k, v in record.items() if not isinstance(v, list | dict)]
    for inv in record.get("inventories", []):
        lines += ["", "[[inventories]]", *(f"{k} = {_toml(v)}" for k, v in inv.items())]
    for brief in record.get("briefs", []):
        lines += ["", "[[briefs]]"]
        lines += [f"{k} = {_toml(v)}" for k, v in brief.items() if not isinstance(v, dict)]
        lines += ["", "[briefs.weights]",
                  *(f"{k} = {_toml(v)}" for k, v in brief.get("weights", {}).items())]
    return "\n".join(lines) + "\n"


def write_audit(record: dict[str, Any], path: str | Path) -> Path:
    """Write the record as TOML (atomic), e.g. beside a CSV."""
    from foncier.io.atomic import atomic_write

    path = Path(path)
    with atomic_write(path) as tmp:
        tmp.write_text(audit_to_toml(record), encoding="utf-8")
    return path


def audit_footer(record: dict[str, Any]) -> str:
    """One line in French for a report's footer.

    « Produit par foncier 0.1.0 le 05/03/2026 à 14:32 — inventaire exemple.gpkg (empreinte
    file-1a2b3c4d…) — projet « Atelier » ».
    """
    when = dt.datetime.fromisoformat(record["created"])
    parts = [f"Produit par foncier {record['foncier_version']} le {when:%d/%m/%Y} à "
             f"{when:%H:%M}"]
    for inv in record.get("inventories", []):
        name = inv["source"] if "://" in inv["source"] else Path(inv["source"]).name
        parts.append(f"inventaire {name} (empreinte {inv['fingerprint'][:13]}…)")
    names = [b["name"] for b in record.get("briefs", [])]
    if len(names) == 1:
        parts.append(f"projet « {names[0]} »")
    elif names:
        parts.append(f"{len(names)} projets")
    return " — ".join(parts)
