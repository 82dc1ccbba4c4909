"""QGIS styles colouring plots by status, and their storage in a GeoPackage.

:func:`status_style_qml` (QGIS's own format) and :func:`status_style_sld` (SLD 1.1) give a
categorized style on the ``status`` column: the status colours of :data:`foncier.palette.STATUS_HEX`
(as on the app's map and in the reports), an outline in a dark shade of the same colour
(:data:`foncier.palette.STATUS_OUTLINE_HEX`) in map units clamped between 0.2 and 0.6 mm
(readable at region scale, where a plot is smaller than its outline and still shows its status,
never drowning small plots when zoomed in), the French status names as legend. Features are
drawn incompatible first, compatible last (QGIS's feature ordering), so that at region scale the
compatible plots are on top. A layer holding assemblies (an ``assembly`` column, as a batch's
brief layers) gets a rule-based style instead: assemblies outlined in
:data:`foncier.palette.ASSEMBLY_HEX` and drawn after every plot, above their member plots (and
among them, the compatible ones above those to check, which share plots with them).

QGIS 3.22 reads a simple fill's clamp of its outline width from ``border_width_map_unit_scale``
(the name QGIS writes); an unknown option name is silently ignored, which is what
``scripts/check_qgis.py`` (QGIS itself) checks.
:func:`write_layer_styles` stores them in a GeoPackage's ``layer_styles`` table (QGIS's
convention) as every listed layer's default style, so that QGIS opens the layers coloured.

Examples
--------
>>> import xml.etree.ElementTree as ET
>>> qml = status_style_qml()
>>> renderer = ET.fromstring(qml.split("\\n", 1)[1]).find("renderer-v2")
>>> renderer.get("attr"), [c.get("label") for c in renderer.iter("category")]
('status', ['compatible', 'à vérifier', 'incompatible'])
>>> from foncier.palette import STATUS_HEX
>>> STATUS_HEX["match"] in status_style_sld("terrains")
True
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from foncier import palette
from foncier.wording import STATUS_LABELS

__all__ = ["status_style_qml", "status_style_sld", "write_layer_styles", "style_name",
           "ASSEMBLY_EXPR", "STATUS_ORDER_EXPR"]

def _esc(text: str) -> str:
    """Text made safe in an XML attribute or element (``&``, ``<``, ``>`` and ``"``), as
    ``xml.sax.saxutils.escape(text, {'"': "&quot;"})``, whose module imports ``urllib.request``
    (20 ms of every command that writes a result).

    Examples
    --------
    >>> _esc('« A » & <b> "c"')
    '« A » &amp; &lt;b&gt; &quot;c&quot;'
    """
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _qgis_rgba(hex_colour: str) -> str:
    """A colour as QGIS writes it: ``r,g,b,255``."""
    return ",".join(str(c) for c in palette.rgb(hex_colour)) + ",255"


#: Outline widths: in map units (metres), kept between a minimum and a maximum in millimetres,
#: so that plots stay readable at region scale (never thinner than the minimum) without thick
#: lines drowning small plots when zoomed in.
PLOT_OUTLINE_M, PLOT_OUTLINE_MM = 1.5, (0.2, 0.6)
ASSEMBLY_OUTLINE_M, ASSEMBLY_OUTLINE_MM = 4.0, (0.6, 1.4)
#: QGIS expression: true on an assembly's row (its ``assembly`` column lists the member plots).
ASSEMBLY_EXPR = "coalesce(\"assembly\", '') <> ''"
#: QGIS expression ordering features by status: incompatible 0, to check 1, compatible 2 (drawn
#: in that order, so compatible plots end on top).
STATUS_ORDER_EXPR = ("CASE WHEN \"status\" = 'match' THEN 2 WHEN \"status\" = 'to_check' "
                     "THEN 1 ELSE 0 END")


def _unit_scale(mm: tuple[float, float]) -> str:
    """A QGIS map-unit scale clamped to ``mm`` (min, max) millimetres."""
    return f"3x:0,0,1,{mm[0]},1,{mm[1]}"


#: Beyond this scale (1:50,000: a one-hectare plot is 2 mm wide), compatible plots and plots to
#: check also get a marker of their colour at a point inside them (millimetres wide), drawn on
#: top: at region scale a plot is smaller than its outline, and the markers tell where they are.
REGION_SCALE = 50_000
MARKER_MM = {"match": 2.6, "to_check": 2.0}
#: QGIS expression enabling the region-scale markers.
REGION_EXPR = f"@map_scale > {REGION_SCALE}"


def _options(props: dict[str, str]) -> str:
    """A symbol layer's properties, as QGIS 3 (``Option`` map) and QGIS 2 (``prop``) read them."""
    options = "".join(f'<Option name="{k}" type="QString" value="{_esc(v)}"/>'
                      for k, v in props.items())
    legacy = "".join(f'<prop k="{k}" v="{_esc(v)}"/>' for k, v in props.items())
    return f'<Option type="Map">{options}</Option>{legacy}'


def _region_marker(name: str, colour: str, outline: str, size_mm: float) -> str:
    """A marker inside the polygon (``CentroidFill``, point on surface) drawn only beyond
    :data:`REGION_SCALE` (its ``enabled`` property is data-defined by :data:`REGION_EXPR`)."""
    enabled = ('<data_defined_properties><Option type="Map"><Option name="name" type="QString" '
               'value=""/><Option name="properties" type="Map"><Option name="enabled" '
               'type="Map"><Option name="active" type="bool" value="true"/><Option '
               f'name="expression" type="QString" value="{_esc(REGION_EXPR)}"/><Option '
               'name="type" type="int" value="3"/></Option></Option><Option name="type" '
               'type="QString" value="collection"/></Option></data_defined_properties>')
    marker = {"name": "circle", "color": _qgis_rgba(colour), "outline_color": _qgis_rgba(outline),
              "outline_style": "solid", "outline_width": "0.3", "outline_width_unit": "MM",
              "size": f"{size_mm:g}", "size_unit": "MM", "scale_method": "diameter",
              "joinstyle": "bevel"}
    centroid = {"point_on_surface": "1", "point_on_all_parts": "0", "clip_points": "0",
                "clip_on_current_part_only": "0"}
    return ('<layer class="CentroidFill" enabled="1" locked="0" pass="0">'
            f'{_options(centroid)}{enabled}<symbol name="@{name}@1" type="marker" alpha="1" '
            'clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" '
            f'locked="0" pass="0">{_options(marker)}</layer></symbol></layer>')


def _fill_symbol(name: str, geometry: str, colour: str, outline: str, width: float,
                 clamp: tuple[float, float], marker: float | None = None) -> str:
    """A simple fill (outline in map units clamped to ``clamp`` mm), with a region-scale marker
    ``marker`` mm wide when given."""
    props = {"color": _qgis_rgba(colour), "outline_color": _qgis_rgba(outline),
             "outline_style": "solid", "outline_width": f"{width:g}",
             "outline_width_unit": "MapUnit",
             # the name QGIS reads for a simple fill's clamp (not "outline_width_map_unit_scale")
             "border_width_map_unit_scale": _unit_scale(clamp),
             "style": "solid", "joinstyle": "bevel"}
    extra = "" if marker is None else _region_marker(name, colour, outline, marker)
    return (f'<symbol name="{name}" type="{geometry}" alpha="1" clip_to_extent="1" '
            'force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0">'
            f'{_options(props)}</layer>{extra}</symbol>')


_QML_HEAD = ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
             '<qgis version="3.22.0" styleCategories="Symbology">')


def status_style_qml(*, geometry: str = "fill", assembly: bool = False) -> str:
    """A QGIS style (QML) colouring features by ``status``: the palette's status colours.

    Outlines are in map units clamped to a width in millimetres (readable at any scale).

    Parameters
    ----------
    geometry : str, default "fill"
        The QGIS symbol type (``fill`` for polygons).
    assembly : bool, default False
        The layer has an ``assembly`` column (a batch's brief layer): assemblies get their own
        rules (a thick outline in :data:`foncier.palette.ASSEMBLY_HEX`) and are drawn last, above
        their member plots (features ordered by :data:`ASSEMBLY_EXPR`). Otherwise the renderer is
        categorized on ``status``.

    Examples
    --------
    >>> "categorizedSymbol" in status_style_qml()
    True
    >>> 'value="46,158,68,255"' in status_style_qml()     # palette.STATUS_HEX["match"]
    True
    >>> qml = status_style_qml(assembly=True)
    >>> "RuleRenderer" in qml, 'enableorderby="1"' in qml
    (True, True)
    >>> 'name="border_width_map_unit_scale" type="QString" value="3x:0,0,1,0.2,1,0.6"' in qml
    True
    """
    if assembly:
        return _rule_qml(geometry)
    cats, symbols = [], []
    for i, (status, colour) in enumerate(palette.STATUS_HEX.items()):
        cats.append(f'<category render="true" symbol="{i}" value="{status}" type="string" '
                    f'label="{_esc(STATUS_LABELS[status])}"/>')
        symbols.append(_fill_symbol(str(i), geometry, colour, palette.STATUS_OUTLINE_HEX[status],
                                    PLOT_OUTLINE_M, PLOT_OUTLINE_MM, MARKER_MM.get(status)))
    return (f'{_QML_HEAD}<renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" '
            'enableorderby="1" forceraster="0">'
            f'<categories>{"".join(cats)}</categories><symbols>{"".join(symbols)}</symbols>'
            f'{_order_by(STATUS_ORDER_EXPR)}</renderer-v2></qgis>')


def _order_by(*expressions: str) -> str:
    """QGIS's feature ordering: by each expression in turn, ascending (drawn first: lowest)."""
    clauses = "".join(f'<orderByClause asc="1" nullsFirst="1">{_esc(e)}</orderByClause>'
                      for e in expressions)
    return f"<orderby>{clauses}</orderby>"


def _rule_qml(geometry: str) -> str:
    """The rule-based style of layers holding plots and assemblies (assemblies on top)."""
    rules, symbols = [], []
    kinds = ((f"NOT ({ASSEMBLY_EXPR})", "", None, PLOT_OUTLINE_M, PLOT_OUTLINE_MM),
             (ASSEMBLY_EXPR, "assemblage ", palette.ASSEMBLY_HEX, ASSEMBLY_OUTLINE_M,
              ASSEMBLY_OUTLINE_MM))
    for expr, prefix, outline, width, clamp in kinds:
        for status, colour in palette.STATUS_HEX.items():
            key = len(symbols)
            test = _esc(f"{expr} AND \"status\" = '{status}'")
            rules.append(f'<rule key="r{key}" symbol="{key}" filter="{test}" '
                         f'label="{_esc(prefix + STATUS_LABELS[status])}"/>')
            symbols.append(_fill_symbol(str(key), geometry, colour,
                                        outline or palette.STATUS_OUTLINE_HEX[status], width,
                                        clamp, MARKER_MM.get(status)))
    return (f'{_QML_HEAD}<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="1" '
            f'forceraster="0"><rules key="root">{"".join(rules)}</rules>'
            f'<symbols>{"".join(symbols)}</symbols>'
            f'{_order_by(ASSEMBLY_EXPR, STATUS_ORDER_EXPR)}</renderer-v2></qgis>')


def _sld_rule(name: str, status: str, colour: str, outline: str | None, width_px: float,
              assembly: bool | None) -> str:
    outline = outline or palette.STATUS_OUTLINE_HEX[status]
    test = ("<ogc:PropertyIsEqualTo><ogc:PropertyName>status</ogc:PropertyName>"
            f"<ogc:Literal>{status}</ogc:Literal></ogc:PropertyIsEqualTo>")
    if assembly is not None:
        kind = ("<ogc:PropertyIsNotEqualTo><ogc:PropertyName>assembly</ogc:PropertyName>"
                "<ogc:Literal></ogc:Literal></ogc:PropertyIsNotEqualTo>")
        if not assembly:
            kind = ("<ogc:Or><ogc:PropertyIsNull><ogc:PropertyName>assembly</ogc:PropertyName>"
                    "</ogc:PropertyIsNull><ogc:PropertyIsEqualTo><ogc:PropertyName>assembly"
                    "</ogc:PropertyName><ogc:Literal></ogc:Literal></ogc:PropertyIsEqualTo>"
                    "</ogc:Or>")
        test = f"<ogc:And>{test}{kind}</ogc:And>"
    return (f"<se:Rule><se:Name>{_esc(name)}</se:Name><ogc:Filter>{test}</ogc:Filter>"
            "<se:PolygonSymbolizer><se:Fill>"
            f'<se:SvgParameter name="fill">{colour}</se:SvgParameter></se:Fill>'
            f'<se:Stroke><se:SvgParameter name="stroke">{outline}</se:SvgParameter>'
            f'<se:SvgParameter name="stroke-width">{width_px:g}</se:SvgParameter>'
            "</se:Stroke></se:PolygonSymbolizer></se:Rule>")


def status_style_sld(layer: str, *, assembly: bool = False) -> str:
    """The same style as SLD 1.1 for the named layer (QGIS stores both).

    With ``assembly``, plots and assemblies are two feature type styles, the assemblies' second
    (drawn above the plots).

    Examples
    --------
    >>> sld = status_style_sld("lot & co")
    >>> sld.count("<se:Rule>"), "<se:Name>lot &amp; co</se:Name>" in sld
    (3, True)
    >>> status_style_sld("lot", assembly=True).count("<se:FeatureTypeStyle>")
    2
    """
    if assembly:
        styles = [[_sld_rule(prefix + STATUS_LABELS[s], s, c, outline, px, flag)
                   for s, c in palette.STATUS_HEX.items()]
                  for prefix, outline, px, flag in (("", None, 1, False),
                                                    ("assemblage ", palette.ASSEMBLY_HEX, 3,
                                                     True))]
    else:
        styles = [[_sld_rule(STATUS_LABELS[s], s, c, None, 1, None)
                   for s, c in palette.STATUS_HEX.items()]]
    body = "".join(f"<se:FeatureTypeStyle>{''.join(rules)}</se:FeatureTypeStyle>"
                   for rules in styles)
    return ('<?xml version="1.0" encoding="UTF-8"?><StyledLayerDescriptor version="1.1.0" '
            'xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se">'
            f"<NamedLayer><se:Name>{_esc(layer)}</se:Name><UserStyle><se:Name>{_esc(layer)}"
            f"</se:Name>{body}</UserStyle></NamedLayer></StyledLayerDescriptor>")


#: QGIS's ``layer_styles`` table as QGIS 3 and the CNIG template write it (timestamps in the
#: GeoPackage format, which GDAL's validator checks).
_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256),
  "f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT,
  "useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30),
  "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""
#: Widths of ``layer_styles``'s text columns (``TEXT(n)``): longer names are shortened.
STYLE_NAME_WIDTH, TABLE_NAME_WIDTH = 30, 256


def style_name(layer: str) -> str:
    """A layer's style name within ``styleName``'s width (30 characters, ``…`` when cut).

    Examples
    --------
    >>> style_name("atelier"), len(style_name("x" * 40)), style_name("x" * 40)[-1]
    ('atelier', 30, '…')
    """
    return layer if len(layer) <= STYLE_NAME_WIDTH else layer[:STYLE_NAME_WIDTH - 1] + "…"


def write_layer_styles(path: str | os.PathLike, layers: Sequence[str],
                       descriptions: Sequence[str]) -> None:
    """Store the status style as the default style of each layer of a GeoPackage.

    The ``layer_styles`` table is created when missing and registered in ``gpkg_contents`` as an
    attribute table; each layer gets a row (its name as style name, QML and SLD, its
    description), its geometry column read from ``gpkg_geometry_columns``.

    Parameters
    ----------
    path : path
        An existing GeoPackage (written in place).
    layers : sequence of str
        The layers to style.
    descriptions : sequence of str
        A French description per layer, shown by QGIS's style manager.

    Examples
    --------
    >>> import tempfile, pathlib, sqlite3, shapely, geopandas as gpd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "lot.gpkg"
    >>> gpd.GeoDataFrame({"status": ["match"]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                  crs=2154).to_file(out, layer="atelier")
    >>> write_layer_styles(out, ["atelier"], ["« Atelier » : terrains colorés par statut"])
    >>> with sqlite3.connect(out) as con:
    ...     con.execute("SELECT f_table_name, f_geometry_column, useAsDefault "
    ...                 "FROM layer_styles").fetchall()
    [('atelier', 'geom', 1)]
    """
    con = sqlite3.connect(Path(path))
    try:
        with con:
            con.execute(_LAYER_STYLES_DDL)
            geom_cols = dict(con.execute("SELECT table_name, column_name "
                                         "FROM gpkg_geometry_columns"))
            rows = []
            for layer, text in zip(layers, descriptions, strict=True):
                has = _has_assembly(con, layer)
                rows.append((layer, geom_cols.get(layer, "geom"), style_name(layer),
                             status_style_qml(assembly=has),
                             status_style_sld(layer, assembly=has), text))
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '')", rows)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change) VALUES ('layer_styles', 'attributes', "
                "'layer_styles', 'Styles QGIS', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
    finally:
        con.close()


def _has_assembly(con: sqlite3.Connection, layer: str) -> bool:
    """Whether a table has an ``assembly`` column (then assemblies are drawn on top)."""
    quoted = layer.replace('"', '""')
    return any(row[1] == "assembly" for row in con.execute(f'PRAGMA table_info("{quoted}")'))
