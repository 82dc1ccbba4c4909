"""QGIS styles by status (foncier.io.qgis_style): palette colours, stored in a GeoPackage."""

from __future__ import annotations

import doctest
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
import shapely

import foncier.io.qgis_style
from foncier import palette
from foncier.io.qgis_style import (
    ASSEMBLY_EXPR,
    MARKER_MM,
    REGION_EXPR,
    STATUS_ORDER_EXPR,
    status_style_qml,
    status_style_sld,
    write_layer_styles,
)
from foncier.wording import STATUS_LABELS

SE = "{http://www.opengis.net/se}"


def _rgba(hex_colour: str) -> str:
    return ",".join(str(c) for c in palette.rgb(hex_colour)) + ",255"


def _fill_options(symbol) -> dict[str, str]:
    """The options of a symbol's simple fill (its first symbol layer)."""
    fill = symbol.find("layer")
    assert fill.get("class") == "SimpleFill"
    return {o.get("name"): o.get("value") for o in fill.find("Option").iter("Option")
            if o.get("name")}


def test_qml_categories_use_the_palette_and_the_french_labels():
    root = ET.fromstring(status_style_qml().split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    cats = [(c.get("value"), c.get("label"), c.get("symbol")) for c in renderer.iter("category")]
    assert cats == [(s, STATUS_LABELS[s], str(i)) for i, s in enumerate(palette.STATUS_HEX)]
    for symbol, status in zip(renderer.findall("symbols/symbol"), palette.STATUS_HEX,
                              strict=True):
        options = _fill_options(symbol)
        assert options["color"] == _rgba(palette.STATUS_HEX[status])
        assert options["outline_color"] == _rgba(palette.STATUS_OUTLINE_HEX[status])
        props = {p.get("k"): p.get("v") for p in symbol.find("layer").iter("prop")}
        assert props["color"] == options["color"]


def test_sld_rules_filter_on_status_with_the_palette_fills():
    root = ET.fromstring(status_style_sld("lot <1>"))
    assert root.find(f".//{SE}Name").text == "lot <1>"
    rules = root.findall(f".//{SE}Rule")
    fills = [r.find(f".//{SE}Fill/{SE}SvgParameter").text for r in rules]
    literals = [r.find(".//{http://www.opengis.net/ogc}Literal").text for r in rules]
    assert literals == list(palette.STATUS_HEX)
    assert fills == list(palette.STATUS_HEX.values())


def test_layer_styles_are_stored_as_each_layers_default(tmp_path):
    out = tmp_path / "lot.gpkg"
    for layer in ("atelier", "entrepot"):
        gpd.GeoDataFrame({"status": ["match"]}, geometry=[shapely.box(0, 0, 1, 1)],
                         crs=2154).to_file(out, layer=layer)
    write_layer_styles(out, ["atelier", "entrepot"], ["Atelier", "Entrepôt"])
    with sqlite3.connect(out) as con:
        rows = con.execute("SELECT f_table_name, f_geometry_column, styleName, useAsDefault, "
                           "description, styleQML FROM layer_styles ORDER BY id").fetchall()
        kind = con.execute("SELECT data_type FROM gpkg_contents "
                           "WHERE table_name = 'layer_styles'").fetchone()
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert [r[:5] for r in rows] == [("atelier", "geom", "atelier", 1, "Atelier"),
                                     ("entrepot", "geom", "entrepot", 1, "Entrepôt")]
    assert rows[0][5] == status_style_qml()
    assert kind == ("attributes",)


def test_a_description_per_layer_is_required(tmp_path):
    out = tmp_path / "lot.gpkg"
    gpd.GeoDataFrame({"status": ["match"]}, geometry=[shapely.box(0, 0, 1, 1)],
                     crs=2154).to_file(out, layer="atelier")
    with pytest.raises(ValueError, match="shorter than argument 1"):
        write_layer_styles(out, ["atelier"], [])


def test_examples_run():
    failures, tried = doctest.testmod(foncier.io.qgis_style, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_assembly_style_draws_assemblies_last_with_their_own_outline():
    renderer = ET.fromstring(status_style_qml(assembly=True).split("\n", 1)[1]).find(
        "renderer-v2")
    assert (renderer.get("type"), renderer.get("enableorderby")) == ("RuleRenderer", "1")
    rules = list(renderer.iter("rule"))
    assert [r.get("filter") for r in rules[3:]] == [
        f"coalesce(\"assembly\", '') <> '' AND \"status\" = '{s}'" for s in palette.STATUS_HEX]
    assert all(r.get("filter").startswith("NOT (") for r in rules[:3])
    outlines = [_fill_options(sym)["outline_color"] for sym in renderer.findall("symbols/symbol")]
    assert outlines == ([_rgba(c) for c in palette.STATUS_OUTLINE_HEX.values()]
                        + [_rgba(palette.ASSEMBLY_HEX)] * 3)
    order = renderer.findall("orderby/orderByClause")
    assert [o.get("asc") for o in order] == ["1", "1"] and "assembly" in order[0].text
    sld = ET.fromstring(status_style_sld("lot", assembly=True))
    styles = sld.findall(f".//{SE}FeatureTypeStyle")
    assert [len(s.findall(f"{SE}Rule")) for s in styles] == [3, 3]
    strokes = [p.text for p in styles[1].iter(f"{SE}SvgParameter") if p.get("name") == "stroke"]
    assert strokes == [palette.ASSEMBLY_HEX] * 3


def _renderers():
    for assembly in (False, True):
        yield ET.fromstring(status_style_qml(assembly=assembly).split("\n", 1)[1]).find(
            "renderer-v2")


def test_outline_clamp_uses_the_option_name_qgis_reads():
    # QGIS 3.22's SimpleFill reads its width clamp from border_width_map_unit_scale and silently
    # ignores outline_width_map_unit_scale: the clamp was lost, 1.5 m outlines vanished at
    # region scale (seen in QGIS by scripts/check_qgis.py).
    for renderer in _renderers():
        for symbol in renderer.findall("symbols/symbol"):
            options = _fill_options(symbol)
            assert "outline_width_map_unit_scale" not in options
            assert options["outline_width_unit"] == "MapUnit"
            assert options["border_width_map_unit_scale"].startswith("3x:0,0,1,")
            minimum = float(options["border_width_map_unit_scale"].split(",")[3])
            assert minimum >= 0.2


def test_compatible_features_are_drawn_last():
    # The to-check assembly P02+P05 hid the compatible assembly P05+P06 it shares P05 with.
    plain, assembled = [[(o.text, o.get("asc")) for o in r.findall("orderby/orderByClause")]
                        for r in _renderers()]
    assert plain == [(STATUS_ORDER_EXPR, "1")]
    assert assembled == [(ASSEMBLY_EXPR, "1"), (STATUS_ORDER_EXPR, "1")]
    for renderer in _renderers():
        assert renderer.get("enableorderby") == "1"
    assert STATUS_ORDER_EXPR.index("'match' THEN 2") < STATUS_ORDER_EXPR.index("'to_check' THEN 1")


def test_region_scale_markers_for_compatible_and_to_check_plots_only():
    for renderer in _renderers():
        symbols = renderer.findall("symbols/symbol")
        statuses = list(palette.STATUS_HEX) * (len(symbols) // 3)
        for symbol, status in zip(symbols, statuses, strict=True):
            markers = [lyr for lyr in symbol.findall("layer")
                       if lyr.get("class") == "CentroidFill"]
            assert len(markers) == (status != "no_match")
            for marker in markers:
                prop = marker.find("data_defined_properties//Option[@name='enabled']")
                values = {o.get("name"): o.get("value") for o in prop.iter("Option")}
                assert values["active"] == "true"
                assert values["expression"] == REGION_EXPR == "@map_scale > 50000"
                point = marker.find("symbol/layer")
                assert point.get("class") == "SimpleMarker"
                opts = {o.get("name"): o.get("value") for o in point.iter("Option")}
                assert opts["color"] == _rgba(palette.STATUS_HEX[status])
                assert (opts["size_unit"], float(opts["size"])) == ("MM", MARKER_MM[status])
