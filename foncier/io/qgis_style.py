"""QGIS styles colouring plots by status, and their storage in a GeoPackage.

:func:`status_style_qml` (QGIS's own format) and :func:`status_style_sld` (SLD 1.1) give a
categorized style on the ``status`` column: the status colours of :data:`foncier.palette.STATUS_HEX`
(as on the app's map and in the reports), a dark outline, the French status names as legend.
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
from xml.sax.saxutils import escape

from foncier import palette
from foncier.wording import STATUS_LABELS

__all__ = ["status_style_qml", "status_style_sld", "write_layer_styles"]

_ATTR = {'"': "&quot;"}


def _esc(text: str) -> str:
    return escape(text, _ATTR)


def _qgis_rgba(hex_colour: str) -> str:
    """A colour as QGIS writes it: ``r,g,b,255``."""
    return ",".join(str(c) for c in palette.rgb(hex_colour)) + ",255"


def status_style_qml(*, geometry: str = "fill") -> str:
    """A QGIS style (QML) colouring features by ``status``: the palette's status colours.

    Parameters
    ----------
    geometry : str, default "fill"
        The QGIS symbol type (``fill`` for polygons).

    Examples
    --------
    >>> "categorizedSymbol" in status_style_qml()
    True
    >>> 'value="46,158,68,255"' in status_style_qml()     # palette.STATUS_HEX["match"]
    True
    """
    cats, symbols = [], []
    for i, (status, colour) in enumerate(palette.STATUS_HEX.items()):
        cats.append(f'<category render="true" symbol="{i}" value="{status}" type="string" '
                    f'label="{_esc(STATUS_LABELS[status])}"/>')
        props = {"color": _qgis_rgba(colour), "outline_color": _qgis_rgba(palette.OUTLINE_HEX),
                 "outline_style": "solid", "outline_width": "0.26", "outline_width_unit": "MM",
                 "style": "solid", "joinstyle": "bevel"}
        options = "".join(f'<Option name="{k}" type="QString" value="{v}"/>'
                          for k, v in props.items())
        legacy = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
        symbols.append(
            f'<symbol name="{i}" type="{geometry}" alpha="1" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleFill" enabled="1" locked="0" pass="0">'
            f'<Option type="Map">{options}</Option>{legacy}</layer></symbol>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology">'
            '<renderer-v2 type="categorizedSymbol" attr="status" symbollevels="0" '
            'enableorderby="0" forceraster="0">'
            f'<categories>{"".join(cats)}</categories><symbols>{"".join(symbols)}</symbols>'
            '</renderer-v2></qgis>')


def status_style_sld(layer: str) -> str:
    """The same style as SLD 1.1 for the named layer (QGIS stores both).

    Examples
    --------
    >>> sld = status_style_sld("lot & co")
    >>> sld.count("<se:Rule>"), "<se:Name>lot &amp; co</se:Name>" in sld
    (3, True)
    """
    rules = []
    for status, colour in palette.STATUS_HEX.items():
        rules.append(
            f"<se:Rule><se:Name>{_esc(STATUS_LABELS[status])}</se:Name>"
            "<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>status</ogc:PropertyName>"
            f"<ogc:Literal>{status}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
            "<se:PolygonSymbolizer><se:Fill>"
            f'<se:SvgParameter name="fill">{colour}</se:SvgParameter></se:Fill>'
            f'<se:Stroke><se:SvgParameter name="stroke">{palette.OUTLINE_HEX}</se:SvgParameter>'
            "</se:Stroke></se:PolygonSymbolizer></se:Rule>")
    return ('<?xml version="1.0" encoding="UTF-8"?><StyledLayerDescriptor version="1.1.0" '
            'xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se">'
            f"<NamedLayer><se:Name>{_esc(layer)}</se:Name><UserStyle><se:Name>{_esc(layer)}"
            f"</se:Name><se:FeatureTypeStyle>{''.join(rules)}</se:FeatureTypeStyle>"
            "</UserStyle></NamedLayer></StyledLayerDescriptor>")


_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT CURRENT_TIMESTAMP)
"""


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
    qml = status_style_qml()
    con = sqlite3.connect(Path(path))
    try:
        with con:
            con.execute(_LAYER_STYLES_DDL)
            geom_cols = dict(con.execute("SELECT table_name, column_name "
                                         "FROM gpkg_geometry_columns"))
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL)",
                [(layer, geom_cols.get(layer, "geom"), layer, qml, status_style_sld(layer), text)
                 for layer, text in zip(layers, descriptions, strict=True)])
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change) VALUES ('layer_styles', 'attributes', "
                "'layer_styles', 'Styles QGIS', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
    finally:
        con.close()
