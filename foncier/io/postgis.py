"""A shared inventory on PostgreSQL + PostGIS.

An inventory lives in one schema of the database, the *target*: the one named by ``schema=``,
else the first schema of the connection's ``search_path`` (libpq ``options=-csearch_path=...``
in the URL, ``PGOPTIONS``, or a role setting), else ``public``. Reading and writing touch that
schema only: every statement names its tables with the schema (quoted identifiers), so tables of
the same names in any other schema are never read, replaced or dropped. A write creates the
schema when it is missing. PostGIS may be installed in another schema (``public`` usually): its
schema is looked up in ``pg_extension`` and each transaction searches ``target, postgis schema``.

Each layer is a table with a ``fid`` primary key keeping the rows' order, typed columns (text,
double precision, bigint, boolean, date) and a ``geometry`` column typed with its SRID
(``geometry(MultiPolygon, 2154)`` for the polygon layers, ``geometry(Point, 2154)`` for
``infrastructure``), indexed with GiST. The id column of each inventory layer (``site_id``,
``plot_id``...) is ``UNIQUE NOT NULL``, and ``plots.site_id`` references ``sites.site_id``
(null allowed): the database itself refuses a duplicate id or a plot of an unknown site.
A layer is read in one ``COPY … TO STDOUT`` (CSV, the geometry as hex WKB) parsed by Arrow,
column by column with its type: no Python object per value (100,000 plots in 0.6 s instead
of 1.0 s row by row); a table with a column of another type is read row by row.

Credentials never live in the project: they come from the URL, the ``PG*`` environment variables
(``PGPASSWORD``...), ``~/.pgpass`` or a service file (``postgresql:///?service=foncier``), all
handled by libpq. Writes are transactional: every layer of one :func:`write_layers` call is
replaced in a single transaction, rolled back on any error, so the database is left as it was.

Examples
--------
>>> safe_url("postgresql://alice:secret@db.example/foncier")
'postgresql://alice:***@db.example/foncier'
>>> with_schema("postgresql://db.example/foncier", "epci_a")
'postgresql://db.example/foncier?options=-csearch_path%3Depci_a'
>>> parse_search_path('"$user", public, "Epci B"')
['$user', 'public', 'Epci B']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from foncier.core.schema import GEOMETRY_TYPES, ID_COLUMNS, LAYERS
from foncier.errors import InventoryError, OutputError, Problem

__all__ = ["list_layers", "read_layers", "write_layers", "safe_url", "with_schema",
           "parse_search_path"]

_PG_TYPES = {"text": "text", "real": "double precision", "bool": "boolean", "date": "date",
             "int": "bigint"}
#: Column type of a layer's geometry by the family its features have (shapely type ids).
_POLYGONS, _POINTS, _LINES = {3, 6}, {0}, {1, 5}
#: Layers written first (referenced) and dropped last (referencing) come first here.
_WRITE_ORDER = {"sites": 0, "plots": 1}
_SITE_FK = "plots_site_id_fkey"


def safe_url(url: str) -> str:
    """The URL without its password, for messages.

    Examples
    --------
    >>> safe_url("postgresql://alice:secret@db.example/foncier")
    'postgresql://alice:***@db.example/foncier'
    """
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _quote_ident(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def with_schema(url: str, schema: str | None) -> str:
    """The URL with its ``search_path`` set to ``schema`` (other libpq options are kept).

    A way to carry the target schema inside the URL (the command line's choice of schema does
    this). ``None`` or an empty name leaves the URL as it is.

    Examples
    --------
    >>> with_schema("postgresql://h/db?options=-csearch_path%3Dold,public&sslmode=require", "new")
    'postgresql://h/db?sslmode=require&options=-csearch_path%3Dnew'
    >>> with_schema("postgresql://h/db", "EPCI Nord")
    'postgresql://h/db?options=-csearch_path%3D%22EPCI%5C%20Nord%22'
    """
    if not schema:
        return url
    parts = urlsplit(url)
    pairs = [tuple(item.split("=", 1)) if "=" in item else (item, "")
             for item in parts.query.split("&") if item]
    options = " ".join(unquote(v) for k, v in pairs if k == "options")
    options = re.sub(r"(?:^|\s)(?:-c\s*|--)search_path=(?:\\.|\S)*", "", options).strip()
    value = _quote_ident(schema).replace("\\", "\\\\").replace(" ", "\\ ")
    options = f"{options} -csearch_path={value}".strip()
    kept = [f"{k}={v}" if v or k else k for k, v in pairs if k != "options"]
    query = "&".join([*kept, f"options={quote(options, safe='')}"])
    return urlunsplit(parts._replace(query=query))


def parse_search_path(text: str) -> list[str]:
    """The schema names of a ``search_path`` setting, unquoted, in order.

    Examples
    --------
    >>> parse_search_path("epci2,public")
    ['epci2', 'public']
    >>> parse_search_path('"$user", Public, "a""b"')
    ['$user', 'public', 'a"b']
    """
    names = []
    for item in re.findall(r'\s*("(?:[^"]|"")*"|[^,\s][^,]*?)\s*(?:,|$)', text):
        if item.startswith('"'):
            names.append(item[1:-1].replace('""', '"'))
        else:
            names.append(item.lower())
    return names


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
        raise _error(InventoryError, url, f"connexion impossible ({_first_line(exc)}). "
                     "Vérifiez l'URL, le serveur, et le mot de passe (URL, variable PGPASSWORD, "
                     "~/.pgpass ou fichier de service).") from None
    with conn:
        yield conn


def _error(kind: type[Exception], url: str, message: str) -> Exception:
    """An :class:`InventoryError` or :class:`OutputError` about the database ``url``."""
    if kind is InventoryError:
        return InventoryError([Problem(safe_url(url), None, message)])
    return kind(f"{safe_url(url)} : {message}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _schema_exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone() \
        is not None


def _target_schema(conn, schema: str | None) -> str:
    """``schema`` if given, else the first schema of the search_path, else ``public``.

    ``$user`` counts only when a schema of that name exists (as PostgreSQL does); the system
    schemas (``pg_catalog``, ``pg_temp``) never do.
    """
    if schema:
        return schema
    setting = conn.execute("SELECT current_setting('search_path')").fetchone()[0]
    for name in parse_search_path(setting or ""):
        if name == "$user":
            user = conn.execute("SELECT session_user").fetchone()[0]
            if _schema_exists(conn, user):
                return user
            continue
        if name.startswith("pg_"):
            continue
        return name
    return "public"


def _postgis_schema(conn, url: str, error: type[Exception]) -> str:
    """The schema of the postgis extension; a clear French error when it is not installed."""
    row = conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                       "ON n.oid = e.extnamespace WHERE e.extname = 'postgis'").fetchone()
    if row and not conn.execute("SELECT has_schema_privilege(%s, 'USAGE')", (row[0],)
                                ).fetchone()[0]:
        user = conn.execute("SELECT current_user").fetchone()[0]
        raise _error(error, url, f"PostGIS est installé dans le schéma « {row[0]} », où le rôle "
                     f"« {user} » n'a pas accès : un administrateur doit lancer « GRANT USAGE ON "
                     f"SCHEMA {_quote_ident(row[0])} TO {_quote_ident(user)}; ».")
    if row:
        return row[0]
    db = conn.info.dbname
    available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
                             ).fetchone()
    message = (f"la base « {db} » n'a pas l'extension PostGIS, nécessaire pour y stocker un "
               "inventaire. ")
    install = (f"un superutilisateur doit l'activer dans la base « {db} » : « CREATE EXTENSION "
               f"postgis; » (par exemple psql -d {db} -c \"CREATE EXTENSION postgis;\").")
    if available:
        raise _error(error, url, message + install[0].upper() + install[1:])
    major = int(conn.info.server_version) // 10000
    raise _error(error, url, message + "PostGIS n'est pas non plus installé sur le serveur : "
                 f"installez-y le paquet postgresql-{major}-postgis-3 (Debian, Ubuntu), puis "
                 + install)


def _enter(conn, target: str, gis: str) -> None:
    """Search ``target`` then the PostGIS schema, for this transaction only."""
    from psycopg import sql

    path = sql.SQL(", ").join([sql.Identifier(target), sql.Identifier(gis)]).as_string(conn)
    conn.execute("SELECT set_config('search_path', %s, true)", (path,))


def _open(conn, url: str, schema: str | None, error: type[Exception]) -> str:
    """Resolve the target schema of a reading transaction (it must exist) and enter it."""
    target = _target_schema(conn, schema)
    gis = _postgis_schema(conn, url, error)
    if not _schema_exists(conn, target):
        rows = conn.execute("SELECT DISTINCT f_table_schema::text FROM "
                            f"{_qualified(conn, gis, 'geometry_columns')} ORDER BY 1").fetchall()
        known = ", ".join(f"« {r[0]} »" for r in rows) or "aucun"
        raise _error(error, url, f"le schéma « {target} » n'existe pas dans la base "
                     f"« {conn.info.dbname} » (schémas ayant des couches : {known}). Choisissez "
                     "le schéma avec schema= ou le search_path de l'URL "
                     "(options=-csearch_path%3Dmon_schema).")
    _enter(conn, target, gis)
    return target


def _qualified(conn, schema: str, name: str) -> str:
    from psycopg import sql

    return sql.Identifier(schema, name).as_string(conn)


def _tables(conn, schema: str) -> list[str]:
    rows = conn.execute(
        "SELECT f_table_name::text FROM geometry_columns WHERE f_table_schema = %s "
        "ORDER BY f_table_name", (schema,)).fetchall()
    return [r[0] for r in rows]


def list_layers(url: str, *, schema: str | None = None) -> list[str]:
    """The layers (tables with a geometry column) of the target schema.

    Raises
    ------
    InventoryError
        When the server is unreachable, PostGIS is missing or the schema does not exist.
    """
    with _connect(url) as conn:
        return _tables(conn, _open(conn, url, schema, InventoryError))


#: The kind (of :data:`_PG_TYPES`) of each column type a read knows: those a write makes and
#: their kin. :func:`_copied_columns` reads a table of these at once; any other type is read
#: row by row (:func:`_fetched_columns`) and kept as the driver gives it.
_KINDS = {"text": "text", "character varying": "text", "character": "text",
          "boolean": "bool", "double precision": "real", "real": "real", "numeric": "real",
          "bigint": "int", "integer": "int", "smallint": "int", "date": "date"}


def _read_table(conn, schema: str, name: str) -> gpd.GeoDataFrame:
    from psycopg import sql

    cols = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, name)).fetchall()
    geo = conn.execute("SELECT f_geometry_column, srid FROM geometry_columns WHERE "
                       "f_table_schema = %s AND f_table_name = %s", (schema, name)).fetchone()
    gcol, srid = geo
    attrs = [(c, t) for c, t in cols if c not in (gcol, "fid")]
    order = sql.SQL("ORDER BY fid") if any(c == "fid" for c, _ in cols) else sql.SQL("")
    wkb = sql.SQL("ST_AsBinary({})").format(sql.Identifier(gcol))

    def select(geometry):
        return sql.SQL("SELECT {}, {} FROM {} {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c, _ in attrs) if attrs else sql.SQL("NULL"),
            geometry, sql.Identifier(schema, name), order)

    kinds = [_KINDS.get(t) for _, t in attrs]
    columns = None
    if attrs and None not in kinds and conn.info.encoding == "utf-8":
        columns = _copied_columns(conn, select(sql.SQL("encode({}, 'hex')").format(wkb)), kinds)
    if columns is None:
        columns = _fetched_columns(conn, select(wkb), kinds)
    *data, blobs = columns
    geoms = shapely.from_wkb(blobs) if len(blobs) else np.array([], dtype=object)
    crs = f"EPSG:{srid}" if srid else None
    return gpd.GeoDataFrame(dict(zip((c for c, _ in attrs), data, strict=True)),
                            geometry=list(geoms), crs=crs)


def _copied_columns(conn, query, kinds: list[str]) -> list | None:
    """The columns of ``query`` (its attributes of these ``kinds``, then its geometry as hex
    WKB) read at once: ``COPY … TO STDOUT`` as CSV parsed by Arrow with each column's type, no
    Python object per value, the hex decoded in one call; made as :func:`_fetched_columns`
    makes them. None when Arrow cannot read a value (a date in another ``DateStyle``, a number
    it does not parse) or there is no row: the caller reads the rows one by one instead.

    In PostgreSQL's CSV a null is an unquoted empty field and an empty text a quoted one,
    which Arrow tells apart (``quoted_strings_can_be_null=False``).
    """
    import binascii
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv
    from psycopg import sql

    from foncier.core.missing import arrow_text_objects

    out = io.BytesIO()
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(
            query)) as copy:
        for chunk in copy:
            out.write(chunk)
    if not out.tell():
        return None
    arrow_type = {"text": pa.string(), "bool": pa.bool_(), "real": pa.float64(),
                  "int": pa.int64(), "date": pa.date32()}
    names = [f"c{i}" for i in range(len(kinds) + 1)]
    types = {n: arrow_type[k] for n, k in zip(names, kinds, strict=False)}
    types[names[-1]] = pa.large_string()
    try:
        table = pcsv.read_csv(
            pa.py_buffer(out.getbuffer()),
            read_options=pcsv.ReadOptions(column_names=names),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=True,
                quoted_strings_can_be_null=False, true_values=["t"], false_values=["f"]))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    nullable = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype()}.get
    columns = []
    for n, kind in zip(names, kinds, strict=False):
        arrow = table.column(n).combine_chunks()
        if kind in ("bool", "int"):
            columns.append(arrow.to_pandas(types_mapper=nullable).array)
        elif kind == "real":
            columns.append(arrow.to_numpy(zero_copy_only=False))
        elif kind == "date":
            columns.append(arrow.cast(pa.timestamp("s")).to_pandas())
        else:
            columns.append(pd.Series(arrow_text_objects(arrow), dtype=object))
    hexed = table.column(names[-1]).combine_chunks()
    validity, offsets, data = hexed.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[:hexed.offset + len(hexed) + 1]
    raw = binascii.unhexlify(memoryview(data)[:bounds[-1]]) if data is not None else b""
    blobs = pa.Array.from_buffers(pa.large_binary(), len(hexed), [
        validity, pa.py_buffer(bounds // 2), pa.py_buffer(raw)], offset=hexed.offset)
    columns.append(blobs.to_numpy(zero_copy_only=False))
    return columns


def _fetched_columns(conn, query, kinds: list[str | None]) -> list:
    """The columns of ``query`` from its rows fetched as Python values: one per attribute of
    these ``kinds`` (a pandas array or Series; None: as the driver gives them), then the WKB
    (bytes, None)."""
    rows = conn.execute(query).fetchall()
    # The rows' values as columns, transposed at once (not a list per column made row by row).
    values_of = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * (len(kinds) + 1)
    columns = []
    for kind, values in zip(kinds, values_of, strict=False):
        if kind == "bool":
            columns.append(pd.array(values, dtype="boolean"))
        elif kind == "real":
            columns.append(pd.array(values, dtype="float64") if values else np.array([], float))
        elif kind == "int":
            columns.append(pd.array(values, dtype="Int64"))
        elif kind == "date":
            columns.append(pd.to_datetime(pd.Series(values, dtype=object)).astype(
                "datetime64[s]"))
        else:
            columns.append(pd.Series(values, dtype=object))
    columns.append(np.array([v if v is None or type(v) is bytes else bytes(v)
                             for v in values_of[-1]], dtype=object))
    return columns


def read_layers(url: str, names: Sequence[str], *, schema: str | None = None
                ) -> dict[str, gpd.GeoDataFrame]:
    """Read the named layers of the target schema that exist (missing ones are left out).

    One snapshot (a repeatable-read, read-only transaction). Tables of the same names in other
    schemas are never read.

    Raises
    ------
    InventoryError
        When the server is unreachable, PostGIS is missing, the schema does not exist or a table
        cannot be read.
    """
    psycopg = _psycopg()
    with _connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        target = _open(conn, url, schema, InventoryError)
        present = set(_tables(conn, target))
        out = {}
        for name in names:
            if name not in present:
                continue
            try:
                out[name] = _read_table(conn, target, name)
            except psycopg.Error as exc:
                raise InventoryError([Problem(name, None, f"table illisible ({exc}).")],
                                     source=f"{safe_url(url)}, schéma « {target} »") from None
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


def _geometry_type(name: str, geoms: np.ndarray) -> tuple[str, bool]:
    """The column's geometry type and whether polygons/lines/points are promoted to multi."""
    ids = shapely.get_type_id(geoms)
    present = set(np.unique(ids[(ids >= 0) & ~shapely.is_empty(geoms)]).tolist())
    if not present:
        family = GEOMETRY_TYPES.get(name)
        present = {"polygon": _POLYGONS, "point": _POINTS}.get(family, {-1})
    if present <= _POLYGONS:
        return "MultiPolygon", True
    if present <= _POINTS:
        return "Point", False
    if present <= _POINTS | {4}:
        return "MultiPoint", True
    if present <= _LINES:
        return "MultiLineString", True
    return "Geometry", False


def _write_table(conn, schema: str, name: str, frame: gpd.GeoDataFrame) -> None:
    from psycopg import sql

    gname = frame.geometry.name
    cols = [c for c in frame.columns if c not in (gname, "fid")]
    kinds = {c: _column_kind(name, c, frame[c]) for c in cols}
    srid = (frame.crs.to_epsg() if frame.crs is not None else 0) or 0
    geoms = frame.geometry.to_numpy()
    gtype, multi = _geometry_type(name, geoms)
    id_col = ID_COLUMNS.get(name) if name in LAYERS else None
    table = sql.Identifier(schema, name)
    defs = [sql.SQL("fid bigint PRIMARY KEY")]
    defs += [sql.SQL("{} {}{}").format(
        sql.Identifier(c), sql.SQL(_PG_TYPES[kinds[c]]),
        sql.SQL(" NOT NULL") if c == id_col else sql.SQL("")) for c in cols]
    typmod = f"{gtype}, {srid}" if srid else gtype
    geom_def = sql.SQL("geometry geometry({})").format(sql.SQL(typmod))
    keys = []
    if id_col in cols:
        keys.append(sql.SQL("CONSTRAINT {} UNIQUE ({})").format(
            sql.Identifier(f"{name}_{id_col}_key"), sql.Identifier(id_col)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(
        table, sql.SQL(", ").join([*defs, geom_def, *keys])))
    # Rows are copied into a staging table (WKB as bytea), then ST_GeomFromWKB with the SRID.
    stage = sql.Identifier("pg_temp", f"_foncier_load_{name}")
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        stage, sql.SQL(", ").join([*defs, sql.SQL("wkb bytea")])))
    columns = [_python_values(frame[c], kinds[c]) for c in cols]
    wkb = shapely.to_wkb(geoms)
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        stage, sql.SQL(", ").join([sql.Identifier("fid"), *(sql.Identifier(c) for c in cols),
                                   sql.Identifier("wkb")]))
    with conn.cursor() as cur, cur.copy(copy) as cp:
        for i in range(len(frame)):
            cp.write_row([i + 1, *(col[i] for col in columns), wkb[i]])
    geom = sql.SQL("ST_GeomFromWKB(wkb, {})").format(sql.Literal(srid))
    if multi:
        geom = sql.SQL("ST_Multi({})").format(geom)
    select = [sql.SQL("fid"), *(sql.Identifier(c) for c in cols), geom]
    conn.execute(sql.SQL("INSERT INTO {} SELECT {} FROM {} ORDER BY fid").format(
        table, sql.SQL(", ").join(select), stage))
    conn.execute(sql.SQL("DROP TABLE {}").format(stage))
    conn.execute(sql.SQL("CREATE INDEX {} ON {} USING GIST (geometry)").format(
        sql.Identifier(f"{name}_geometry_idx"), table))


def _has_column(conn, schema: str, table: str, column: str) -> bool:
    return conn.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                        "AND table_name = %s AND column_name = %s",
                        (schema, table, column)).fetchone() is not None


def _is_unique(conn, schema: str, table: str, column: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass(%s) AND i.indisunique "
        "AND i.indnatts = 1 AND a.attname = %s",
        (_qualified(conn, schema, table), column)).fetchone() is not None


def _link_plots(conn, schema: str) -> None:
    """``plots.site_id REFERENCES sites (site_id)`` when both tables are there."""
    from psycopg import sql

    if not (_has_column(conn, schema, "plots", "site_id")
            and _has_column(conn, schema, "sites", "site_id")
            and _is_unique(conn, schema, "sites", "site_id")):
        return
    conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY (site_id) "
                         "REFERENCES {} (site_id)").format(
        sql.Identifier(schema, "plots"), sql.Identifier(_SITE_FK),
        sql.Identifier(schema, "sites")))


def _database_reason(exc: Exception) -> str:
    """A French reason for the database errors a user can fix."""
    psycopg = _psycopg()
    errors = psycopg.errors
    diag = getattr(exc, "diag", None)
    detail = (diag.message_detail if diag is not None else None) or ""
    key = re.search(r"\((.+?)\)=\((.*)\)", detail)
    if isinstance(exc, errors.UniqueViolation) and key:
        return (f"{key[1]} « {key[2]} » en double, refusé par la contrainte d'unicité de la "
                f"base : rendez chaque {key[1]} unique")
    if isinstance(exc, errors.ForeignKeyViolation) and key:
        return (f"{key[1]} « {key[2]} » ne correspond à aucun site de la couche sites : "
                "corrigez-le, videz-le ou ajoutez le site")
    if isinstance(exc, errors.NotNullViolation) and diag is not None and diag.column_name:
        return f"{diag.column_name} vide : chaque entité doit avoir un identifiant"
    if isinstance(exc, errors.InsufficientPrivilege):
        return (f"droits insuffisants : {_first_line(exc)} ; demandez à l'administrateur de la "
                "base le droit de créer des tables dans ce schéma")
    if isinstance(exc, errors.DependentObjectsStillExist):
        return (f"d'autres objets de la base dépendent de cette table "
                f"({detail or _first_line(exc)}) ; supprimez-les ou écrivez dans un autre schéma")
    return _first_line(exc)


class _WriteFailed(Exception):
    """A step of a write failed: ``layer`` is the layer written then (None: the schema)."""

    def __init__(self, layer: str | None, cause: Exception):
        super().__init__(layer)
        self.layer, self.cause = layer, cause


def _replace(conn, target: str, gis: str, frames: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Every step of a write, inside the caller's transaction."""
    from psycopg import sql

    order = sorted(frames, key=lambda n: _WRITE_ORDER.get(n, len(_WRITE_ORDER)))
    step = None
    try:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target)))
        _enter(conn, target, gis)
        if "sites" in frames and "plots" not in frames:
            step = "plots"          # the kept plots stop referring to the replaced sites...
            conn.execute(sql.SQL("ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {}").format(
                sql.Identifier(target, "plots"), sql.Identifier(_SITE_FK)))
        for name in reversed(order):
            step = name
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                sql.Identifier(target, name)))
        for name in order:
            step = name
            _write_table(conn, target, name, frames[name])
        if "sites" in frames or "plots" in frames:
            step = "plots"          # ...and refer to the new ones again.
            _link_plots(conn, target)
    except Exception as exc:
        raise _WriteFailed(step, exc) from exc


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], url: str, *,
                 schema: str | None = None) -> None:
    """Replace the given layers in the target schema, in one transaction.

    The schema is created when missing. Layers not given are left untouched, and so is every
    other schema. On any error (a value of the wrong type, a duplicate id, a lost connection...)
    the transaction is rolled back: no table, no schema is changed.

    Raises
    ------
    OutputError
        Naming the schema and the layer that failed, and why; the database is as it was.
    """
    psycopg = _psycopg()
    frames = {name: frame if isinstance(frame, gpd.GeoDataFrame)
              else gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
              for name, frame in layers.items()}
    target = schema
    try:
        with _connect(url) as conn:
            target = _target_schema(conn, schema)
            gis = _postgis_schema(conn, url, OutputError)
            _replace(conn, target, gis, frames)
    except _WriteFailed as failed:
        exc = failed.cause
        if not isinstance(exc, psycopg.Error | ValueError | TypeError):
            raise exc from None
        reason = _database_reason(exc) if isinstance(exc, psycopg.Error) else _first_line(exc)
        what = f"de la couche « {failed.layer} »" if failed.layer else "du schéma"
        raise OutputError(f"{safe_url(url)}, schéma « {target} » : écriture {what} impossible "
                          f"({reason}) ; transaction annulée, la base est inchangée.") from None
    except psycopg.Error as exc:
        raise OutputError(f"{safe_url(url)}, schéma « {target} » : écriture impossible "
                          f"({_database_reason(exc)}) ; transaction annulée, la base est "
                          "inchangée.") from None
    except InventoryError as exc:
        raise OutputError(str(exc)) from None
