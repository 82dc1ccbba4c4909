"""A shared inventory on PostgreSQL + PostGIS.

Each layer is a table of the connection's current schema (``public`` unless the URL's ``options``
set a ``search_path``) with a ``fid`` column keeping the rows' order, typed columns (text,
double precision, bigint, boolean, date) and a ``geometry`` column with its SRID (2154 for an
inventory), indexed with GiST.

Credentials never live in the project: they come from the URL, the ``PG*`` environment variables
(``PGPASSWORD``...), ``~/.pgpass`` or a service file (``postgresql:///?service=foncier``), all
handled by libpq. Writes are transactional: every layer of one :func:`write_layers` call is
replaced in a single transaction, rolled back on any error, so the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.schema import LAYERS
from foncier.errors import InventoryError, OutputError, Problem

__all__ = ["list_layers", "read_layers", "write_layers", "safe_url"]

_PG_TYPES = {"text": "text", "real": "double precision", "bool": "boolean", "date": "date",
             "int": "bigint"}


def safe_url(url: str) -> str:
    """The URL without its password, for messages.

    Examples
    --------
    >>> safe_url("postgresql://alice:secret@db.example/foncier")
    'postgresql://alice:***@db.example/foncier'
    """
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _psycopg():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is in the postgis extra
        raise InventoryError("le module psycopg manque pour lire une base PostGIS : installez "
                             "foncier[postgis] (pip install 'psycopg[binary]').") from None
    return psycopg


@contextmanager
def _connect(url: str):
    psycopg = _psycopg()
    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InventoryError(f"connexion impossible à {safe_url(url)} ({reason}). Vérifiez "
                             "l'URL, le serveur, et le mot de passe (URL, variable PGPASSWORD, "
                             "~/.pgpass ou fichier de service).") from None
    with conn:
        yield conn


def _tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = current_schema() "
        "ORDER BY f_table_name").fetchall()
    return [r[0] for r in rows]


def _check_postgis(conn, url: str) -> None:
    ok = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
    if not ok:
        raise InventoryError(f"{safe_url(url)} : l'extension PostGIS n'est pas installée dans "
                             "cette base ; un administrateur doit lancer "
                             "« CREATE EXTENSION postgis; ».")


def list_layers(url: str) -> list[str]:
    """The layers (tables with a geometry column) of the current schema."""
    with _connect(url) as conn:
        _check_postgis(conn, url)
        return _tables(conn)


def _read_table(conn, name: str) -> gpd.GeoDataFrame:
    from psycopg import sql

    cols = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (name,)).fetchall()
    geo = conn.execute("SELECT f_geometry_column, srid FROM geometry_columns WHERE "
                       "f_table_schema = current_schema() AND f_table_name = %s",
                       (name,)).fetchone()
    gcol, srid = geo
    attrs = [(c, t) for c, t in cols if c not in (gcol, "fid")]
    order = sql.SQL("ORDER BY fid") if any(c == "fid" for c, _ in cols) else sql.SQL("")
    query = sql.SQL("SELECT {}, ST_AsBinary({}) FROM {} {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c, _ in attrs) if attrs else sql.SQL("NULL"),
        sql.Identifier(gcol), sql.Identifier(name), order)
    rows = conn.execute(query).fetchall()
    data = {}
    for i, (col, kind) in enumerate(attrs):
        values = [r[i] for r in rows]
        if kind == "boolean":
            data[col] = pd.array(values, dtype="boolean")
        elif kind in ("double precision", "real", "numeric"):
            data[col] = pd.array(values, dtype="float64") if values else np.array([], float)
        elif kind in ("bigint", "integer", "smallint"):
            data[col] = pd.array(values, dtype="Int64")
        elif kind == "date":
            data[col] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[s]")
        else:
            data[col] = pd.Series(values, dtype=object)
    wkb = np.array([bytes(r[-1]) if r[-1] is not None else None for r in rows], dtype=object)
    geoms = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    crs = f"EPSG:{srid}" if srid else None
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=crs)


def read_layers(url: str, names: Sequence[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read the named layers that exist (missing ones are left out), in one snapshot."""
    psycopg = _psycopg()
    with _connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        _check_postgis(conn, url)
        present = set(_tables(conn))
        out = {}
        for name in names:
            if name not in present:
                continue
            try:
                out[name] = _read_table(conn, name)
            except psycopg.Error as exc:
                raise InventoryError([Problem(name, None, f"table illisible ({exc}).")],
                                     source=safe_url(url)) from None
        return out


def _column_kind(layer: str, col: str, series: pd.Series) -> str:
    declared = LAYERS.get(layer, {}).get(col)
    if declared:
        return declared[0]
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_numeric_dtype(dtype):
        return "real"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    present = series.dropna()
    if len(present) and all(isinstance(v, bool | np.bool_) for v in present):
        return "bool"
    if len(present) and all(isinstance(v, dt.date) for v in present):
        return "date"
    return "text"


def _python_values(series: pd.Series, kind: str) -> list:
    if kind == "date":
        values = pd.to_datetime(series, errors="raise", format="mixed")
        return [None if pd.isna(v) else v.date() for v in values]
    out = series.astype(object).where(series.notna(), None).tolist()
    if kind == "real":
        return [None if v is None else float(v) for v in out]
    if kind == "int":
        return [None if v is None else int(v) for v in out]
    if kind == "bool":
        return [None if v is None else bool(v) for v in out]
    return [None if v is None else str(v) for v in out]


def _write_table(conn, name: str, frame: gpd.GeoDataFrame) -> None:
    from psycopg import sql

    gname = frame.geometry.name
    cols = [c for c in frame.columns if c not in (gname, "fid")]
    kinds = {c: _column_kind(name, c, frame[c]) for c in cols}
    epsg = frame.crs.to_epsg() if frame.crs is not None else 0
    srid = epsg or 0
    table = sql.Identifier(name)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
    defs = [sql.SQL("fid bigint PRIMARY KEY")]
    defs += [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_PG_TYPES[kinds[c]]))
             for c in cols]
    geom_def = sql.SQL("geometry geometry(Geometry, {})").format(sql.Literal(srid))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table,
                                                        sql.SQL(", ").join([*defs, geom_def])))
    # Rows are copied into a staging table (WKB as bytea), then ST_GeomFromWKB with the SRID.
    stage = sql.Identifier(f"_foncier_load_{name}")
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        stage, sql.SQL(", ").join([*defs, sql.SQL("wkb bytea")])))
    columns = [_python_values(frame[c], kinds[c]) for c in cols]
    wkb = shapely.to_wkb(frame.geometry.to_numpy())
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        stage, sql.SQL(", ").join([sql.Identifier("fid"), *(sql.Identifier(c) for c in cols),
                                   sql.Identifier("wkb")]))
    with conn.cursor() as cur, cur.copy(copy) as cp:
        for i in range(len(frame)):
            cp.write_row([i + 1, *(col[i] for col in columns), wkb[i]])
    select = [sql.SQL("fid"), *(sql.Identifier(c) for c in cols),
              sql.SQL("ST_GeomFromWKB(wkb, {})").format(sql.Literal(srid))]
    conn.execute(sql.SQL("INSERT INTO {} SELECT {} FROM {} ORDER BY fid").format(
        table, sql.SQL(", ").join(select), stage))
    conn.execute(sql.SQL("CREATE INDEX {} ON {} USING GIST (geometry)").format(
        sql.Identifier(f"{name}_geometry_idx"), table))


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], url: str) -> None:
    """Replace the given layers in the database, in one transaction.

    Layers not given are left untouched. On any error (a value of the wrong type, a lost
    connection...) the transaction is rolled back: no table is changed.

    Raises
    ------
    OutputError
        Naming the layer that failed; the database is as it was.
    """
    psycopg = _psycopg()
    current = None
    try:
        with _connect(url) as conn:
            _check_postgis(conn, url)
            for name, frame in layers.items():
                current = name
                if not isinstance(frame, gpd.GeoDataFrame):
                    frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
                _write_table(conn, name, frame)
    except (psycopg.Error, ValueError, TypeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OutputError(f"{safe_url(url)} : écriture de la couche « {current} » impossible "
                          f"({reason}) ; transaction annulée, la base est inchangée.") from None
    except InventoryError as exc:
        raise OutputError(str(exc)) from None

