"""Edit a plot's or a zone's attributes in place, validated, recorded in the ``history`` table.

:func:`edit_plot` and :func:`edit_site` check the changed row as ``foncier validate`` does
(:func:`foncier.core.validation.check_layers`), then save it in the inventory's own store in one
transaction (GeoPackage: one SQLite transaction; PostGIS: one transaction, the row locked with
``SELECT ... FOR UPDATE``) together with one ``history`` row per changed column (layer, row id,
column, old and new value as text, when in UTC ISO 8601, by whom) and the row's ``updated_on``
(the CNIG ``terr_actu_date`` / ``site_actu_date``) set to the day of the change.

Two people editing the same plot never silently overwrite each other: the caller passes
``expected``, the values it read before editing (the form's starting values); when the stored
values differ, someone else saved in between and the save is refused with an
:class:`~foncier.errors.EditConflictError` showing that person's values.

Examples
--------
>>> import tempfile, pathlib, shapely
>>> from builders import make_layers                      # doctest: +SKIP
>>> from foncier.core.inventory import write_inventory    # doctest: +SKIP
>>> format_value(True), format_value(20.0), format_value(None)
('true', '20', None)
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from foncier.core.missing import is_missing
from foncier.core.schema import ID_COLUMNS, LAYERS, LEGAL_COLUMNS
from foncier.core.validation import check_layers, restore_stored_values
from foncier.errors import EditConflictError, InventoryError, Problem
from foncier.io.store import read_layers
from foncier.legal.store import Database, _ident, is_url, sql_value, transaction

__all__ = ["edit_plot", "edit_site", "edit_row", "EditResult", "read_history", "format_value",
           "current_user", "read_row", "editable_columns"]

#: Columns an edit never changes directly.
_FIXED = {"geometry", "area_ha", "updated_on"}


@dataclass(frozen=True)
class EditResult:
    """What an edit changed: ``(column, old, new)`` per changed column, and the warnings."""

    layer: str
    row_id: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def current_user() -> str:
    """The system user's name (``getpass.getuser()``), ``inconnu`` when it cannot be found."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def format_value(value: Any) -> str | None:
    """A value as the ``history`` table writes it (ISO dates, ``true``/``false``, ``20``)."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else repr(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()[:10]
    return str(value)


def _validated(source, layer: str, row_id: str, changes: Mapping[str, Any], schema
               ) -> tuple[dict[str, Any], list[Problem]]:
    """The changes as their column's typed values; an error names every bad value."""
    spec = _spec(layer)
    id_col = ID_COLUMNS[layer]
    unknown = [c for c in changes if c not in spec or c == id_col or c in _FIXED]
    where = f"{layer}[{row_id}]"
    if unknown:
        editable = ", ".join(c for c in spec if c != id_col and c not in _FIXED)
        raise InventoryError([Problem(layer, row_id, f"colonne « {c} » non modifiable ici "
                                      f"(colonnes modifiables : {editable}).") for c in unknown])
    layers = read_layers(source, ("sites", "plots"), schema=schema)
    if not is_url(source):
        layers = restore_stored_values(source, layers)
    frame = layers.get(layer)
    if frame is None or row_id not in set(frame[id_col].astype(str)):
        raise InventoryError([Problem(layer, row_id, f"« {row_id} » est introuvable dans la "
                                      f"couche {layer} : vérifiez l'identifiant.")],
                             source=str(where))
    frame = frame.copy()
    row = frame[id_col].astype(str) == row_id
    for col, value in changes.items():
        if col not in frame.columns:
            frame[col] = None
        frame[col] = frame[col].astype(object)
        frame.loc[row, col] = value
    layers[layer] = frame
    checked, problems = check_layers(layers, require_all=False)
    mine = [p for p in problems if p.where == layer and p.row == row_id]
    for col in changes:
        if col in LEGAL_COLUMNS[layer] and not is_missing(changes[col]):
            try:
                sql_value(changes[col], spec[col][0])
            except ValueError:
                mine.append(Problem(layer, row_id, f"{col} = « {changes[col]} » n'est pas une "
                                    "date AAAA-MM-JJ : corrigez ou videz la valeur."))
    errors = [p for p in mine if p.severity == "error"]
    if errors:
        raise InventoryError(errors)
    out = checked[layer]
    values = out.loc[out[id_col].astype(str) == row_id].iloc[0]
    typed = {c: sql_value(changes[c] if c in LEGAL_COLUMNS[layer] else values[c], spec[c][0])
             for c in changes}
    return typed, [p for p in mine if p.severity == "warning"]


def _spec(layer: str) -> dict[str, tuple[str, bool]]:
    """The columns of ``layer``: the data contract's and the legal inventory's."""
    return {**LAYERS[layer], **LEGAL_COLUMNS[layer]}


def _stored(db: Database, layer: str, id_col: str, row_id: str, cols: list[str]
            ) -> dict[str, Any]:
    """The row's stored values of ``cols`` (typed), locking it on PostGIS."""
    have = set(db.columns(layer))
    for col in cols:
        if col not in have:
            db.add_column(layer, col, _spec(layer)[col][0])
    lock = " FOR UPDATE" if db.postgis else ""
    row = db.execute(f"SELECT {', '.join(_ident(c) for c in cols)} FROM {_ident(layer)} "
                     f"WHERE {_ident(id_col)} = ?{lock}", (row_id,)).fetchone()
    if row is None:
        raise InventoryError([Problem(layer, row_id, f"« {row_id} » a été supprimé de la couche "
                                      f"{layer} entre-temps : rechargez l'inventaire.")])
    return {c: sql_value(v, _spec(layer)[c][0]) for c, v in zip(cols, row, strict=True)}


def _last_editor(db: Database, layer: str, row_id: str) -> str:
    if "history" not in db.tables():
        return ""
    row = db.execute("SELECT changed_by, changed_at FROM history WHERE layer = ? AND row_id = ? "
                     "ORDER BY fid DESC LIMIT 1", (layer, row_id)).fetchone()
    return f" (dernier enregistrement : {row[0]}, le {row[1][:16].replace('T', ' à ')} UTC)" \
        if row else ""


def _check_expected(db: Database, layer: str, row_id: str, stored: dict, expected: Mapping
                    ) -> None:
    """Refuse the save when a value read before editing has changed since (someone saved)."""
    kinds = _spec(layer)
    differ = [c for c in expected
              if sql_value(expected[c], kinds[c][0]) != stored[c]]
    if not differ:
        return
    shown = "\n".join(f"  - {c} : {format_value(stored[c]) or 'vide'} (vous aviez lu : "
                      f"{format_value(sql_value(expected[c], kinds[c][0])) or 'vide'})"
                      for c in differ)
    noun = "ce terrain" if layer == "plots" else "cette zone"
    raise EditConflictError(
        f"{layer}[{row_id}] : quelqu'un d'autre a enregistré {noun} depuis que vous l'avez "
        f"ouvert{_last_editor(db, layer, row_id)} ; votre modification est refusée et rien n'a "
        f"été changé. Ses valeurs :\n{shown}\nRechargez {noun} pour voir ses valeurs, puis "
        "refaites votre modification.", {c: stored[c] for c in differ})


def edit_row(source: str | os.PathLike, layer: str, row_id: str, changes: Mapping[str, Any], *,
             user: str | None = None, expected: Mapping[str, Any] | None = None,
             schema: str | None = None, today: dt.date | None = None) -> EditResult:
    """Change attributes of one row of ``sites`` or ``plots`` (see :func:`edit_plot`)."""
    if layer not in ("sites", "plots"):
        raise InventoryError([Problem(layer, None, "seules les couches sites et plots se "
                                      "modifient ici.")])
    row_id = str(row_id)
    typed, warnings = _validated(source, layer, row_id, changes, schema)
    id_col = ID_COLUMNS[layer]
    expected = dict(expected or {})
    bad = [c for c in expected if c not in _spec(layer)]
    if bad:
        raise InventoryError([Problem(layer, row_id, f"expected= nomme une colonne inconnue : "
                                      f"« {c} ».") for c in bad])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    by = user or current_user()
    with transaction(source, schema=schema, create=False) as db:
        cols = list(dict.fromkeys([*typed, *expected, "updated_on"]))
        stored = _stored(db, layer, id_col, row_id, cols)
        _check_expected(db, layer, row_id, stored, expected)
        changed = [(c, stored[c], v) for c, v in typed.items() if stored[c] != v]
        if not changed:
            return EditResult(layer, row_id, [], warnings)
        sets = {c: v for c, _, v in changed}
        sets["updated_on"] = today or dt.date.today()
        db.execute(f"UPDATE {_ident(layer)} SET "
                   f"{', '.join(f'{_ident(c)} = ?' for c in sets)} WHERE {_ident(id_col)} = ?",
                   [db._param(v) for v in sets.values()] + [row_id])
        db.insert("history", [{"layer": layer, "row_id": row_id, "column_name": c,
                               "old_value": format_value(old), "new_value": format_value(new),
                               "changed_at": now, "changed_by": by} for c, old, new in changed])
        db.touch(layer)
    return EditResult(layer, row_id, changed, warnings)


def edit_plot(inventory_path: str | os.PathLike, plot_id: str, changes: Mapping[str, Any], *,
              user: str | None = None, expected: Mapping[str, Any] | None = None,
              schema: str | None = None, today: dt.date | None = None) -> EditResult:
    """Change a plot's attributes in the stored inventory, validated and recorded.

    Parameters
    ----------
    inventory_path : path or ``postgresql://`` URL
        The inventory, changed in place.
    plot_id : str
    changes : mapping
        Column -> new value (a value as ``foncier validate`` reads it: ``"oui"``, ``"12,5"`` is
        refused, ``"2026-01-01"``...). ``None`` empties a value.
    user : str, optional
        Who edits, for the history (default: the system user).
    expected : mapping, optional
        The values read before editing (column -> value); when one has changed since, the save
        is refused (someone else saved in between).
    schema : str, optional
        PostGIS only: the inventory's schema.
    today : datetime.date, optional
        The date written in ``updated_on`` (default: today).

    Returns
    -------
    EditResult

    Raises
    ------
    InventoryError
        A value refused by the validation, an unknown column or plot; nothing is changed.
    EditConflictError
        Someone else saved the plot since ``expected`` was read; nothing is changed.
    """
    return edit_row(inventory_path, "plots", plot_id, changes, user=user, expected=expected,
                    schema=schema, today=today)


def edit_site(inventory_path: str | os.PathLike, site_id: str, changes: Mapping[str, Any], *,
              user: str | None = None, expected: Mapping[str, Any] | None = None,
              schema: str | None = None, today: dt.date | None = None) -> EditResult:
    """Change a zone's attributes in the stored inventory (as :func:`edit_plot` does)."""
    return edit_row(inventory_path, "sites", site_id, changes, user=user, expected=expected,
                    schema=schema, today=today)


def read_history(source: str | os.PathLike, *, schema: str | None = None) -> pd.DataFrame:
    """The ``history`` table of an inventory (empty when nothing was ever edited)."""
    from foncier.legal.store import read_table

    return read_table(source, "history", schema=schema)


def editable_columns(layer: str) -> dict[str, str]:
    """The columns an edit may change in ``layer`` (column -> type), in the contract's order."""
    id_col = ID_COLUMNS[layer]
    return {c: kind for c, (kind, _) in _spec(layer).items() if c != id_col and c not in _FIXED}


def read_row(source: str | os.PathLike, layer: str, row_id: str, *,
             schema: str | None = None) -> dict[str, Any]:
    """The stored values of one row of ``sites`` or ``plots`` (every column of the contract and
    of the legal inventory, typed; None where empty or not stored yet), as an edit form starts.

    Raises
    ------
    InventoryError
        When the row does not exist.
    """
    id_col = ID_COLUMNS[layer]
    with transaction(source, schema=schema, create=False) as db:
        have = set(db.columns(layer))
        cols = [c for c in _spec(layer) if c in have and c != "geometry"]
        row = db.execute(f"SELECT {', '.join(_ident(c) for c in cols)} FROM {_ident(layer)} "
                         f"WHERE {_ident(id_col)} = ?", (str(row_id),)).fetchone()
    if row is None:
        raise InventoryError([Problem(layer, str(row_id), f"« {row_id} » est introuvable dans "
                                      f"la couche {layer} : vérifiez l'identifiant.")])
    values = dict.fromkeys(c for c in _spec(layer) if c != "geometry")
    values.update({c: sql_value(v, _spec(layer)[c][0]) for c, v in zip(cols, row, strict=True)})
    return values
