"""The streaming XLSX writer (foncier.io.xlsx), read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import doctest
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

import foncier.io.atomic
import foncier.io.xlsx
from foncier import palette
from foncier.errors import OutputError
from foncier.io.xlsx import CHUNK_ROWS, LINE_HEIGHT, Sheet, XlsxStream, write_xlsx

FILLS = [palette.STATUS_TINT["match"], palette.STATUS_TINT["no_match"]]


def _argb(hex_colour: str) -> str:
    return "FF" + hex_colour.lstrip("#").upper()


def _values(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_columns_of_every_kind_read_back(tmp_path):
    frame = pd.DataFrame({
        "plot_id": ["P1", "P<2>&", None],
        "rank": [1, 2, 3],
        "score": [12.5, np.nan, 0.0],
        "gas": [True, False, True],
        "available_from": pd.to_datetime(["2026-01-31", "2027-06-01", "2026-03-02"]),
        "status": ["match", "no_match", "inconnu"],
    })
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("Terrains", frame, shared_columns=["status"])],
                     shared=["match", "no_match"])
    ws = openpyxl.load_workbook(out)["Terrains"]
    assert _values(ws) == [
        ["plot_id", "rank", "score", "gas", "available_from", "status"],
        ["P1", 1, 12.5, True, dt.datetime(2026, 1, 31), "match"],      # dates are dates
        ["P<2>&", 2, None, False, dt.datetime(2027, 6, 1), "no_match"],
        [None, 3, 0, True, dt.datetime(2026, 3, 2), "inconnu"],  # not shared: inline text
    ]
    assert ws["E2"].number_format == "dd/mm/yyyy" and ws["C2"].number_format == "0.0"
    assert list(tmp_path.iterdir()) == [out]


def test_texts_are_inset_so_that_figures_before_them_do_not_touch_them(tmp_path):
    """Text cells (shared or inline) are left-aligned one indent from their cell's edge, so
    that the right-aligned figures of the column before never touch them (« 23.00respecté »),
    and the header with them unless it wraps; wrapped texts too, their rows as tall as their
    lines at the width the inset leaves; numbers, dates and booleans keep the spreadsheet's own
    alignment; fills and formats are kept."""
    frame = pd.DataFrame({"rank": [1, 2], "net_area_ha": [23.0, 1.5], "area": ["pass", "fail"],
                          "gas": [True, False], "status": ["match", "match"],
                          "available_from": pd.to_datetime(["2026-01-31", "2027-06-01"]),
                          "reasons": ["Long texte.", ""]})
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("Terrains", frame, row_fills=np.array([0, -1]),
                                                 shared_columns=["status"])],
                     fills=[palette.STATUS_TINT["match"]], shared=["match"])
    ws = openpyxl.load_workbook(out)["Terrains"]
    for ref in ("C2", "C3", "E2"):
        assert (ws[ref].alignment.horizontal, ws[ref].alignment.indent) == ("left", 1), ref
    for ref in ("A2", "B2", "B3", "D2", "F2"):
        assert ws[ref].alignment.horizontal is None and not ws[ref].alignment.indent, ref
    for ref in ("A1", "C1"):                    # the header as the texts under it, bold
        assert ws[ref].alignment.indent == 1 and ws[ref].font.b, ref
    assert ws["B2"].number_format == "0.00" and ws["F2"].number_format == "dd/mm/yyyy"
    assert ws["C2"].fill.fgColor.rgb == "FF" + palette.STATUS_TINT["match"].lstrip("#").upper()
    assert ws["C3"].fill.fill_type is None
    wrapped = write_xlsx(tmp_path / "w.xlsx", [Sheet("T", frame, wrap_columns=["reasons"])])
    ws = openpyxl.load_workbook(wrapped)["T"]
    for ref in ("G2", "C2"):                    # a wrapped text, a text
        assert ws[ref].alignment.wrap_text and ws[ref].alignment.indent == 1, ref
    assert ws["A1"].alignment.wrap_text and not ws["A1"].alignment.indent   # a wrapped header
    assert ws["B2"].alignment.wrap_text and not ws["B2"].alignment.indent
    wide = write_xlsx(tmp_path / "h.xlsx", [Sheet("T", pd.DataFrame({"t": ["un deux trois"]}),
                                                  widths=[12], wrap_columns=["t"])])
    # 12 wide holds « un deux trois » (13 characters) on one line, not once inset by 2.
    assert openpyxl.load_workbook(wide)["T"].row_dimensions[2].height == 2 * LINE_HEIGHT


def test_header_pane_filter_widths_and_row_fills(tmp_path):
    frame = pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3], "c": ["", "", ""]})
    sheet = Sheet("Feuille 'A'", frame, widths=[20, 7, 40], freeze_cols=2,
                  row_fills=np.array([1, -1, 0]))
    out = write_xlsx(tmp_path / "t.xlsx", [sheet, Sheet("Deux", frame)], fills=FILLS)
    wb = openpyxl.load_workbook(out)
    ws = wb["Feuille 'A'"]
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == "A1:C4"
    assert [ws.column_dimensions[k].width for k in "ABC"] == [20, 7, 40]
    assert all(c.font.b for c in ws[1])
    assert {c.fill.fgColor.rgb for c in ws[1]} == {_argb(palette.HEADER_TINT_HEX)}
    assert [ws.cell(r, 2).fill.fgColor.rgb for r in (2, 4)] == [_argb(FILLS[1]), _argb(FILLS[0])]
    assert ws.cell(3, 2).fill.fill_type is None
    second = wb["Deux"]
    assert second.freeze_panes == "A2" and second.auto_filter.ref == "A1:C4"
    assert [second.column_dimensions[k].width for k in "ABC"] == [8, 8, 8]   # from the header
    with zipfile.ZipFile(out) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert "'Feuille ''A'''!$A$1:$C$4" in workbook            # the filter's defined name


def test_rows_are_streamed_in_chunks_and_numbered_on(tmp_path):
    n = CHUNK_ROWS + 3
    frame = pd.DataFrame({"i": np.arange(n), "t": [f"r{i}" for i in range(n)]})
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("Long", frame)])
    book = openpyxl.load_workbook(out, read_only=True)      # keeps the file open: close it
    try:
        rows = list(book["Long"].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()
    assert rows == [(i, f"r{i}") for i in range(n)]


def test_control_characters_are_escaped_as_the_format_asks(tmp_path):
    frame = pd.DataFrame({"note": ["bip\x07 ok\tfin", "a\rb", "_x0041_", "\x00\x1f"]})
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("S\x01", frame)])
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["S"]                       # names cannot be escaped: dropped
    assert [r[0] for r in _values(wb["S"])[1:]] == ["bip_x0007_ ok\tfin", "a_x000D_b",
                                                    "_x005F_x0041_", "_x0000__x001F_"]


def test_too_many_columns_exceed_excel_and_leave_no_file(tmp_path):
    frame = pd.DataFrame(np.zeros((1, 16_385)))
    with pytest.raises(OutputError, match="feuille « Large » : 1 ligne × 16\u202f385 colonnes "
                                          r"dépassent les limites d'Excel .* : écrivez moins\."):
        write_xlsx(tmp_path / "t.xlsx", [Sheet("Large", frame)], limit_hint="écrivez moins.")
    assert list(tmp_path.iterdir()) == []


def test_too_many_rows_are_refused_before_writing(tmp_path):
    with XlsxStream(tmp_path / "t.xlsx") as book:
        with pytest.raises(OutputError, match="1\u202f048\u202f576 lignes × 1 colonne .* plusieurs "
                                              r"feuilles"):
            book.sheet("Haute", ["a"], [], n_rows=1_048_576, widths=[8])
        book.sheet("Basse", ["a"], [], n_rows=0, widths=[8])
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["Basse"]


def test_sheets_written_out_of_order_take_their_places(tmp_path):
    out = tmp_path / "t.xlsx"
    with XlsxStream(out) as book:
        for place, name in [(2, "Trois"), (0, "Un"), (1, "Deux")]:
            book.frame_sheet(Sheet(name, pd.DataFrame({"n": [place]})), place=place)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Un", "Deux", "Trois"]
    assert [ws["A2"].value for ws in wb] == [0, 1, 2]
    assert [ws.auto_filter.ref for ws in wb] == ["A1:A2"] * 3
    assert [bool(ws.sheet_view.tabSelected) for ws in wb] == [True, False, False]
    with zipfile.ZipFile(out) as z:                 # parts named after their places
        assert re.search(r'<c( s="\d+")?><v>0</v></c>', z.read("xl/worksheets/sheet1.xml").decode())
        book = z.read("xl/workbook.xml").decode()
    assert """<definedName name="_xlnm._FilterDatabase" localSheetId="2" hidden="1">'Trois'!""" \
        in book


def test_a_taken_or_missing_place_is_refused_and_leaves_no_file(tmp_path):
    frame = pd.DataFrame({"n": [1]})
    target = tmp_path / "t.xlsx"
    with foncier.io.atomic.atomic_write(target) as tmp, XlsxStream(tmp) as book:
        book.frame_sheet(Sheet("A", frame), place=0)
        with pytest.raises(ValueError, match="sheet place 0 already taken"):
            book.frame_sheet(Sheet("B", frame), place=0)
        book.frame_sheet(Sheet("B", frame))                 # the next free place: 1
    assert openpyxl.load_workbook(target).sheetnames == ["A", "B"]
    with pytest.raises(ValueError, match=r"the sheets' places leave a gap: \[0, 2\]"):
        with foncier.io.atomic.atomic_write(target) as tmp, XlsxStream(tmp) as book:
            book.frame_sheet(Sheet("A", frame), place=0)
            book.frame_sheet(Sheet("C", frame), place=2)
    assert openpyxl.load_workbook(target).sheetnames == ["A", "B"]     # the old file kept
    assert sorted(x.name for x in tmp_path.iterdir()) == ["t.xlsx"]


def test_a_failing_sheet_leaves_no_file(tmp_path):
    def rows():
        yield '<row r="2"><c><v>1</v></c></row>'
        raise KeyboardInterrupt

    target = tmp_path / "t.xlsx"
    with pytest.raises(KeyboardInterrupt):
        with foncier.io.atomic.atomic_write(target) as tmp, XlsxStream(tmp) as book:
            book.sheet("S", ["a"], rows(), n_rows=1, widths=[8])
    assert list(tmp_path.iterdir()) == []


def test_dates_as_objects_are_dates(tmp_path):
    frame = pd.DataFrame({"d": [dt.date(2026, 1, 2), None], "t": ["2026-01-02", "x"]})
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("S", frame)])
    ws = openpyxl.load_workbook(out)["S"]
    assert _values(ws)[1:] == [[dt.datetime(2026, 1, 2), "2026-01-02"], [None, "x"]]
    assert ws["A2"].is_date and ws["A2"].number_format == "dd/mm/yyyy"


def test_examples_run():
    failures, tried = doctest.testmod(foncier.io.xlsx, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_batch_summary_prints_landscape_one_page_wide_with_wrapped_texts(tmp_path):
    # The « Synthèse » was 400 characters wide with unwrapped texts: fitted to one page wide,
    # LibreOffice printed it at a third of its size (unreadable).
    import re

    import foncier
    from foncier.analysis.batch import run_batch, write_batch

    briefs = [foncier.Brief(name="Projet Volta - gigafactory de batteries", min_area_ha=5),
              foncier.Brief(name="Petit")]
    out = write_batch(run_batch([foncier.open_inventory()], briefs, max_rows=5),
                      tmp_path / "lot.xlsx")
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        styles = z.read("xl/styles.xml").decode()
        book = z.read("xl/workbook.xml").decode()
    setup = re.search(r"<pageSetup [^>]*/>", sheet)[0]
    assert 'orientation="landscape"' in setup and 'paperSize="9"' in setup
    assert 'fitToWidth="1"' in setup and 'fitToHeight="0"' in setup
    assert '<pageSetUpPr fitToPage="1"/>' in sheet
    assert "'Synthèse'!$1:$1" in book                       # header row on every page
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', sheet)]
    assert len(widths) == 15 and sum(widths) <= 230 and max(widths) <= 30
    xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", styles.split("<cellXfs")[1])
    wrapped = {i for i, xf in enumerate(xfs) if 'wrapText="1"' in xf and 'vertical="top"' in xf}
    cells = re.findall(r'<c s="(\d+)"', sheet)
    assert cells and {int(s) for s in cells} <= wrapped       # every cell wraps, top-aligned
    heights = [float(h) for h in re.findall(r'<row r="\d+" ht="([\d.]+)" customHeight="1"',
                                             sheet)]
    assert len(heights) == 3 and min(heights) >= 30          # header and both briefs' rows
    with zipfile.ZipFile(out) as z:
        other = z.read("xl/worksheets/sheet2.xml").decode()
    assert 'fitToHeight="0"' in re.search(r"<pageSetup [^>]*/>", other)[0]
    assert "customHeight" not in other                     # a brief's sheet: rows as before


@pytest.mark.parametrize(("widths", "freeze", "pages", "titles"), [
    ([20] * 11, 2, 1, None),                # 220 characters: one page wide, as before
    ([10, 20] + [15] * 28, 2, 3, "$A:$B"),  # 450: three pages, the ids on each
    ([60, 60] + [15] * 26, 2, 3, None),     # ids of half a page: not repeated
])
def test_sheets_wider_than_a_page_print_over_pages_wide(tmp_path, widths, freeze, pages,
                                                        titles):
    frame = pd.DataFrame({f"c{i}": ["x"] for i in range(len(widths))})
    out = write_xlsx(tmp_path / "w.xlsx", [Sheet("Large", frame, widths=widths,
                                                 freeze_cols=freeze)])
    ws = openpyxl.load_workbook(out).active
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (pages, 0)
    assert ws.page_setup.pageOrder == ("overThenDown" if pages > 1 else None)
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", titles)
    assert ws.freeze_panes == "C2"                       # frozen on screen in every case


def test_wrapped_heights_follow_the_longest_wrapped_text():
    from foncier.io.xlsx import LINE_HEIGHT, wrapped_heights, wrapped_lines

    assert wrapped_lines("x" * 10, 10) == 1
    assert wrapped_lines("mot " * 30, 10) > wrapped_lines("mot " * 30, 20) > 1
    frame = pd.DataFrame({"a": ["court", "mot " * 30], "n": [1, 2]})
    heights = wrapped_heights(frame, ["a"], {"a": 10, "n": 5})
    assert heights[0] == LINE_HEIGHT and heights[1] == wrapped_lines("mot " * 30, 10) * 15


def test_texts_are_escaped_alike_whatever_else_the_column_holds(tmp_path):
    """The Arrow path escapes XML characters, the odd values (control characters, ``_xHHHH_``)
    go through cell_text, numbers among texts are written as their text, missing ones empty."""
    frame = pd.DataFrame({"t": ["a&b<c>\"d\"", "bip\x07&", "_x0041_ & co", None, "",
                                "« Zone » é"],
                          "m": ["P1", 3, 2.5, np.nan, None, "x"]})
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("S", frame)])
    assert _values(openpyxl.load_workbook(out)["S"])[1:] == [
        ['a&b<c>"d"', "P1"], ["bip_x0007_&", "3"], ["_x005F_x0041_ & co", "2.5"],
        [None, None], [None, None], ["« Zone » é", "x"]]


def test_large_sheets_are_deflated_in_pieces_that_read_back(tmp_path):
    """Sheets of several MiB are compressed in pieces on two threads: the zip's CRCs hold and
    every row reads back in order."""
    n = 3 * CHUNK_ROWS
    frame = pd.DataFrame({"i": np.arange(n), "t": [f"terrain {i} " * 20 for i in range(n)],
                          "statut": np.where(np.arange(n) % 2, "match", "no_match")})
    out = write_xlsx(tmp_path / "t.xlsx", [Sheet("Long", frame, shared_columns=["statut"]),
                                           Sheet("Court", frame.head(2))],
                     shared=["match", "no_match"])
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 4 * 2**20
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        rows = list(book["Long"].iter_rows(min_row=2, values_only=True))
        short = list(book["Court"].iter_rows(values_only=True))
    finally:
        book.close()
    assert rows == [(i, f"terrain {i} " * 20, "match" if i % 2 else "no_match")
                    for i in range(n)]
    assert short[0] == ("i", "t", "statut") and len(short) == 3


def test_the_audit_sheet_rows_are_as_tall_as_their_lines(tmp_path):
    """A brief's TOML in « Paramètres » is several lines: its row holds them all (it used to
    keep one line's height, its text drawn over the rows above in LibreOffice)."""
    import foncier
    from foncier.analysis.batch import run_batch, write_batch
    from foncier.io.xlsx import LINE_HEIGHT

    brief = foncier.read_brief(foncier.sample_brief_paths()[0])
    out = write_batch(run_batch([foncier.open_inventory()], [brief], max_rows=5),
                      tmp_path / "lot.xlsx")
    ws = openpyxl.load_workbook(out)["Paramètres"]
    row = next(r for r in range(2, ws.max_row + 1) if "TOML" in ws.cell(r, 1).value)
    lines = ws.cell(row, 2).value.count("\n") + 1
    assert lines > 5
    assert ws.row_dimensions[row].height >= lines * LINE_HEIGHT
    assert ws.cell(row, 2).alignment.wrap_text and ws.cell(row, 2).alignment.vertical == "top"
