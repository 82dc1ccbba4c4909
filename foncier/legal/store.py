"""The legal tables inside the inventory's own store, read and written in one transaction.

An inventory is a GeoPackage (an SQLite file) or a PostGIS schema; the legal tables
(:data:`~foncier.core.schema.LEGAL_TABLES`: owners, occupants, consultation, history...) have no
geometry and are kept beside its layers. :func:`transaction` opens the store once (GeoPackage:
``BEGIN IMMEDIATE``, so a second writer waits; PostGIS: one transaction in the inventory's
schema); everything done inside is committed together at the end, or not at all.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> path = pathlib.Path(tempfile.mkdtemp()) / "inv.gpkg"
>>> with transaction(path) as db:
...     db.replace_table("history", pd.DataFrame([{"layer": "plots", "row_id": "P1"}]))
>>> read_table(path, "history")[["layer", "row_id", "changed_by"]].to_dict("records")
[{'layer': 'plots', 'row_id': 'P1', 'changed_by': None}]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from foncier.core.missing import is_missing
from foncier.core.schema import LEGAL_TABLES
from foncier.errors import InventoryError, OutputError

__all__ = ["transaction", "read_table", "store_table", "is_url", "sql_value", "Database"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GPKG_TYPES = {"text": "TEXT", "real": "REAL", "bool": "BOOLEAN", "date": "DATE",
               "int": "INTEGER"}
_PG_TYPES = {"text": "text", "real": "double precision", "bool": "boolean", "date": "date",
             "int": "integer"}


def is_url(source: str | os.PathLike) -> bool:
    """Whether ``source`` is a PostGIS URL (else a GeoPackage path)."""
    return isinstance(source, str) and source.startswith(("postgresql://", "postgres://"))


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"nom de table ou de colonne refusé : {name!r}")
    return f'"{name}"'


def sql_value(value: Any, kind: str) -> Any:
    """A Python value as stored in a column of type ``kind`` (null for a missing one).

    Examples
    --------
    >>> sql_value("2024-01-01", "date"), sql_value(3, "real"), sql_value(float("nan"), "text")
    (datetime.date(2024, 1, 1), 3.0, None)
    """
    if is_missing(value):
        return None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return pd.Timestamp(str(value)).date()
    if kind == "real":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    return str(value)


class Database:
    """One open transaction on an inventory's store (see :func:`transaction`).

    Attributes
    ----------
    postgis : bool
        Whether the store is a PostGIS schema (else a GeoPackage).
    """

    def __init__(self, conn, postgis: bool):
        self.conn = conn
        self.postgis = postgis
        self.mark = "%s" if postgis else "?"

    def execute(self, query: str, params: tuple | list = ()):
        """Run ``query`` (``?`` marks the parameters, whatever the store)."""
        if self.postgis:
            query = query.replace("?", "%s")
        return self.conn.execute(query, tuple(params))

    def tables(self) -> set[str]:
        """Every table of the store (layers and legal tables)."""
        if self.postgis:
            rows = self.execute("SELECT table_name::text FROM information_schema.tables "
                                "WHERE table_schema = current_schema()").fetchall()
        else:
            rows = self.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {r[0] for r in rows}

    def columns(self, table: str) -> list[str]:
        """The columns of ``table`` (empty when it does not exist)."""
        if self.postgis:
            rows = self.execute("SELECT column_name::text FROM information_schema.columns WHERE "
                                "table_schema = current_schema() AND table_name = ? "
                                "ORDER BY ordinal_position", (table,)).fetchall()
            return [r[0] for r in rows]
        return [r[1] for r in self.execute(f"PRAGMA table_info({_ident(table)})").fetchall()]

    def add_column(self, table: str, column: str, kind: str) -> None:
        """Add a column of type ``kind`` to ``table`` (existing rows: null)."""
        types = _PG_TYPES if self.postgis else _GPKG_TYPES
        self.execute(f"ALTER TABLE {_ident(table)} ADD COLUMN {_ident(column)} {types[kind]}")

    def ensure_table(self, table: str) -> None:
        """Create the legal table ``table`` (with its columns of ``LEGAL_TABLES``) if missing."""
        spec = LEGAL_TABLES[table]
        if table in self.tables():
            have = set(self.columns(table))
            for col, (kind, _) in spec.items():
                if col not in have:
                    self.add_column(table, col, kind)
            return
        types = _PG_TYPES if self.postgis else _GPKG_TYPES
        key = "fid SERIAL PRIMARY KEY" if self.postgis else "fid INTEGER PRIMARY KEY AUTOINCREMENT"
        cols = ", ".join(f"{_ident(c)} {types[k]}" for c, (k, _) in spec.items())
        self.execute(f"CREATE TABLE {_ident(table)} ({key}, {cols})")
        if not self.postgis and "gpkg_contents" in self.tables():
            self.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                         "last_change) VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ',"
                         "'now'))", (table, table))

    def insert(self, table: str, rows: list[Mapping[str, Any]]) -> None:
        """Append rows to the legal table ``table`` (created when missing)."""
        self.ensure_table(table)
        spec = LEGAL_TABLES[table]
        cols = list(spec)
        query = (f"INSERT INTO {_ident(table)} ({', '.join(_ident(c) for c in cols)}) "
                 f"VALUES ({', '.join('?' for _ in cols)})")
        for row in rows:
            self.execute(query, [self._param(sql_value(row.get(c), spec[c][0])) for c in cols])

    def _param(self, value: Any) -> Any:
        if not self.postgis and isinstance(value, dt.date):
            return value.isoformat()
        if not self.postgis and isinstance(value, bool):
            return int(value)
        return value

    def replace_table(self, table: str, frame: pd.DataFrame) -> None:
        """Replace every row of the legal table ``table`` by those of ``frame``."""
        self.ensure_table(table)
        self.execute(f"DELETE FROM {_ident(table)}")
        self.insert(table, frame.to_dict("records"))

    def read(self, table: str) -> pd.DataFrame:
        """Every row of ``table`` (its ``LEGAL_TABLES`` columns), empty when it does not exist."""
        spec = LEGAL_TABLES[table]
        if table not in self.tables():
            return pd.DataFrame({c: pd.Series(dtype=object) for c in spec})
        self.ensure_table(table)
        cols = list(spec)
        rows = self.execute(f"SELECT {', '.join(_ident(c) for c in cols)} FROM {_ident(table)} "
                            "ORDER BY fid").fetchall()
        frame = pd.DataFrame([list(r) for r in rows], columns=cols, dtype=object)
        for col, (kind, _) in spec.items():
            if kind == "date":
                frame[col] = [None if is_missing(v) else sql_value(v, "date")
                              for v in frame[col]]
        return frame.astype(object).where(frame.notna(), None)

    def touch(self, table: str) -> None:
        """Record in ``gpkg_contents`` that ``table`` changed (GeoPackage only)."""
        if not self.postgis and "gpkg_contents" in self.tables():
            self.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ',"
                         "'now') WHERE table_name = ?", (table,))


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _gpkg_geometry(blob: bytes | None):
    """The shapely geometry of a GeoPackage geometry blob (None when null or empty)."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0x10:
        return None
    geom = shapely.from_wkb(bytes(blob[8 + _ENVELOPE_BYTES.get((flags >> 1) & 0x07, 0):]))
    return None if geom.is_empty else geom


def _gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions of the GeoPackage's R-tree triggers (GDAL's), for plain SQLite."""
    conn.create_function("ST_IsEmpty", 1, lambda b: int(_gpkg_geometry(b) is None),
                         deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        conn.create_function(
            name, 1, lambda b, i=i: None if (g := _gpkg_geometry(b)) is None else g.bounds[i],
            deterministic=True)


@contextlib.contextmanager
def transaction(source: str | os.PathLike, *, schema: str | None = None,
                create: bool = True) -> Iterator[Database]:
    """One transaction on an inventory's store: all of it is committed, or none.

    Parameters
    ----------
    source : path or ``postgresql://`` URL
        The inventory (GeoPackage file or PostGIS database).
    schema : str, optional
        PostGIS only: the inventory's schema (default: the URL's ``search_path``, else public).
    create : bool, default True
        For a path, create an empty SQLite file when missing (else: error).

    Raises
    ------
    InventoryError
        When the store cannot be opened.
    """
    if is_url(source):
        from foncier.io.postgis import _connect, _open

        with _connect(str(source)) as conn:
            _open(conn, str(source), schema, InventoryError)
            yield Database(conn, postgis=True)
        return
    path = Path(source)
    if not path.exists() and not create:
        raise InventoryError("fichier introuvable : vérifiez le chemin.", source=str(path))
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise InventoryError(f"ouverture impossible ({exc}).", source=str(path)) from None
    _gpkg_functions(conn)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield Database(conn, postgis=False)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK") if conn.in_transaction else None
        raise OutputError(f"{path} : écriture impossible ({exc}) ; rien n'a été changé.") from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def read_table(source: str | os.PathLike, table: str, *, schema: str | None = None
               ) -> pd.DataFrame:
    """The rows of a legal table of an inventory (empty when the table does not exist yet)."""
    with transaction(source, schema=schema, create=False) as db:
        return db.read(table)


def store_table(source: str | os.PathLike, table: str, frame: pd.DataFrame, *,
                schema: str | None = None) -> None:
    """Replace the legal table ``table`` of an inventory by ``frame``, in one transaction."""
    with transaction(source, schema=schema, create=False) as db:
        db.replace_table(table, frame)
