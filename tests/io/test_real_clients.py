"""Every file foncier writes, opened by the real clients: GDAL's GeoPackage validator and ogrinfo
(Debian 12's GDAL 3.6, what QGIS 3.22 reads with), and openpyxl for the workbooks.

The GDAL checks skip, saying why, where python3-gdal / gdal-bin are missing; ``.ci/run``
installs them.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely

import foncier
from foncier.analysis.batch import read_briefs, run_batch, write_batch
from foncier.cli import main
from foncier.core.inventory import write_inventory
from foncier.io.qgis_style import write_layer_styles
from foncier.io.results import write_table
from foncier.io.sample import sample_inventory_path
from foncier.io.xlsx import PRINT_PAGE_CHARS, print_pages_wide
from foncier.standards.cnig import import_cnig
from foncier.wording import OUTCOME_LABELS, STATUS_LABELS
from tests.io.gpkg_clients import ogrinfo_warnings, validate

SAMPLE = Path(sample_inventory_path())
BRIEFS = SAMPLE.parent / "briefs"
CNIG = Path(__file__).parents[1] / "data" / "cnig"
ON = dt.date(2026, 1, 1)
GPKG_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _clean(path: Path) -> None:
    assert validate(path) == ""
    assert ogrinfo_warnings(path) == []
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone() == (10200,)   # GeoPackage 1.2
        for (stamp,) in con.execute("SELECT last_change FROM gpkg_contents"):
            assert GPKG_TIME.fullmatch(stamp), stamp


def test_match_out_gpkg_is_valid_and_styled(tmp_path, capsys):
    out = tmp_path / "m.gpkg"
    assert main(["match", "--project", str(BRIEFS / "atelier.toml"), "--out", str(out)]) == 0
    _clean(out)
    with sqlite3.connect(out) as con:
        rows = con.execute("SELECT f_table_name, styleName, useAsDefault, styleQML, styleSLD, "
                           "update_time FROM layer_styles").fetchall()
    assert [r[:3] for r in rows] == [("results", "results", 1)]
    qml, sld, stamp = rows[0][3:]
    renderer = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "status")
    assert "<ogc:Literal>match</ogc:Literal>" in sld
    assert GPKG_TIME.fullmatch(stamp)
    # outlines readable at region scale: map units clamped to at least 0.2 mm
    widths = {o.get("name"): o.get("value") for o in renderer.find("symbols/symbol/layer")
              .find("Option").iter("Option")}
    assert widths["outline_width_unit"] == "MapUnit"
    assert widths["border_width_map_unit_scale"] == "3x:0,0,1,0.2,1,0.6"   # read by QGIS


def test_batch_gpkg_is_valid_with_assemblies_above_their_plots(tmp_path):
    inv = foncier.open_inventory()
    batch = run_batch([inv], read_briefs([BRIEFS]), on=ON)
    out = write_batch(batch, tmp_path / "lot.gpkg")
    _clean(out)
    with sqlite3.connect(out) as con:
        styles = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    assembling = [o for o in batch.outcomes if "assembly" in o.rows.columns]
    assert assembling and any(o.n_assemblies for o in assembling)
    for qml in styles.values():
        renderer = ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
        if renderer.get("type") == "RuleRenderer":
            order = renderer.find("orderby/orderByClause")
            assert order.text == "coalesce(\"assembly\", '') <> ''" and order.get("asc") == "1"
    assert sum(ET.fromstring(q.split("\n", 1)[1]).find("renderer-v2").get("type")
               == "RuleRenderer" for q in styles.values()) == len(assembling)


def test_write_inventory_and_import_outputs_are_valid(tmp_path):
    inv = foncier.open_inventory()
    write_inventory(inv, tmp_path / "copie.gpkg")
    _clean(tmp_path / "copie.gpkg")
    folder = tmp_path / "cnig"
    shutil.copytree(CNIG, folder, ignore=shutil.ignore_patterns("*.gpkg", "*.md"))
    import_cnig(folder, tmp_path / "importe.gpkg", repair=True)
    _clean(tmp_path / "importe.gpkg")
    _clean(SAMPLE)                                       # the sample shipped is GeoPackage 1.2


def test_export_cnig_gpkg_is_valid(tmp_path, capsys):
    out = tmp_path / "cnig.gpkg"
    assert main(["export-cnig", str(SAMPLE), "--gpkg", str(out)]) == 0
    _clean(out)


def test_long_layer_names_fit_layer_styles_columns(tmp_path):
    out = tmp_path / "long.gpkg"
    name = "projet_" + "tres_long_" * 8
    write_table(gpd.GeoDataFrame({"status": ["match"]}, geometry=[shapely.box(0, 0, 9, 9)],
                                 crs=2154), out, layer=name)
    with sqlite3.connect(out) as con:
        (style,) = con.execute("SELECT styleName FROM layer_styles").fetchone()
    assert len(name) > 30 and len(style) == 30 and style.endswith("…")
    _clean(out)


def test_layer_styles_added_twice_keep_one_contents_row(tmp_path):
    out = tmp_path / "deux.gpkg"
    write_table(gpd.GeoDataFrame({"status": ["match"]}, geometry=[shapely.box(0, 0, 9, 9)],
                                 crs=2154), out, layer="a")
    write_layer_styles(out, ["a"], ["encore"])
    with sqlite3.connect(out) as con:
        assert con.execute("SELECT count(*) FROM gpkg_contents WHERE table_name = "
                           "'layer_styles'").fetchone() == (1,)
    _clean(out)


# ----------------------------------------------------------------------------- workbooks


@pytest.fixture(scope="module")
def match_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "m.xlsx"
    assert main(["match", "--project", str(BRIEFS / "atelier.toml"), "--out", str(out)]) == 0
    return out


def test_match_workbook_speaks_french_with_status_colours(match_book):
    ws = openpyxl.load_workbook(match_book).active
    header = [c.value for c in ws[1]]
    status = header.index("status") + 1
    values = {ws.cell(r, status).value for r in range(2, ws.max_row + 1)}
    assert values <= set(STATUS_LABELS.values()) and "compatible" in values
    area = header.index("area") + 1
    assert {ws.cell(r, area).value for r in range(2, ws.max_row + 1)} <= \
        set(OUTCOME_LABELS.values())
    tints = {"compatible": "FFC6EFCE", "à vérifier": "FFFFE699", "incompatible": "FFD9D9D9"}
    for r in range(2, ws.max_row + 1):
        assert ws.cell(r, 1).fill.fgColor.rgb == tints[ws.cell(r, status).value]


def test_match_workbook_formats_widths_and_print_setup(match_book):
    ws = openpyxl.load_workbook(match_book).active
    header = [c.value for c in ws[1]]
    fmt = {h: ws.cell(2, j).number_format for j, h in enumerate(header, start=1)}
    assert (fmt["area_ha"], fmt["net_area_ha"], fmt["score"], fmt["completeness"]) == \
        ("0.00", "0.00", "0.0", "0%")
    plot_col = openpyxl.utils.get_column_letter(header.index("plot_id") + 1)
    longest = max(len(ws.cell(r, header.index("plot_id") + 1).value)
                  for r in range(2, ws.max_row + 1))
    assert ws.column_dimensions[plot_col].width >= longest + 1
    assert ws.page_setup.orientation == "landscape"
    # Wider than a readable page: printed over as many pages wide as it needs (not shrunk to
    # one), the same rows' pages in a row, the rank and the plot's id at the left of each.
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
              for j in range(1, len(header) + 1)]
    assert sum(widths) > PRINT_PAGE_CHARS
    assert ws.page_setup.fitToWidth == print_pages_wide(widths, title_cols=2) >= 2
    assert ws.page_setup.fitToHeight == 0 and ws.page_setup.pageOrder == "overThenDown"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", "$A:$B")
    assert header[:2] == ["rank", "plot_id"] and ws.freeze_panes == "C2"
    with zipfile.ZipFile(match_book) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        book = z.read("xl/workbook.xml").decode()
    assert sheet.index("<sheetPr>") < sheet.index("<dimension")
    assert '<definedName name="_xlnm.Print_Titles" localSheetId="0">' \
        "'Résultats'!$A:$B,'Résultats'!$1:$1</definedName>" in book


def test_csv_gpkg_geojson_keep_design_codes(tmp_path):
    res = foncier.match(foncier.open_inventory(), foncier.read_brief(BRIEFS / "atelier.toml"),
                        on=ON)
    for suffix in (".csv", ".gpkg", ".geojson"):
        out = write_table(res.table, tmp_path / f"r{suffix}")
        text = (out.read_text(encoding="utf-8") if suffix != ".gpkg" else
                str(gpd.read_file(out, layer="results")["status"].tolist()))
        assert "match" in text and "compatible" not in text, suffix
