"""Write a result table to CSV, XLSX, GeoPackage or GeoJSON, chosen by the file's suffix.

Every writer writes to a temporary file beside the target and renames it at the end, so an error
(or an interruption) never leaves a partial file (:mod:`foncier.io.atomic`).
:func:`check_suffix` tells early whether a target's format is known.

Spreadsheet safety: in XLSX, text from the data is always a string cell, never a formula
(:mod:`foncier.io.xlsx`). CSV (:func:`write_csv`) follows RFC 4180 (a field holding the separator,
a quote, CR or LF is quoted, lines end with CRLF) and the OWASP advice on CSV injection: a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or CR gets a leading ``'`` so that a
spreadsheet shows it as text instead of running it; numbers (``-3.5`` in a numeric column) are
written as they are.

Examples
--------
>>> import foncier, tempfile, pathlib
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="x"))
>>> out = pathlib.Path(tempfile.mkdtemp()) / "terrains.gpkg"
>>> check_suffix(out), write_table(res.table, out).name
('.gpkg', 'terrains.gpkg')
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foncier import palette
from foncier.core.missing import few_distinct, text_column
from foncier.errors import OutputError
from foncier.io.atomic import atomic_write
from foncier.io.columns import REASON_SEP, CodedWords, RowReasons, TextCells, join_groups
from foncier.io.qgis_style import write_layer_styles
from foncier.io.store import write_gpkg_layer
from foncier.io.xlsx import Sheet, XlsxStream, fit_widths, text_bounds, text_bytes
from foncier.wording import OUTCOME_LABELS, STATUS_LABELS, digit_texts

if TYPE_CHECKING:  # hints only: a CSV is written without the matching, geopandas or GDAL
    import geopandas as gpd

    from foncier.core.matching import MatchResult

__all__ = ["write_results", "FORMATS", "write_table", "check_suffix", "write_csv",
           "guard_text", "FORMULA_START", "audit_items", "audit_sheet", "AUDIT_SHEET",
           "AUDIT_TABLE", "AUDIT_MEMBER", "write_audit_table", "add_audit_member",
           "french_labels"]

FORMATS = {".csv": "CSV", ".xlsx": "Excel", ".gpkg": "GeoPackage", ".geojson": "GeoJSON"}


def check_suffix(path: str | os.PathLike) -> str:
    """The result file's suffix (lower case), or an :class:`OutputError` naming the accepted ones.

    Examples
    --------
    >>> check_suffix(Path("Résultats.XLSX"))
    '.xlsx'
    >>> try:
    ...     check_suffix("résultats.ods")
    ... except OutputError as exc:
    ...     print(exc)
    résultats.ods: format de sortie inconnu « .ods » : choisissez .csv, .xlsx, .gpkg, .geojson.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{path}: format de sortie inconnu « {path.suffix or '(aucun)'} » : "
                          f"choisissez {', '.join(FORMATS)}.")
    return suffix


def write_table(table: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str = "results",
                sheet: str = "Résultats", audit: Mapping[str, Any] | None = None) -> Path:
    """Write a table with a geometry column to a file chosen by its suffix (atomic).

    CSV (comma-separated, UTF-8) and XLSX leave the geometry out; GeoPackage keeps Lambert-93
    (GeoPackage 1.2, styled by status for QGIS when it has a ``status`` column); GeoJSON is
    written in WGS84 (RFC 7946). CSV, GeoPackage and GeoJSON keep DESIGN.md's codes
    (``match``, ``pass``...); a workbook shows them in French (:func:`french_labels`), its rows
    filled by status, its numbers formatted per unit, its dates as dates.

    ``audit``, a JSON-ready record (:func:`foncier.analysis.audit.audit_record`), goes into the
    file: XLSX a « Paramètres » sheet, GeoPackage a ``foncier_audit`` table, GeoJSON a
    ``foncier_audit`` foreign member; a CSV stays a plain table (write the record beside it).
    """
    import pyogrio

    path = Path(path)
    suffix = check_suffix(path)
    with atomic_write(path) as tmp:
        if suffix in (".csv", ".xlsx"):
            frame = pd.DataFrame(table.drop(columns=table.geometry.name))
            if suffix == ".csv":
                write_csv(frame, tmp)
            else:
                _write_xlsx(frame, tmp, sheet, audit)
        elif suffix == ".gpkg":
            write_gpkg_layer(table, tmp, layer)
            if "status" in table.columns:
                write_layer_styles(tmp, [layer], [f"{sheet} : terrains colorés par statut "
                                                  "(foncier)"])
            if audit is not None:
                write_audit_table(tmp, audit)
        else:
            pyogrio.write_dataframe(table.to_crs("EPSG:4326"), tmp, driver="GeoJSON")
            if audit is not None:
                add_audit_member(tmp, audit)
    return path


#: Codes of DESIGN.md (kept in CSV, GeoPackage, GeoJSON) and their French labels in workbooks.
_STATUS_ORDER = tuple(STATUS_LABELS)
_OUTCOMES = frozenset(OUTCOME_LABELS)


def french_labels(frame: pd.DataFrame, *, columns: list[str] | None = None) -> pd.DataFrame:
    """A result table with its codes in French for a workbook: ``status`` (« compatible »,
    « à vérifier », « incompatible ») and every column of criterion outcomes (« respecté »,
    « non respecté », « inconnu »); other columns are left as they are. ``columns`` names the
    columns kept, in their order (all by default: a caller leaving out the geometry spares a
    copy of the table without it).

    Examples
    --------
    >>> french_labels(pd.DataFrame({"status": ["to_check"], "area": ["fail"], "id": ["pass1"]}))
    ...                                                  # doctest: +NORMALIZE_WHITESPACE
           status          area     id
    0  à vérifier  non respecté  pass1
    """
    # Arrow kernels: each column's distinct values are found and mapped once (a batch
    # translates hundreds of sheets of 100 000 rows); missing values stay missing.
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    outcomes = _OUTCOMES
    for col in frame.columns if columns is None else columns:
        values = out[col] = frame[col]
        if col != "status" and not (values.dtype == object
                                    or pd.api.types.is_string_dtype(values)):
            continue
        try:
            arr = pa.array(values.array if isinstance(values.dtype, pd.StringDtype)
                           else values.to_numpy(dtype=object), type=pa.string(),
                           from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            continue                        # not texts: no codes to translate
        if col != "status" and not set(pc.unique(arr.slice(0, 256)).to_pylist()) <= (
                outcomes | {None}):
            continue                        # its first rows already hold other texts
        present = [v for v in pc.unique(arr).to_pylist() if v is not None]
        if col == "status":
            labels = STATUS_LABELS
        elif present and set(present) <= outcomes:
            labels = OUTCOME_LABELS
        else:
            continue
        keys = pa.array(present, type=pa.string())
        texts = pa.array([labels.get(v, v) for v in present], type=pa.string())
        mapped = texts.take(pc.index_in(arr, value_set=keys))
        out[col] = pd.Series(text_column(mapped), index=values.index, name=col)
    return pd.DataFrame(out, index=frame.index)


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str,
                audit: Mapping[str, Any] | None = None) -> None:
    """A result table as a workbook: French labels, rows filled by status (as the batch's),
    number formats per unit, widths that fit the ids, the rank and the plot's id frozen at the
    left (and repeated on each printed page across)."""
    fills = None
    if "status" in frame.columns:
        code = {s: i for i, s in enumerate(_STATUS_ORDER)}
        fills = frame["status"].map(code).fillna(-1).astype("int64").to_numpy()
    shown = french_labels(frame)
    widths = fit_widths(shown, fixed={"reasons": 60, "relax": 40}, maximum=40)
    tints = [palette.STATUS_TINT[s] for s in _STATUS_ORDER]
    with XlsxStream(path, fills=tints) as book:
        book.frame_sheet(Sheet(sheet, shown, widths=widths, row_fills=fills,
                               freeze_cols=_frozen_ids(shown)))
        if audit is not None:
            book.frame_sheet(audit_sheet(audit))


def _frozen_ids(frame: pd.DataFrame) -> int:
    """How many of a result table's first columns identify its rows (``rank``, ``plot_id``):
    frozen at the left of its sheet."""
    ids = ["rank", "plot_id"]
    return next((k for k, (a, b) in enumerate(zip(frame.columns, ids, strict=False))
                 if a != b), min(len(ids), len(frame.columns)))


#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_text(value: object) -> object:
    r"""A CSV text cell made inert: a leading ``'`` when it starts like a formula (OWASP).

    Examples
    --------
    >>> guard_text('=HYPERLINK("http://x")'), guard_text("-3,5"), guard_text("P1"), guard_text(3)
    ('\'=HYPERLINK("http://x")', "'-3,5", 'P1', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, *, sep: str = ",",
              guard: bool = True) -> None:
    r"""Write a data frame as CSV (UTF-8, RFC 4180), in place (wrap in ``atomic_write``).

    A field holding ``sep``, a quote, CR or LF is quoted (quotes doubled); lines end with CRLF.
    With ``guard`` (the default), text cells are made inert by :func:`guard_text`; numeric
    columns are written as they are. The cells are the ones ``pandas.DataFrame.to_csv`` writes
    (``QUOTE_MINIMAL``, missing values empty), built column by column with vectorized Arrow
    string kernels instead of row by row.

    Examples
    --------
    >>> import csv, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pd.DataFrame({"id": ["a\rb", "=1+1"], "x": [-3.5, 2.0]}), out)
    >>> with out.open(encoding="utf-8", newline="") as f:
    ...     list(csv.reader(f))
    [['id', 'x'], ['a\rb', '-3.5'], ["'=1+1", '2.0']]
    """
    frame = pd.DataFrame(frame)
    if frame.shape[1] == 0:     # pandas writes the lone empty header its own way
        frame.to_csv(path, index=False, encoding="utf-8", sep=sep, quoting=csv.QUOTE_MINIMAL,
                     lineterminator="\r\n")
        return
    # Rows go out in blocks, so that the text of a table of a million rows is never held
    # whole in memory.
    blocks = (frame.iloc[start:start + CSV_BLOCK_ROWS]
              for start in range(0, max(len(frame), 1), CSV_BLOCK_ROWS))
    _write_csv_blocks(blocks, path, sep=sep, guard=guard)


def _write_csv_blocks(blocks, path: str | os.PathLike, *, sep: str = ",",
                      guard: bool = True) -> None:
    """:func:`write_csv` of a table given as consecutive blocks of rows (data frames with the
    same columns, at least one block): the header from the first, then every block's rows."""
    import pyarrow as pa

    with open(path, "wb") as out:
        lone = None
        for block in prefetched(blocks):
            if lone is None:
                header = _csv_quote(pa.array([str(c) for c in block.columns],
                                             type=pa.large_string()), sep)
                lone = block.shape[1] == 1      # a lone empty field is written "" (csv.writer)
                if lone:
                    header = _csv_lone_empty(header)
                out.write(_csv_lines(header.to_pylist(), sep))
            if not len(block):
                continue
            cols = [_csv_cells(block.iloc[:, i], guard, sep) for i in range(block.shape[1])]
            out.write(_csv_lines([_csv_lone_empty(cols[0])] if lone else cols, sep))


def prefetched(items, *, ahead: int = 1):
    """Iterate ``items`` while a worker thread makes the next ``ahead`` of them.

    The caller's work on one item overlaps the making of the next: whatever of either releases
    the GIL (Arrow kernels, file writes, NumPy) runs beside the other's Python. An exception
    raised while making an item is raised here, in its place; when the iteration stops early,
    the worker stops after the item under way and closes ``items``.

    Examples
    --------
    >>> list(prefetched(x * x for x in range(4)))
    [0, 1, 4, 9]
    """
    import queue
    import threading

    box: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    end = object()

    def work() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                box.put((item, None))
                if stop.is_set():
                    return
            box.put((end, None))
        except BaseException as error:  # noqa: BLE001 - raised again by the consuming thread
            box.put((end, error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="foncier-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = box.get()
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():                # a worker waiting on a full queue: make room
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(0.05)


#: Rows of a CSV formatted at once by :func:`write_csv`.
CSV_BLOCK_ROWS = 32_768


def _csv_cells(series: pd.Series, guard: bool, sep: str):
    """One column's fields as an Arrow ``large_string`` array without nulls: the cells pandas
    writes (missing values empty), text guarded by :func:`guard_text` when ``guard``, quoted
    by :func:`_csv_quote`.

    Each distinct value is formatted once (a result column holds a few distinct verdicts and
    reasons among many rows), then spread to the rows with ``take``; integers, digits and a
    sign only, are cast by Arrow directly.
    """
    import pyarrow as pa

    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" and sep not in "-0123456789":
        return pa.array(series.to_numpy()).cast(pa.large_string())      # as Python's str
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = series.to_numpy()
        if dtype == np.float64 and not few_distinct(pa.array(values)):   # areas: all distinct
            text = float_texts(values)
            # A float's text is digits, ".", "-", "+", "e" or "inf": quoted only if sep is one.
            return _csv_quote(text, sep) if set(sep) & set("0123456789.-+einf") else text
        # Distinct bit patterns, not values: -0.0 is written "-0.0", apart from 0.0.
        bits = np.ascontiguousarray(values).view(f"i{values.dtype.itemsize}")
        codes, uniques = pd.factorize(bits, use_na_sentinel=False)
        uniques = uniques.view(values.dtype)
        if dtype == np.float64:
            return _csv_quote(float_texts(uniques), sep).take(codes)
        text = uniques.astype(str)                      # float32: its own repr
        text[np.isnan(uniques)] = ""
        return _csv_quote(pa.array(text, type=pa.large_string()), sep).take(codes)
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        codes, uniques = pd.factorize(series.to_numpy(), use_na_sentinel=False)
        text = np.where(uniques, "True", "False")
        return _csv_quote(pa.array(text, type=pa.large_string()), sep).take(codes)
    if _is_text(series):
        return _text_cells(series, guard, sep)
    # Anything else (dates, nullable numbers, categories, mixed objects): pandas' own cells.
    native = series.to_frame()._get_values_for_csv(
        float_format=None, date_format=None, decimal=".", na_rep="", quoting=None).iloc[:, 0]
    numeric = (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
               or pd.api.types.is_bool_dtype(dtype))
    cells = [_csv_str(v, guard and not numeric) for v in native.to_numpy(dtype=object)]
    return _csv_quote(pa.array(cells, type=pa.large_string()), sep)


def float_texts(values: np.ndarray):
    """Floats as pandas writes them to CSV (Python's ``repr``: ``0.6879``, ``3.0``, ``1e-05``),
    empty where NaN, as an Arrow ``large_string`` array.

    A value that is the double nearest to a decimal of at most 4 places (an area rounded to 4
    decimals, a score to 1), below 10¹¹ in magnitude, is written from integers by Arrow: its
    ``repr`` is that decimal, trailing zeros dropped (below 10¹¹ doubles are closer together
    than half of 10⁻⁴, so no other decimal of 4 places is as near). Other values go through
    NumPy's ``repr``. At 32,768 areas: 4.3 ms instead of 11.7.

    Examples
    --------
    >>> float_texts(np.array([0.6879, 3.0, -0.0, 1e-05, np.nan, 2.5e16])).to_pylist()
    ['0.6879', '3.0', '-0.0', '1e-05', '', '2.5e+16']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    v = np.asarray(values, dtype=np.float64)
    scale = 10 ** 4
    with np.errstate(invalid="ignore", over="ignore"):
        plain = np.isfinite(v) & (np.abs(v) < 1e11)
        k = np.where(plain, np.rint(v * scale), 0.0)
        plain &= (k / scale) == v               # division of exact numbers: correctly rounded
    k = np.abs(k).astype(np.int64)
    whole = digit_texts(k // scale, large=True)
    frac = pc.utf8_rtrim(digit_texts(k % scale, width=4, large=True), characters="0")
    frac = pc.if_else(pc.equal(pc.utf8_length(frac), 0), _lit("0"), frac)
    parts = [whole, _lit("."), frac]
    negative = np.signbit(v)
    if negative.any():
        parts.insert(0, pa.array(np.where(negative, "-", ""), type=pa.large_string()))
    text = pc.binary_join_element_wise(*parts, _lit(""))
    if plain.all():
        return text
    rest = np.flatnonzero(~plain)
    other = v[rest].astype(str)                 # repr-like, as pandas writes them
    other[np.isnan(v[rest])] = ""
    out = text.to_numpy(zero_copy_only=False)
    out[rest] = other
    return pa.array(out, type=pa.large_string())


def _text_cells(series: pd.Series, guard: bool, sep: str):
    """A text column's cells (see :func:`_csv_cells`): missing ones empty, formulas guarded."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if series.dtype == object:
        cells = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
    else:                                               # Arrow- or Python-backed str dtype
        cells = pa.array(series.array, from_pandas=True)
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        cells = cells.cast(pa.large_string())
    cells = pc.fill_null(cells, "")
    # A column of a few distinct values (verdicts, statuses) is formatted once per value; one
    # of nearly unique values (ids, reasons) directly: hashing it would cost more than it saves.
    few = few_distinct(cells)
    encoded = cells.dictionary_encode() if few else None
    words = encoded.dictionary if few else cells
    quoted = _csv_words(words, guard, sep)
    return quoted.take(encoded.indices) if few else quoted


def _csv_words(words, guard: bool, sep: str):
    """Text cells (an Arrow ``large_string`` array without nulls) guarded when ``guard`` (see
    :func:`guard_text`) and quoted (see :func:`_csv_quote`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if guard:
        risky = _first_byte_in(words, _FORMULA_BYTES)
        if risky.any():
            words = pc.if_else(pa.array(risky),
                               pc.binary_join_element_wise(_lit("'"), words, _lit("")), words)
    return _csv_quote(words, sep)


def _csv_column(values, guard: bool, sep: str):
    """One column of :meth:`~foncier.core.matching.MatchResult.row_columns` as CSV fields (an
    Arrow ``large_string`` array, see :func:`_csv_cells`): coded words and reasons formatted
    once per distinct text, other columns as in a table."""
    import pyarrow as pa

    if isinstance(values, CodedWords):
        words = pa.array(list(values.words), type=pa.large_string())
        return _csv_words(words, guard, sep).take(np.asarray(values.codes, dtype=np.int64))
    if isinstance(values, RowReasons):
        return _reason_cells(values, guard, sep)
    if isinstance(values, TextCells):
        return _csv_words(values.cells, guard, sep)
    # An object array (ids) stays object: a Series would make it pandas' str.
    dtype = object if isinstance(values, np.ndarray) and values.dtype == object else None
    return _csv_cells(pd.Series(values, dtype=dtype, copy=False), guard, sep)


def _coded_runs(columns: dict[str, Any]) -> list[Any]:
    """The values of :func:`_ranked_csv`'s columns, each run of two or more neighbouring
    :class:`~foncier.io.columns.CodedWords` (the criteria's verdicts) gathered in a list,
    for :func:`_coded_cells`."""
    out: list[Any] = []
    for values in columns.values():
        if isinstance(values, CodedWords) and out and isinstance(out[-1], list):
            out[-1].append(values)
        elif isinstance(values, CodedWords):
            out.append([values])
        else:
            out.append(values)
    return [v[0] if isinstance(v, list) and len(v) == 1 else v for v in out]


def _coded_cells(run: list, guard: bool, sep: str):
    """Neighbouring :class:`~foncier.io.columns.CodedWords` columns (the criteria's
    verdicts) as one Arrow array of their fields joined by ``sep``: each combination of words
    met is written once, then spread to the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    large = pa.large_string()
    fields = [_csv_words(pa.array(list(c.words), type=large), guard, sep) for c in run]
    # Each row's words as one number in mixed radix, renumbered densely (factorized) when the
    # next column could overflow it and at the end; ``parts`` holds each dense number's words.
    combined = np.zeros(len(run[0].codes), dtype=np.int64)
    parts = np.zeros((1, 0), dtype=np.int64)
    radices: list[int] = []                         # of the columns since the last renumbering

    def renumber():
        nonlocal combined, parts
        combined, uniques = pd.factorize(combined)
        digits = []
        for k in reversed(radices):
            uniques, digit = np.divmod(uniques, k)
            digits.append(digit)
        parts = np.column_stack([parts[uniques], *digits[::-1]])
        radices.clear()

    for column, words in zip(run, fields, strict=True):
        k = len(words)
        if len(parts) * math.prod(radices) * k >= 2 ** 62:
            renumber()
        combined = combined * k + np.asarray(column.codes, dtype=np.int64)
        radices.append(k)
    renumber()
    texts = pc.binary_join_element_wise(
        *[words.take(parts[:, i]) for i, words in enumerate(fields)], _lit(sep))
    return texts.take(combined)


def _reason_cells(reasons, guard: bool, sep: str):
    """The ``reasons`` fields of a CSV from each group's distinct texts (see
    :func:`~foncier.core.matching.reason_groups`, held in a
    :class:`~foncier.io.columns.RowReasons`), the rows' joined text never scanned.

    A row's field holds a character to quote when one of its texts does (or the separator
    between them, when it holds one); its quotes are doubled in each distinct text; it starts
    like a formula when its first text does. The rows are then joined once, the guard and the
    opening quote before each, the closing quote after (:func:`~foncier.io.columns.join_groups`).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n, large = reasons.n, pa.large_string()
    special_pattern = _special_pattern(sep)
    special = np.zeros(n, dtype=bool)
    risky = np.zeros(n, dtype=bool)
    texts_met = np.zeros(n, dtype=np.int64)
    groups = []
    for texts, index in reasons.groups:
        words = pa.array(texts, type=large)
        filled = (np.diff(text_bounds(words)[0]) > 0)[index]
        if guard:
            risky |= (texts_met == 0) & _first_byte_in(words, _FORMULA_BYTES)[index]
        marked = pc.match_substring_regex(words, special_pattern)
        if pc.any(marked).as_py():
            special |= marked.to_numpy(zero_copy_only=False)[index]
            words = pc.replace_substring(words, '"', '""')
        texts_met += filled
        groups.append((words, index))
    if re.search(special_pattern, REASON_SEP):
        special |= texts_met > 1
    before = after = None
    if special.any() or risky.any():
        before = pa.array(["", "'", '"', "\"'"], type=large).take(
            special.astype(np.int64) * 2 + risky)
        after = pa.array(["", '"'], type=large).take(special.astype(np.int64))
    return join_groups(groups, n, sep=REASON_SEP.replace('"', '""'), before=before, after=after)



#: The first bytes of a cell that starts like a formula (:data:`FORMULA_START`, all ASCII).
_FORMULA_BYTES = np.frombuffer("".join(FORMULA_START).encode("ascii"), dtype=np.uint8)


def _first_byte_in(cells, first: np.ndarray) -> np.ndarray:
    """Whether each cell of an Arrow string array without nulls starts with one of
    the ASCII bytes ``first``: read from the array's buffers (a regular expression anchored
    at the start still costs a scan per cell, about 20 times more)."""
    bounds, data = text_bounds(cells)
    starts = bounds[:-1]
    filled = bounds[1:] > starts
    heads = np.zeros(len(cells), dtype=np.uint8)        # an empty cell starts with nothing
    if data is not None and filled.any():
        heads[filled] = np.frombuffer(data, dtype=np.uint8)[starts[filled]]
    return np.isin(heads, first) & filled


def _is_text(series: pd.Series) -> bool:
    """Whether a column holds only strings (and missing values)."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "string", "empty")


def _csv_str(value: object, guard: bool) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return guard_text(value) if guard and isinstance(value, str) else str(value)


def _csv_quote(cells, sep: str):
    """Cells holding ``sep``, a quote, CR or LF enclosed in quotes, their quotes doubled."""
    import pyarrow.compute as pc

    # One scan for the characters that need quotes (a regular expression's character class
    # beats four substring scans on long cells such as reasons), a second for the quotes only
    # when there is something to quote.
    special = pc.match_substring_regex(cells, _special_pattern(sep))
    if not pc.any(special).as_py():
        return cells
    quotes = pc.match_substring_regex(cells, '"')      # a literal: 10 times match_substring
    inner = pc.replace_substring(cells, '"', '""') if pc.any(quotes).as_py() else cells
    quoted = pc.binary_join_element_wise(_lit('"'), inner, _lit('"'), _lit(""))
    return pc.if_else(special, quoted, cells)


def _special_pattern(sep: str) -> str:
    """A regular expression's character class of what makes a CSV field quoted: ``sep``, a
    quote, CR or LF."""
    return "[" + re.escape(sep + '"') + "\r\n]"


def _lit(text: str):
    """A ``large_string`` Arrow scalar (the kernels want one string type throughout)."""
    import pyarrow as pa

    return pa.scalar(text, type=pa.large_string())


def _csv_lone_empty(cells):
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(pc.utf8_length(cells), 0), _lit('""'), cells)


def _csv_lines(cols, sep: str) -> bytes | memoryview:
    """The rows of these columns, ``sep``-separated, each ending with CRLF, as UTF-8 bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(cols[0], pa.Array):      # the header: plain strings
        return (sep.join(cols) + "\r\n").encode("utf-8")
    # CRLF goes on the last column's cells, so that the joined lines are made in one copy.
    last = pc.binary_join_element_wise(cols[-1], _lit("\r\n"), _lit(""))
    lines = pc.binary_join_element_wise(*cols[:-1], last, _lit(sep)) if len(cols) > 1 else last
    return text_bytes(lines.cast(pa.large_string()))


# ----------------------------------------------------------------------------- audit trail

AUDIT_SHEET, AUDIT_TABLE, AUDIT_MEMBER = "Paramètres", "foncier_audit", "foncier_audit"
_AUDIT_WORDS = {"foncier_version": "Version de foncier", "created": "Date et heure",
                "on": "Jour de la correspondance", "inventories": "Inventaire",
                "source": "source", "fingerprint": "empreinte du contenu", "briefs": "Projet",
                "name": "nom", "toml": "cahier des charges (TOML)", "weights": "poids utilisé"}


def audit_items(audit: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """An audit record flattened to ``(key, label, value)`` rows, in the record's order.

    Keys are dotted paths (``briefs.1.weights.price``, lists numbered from 1); labels French.

    Examples
    --------
    >>> audit_items({"foncier_version": "0.1.0", "briefs": [{"name": "A", "weights":
    ...                                                       {"price": 1.0}}]})[1:]
    [('briefs.1.name', 'Projet 1 : nom', 'A'), ('briefs.1.weights.price', 'Projet 1 : poids \
utilisé (price)', '1.0')]
    """
    out: list[tuple[str, str, str]] = []

    def walk(value: Any, key: str, label: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                word = _AUDIT_WORDS.get(k, k)
                sub = (f"{label} ({k})" if label.endswith("utilisé") else
                       f"{label} : {word}" if label else word)
                walk(v, f"{key}.{k}" if key else k, sub)
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value, start=1):
                walk(v, f"{key}.{i}", f"{label} {i}")
        else:
            out.append((key, label, "" if value is None else str(value)))

    walk(audit, "", "")
    return out


def _audit_frame(audit: Mapping[str, Any], *, french: bool) -> pd.DataFrame:
    rows = audit_items(audit)
    if french:
        return pd.DataFrame([(label, value) for _, label, value in rows],
                            columns=["Paramètre", "Valeur"])
    return pd.DataFrame(rows, columns=["key", "label", "value"])


def audit_sheet(audit: Mapping[str, Any]) -> Sheet:
    """The « Paramètres » sheet of a workbook: the audit record a row per item, its long
    values (a brief's TOML) wrapped and their rows as tall as their lines."""
    return Sheet(AUDIT_SHEET, _audit_frame(audit, french=True), widths=[40, 100],
                 freeze_cols=1, wrap_columns=("Valeur",))


def write_audit_table(path: str | os.PathLike, audit: Mapping[str, Any]) -> None:
    """Add the ``foncier_audit`` attribute table (``key``, ``label``, ``value``) to a
    GeoPackage."""
    write_gpkg_layer(_audit_frame(audit, french=False), path, AUDIT_TABLE, append=False)


def add_audit_member(path: str | os.PathLike, audit: Mapping[str, Any]) -> None:
    """Add the ``foncier_audit`` foreign member (RFC 7946, section 6.1) to a GeoJSON file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start = text.index("{") + 1
    member = json.dumps({AUDIT_MEMBER: dict(audit)}, ensure_ascii=False)[1:-1]
    path.write_text(text[:start] + member + "," + text[start:], encoding="utf-8")


def write_results(result: MatchResult, path: str | os.PathLike) -> Path:
    """Write a match's whole ranked table; the format follows the suffix.

    Columns: ``rank, plot_id, site_id, status, score, area_ha, net_area_ha``, one column per asked
    criterion (``pass``/``fail``/``unknown``), then ``reasons``; GeoPackage and GeoJSON add the
    plot geometry. A CSV of a result whose :attr:`~foncier.core.matching.MatchResult.table` was
    not built is written :data:`CSV_BLOCK_ROWS` rows at a time, without building it.

    Examples
    --------
    >>> import foncier, tempfile, pathlib
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="x", min_area_ha=1))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "résultats.csv"
    >>> write_results(res, out).name
    'résultats.csv'
    """
    path = Path(path)
    if check_suffix(path) == ".csv" and result._table is None:
        # A CSV has no geometry and needs no whole table: its rows are formatted and written
        # a block at a time (at 1,000,000 plots the table alone is a gigabyte). The memory the
        # match freed is given back first: the blocks' threads would not reuse it.
        import pyarrow as pa

        from foncier.io.threads import release_free_memory, resident_bytes

        release_free_memory()
        pool = pa.default_memory_pool()
        with atomic_write(path) as tmp, open(tmp, "wb") as out:
            for chunk in prefetched(_ranked_csv(result)):
                out.write(chunk)
                del chunk
                resident = resident_bytes()
                if resident is None or resident > _RELEASE_ABOVE:
                    pool.release_unused()   # the written block's memory back to the system
        return path
    return write_table(result.table, path)


#: Resident bytes above which :func:`write_results` gives each written block's memory back
#: to the system. Below, Arrow's pool keeps it for the next blocks: giving it back made every
#: block fault its pages in again (at 1,000,000 plots warm, 0.2-0.9 s of a 4-5 s CSV, for
#: 25-50 MB less at the peak); above, as a cold process at 1,000,000 plots is (1.9 GB), the
#: memory matters more.
_RELEASE_ABOVE = 1_500_000_000


def _ranked_csv(result: MatchResult, *, sep: str = ",", guard: bool = True):
    """The ranked table without geometry (:attr:`MatchResult.table`) as CSV bytes (those of
    :func:`write_csv`): the header, then :data:`CSV_BLOCK_ROWS` rows at a time, formatted
    from :meth:`~foncier.core.matching.MatchResult.row_columns` without making a table.

    The blocks' columns are made on a worker thread while the caller formats the block before
    (both stages' kernels release the interpreter's lock; at 1,000,000 plots they take 3.7 and
    3.0 s of one core); :func:`write_results` runs this generator on a worker of its own and
    writes the block before that.
    """
    import pyarrow as pa

    order = result.order

    def blocks():
        for start in range(0, len(order), CSV_BLOCK_ROWS):
            columns = result.row_columns(order[start:start + CSV_BLOCK_ROWS])
            columns["rank"] = np.arange(start + 1, start + 1 + len(columns["rank"]))
            yield columns

    header = _csv_quote(pa.array(list(result.row_columns(order[:0])), type=pa.large_string()),
                        sep)
    yield _csv_lines(header.to_pylist(), sep)
    for columns in prefetched(blocks()):
        yield _csv_lines([_coded_cells(v, guard, sep) if isinstance(v, list)
                          else _csv_column(v, guard, sep) for v in _coded_runs(columns)], sep)
