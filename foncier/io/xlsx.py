"""A small streaming XLSX writer: sheets of columns, straight to the zip's XML parts.

Each sheet has a bold header row on a light fill, a frozen pane (the header row, and optionally
the first columns), an auto-filter over its whole range, chosen column widths, a fill per row
(one of the workbook's ``fills``, e.g. the status tints), and a print setup: landscape A4, fitted
to one page wide and as many pages tall as needed (``fitToHeight="0"``), the header row on every
page. Long texts fitted to one page wide would shrink the whole page: a sheet's
``wrap_columns`` wrap their text within narrower columns instead (the header row wraps too), so
that a summary of fifteen columns prints at a readable size. A sheet wider than a page holds
at that size (:data:`PRINT_PAGE_CHARS`, a result table of thirty columns) is fitted to as many
pages wide as it needs (:func:`print_pages_wide`), its frozen columns (the ids) repeated at the
left of each, the pages of the same rows printed one after the other. Cells are inline
strings, numbers, booleans, or indices into a small table of shared strings (the few texts
repeated on every row).
Rows are written chunk by chunk as they come, so a sheet of a million rows never sits in memory
as cell objects: this is what makes hundreds of sheets x 100,000 rows fit in a minute, where
openpyxl would take many minutes. Cells are built column by column with Arrow string kernels
(escaping, numbers, shared-string indices: no Python per cell) and a chunk's rows are laid out
by one Arrow ``take``; sheets are deflated in pieces on two threads while the next chunk is
built (with zlib-ng when it is installed, else zlib at level 1).

Two levels:

- :func:`write_xlsx` writes whole data frames (a :class:`Sheet` each), atomically;
- :class:`XlsxStream` takes the rows as XML chunks (built with :meth:`XlsxStream.frame_rows`, or
  with :func:`text_cells`, :func:`number_cells`, :meth:`XlsxStream.shared_cells` and
  :func:`rows_xml` for precomputed cells), for writers that stream from their own arrays.

Examples
--------
>>> import tempfile, pathlib, openpyxl, numpy as np, pandas as pd
>>> frame = pd.DataFrame({"terrain": ["A", "B"], "surface": [1.5, np.nan],
...                       "statut": ["match", "no_match"]})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "terrains.xlsx"
>>> sheet = Sheet("Terrains", frame, widths=[12, 9, 10], freeze_cols=1,
...               row_fills=np.array([0, 1]), shared_columns=("statut",))
>>> tints = [palette.STATUS_TINT["match"], palette.STATUS_TINT["no_match"]]
>>> write_xlsx(out, [sheet], fills=tints, shared=["match", "no_match"]).name
'terrains.xlsx'
>>> ws = openpyxl.load_workbook(out)["Terrains"]
>>> [[c.value for c in row] for row in ws.iter_rows()]
[['terrain', 'surface', 'statut'], ['A', 1.5, 'match'], ['B', None, 'no_match']]
>>> ws.freeze_panes, ws.auto_filter.ref, ws["A2"].fill.fgColor.rgb
('B2', 'A1:C3', 'FFC6EFCE')
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import textwrap
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from foncier import palette
from foncier.errors import OutputError
from foncier.io.atomic import atomic_write

__all__ = ["Sheet", "write_xlsx", "XlsxStream", "text_cells", "number_cells", "rows_xml",
           "text_cells_arrow", "number_cells_arrow", "rows_bytes", "laid_out",
           "column_letters", "xml_text", "cell_text", "EXCEL_MAX_ROWS", "EXCEL_MAX_COLS",
           "CHUNK_ROWS", "column_format", "fit_widths", "date_serials", "DATE_FORMAT",
           "SCORE_FORMAT", "HA_FORMAT", "wrapped_lines", "wrapped_heights", "LINE_HEIGHT"]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
#: Rows turned into XML at a time by :meth:`XlsxStream.frame_rows`.
CHUNK_ROWS = 5000
_STYLE_DEFAULT, _STYLE_HEADER, _FIRST_FILL_STYLE = 0, 1, 2
#: The "fill" of the header's cell formats (its fill and bold font) in :meth:`XlsxStream.style`.
_HEADER_FILL = -2
_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
_CONTROL.update(dict.fromkeys(range(0xD800, 0xE000)))
_CONTROL.update({0xFFFE: None, 0xFFFF: None})
#: What :func:`cell_text` escapes: control characters (CR included, which XML readers would turn
#: into LF), and text that already looks like an escape (``_x0041_``).
_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_INVALID = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
#: Texts that :func:`cell_text` must see one by one (RE2 syntax, for Arrow's kernels).
_ODD_TEXT = r"[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]|_x[0-9A-Fa-f]{4}_"
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"))
_INF = float("inf")
# zlib-ng, when installed: the same deflate format, about 3x faster (its level 2 compresses as
# well as zlib's level 1).
try:
    from zlib_ng import zlib_ng as _DEFLATE
    _DEFLATE_LEVEL = 2
except ImportError:
    _DEFLATE, _DEFLATE_LEVEL = zlib, 1
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
#: Print setup of every sheet: landscape A4, fitted to :func:`print_pages_wide` pages wide (as
#: many pages tall as needed), the header row repeated on each page (``_xlnm.Print_Titles``),
#: and the frozen columns too when the sheet is printed over several pages wide.
_SHEET_PR = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
_MARGINS = ('<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" '
            'footer="0.3"/>')
#: Characters of column width that a printed landscape A4 page holds at a readable size: its
#: 10.9 inches between the margins at about 63 % (an 11-point text printed at 7 points).
PRINT_PAGE_CHARS = 230


def print_pages_wide(widths: Sequence[float], *, title_cols: int = 0) -> int:
    """How many pages wide a sheet of these column widths (characters) is printed on, its
    first ``title_cols`` columns repeated at the left of each page: one when it fits
    :data:`PRINT_PAGE_CHARS`, else as many as the other columns need beside the repeated ones
    (which are not repeated when they would take half a page).

    Examples
    --------
    >>> print_pages_wide([20] * 10), print_pages_wide([20] * 22), print_pages_wide([20] * 22,
    ...                                                                          title_cols=2)
    (1, 2, 3)
    """
    total = float(sum(widths))
    if total <= PRINT_PAGE_CHARS:
        return 1
    room = PRINT_PAGE_CHARS - float(sum(widths[:repeated_columns(widths, title_cols)]))
    return 1 + math.ceil((total - PRINT_PAGE_CHARS) / room)


def repeated_columns(widths: Sequence[float], title_cols: int) -> int:
    """How many of the first ``title_cols`` columns are repeated on each printed page (none
    when they would take half a page or more)."""
    return title_cols if sum(widths[:title_cols]) < PRINT_PAGE_CHARS / 2 else 0


def _print_setup(pages_wide: int) -> str:
    """A worksheet's margins and page setup, printed over ``pages_wide`` pages wide."""
    order = ' pageOrder="overThenDown"' if pages_wide > 1 else ""
    return (f'{_MARGINS}<pageSetup paperSize="9" orientation="landscape"{order} '
            f'fitToWidth="{pages_wide}" fitToHeight="0"/>')


def xml_text(text: str) -> str:
    """Text made safe for XML content and attributes (control characters dropped).

    Examples
    --------
    >>> xml_text('Zone « A&B » <"1">\\x01')
    'Zone « A&amp;B » &lt;&quot;1&quot;&gt;'
    """
    return (text.translate(_CONTROL).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def cell_text(text: str) -> str:
    r"""A cell's text escaped as the XLSX format asks (ECMA-376, ST_Xstring), then for XML.

    Control characters, which XML cannot hold, are written ``_xHHHH_`` (as Excel does); a text
    that already reads ``_xHHHH_`` gets its underscore escaped (``_x005F_``) so that it is shown
    as it is; characters XML cannot hold at all (lone surrogates, U+FFFE, U+FFFF) are dropped.

    Examples
    --------
    >>> cell_text("P\x01<1>\r"), cell_text("_x0041_")
    ('P_x0001_&lt;1&gt;_x000D_', '_x005F_x0041_')
    """
    if _ESCAPE.search(text):
        text = _ESCAPE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)
    return xml_text(text)


def column_letters(n: int) -> str:
    """Excel column letters of a 0-based column index.

    Examples
    --------
    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


#: Number formats per unit (Excel codes; the decimal separator follows the reader's locale).
HA_FORMAT, PRICE_FORMAT, SCORE_FORMAT, KM_FORMAT, SHARE_FORMAT = "0.00", "0.00", "0.0", "0.0", "0%"
DATE_FORMAT = "dd/mm/yyyy"
_EPOCH = np.datetime64("1899-12-30")


def column_format(name: str) -> str | None:
    """The number format of a column, from its name's unit: hectares and €/m² ``0.00``, scores
    and kilometres ``0.0``, completeness ``0%`` (None: Excel's general format).

    Examples
    --------
    >>> [column_format(c) for c in ("net_area_ha", "price_eur_m2", "score", "port_km",
    ...                             "completeness", "plot_id")]
    ['0.00', '0.00', '0.0', '0.0', '0%', None]
    """
    name = str(name)
    if name.endswith("_ha") or name in ("Surface (ha)",):
        return HA_FORMAT
    if name.endswith(("_eur_m2", "€/m²")):
        return PRICE_FORMAT
    if name == "score" or name.endswith(("— score", "_score")):
        return SCORE_FORMAT
    if name.endswith(("_km", "(km)")):
        return KM_FORMAT
    if name in ("completeness", "Complétude"):
        return SHARE_FORMAT
    return None


def fit_widths(frame: pd.DataFrame, *, fixed: dict[str, float] | None = None,
               minimum: float = 8, maximum: float = 60) -> list[float]:
    """Column widths (characters) that fit each column's header and its longest value
    (ids included), between ``minimum`` and ``maximum``; ``fixed`` widths win.

    Examples
    --------
    >>> fit_widths(pd.DataFrame({"plot_id": ["FRICHE-76540-0001-B"], "x": [1.5]}))
    [21, 8]
    """
    fixed = fixed or {}
    out = []
    for col in frame.columns:
        if col in fixed:
            out.append(fixed[col])
            continue
        longest = len(str(col))
        column = frame[col]
        if not (pd.api.types.is_numeric_dtype(column)
                or pd.api.types.is_datetime64_any_dtype(column)) and len(column):
            longest = max(longest, _longest_text(column))
        elif pd.api.types.is_datetime64_any_dtype(column):
            longest = max(longest, 10)
        out.append(max(minimum, min(maximum, longest + 2)))
    return out


def _longest_text(column: pd.Series) -> int:
    """The most characters of a column's values as text (missing values left out)."""
    try:
        most = pc.max(pc.utf8_length(_arrow_texts(column))).as_py()
    except UnicodeError:                    # lone surrogates: Arrow cannot hold them
        most = column.dropna().astype(str).str.len().max()
    return 0 if most is None or most != most else int(most)


def date_serials(column: pd.Series) -> np.ndarray | None:
    """Excel date serials (days since 1899-12-30) of a column of dates, NaN where missing;
    None when the column does not hold dates (``datetime64``, or ``datetime.date`` objects).

    Examples
    --------
    >>> import datetime as dt
    >>> date_serials(pd.Series([dt.date(2026, 1, 2), None])).tolist()
    [46024.0, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.dt.tz_localize(None) if column.dt.tz is not None else column
    elif column.dtype == object and len(column):
        present = column.dropna()
        if not len(present) or not all(isinstance(v, dt.date) for v in present.tolist()):
            return None
        values = pd.to_datetime(column, errors="coerce")
    else:
        return None
    days = (values.to_numpy(dtype="datetime64[ns]") - _EPOCH) / np.timedelta64(1, "D")
    return days.astype(float)


def _arrow_texts(values) -> pa.Array:
    """Values as an Arrow string array (None, NaN and NA are nulls; other objects ``str()``)."""
    if isinstance(values, pd.Series):
        values = values.array if isinstance(values.dtype, pd.StringDtype) else values.to_numpy()
    if isinstance(values, pd.api.extensions.ExtensionArray):
        arr = pa.array(values, from_pandas=True)
    elif isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        values = np.asarray(values, dtype=object)
        try:
            arr = pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):       # numbers, dates... among texts
            arr = pa.array([None if v is None or v is pd.NA or v != v else str(v)
                            for v in values.tolist()], type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


def _escaped_texts(values) -> pa.Array:
    """:func:`cell_text` of every value, as an Arrow string array; "" where empty (nulls kept).

    The four XML replacements are Arrow kernels; the rare values that need more (control
    characters, text that reads ``_xHHHH_``, U+FFFE/U+FFFF) go through :func:`cell_text`.
    Values Arrow cannot hold (lone surrogates) make the whole column go through it.
    """
    try:
        arr = _arrow_texts(values)
    except UnicodeError:
        py = values.tolist() if hasattr(values, "tolist") else list(values)
        return pa.array([None if v is None or v is pd.NA or v != v else cell_text(str(v))
                         for v in py], type=pa.string())
    odd = pc.fill_null(pc.match_substring_regex(arr, _ODD_TEXT), False)
    if pc.any(odd).as_py():
        mask = odd.to_numpy(zero_copy_only=False)
        py = arr.to_pylist()
        slow = pa.array([cell_text(v) if m else None for v, m in zip(py, mask, strict=True)],
                        type=pa.string())
    else:
        slow = None
    if pc.any(pc.fill_null(pc.match_substring_regex(arr, '[&<>"]'), False)).as_py():
        for char, entity in _ENTITIES:
            arr = pc.replace_substring(arr, char, entity)
    return arr if slow is None else pc.if_else(odd, slow, arr)


def text_cells_arrow(values, styles: pa.Array) -> pa.Array:
    """:func:`text_cells` as an Arrow string array."""
    texts = _escaped_texts(values)
    empty = pc.fill_null(pc.equal(pc.binary_length(texts), 0), True)
    full = pc.binary_join_element_wise("<c", styles, ' t="inlineStr"><is><t xml:space="preserve">',
                                       texts, "</t></is></c>", "")
    return pc.if_else(empty, _empty_cells(styles), full)


def _empty_cells(styles: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise("<c", styles, "/>", "")


def number_cells_arrow(values: np.ndarray, styles: pa.Array) -> pa.Array:
    """:func:`number_cells` as an Arrow string array: shortest round-trip decimal of each
    number (``3`` for 3.0, the same double when read back)."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        texts = pa.array(values.astype(np.int64, copy=False)).cast(pa.string())
        bad = None
    else:
        numbers = values.astype(np.float64)
        bad = ~np.isfinite(numbers)
        texts = pa.array(np.where(bad, 0.0, numbers)).cast(pa.string())
    cells = pc.binary_join_element_wise("<c", styles, "><v>", texts, "</v></c>", "")
    if bad is not None and bad.any():
        cells = pc.if_else(pa.array(bad), _empty_cells(styles), cells)
    return cells


def _bool_cells_pa(values: np.ndarray, styles: pa.Array) -> pa.Array:
    digits = pa.array(np.where(np.asarray(values, dtype=bool), "1", "0"), type=pa.string())
    return pc.binary_join_element_wise("<c", styles, ' t="b"><v>', digits, "</v></c>", "")


def _styles_pa(styles) -> pa.Array:
    if isinstance(styles, pa.Array):
        return styles
    return pa.array(np.asarray(styles, dtype=object), type=pa.string())


def text_cells(values: np.ndarray, styles: np.ndarray) -> list[str]:
    """Inline-string cells (None, NaN and "" give empty cells), with their style attributes.

    A text is always a string cell, never a formula, whatever it starts with (``=``, ``+``...);
    it is escaped by :func:`cell_text`.

    ``styles`` holds a cell's style attribute (``' s="2"'``, or ``""``) per value, as
    :meth:`XlsxStream.styles` makes them.

    Examples
    --------
    >>> text_cells(np.array(["A&B", None], dtype=object), np.array(["", ' s="2"'], dtype=object))
    ['<c t="inlineStr"><is><t xml:space="preserve">A&amp;B</t></is></c>', '<c s="2"/>']
    """
    return text_cells_arrow(values, _styles_pa(styles)).to_pylist()


def number_cells(values: np.ndarray, styles: np.ndarray) -> list[str]:
    """Number cells (ints stay ints); NaN and infinities (no number in XLSX) give empty cells.

    Examples
    --------
    >>> number_cells(np.array([3, 4]), np.array(["", ""])), number_cells(np.array([np.nan]),
    ...                                                                    np.array([""]))
    (['<c><v>3</v></c>', '<c><v>4</v></c>'], ['<c/>'])
    """
    return number_cells_arrow(values, _styles_pa(styles)).to_pylist()


#: Height of a line of text (Calibri 11) in points, as spreadsheets set a row's.
LINE_HEIGHT = 15


#: Characters of text per unit of column width: a width counts digits ("0"), and a French text's
#: letters and spaces are narrower on average (LibreOffice's rendering of the Synthèse).
_CHARS_PER_WIDTH = 1.2
#: Width (in characters) a text's inset takes from its cell (see :meth:`XlsxStream.style`): an
#: indent, which LibreOffice draws as a left margin of 0.146 in (10.5 pt, two characters).
INSET_WIDTH = 2


def wrapped_lines(text: str, width: float) -> int:
    """The lines a text takes wrapped at word breaks within a column ``width`` wide (about
    1.2 characters per unit of width, a character short for the cell's margins), each of its
    own lines (a brief's TOML) wrapped apart.

    Examples
    --------
    >>> wrapped_lines("Projet Volta - gigafactory de batteries", 16), wrapped_lines("", 10)
    (3, 1)
    >>> wrapped_lines("name = 'Volta'\\n\\n[land]\\nmin_area_ha = 40.0", 60)
    4
    """
    per_line = max(1, int(width * _CHARS_PER_WIDTH) - 1)
    return sum(max(1, len(textwrap.wrap(line, per_line, break_long_words=True)))
               for line in text.split("\n"))


def wrapped_heights(frame: pd.DataFrame, columns: Iterable[str],
                    widths: dict[str, float]) -> np.ndarray:
    """Each row's height in points for its wrapped ``columns`` (:func:`wrapped_lines` of the
    tallest cell, times :data:`LINE_HEIGHT`): spreadsheets do not resize rows to wrapped text
    written by another program, so the file sets them.

    Examples
    --------
    >>> wrapped_heights(pd.DataFrame({"a": ["un deux trois", None]}), ["a"], {"a": 7}).tolist()
    [30.0, 15.0]
    """
    lines = np.ones(len(frame), dtype=float)
    for col in columns:
        texts = frame[col].astype(object).where(frame[col].notna(), "").astype(str).tolist()
        lines = np.maximum(lines, [wrapped_lines(t, widths[col]) for t in texts])
    return lines * LINE_HEIGHT


def rows_bytes(columns: Sequence, first_row: int,
               heights: Sequence[float] | None = None) -> memoryview:
    """Join column-wise cells (Arrow string arrays or lists of str) into ``<row>`` elements
    (row numbers from ``first_row``, of the given ``heights`` in points when given), as UTF-8
    bytes ready for the zip.

    The columns, the row openings and ``</row>`` are laid end to end in one Arrow array, which
    one ``take`` reads back row by row: its data buffer is the XML.

    Examples
    --------
    >>> bytes(rows_bytes([["<c/>"], pa.array(["<c><v>1</v></c>"])], 7))
    b'<row r="7"><c/><c><v>1</v></c></row>'
    """
    cols = [c if isinstance(c, pa.Array) else pa.array(c, type=pa.string()) for c in columns]
    n = len(cols[0]) if cols else 0
    if not n:
        return memoryview(b"")
    numbers = pa.array(np.arange(first_row, first_row + n, dtype=np.int64)).cast(pa.string())
    if heights is None:
        opening = pc.binary_join_element_wise('<row r="', numbers, '">', "")
    else:
        points = pa.array([f"{h:g}" for h in heights], type=pa.string())
        opening = pc.binary_join_element_wise('<row r="', numbers, '" ht="', points,
                                              '" customHeight="1">', "")
    return laid_out([opening, *cols], n)


def laid_out(parts: Sequence[pa.Array], n: int, closing: str = "</row>",
             index: np.ndarray | None = None) -> memoryview:
    """The UTF-8 bytes of ``n`` rows, row ``i`` being ``parts[0][i] + parts[1][i] + ... +
    closing``; ``index`` (rows x columns), when given, instead picks row ``i``'s pieces from
    the parts laid end to end (``parts`` then ``closing``)."""
    table = pa.concat_arrays([p.cast(pa.string()) if p.type != pa.string() else p
                              for p in parts] + [pa.array([closing], type=pa.string())])
    if table.null_count:
        raise ValueError("cellule manquante (valeur nulle) dans une ligne")
    if index is None:
        k = len(parts)
        index = np.empty((n, k + 1), dtype=np.int64)
        index[:, :k] = np.arange(n)[:, None] + n * np.arange(k)[None, :]
        index[:, k] = len(table) - 1
    return text_bytes(table.take(pa.array(index.ravel())))


def text_bounds(values: pa.Array) -> tuple[np.ndarray, pa.Buffer | None]:
    """An Arrow ``string`` or ``large_string`` array's cell offsets (one more than its cells:
    cell ``i`` is ``data[bounds[i]:bounds[i + 1]]``) and its data buffer, read in place."""
    _, offsets, data = values.buffers()
    wide = pa.types.is_large_string(values.type)
    bounds = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)
    return bounds[values.offset:values.offset + len(values) + 1], data


def text_bytes(values: pa.Array) -> memoryview:
    """The UTF-8 bytes of an Arrow string array's cells laid end to end, without a copy."""
    bounds, data = text_bounds(values)
    return memoryview(data)[int(bounds[0]):int(bounds[-1])]


def rows_xml(columns: list[list[str]], first_row: int,
             heights: Sequence[float] | None = None) -> str:
    """Join column-wise cell strings into ``<row>`` elements (row numbers from ``first_row``),
    of the given ``heights`` in points when given (else the spreadsheet's default).

    Examples
    --------
    >>> rows_xml([["<c/>", "<c/>"], ["<c><v>1</v></c>", "<c><v>2</v></c>"]], 2)
    '<row r="2"><c/><c><v>1</v></c></row><row r="3"><c/><c><v>2</v></c></row>'
    >>> rows_xml([["<c/>"]], 2, heights=[30])
    '<row r="2" ht="30" customHeight="1"><c/></row>'
    """
    return bytes(rows_bytes(columns, first_row, heights)).decode()


@dataclass
class Sheet:
    """A sheet for :func:`write_xlsx` or :meth:`XlsxStream.frame_sheet`.

    Attributes
    ----------
    name : str
        The sheet's name (valid for Excel: at most 31 characters, none of ``[]:*?/\\``).
    frame : DataFrame
        Its columns; the header row is the column names. Numbers become number cells, booleans
        boolean cells, dates date cells (serials with a date format), anything else text.
    widths : sequence of float, optional
        Column widths (in characters); by default from the header's length (8 to 30).
    freeze_cols : int, default 0
        Columns frozen at the left, besides the header row.
    row_fills : array of int, optional
        Per row, the index of its fill among the workbook's ``fills`` (-1: none).
    shared_columns : sequence of str
        Columns written as shared strings (their values must be among the workbook's ``shared``;
        others fall back to inline strings).
    formats : mapping of str to str, optional
        Number formats per column (Excel codes); by default from the column's name
        (:func:`column_format`). Date columns are date serials shown ``jj/mm/aaaa``.
    wrap_columns : sequence of str
        Columns whose long texts wrap within the column's width; when any, every cell of the
        sheet wraps and is top-aligned (the header row too), and each row's height is set to its
        tallest wrapped text (:func:`wrapped_heights`: spreadsheets do not resize the rows of a
        file they open).
    """

    name: str
    frame: pd.DataFrame
    widths: Sequence[float] | None = None
    freeze_cols: int = 0
    row_fills: np.ndarray | None = None
    shared_columns: Sequence[str] = ()
    formats: dict[str, str] | None = None
    wrap_columns: Sequence[str] = ()


def write_xlsx(path: str | os.PathLike, sheets: Iterable[Sheet], *, fills: Sequence[str] = (),
               shared: Sequence[str] = (), limit_hint: str | None = None) -> Path:
    """Write data frames to an XLSX workbook, a sheet each, atomically.

    Parameters
    ----------
    path : path
        The workbook to write (a temporary file beside it is renamed at the end).
    sheets : iterable of Sheet
    fills : sequence of str
        The row fills (``#rrggbb``) that sheets' ``row_fills`` refer to.
    shared : sequence of str
        The shared strings (texts repeated on many rows).
    limit_hint : str, optional
        What to do instead, said when a sheet exceeds Excel's limits.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    with atomic_write(path) as tmp, XlsxStream(tmp, fills=fills, shared=shared,
                                               limit_hint=limit_hint) as book:
        for sheet in sheets:
            book.frame_sheet(sheet)
    return path


class XlsxStream:
    """A streaming XLSX writer: sheets go straight into the zip, one after the other.

    A sheet may be written before those that come before it in the workbook (``place=``):
    a batch writes each brief's sheet as soon as the brief is matched, and the summary, which
    comes first, once they all are.

    Parameters
    ----------
    path : path
        The file to write (written in place: wrap it in :func:`~foncier.io.atomic.atomic_write`
        for an atomic write). Used as a context manager, the workbook is closed at the end of
        the ``with`` block, or abandoned (the file left incomplete) on an error.
    fills : sequence of str
        The row fills (``#rrggbb``), referred to by their index.
    shared : sequence of str
        The shared strings.
    header_fill : str
        The header row's fill.
    limit_hint : str, optional
        What to do instead, said when a sheet exceeds Excel's limits.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl, numpy as np
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "flux.xlsx"
    >>> with XlsxStream(out, fills=[palette.STATUS_TINT["to_check"]]) as book:
    ...     styles = book.styles(np.array([0, -1]))
    ...     cells = [text_cells(np.array(["P1", "P2"], dtype=object), styles)]
    ...     book.sheet("Terrains", ["plot_id"], [rows_xml(cells, 2)], n_rows=2, widths=[10])
    >>> ws = openpyxl.load_workbook(out)["Terrains"]
    >>> [c.value for c in ws["A"]], ws["A2"].fill.fgColor.rgb
    (['plot_id', 'P1', 'P2'], 'FFFFE699')
    """

    def __init__(self, path: str | os.PathLike, *, fills: Sequence[str] = (),
                 shared: Sequence[str] = (), header_fill: str = palette.HEADER_TINT_HEX,
                 limit_hint: str | None = None):
        self.fills = list(fills)
        self.header_fill = header_fill
        self.shared = list(shared)
        self.shared_index = {t: i for i, t in enumerate(self.shared)}
        self.limit_hint = limit_hint or ("répartissez les données sur plusieurs feuilles ou "
                                         "choisissez un autre format.")
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        #: The sheets written: (place in the workbook, name, auto-filter range, columns
        #: repeated at the left of each printed page).
        self.sheets: list[tuple[int, str, str, int]] = []
        #: Cell formats after the default and the header: (fill, or -1 for none, or
        #: :data:`_HEADER_FILL` for the header's fill and bold font; number format or None;
        #: whether the text wraps; whether its text is inset from the left edge). The fills'
        #: inset texts first, the most frequent cells (a batch's Matrice has 20 million), so
        #: that their styles and those made next are one digit.
        self._xfs: list[tuple[int, str | None, bool, bool]] = [
            (k, None, False, True) for k in range(len(self.fills))]
        self._xf_index = {xf: _FIRST_FILL_STYLE + i for i, xf in enumerate(self._xfs)}
        self._attrs_by_format: dict[tuple[str | None, bool, bool], np.ndarray] = {}
        self._attrs_pa: dict[tuple[str | None, bool, bool], pa.Array] = {}
        self._shared_pa: pa.Array | None = None
        #: The threads that compress a sheet's pieces while the next ones are built.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="xlsx-zip")

    def __enter__(self) -> XlsxStream:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # ------------------------------------------------------------------ cells

    def style(self, fill: int, number_format: str | None = None, wrap: bool = False,
              inset: bool = False) -> int:
        """The style index (``s``) of cells with the workbook's fill number ``fill`` (-1: none)
        and a number format (None: general), their text wrapped when ``wrap``; with ``inset``,
        left-aligned one indent from the cell's left edge (texts: the right-aligned figures of
        the column before would otherwise touch them, « 23.00respecté »; LibreOffice reads an
        indent as a left margin only, so numbers cannot be kept off the other way)."""
        if fill == -1 and number_format is None and not wrap and not inset:
            return 0
        if fill == _HEADER_FILL and number_format is None and not wrap and not inset:
            return _STYLE_HEADER
        key = (fill, number_format, wrap, inset)
        if key not in self._xf_index:
            self._xf_index[key] = _FIRST_FILL_STYLE + len(self._xfs)
            self._xfs.append(key)
        return self._xf_index[key]

    def _attrs(self, number_format: str | None, wrap: bool = False,
               inset: bool = False) -> np.ndarray:
        key = (number_format, wrap, inset)
        if key not in self._attrs_by_format:
            attrs = [self.style(k, number_format, wrap, inset) for k in range(len(self.fills))]
            attrs.append(self.style(-1, number_format, wrap, inset))
            self._attrs_by_format[key] = np.array(
                [f' s="{a}"' if a else "" for a in attrs], dtype=object)
        return self._attrs_by_format[key]

    def styles(self, fills: np.ndarray | None, n: int | None = None,
               number_format: str | None = None, wrap: bool = False,
               inset: bool = False) -> np.ndarray:
        """Style attributes per row, from fill numbers (-1: no fill), a number format,
        whether the text wraps and whether the cells are inset texts (see :meth:`style`);
        all unfilled when ``fills`` is None (then ``n`` gives the number of rows)."""
        attrs = self._attrs(number_format, wrap, inset)
        if fills is None:
            return np.full(n or 0, attrs[-1], dtype=object)
        return attrs[np.asarray(fills, dtype=np.int64)]

    def styles_pa(self, fills: np.ndarray | None, n: int | None = None,
                  number_format: str | None = None, wrap: bool = False,
                  inset: bool = False) -> pa.Array:
        """:meth:`styles` as an Arrow string array (for the cell builders' Arrow kernels)."""
        key = (number_format, wrap, inset)
        attrs = self._attrs(*key)
        if key not in self._attrs_pa:
            self._attrs_pa[key] = pa.array(attrs, type=pa.string())
        table = self._attrs_pa[key]
        if fills is None:
            index = np.full(n or 0, len(attrs) - 1, dtype=np.int64)
        else:
            index = np.asarray(fills, dtype=np.int64)
            index = np.where(index < 0, len(attrs) - 1, index)
        return table.take(pa.array(index))

    def shared_cells(self, values: np.ndarray, styles: np.ndarray) -> list[str]:
        """Cells of shared strings; a value not among them gives an inline-string cell."""
        return self._shared_cells_pa(values, _styles_pa(styles)).to_pylist()

    def _shared_cells_pa(self, values, styles: pa.Array) -> pa.Array:
        """:meth:`shared_cells` as an Arrow string array (one hash lookup per value)."""
        if self._shared_pa is None:
            self._shared_pa = pa.array(self.shared, type=pa.string())
        try:
            texts = _arrow_texts(values)
        except UnicodeError:                # not among the shared strings: written inline
            return text_cells_arrow(values, styles)
        index = pc.index_in(texts, value_set=self._shared_pa)
        cells = pc.binary_join_element_wise("<c", styles, ' t="s"><v>', index.cast(pa.string()),
                                            "</v></c>", "")
        if index.null_count:                # rare: texts outside the table, written inline
            cells = pc.if_else(pc.is_null(index), text_cells_arrow(values, styles), cells)
        return cells

    def frame_rows(self, frame: pd.DataFrame, *, row_fills: np.ndarray | None = None,
                   shared_columns: Sequence[str] = (), first_row: int = 2,
                   formats: dict[str, str] | None = None, wrap_columns: Sequence[str] = (),
                   widths: Sequence[float] | None = None) -> Iterator[memoryview]:
        """A data frame's rows as XML chunks (UTF-8) of :data:`CHUNK_ROWS` rows (see
        :class:`Sheet`), each cell column built by Arrow kernels (no Python per cell).

        With ``wrap_columns``, every cell is top-aligned with its text wrapped, and each row gets
        the height of its wrapped texts in those columns of ``widths``."""
        by_name = dict(zip(frame.columns, widths or (), strict=False))
        top = bool(wrap_columns)     # then every cell is top-aligned, beside the wrapped texts
        wrap_columns = [c for c in wrap_columns if c in by_name]
        shared_columns, wrap_columns = set(shared_columns), set(wrap_columns)
        kinds = {}
        for col in frame.columns:        # per column: dates as serials, its number format, and
            column = frame[col]          # whether its cells are texts (inset, see style())
            serials = None if col in shared_columns else date_serials(column)
            fmt = (formats or {}).get(col, column_format(col))
            text = serials is None and (col in shared_columns or not (
                pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)))
            kinds[col] = (serials, DATE_FORMAT if serials is not None else fmt, text)
        # The width a wrapped text has: its column's, less the inset of a text (see style()).
        room = {c: by_name[c] - INSET_WIDTH * kinds[c][2] for c in wrap_columns}
        for start in range(0, len(frame), CHUNK_ROWS):
            part = frame.iloc[start:start + CHUNK_ROWS]
            fills = None if row_fills is None else row_fills[start:start + CHUNK_ROWS]
            cells = []
            for col in frame.columns:
                serials, fmt, text = kinds[col]
                styles = self.styles_pa(fills, len(part), fmt, top, text)
                if serials is not None:
                    cells.append(number_cells_arrow(serials[start:start + CHUNK_ROWS], styles))
                else:
                    cells.append(self._column_cells(part[col], styles, col in shared_columns))
            heights = (wrapped_heights(part, wrap_columns, room) if wrap_columns else None)
            yield rows_bytes(cells, first_row + start, heights)

    def _column_cells(self, column: pd.Series, styles: pa.Array, shared: bool) -> pa.Array:
        if shared:
            return self._shared_cells_pa(column, styles)
        if pd.api.types.is_bool_dtype(column):
            cells = _bool_cells_pa(column.to_numpy(dtype=bool, na_value=False), styles)
            missing = column.isna().to_numpy()
            return pc.if_else(pa.array(missing), _empty_cells(styles), cells) if missing.any() \
                else cells
        if pd.api.types.is_numeric_dtype(column):
            if column.dtype.kind in "iu":
                return number_cells_arrow(column.to_numpy(), styles)
            return number_cells_arrow(column.to_numpy(dtype=np.float64, na_value=np.nan), styles)
        return text_cells_arrow(column, styles)

    # ------------------------------------------------------------------ sheets

    def frame_sheet(self, sheet: Sheet, *, place: int | None = None) -> None:
        """Write a :class:`Sheet` (a data frame): the next sheet, or the one at ``place``
        (see :meth:`sheet`)."""
        header = [str(c) for c in sheet.frame.columns]
        widths = (sheet.widths if sheet.widths is not None
                  else [max(8, min(30, len(h) + 2)) for h in header])
        self.sheet(sheet.name, header,
                   self.frame_rows(sheet.frame, row_fills=sheet.row_fills,
                                   shared_columns=sheet.shared_columns,
                                   formats=sheet.formats, wrap_columns=sheet.wrap_columns,
                                   widths=widths),
                   n_rows=len(sheet.frame), widths=widths, freeze_cols=sheet.freeze_cols,
                   wrap_header=bool(sheet.wrap_columns), place=place)

    def sheet(self, name: str, header: Sequence[str], chunks: Iterable[str], *, n_rows: int,
              widths: Sequence[float], freeze_cols: int = 0, wrap_header: bool = False,
              place: int | None = None) -> None:
        """Write a sheet: its header row (its texts wrapped when ``wrap_header``), then
        the ``n_rows`` rows of ``chunks`` (XML ``<row>`` elements numbered from 2), with a
        frozen pane, an auto-filter and the print setup.

        ``place`` is the sheet's position among the workbook's tabs (0: the first, the one
        selected when the workbook opens); by default the next after the sheets written. The
        places of a workbook's sheets, however written, must be 0, 1, 2... when it is closed.
        """
        place = len(self.sheets) if place is None else place
        if place < 0 or any(p == place for p, *_ in self.sheets):
            raise ValueError(f"sheet place {place} already taken or negative")
        n_cols = len(header)
        if n_rows + 1 > EXCEL_MAX_ROWS or n_cols > EXCEL_MAX_COLS:
            from foncier.wording import counted

            raise OutputError(f"feuille « {name} » : {counted(n_rows, 'ligne')} × "
                              f"{counted(n_cols, 'colonne')} dépassent les limites d'Excel "
                              "(1\u202f048\u202f576 lignes × 16\u202f384 colonnes) : "
                              f"{self.limit_hint}")
        ref = f"A1:{column_letters(max(n_cols, 1) - 1)}{n_rows + 1}"
        # The part is named after the place (sheet1.xml is the first tab), whatever the order
        # the parts are written in.
        with self.zip.open(f"xl/worksheets/sheet{place + 1}.xml", "w", force_zip64=True) as f:
            if getattr(f, "_compressor", None) is not None:    # CPython's zipfile: deflated
                f._compressor = _ParallelDeflate(self._pool)   # on two threads instead
            # The header inset as the texts under it (see style()), unless it wraps: its
            # words, fitted to the columns' widths, would then break inside.
            f.write(self._sheet_head(header, ref, widths, freeze_cols,
                                     self.style(_HEADER_FILL, None, wrap_header,
                                                inset=not wrap_header),
                                     selected=place == 0, wrapped=wrap_header).encode())
            _write_chunks(f, chunks)
            pages_wide = print_pages_wide(widths, title_cols=freeze_cols)
            f.write(f'</sheetData><autoFilter ref="{ref}"/>{_print_setup(pages_wide)}'
                    '</worksheet>'.encode())
        titles = repeated_columns(widths, freeze_cols) if pages_wide > 1 else 0
        self.sheets.append((place, name, ref, titles))

    def _sheet_head(self, header: Sequence[str], ref: str, widths: Sequence[float],
                    freeze_cols: int, header_style: int = _STYLE_HEADER, *,
                    selected: bool = False, wrapped: bool = False) -> str:
        """A worksheet's XML up to its header row: dimension, frozen pane, column widths."""
        top_left = f"{column_letters(freeze_cols)}2"
        pane_kind = "bottomRight" if freeze_cols else "bottomLeft"
        x_split = f' xSplit="{freeze_cols}"' if freeze_cols else ""
        tab = ' tabSelected="1"' if selected else ""
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths, start=1))
        head = "".join(f'<c s="{header_style}" t="inlineStr"><is><t>{cell_text(h)}</t></is></c>'
                       for h in header)
        height = ""
        if wrapped:                              # a wrapped header (bold: a character wider)
            lines = max((wrapped_lines(h, w - 1) for h, w in zip(header, widths, strict=False)),
                        default=1)
            height = f' ht="{lines * LINE_HEIGHT:g}" customHeight="1"'
        return (f"{_XML_HEAD}<worksheet {_NS}>{_SHEET_PR}<dimension ref=\"{ref}\"/>"
                f"<sheetViews><sheetView workbookViewId=\"0\"{tab}>"
                f"<pane{x_split} ySplit=\"1\" topLeftCell=\"{top_left}\" "
                f"activePane=\"{pane_kind}\" state=\"frozen\"/>"
                f"<selection pane=\"{pane_kind}\"/></sheetView></sheetViews>"
                f"<sheetFormatPr defaultRowHeight=\"15\"/><cols>{cols}</cols><sheetData>"
                f"<row r=\"1\"{height}>{head}</row>")

    # ------------------------------------------------------------------ workbook

    def close(self) -> None:
        """Write the workbook's parts (sheet list, relations, styles, shared strings)."""
        self.sheets.sort()
        if [p for p, *_ in self.sheets] != list(range(len(self.sheets))):
            self.abort()
            raise ValueError("the sheets' places leave a gap: "
                             f"{[p for p, *_ in self.sheets]}")
        self._pool.shutdown()
        self.zip.writestr("xl/workbook.xml", self._workbook_xml())
        self.zip.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
        self.zip.writestr("_rels/.rels", (
            f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        self.zip.writestr("[Content_Types].xml", self._content_types())
        self.zip.writestr("xl/styles.xml", self._styles_xml())
        sst = "".join(f"<si><t>{cell_text(t)}</t></si>" for t in self.shared)
        self.zip.writestr("xl/sharedStrings.xml", (
            f'{_XML_HEAD}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'uniqueCount="{len(self.shared)}">{sst}</sst>'))
        self.zip.close()

    def abort(self) -> None:
        """Stop writing (the file is left incomplete: remove it, or let atomic_write do so).

        Nothing more is written: after a write error (a full disk) the zip's closing records
        would fail again, and Python would print that failure later, when the zip is collected.
        """
        self._pool.shutdown(cancel_futures=True)
        self.zip._didModify = False     # no closing records: the file is thrown away anyway
        try:
            self.zip.close()
        except (OSError, ValueError):
            pass

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet name="{xml_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, (_, name, *_) in enumerate(self.sheets, start=1))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{xml_text(_quote_sheet(name))}!{_absolute(ref)}</definedName>"
            for i, (_, name, ref, _) in enumerate(self.sheets))
        filters += "".join(            # the header row (and the repeated columns) on every page
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f"{_print_titles(_quote_sheet(name), titles)}</definedName>"
            for i, (_, name, _, titles) in enumerate(self.sheets))
        return (f"{_XML_HEAD}<workbook {_NS}><bookViews><workbookView/></bookViews>"
                f"<sheets>{sheets}</sheets><definedNames>{filters}</definedNames></workbook>")

    def _workbook_rels(self) -> str:
        n = len(self.sheets)
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                       f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                 f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" '
                 'Target="sharedStrings.xml"/>')
        return (f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                f'2006/relationships">{rels}</Relationships>')

    def _content_types(self) -> str:
        over = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                       f'ContentType="{_CT}.worksheet+xml"/>'
                       for i in range(1, len(self.sheets) + 1))
        return (f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                f'ContentType="{_CT}.sheet.main+xml"/>{over}<Override '
                f'PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/><Override '
                f'PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
                '</Types>')

    def _styles_xml(self) -> str:
        """Number formats; fills: none, gray125 (both required), the row fills, the header's;
        cell styles: default, header (bold, its fill), then one per (row fill, number format)."""
        colours = [*self.fills, self.header_fill]
        fills = "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{_argb(c)}"/>'
            '<bgColor indexed="64"/></patternFill></fill>' for c in colours)
        header_fill = 2 + len(self.fills)
        codes = list(dict.fromkeys(f for _, f, _, _ in self._xfs if f is not None))
        fmt_id = {code: 164 + i for i, code in enumerate(codes)}
        numfmts = "".join(f'<numFmt numFmtId="{fmt_id[c]}" formatCode="{xml_text(c)}"/>'
                          for c in codes)
        numfmts = f'<numFmts count="{len(codes)}">{numfmts}</numFmts>' if codes else ""
        xfs = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
               f'<xf numFmtId="0" fontId="1" fillId="{header_fill}" borderId="0" xfId="0" '
               'applyFont="1" applyFill="1"/>')
        for fill, code, wrap, inset in self._xfs:
            num = fmt_id[code] if code is not None else 0
            fill_id = header_fill if fill == _HEADER_FILL else 2 + fill if fill >= 0 else 0
            font = 1 if fill == _HEADER_FILL else 0
            apply = (' applyFont="1"' if font else "") + (
                ' applyFill="1"' if fill_id else "") + (
                ' applyNumberFormat="1"' if code is not None else "")
            align = ""
            if wrap or inset:
                apply += ' applyAlignment="1"'
                align = ('<alignment' + (' horizontal="left" indent="1"' if inset else "")
                         + (' vertical="top" wrapText="1"' if wrap else "") + "/>")
            xfs += (f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill_id}" borderId="0" '
                    f'xfId="0"{apply}>{align}</xf>' if align else
                    f'<xf numFmtId="{num}" fontId="{font}" fillId="{fill_id}" borderId="0" '
                    f'xfId="0"{apply}/>')
        return (f'{_XML_HEAD}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                f'2006/main">{numfmts}<fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
                '<family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/>'
                f'<family val="2"/></font></fonts><fills count="{2 + len(colours)}"><fill>'
                '<patternFill patternType="none"/></fill><fill><patternFill '
                f'patternType="gray125"/></fill>{fills}</fills><borders count="1"><border><left/>'
                '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
                '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{2 + len(self._xfs)}">{xfs}</cellXfs><cellStyles count="1">'
                '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _write_chunks(f, chunks: Iterable[str | bytes | memoryview]) -> None:
    """Write XML chunks into a zip member (compressed by its :class:`_ParallelDeflate`, when
    it has one, while the next chunk is built)."""
    for chunk in chunks:
        f.write(chunk.encode() if isinstance(chunk, str) else chunk)


def _deflate_part(data, level: int) -> bytes:
    """One piece of a raw deflate stream: its blocks, ended by a sync flush (byte-aligned, not
    final), so that pieces compressed apart can be laid one after the other."""
    c = _DEFLATE.compressobj(level, _DEFLATE.DEFLATED, -15)
    return c.compress(data) + c.flush(_DEFLATE.Z_SYNC_FLUSH)


class _ParallelDeflate:
    """A zip member's compressor that deflates its pieces on a pool of threads (zlib releases
    the GIL), as pigz does: each piece apart, joined in order, closed by an empty final block.

    :mod:`zipfile` still computes the CRC and the sizes of the data it is given. Small writes
    are gathered into pieces of about 1 MiB; at most ``ahead`` pieces wait.
    """

    PIECE = 1 << 20
    _FINAL = b"\x03\x00"                 # an empty final block (fixed Huffman codes)

    def __init__(self, pool: ThreadPoolExecutor, level: int | None = None, ahead: int = 4):
        level = _DEFLATE_LEVEL if level is None else level
        self.pool, self.level, self.ahead = pool, level, ahead
        self.jobs: deque[Future] = deque()
        self.small = bytearray()

    def _submit(self, data) -> None:
        self.jobs.append(self.pool.submit(_deflate_part, data, self.level))

    def compress(self, data) -> bytes:
        if len(data) < self.PIECE:
            self.small += data
            if len(self.small) < self.PIECE:
                return b""
            data, self.small = bytes(self.small), bytearray()
        elif self.small:
            self._submit(bytes(self.small))
            self.small = bytearray()
        self._submit(data)
        out = []
        while self.jobs and (self.jobs[0].done() or len(self.jobs) > self.ahead):
            out.append(self.jobs.popleft().result())
        return b"".join(out)

    def flush(self) -> bytes:
        if self.small:
            self._submit(bytes(self.small))
            self.small = bytearray()
        out = [job.result() for job in self.jobs]
        self.jobs.clear()
        return b"".join(out) + self._FINAL

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()
        self.jobs.clear()


def _argb(hex_colour: str) -> str:
    """``#rrggbb`` as Excel's ``RRGGBB`` (the alpha ``FF`` is added by the caller)."""
    return "".join(f"{c:02X}" for c in palette.rgb(hex_colour))


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _print_titles(sheet: str, columns: int) -> str:
    """The ``_xlnm.Print_Titles`` of a quoted sheet name: its first ``columns`` columns, if
    any, and its header row (XML-escaped)."""
    rows = f"{sheet}!$1:$1"
    if columns:
        rows = f"{sheet}!$A:${column_letters(columns - 1)},{rows}"
    return xml_text(rows)


def _absolute(ref: str) -> str:
    a, b = ref.split(":")
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", x) for x in (a, b))
