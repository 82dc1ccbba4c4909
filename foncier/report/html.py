"""The investor report as one self-contained HTML page, with its map as an inline SVG.

:func:`report_html` renders the content of :func:`foncier.report.content.report_content` (the
brief in short, the counts, the best plots with their key figures and reasons) as one HTML page
with inline CSS; :func:`map_svg` draws its map from the content's geometries (pure Python, no Qt):
communes, activity zones, plots coloured by status, the best plots outlined, infrastructure
symbols, their rank labels placed by :func:`foncier.report.labels.label_layout` (as in the PDF),
and a scale bar. :func:`write_report_html` writes the page atomically. Every colour comes from
:mod:`foncier.palette`, every label and unit from :mod:`foncier.wording`.

Examples
--------
>>> import foncier
>>> from foncier.report.content import report_content
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier", max_area_ha=2))
>>> page = report_html(report_content(res, top=3))
>>> page.startswith("<!DOCTYPE html>"), "<svg" in page, page.count('<g class="rank">') <= 3
(True, True, True)
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

import numpy as np
import shapely

from foncier import palette
from foncier.core.matching import MatchResult
from foncier.io.atomic import atomic_write
from foncier.report.content import (
    ALL_PASS,
    FOOTER,
    NO_CRITERIA,
    TABLE_HEADERS,
    InvestorReport,
    meta_line,
    report_content,
)
from foncier.report.labels import label_layout
from foncier.wording import INFRA_LABELS, INFRA_SYMBOLS, fmt_number, scale_label

__all__ = ["map_svg", "report_html", "write_report_html"]

_NAVY = palette.NAVY_HEX
_PAPER = palette.PAPER_HEX


class _Frame:
    """Lambert-93 to SVG pixels (y flipped), keeping the aspect ratio."""

    def __init__(self, extent, width: float, height: float):
        x0, y0, x1, y1 = extent
        self.scale = min(width / (x1 - x0), height / (y1 - y0))
        self.x0 = x0 - (width / self.scale - (x1 - x0)) / 2
        self.y1 = y1 + (height / self.scale - (y1 - y0)) / 2

    def xy(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack([(coords[:, 0] - self.x0) * self.scale,
                                (self.y1 - coords[:, 1]) * self.scale])


def _path_d(geom, frame: _Frame) -> str:
    """An SVG path (``d``) of a polygon or multipolygon, simplified to half a pixel."""
    geom = shapely.simplify(geom, 0.5 / frame.scale)
    rings = shapely.get_rings(shapely.get_parts(geom))
    parts = []
    for ring in rings:
        xy = frame.xy(shapely.get_coordinates(ring))
        if len(xy) < 3:
            continue
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy[:-1])
        parts.append(f"M{pts}Z")
    return "".join(parts)


def map_svg(content: InvestorReport, *, width: int = 700, height: int = 380) -> str:
    """The report's map as an inline SVG: communes, zones, plots coloured by status, the best
    plots outlined, infrastructure symbols, the best plots' rank labels placed by
    :func:`~foncier.report.labels.label_layout` (as in the PDF) and a scale bar.

    Examples
    --------
    >>> import foncier
    >>> from foncier.report.content import report_content
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier"))
    >>> svg = map_svg(report_content(res, top=2), width=400, height=200)
    >>> svg.startswith("<svg"), 'viewBox="0 0 400 200"' in svg, svg.endswith("</svg>")
    (True, True, True)
    """
    frame = _Frame(content.extent, width, height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Carte des terrains">',
           f'<rect width="{width}" height="{height}" fill="{palette.BACKGROUND_HEX}"/>']
    out += _area_paths(content, frame)
    infra, symbols = _infrastructure_svg(content, frame)
    out += infra
    scale_svg, scale_box = _scale_bar(frame, width, height)
    anchors = [frame.xy(shapely.get_coordinates(shapely.point_on_surface(p.geometry)))[0]
               for p in content.plots]
    out.append(_rank_labels_svg(anchors, [p.rank for p in content.plots], width=width,
                                height=height, avoid=[scale_box], clear=symbols))
    out.append(scale_svg)
    out.append("</svg>")
    return "".join(out)


def _area_paths(content: InvestorReport, frame: _Frame) -> list[str]:
    """Communes, activity zones (dashed), every plot pale by status, the best plots on top."""
    layers = content.layers
    out = [f'<path d="{_path_d(g, frame)}" fill="{palette.COMMUNE_FILL_HEX}" '
           f'stroke="{palette.COMMUNE_LINE_HEX}" stroke-width="0.6" fill-rule="evenodd"/>'
           for g in layers["communes"]]
    out += [f'<path d="{_path_d(g, frame)}" fill="none" stroke="{palette.SITE_HEX}" '
            'stroke-width="1" stroke-dasharray="4 2"/>' for g in layers["sites"]]
    out += [f'<path d="{_path_d(g, frame)}" fill="{palette.STATUS_HEX[status]}" '
            f'fill-opacity="0.35" stroke="{palette.FAINT_HEX}" stroke-width="0.4" '
            'fill-rule="evenodd"/>' for status, g in layers["plots"]]
    out += [f'<path d="{_path_d(p.geometry, frame)}" fill="{palette.STATUS_HEX[p.status]}" '
            f'fill-opacity="0.9" stroke="{_NAVY}" stroke-width="1.4" '
            f'fill-rule="evenodd"><title>{html.escape(p.plot_id)}</title></path>'
            for p in content.plots]
    return out


def _infrastructure_svg(content: InvestorReport, frame: _Frame
                        ) -> tuple[list[str], list[tuple[float, float]]]:
    """The infrastructure markers (a disc in the kind's colour with its letter) and their
    centres (which rank labels should rather not cover)."""
    out, centres = [], []
    for kind, name, point in content.layers["infrastructure"]:
        (x, y), = frame.xy(shapely.get_coordinates(point))
        centres.append((x, y))
        letter = INFRA_SYMBOLS.get(kind, "?")
        label = INFRA_LABELS.get(kind, kind)
        out.append(f'<g><title>{html.escape(label)} {html.escape(name)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" '
                   f'fill="{palette.INFRA_HEX.get(kind, palette.INK_HEX)}"/>'
                   f'<text x="{x:.1f}" y="{y + 3:.1f}" font-size="8" text-anchor="middle" '
                   f'fill="{_PAPER}">{html.escape(letter)}</text></g>')
    return out, centres


_LABEL_FONT_PX = 9.0
_LABEL_HEIGHT_PX = 15.0
_LABEL_DIGIT_PX = 0.7 * _LABEL_FONT_PX      # a bold digit's advance (DejaVu Sans: 0.696 em)


def _rank_labels_svg(anchors, ranks: list[int], *, width: float, height: float,
                     avoid, clear) -> str:
    """The rank labels placed by :func:`label_layout`: leader lines, anchor dots, then the
    labels (rounded boxes, class ``rank``) on top."""
    labels = label_layout(anchors, ranks, height=_LABEL_HEIGHT_PX, char_width=_LABEL_DIGIT_PX,
                          within=(0, 0, width, height), avoid=avoid, clear=clear)
    out = ['<g class="ranks">']
    for lab in labels:
        out.extend(f'<line class="leader" x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" '
                   f'y2="{b[1]:.1f}" stroke="{_NAVY}" stroke-width="0.9"/>'
                   for a, b in lab.leaders)
    out.extend(f'<circle class="anchor" cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{_NAVY}"/>'
               for x, y in anchors)
    for lab in labels:
        x, y, w, h = lab.box
        out.append(f'<g class="rank"><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="{h / 2:.1f}" fill="{_PAPER}" fill-opacity="0.92" '
                   f'stroke="{_NAVY}" stroke-width="1"/><text x="{x + w / 2:.1f}" '
                   f'y="{y + h / 2 + 0.35 * _LABEL_FONT_PX:.1f}" font-size="{_LABEL_FONT_PX:g}" '
                   f'font-weight="bold" text-anchor="middle" fill="{_NAVY}">'
                   f"{html.escape(lab.text)}</text></g>")
    out.append("</g>")
    return "".join(out)


def _scale_bar(frame: _Frame, width: int, height: int
               ) -> tuple[str, tuple[float, float, float, float]]:
    """The scale bar's SVG and its box (x, y, width, height)."""
    metres = (width * 0.2) / frame.scale
    nice = 10 ** np.floor(np.log10(metres))
    for m in (5, 2, 1):
        if m * nice <= metres:
            nice *= m
            break
    px = nice * frame.scale
    ink = palette.INK_HEX
    x, y = 12, height - 14
    box = (x - 4.0, y - 14.0, float(px) + 8.0, 22.0)
    return (f'<g class="scale"><rect x="{box[0]:g}" y="{box[1]:g}" width="{box[2]:.1f}" '
            f'height="{box[3]:g}" fill="{_PAPER}" fill-opacity="0.8"/><line x1="{x}" y1="{y}" '
            f'x2="{x + px:.1f}" y2="{y}" stroke="{ink}" stroke-width="2"/><text x="{x}" '
            f'y="{y - 4}" font-size="9" fill="{ink}">{scale_label(nice)}</text></g>'), box


# ----------------------------------------------------------------------------- HTML

_CSS = f"""
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; color: {palette.INK_HEX}; margin: 0 auto;
       max-width: 190mm; font-size: 9pt; }}
h1 {{ color: {_NAVY}; font-size: 15pt; margin: 0 0 2pt; }}
h2 {{ font-size: 11pt; margin: 0 0 4pt; }}
.meta {{ color: {palette.MUTED_HEX}; font-size: 8pt; margin-bottom: 6pt; }}
ul.brief {{ columns: 2; margin: 0 0 6pt; padding-left: 14pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 7.5pt; }}
th {{ background: {_NAVY}; color: {_PAPER}; text-align: left; padding: 2pt 3pt; }}
td {{ padding: 2pt 3pt; vertical-align: top; border-bottom: 0.5pt solid {palette.RULE_HEX}; }}
tr:nth-child(even) td {{ background: {palette.ZEBRA_HEX}; }}
.dot {{ display: inline-block; width: 7pt; height: 7pt; border-radius: 50%;
       margin-right: 3pt; }}
.foot {{ color: {palette.FAINT_HEX}; font-size: 6.5pt; margin-top: 6pt; }}
"""


def _table_rows(content: InvestorReport) -> str:
    """The table's body: a row per best plot (or one row saying there is none)."""
    e = html.escape
    rows = []
    for p in content.plots:
        figs = "<br>".join(f"{e(k)} : {e(v)}" for k, v in p.figures)
        why = "<br>".join(e(r) for r in p.reasons) or ALL_PASS
        rows.append(
            f"<tr><td>{p.rank}</td><td><b>{e(p.plot_id)}</b></td><td>{e(p.place)}</td>"
            f'<td><span class="dot" style="background:{palette.STATUS_HEX[p.status]}"></span>'
            f"{e(p.status_label)}</td><td>{fmt_number(p.score, 0)}</td><td>{figs}</td>"
            f"<td>{why}</td></tr>")
    return "".join(rows) or '<tr><td colspan="7">Aucun terrain dans l\'inventaire.</td></tr>'


def report_html(content: InvestorReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG).

    Examples
    --------
    >>> import foncier
    >>> from foncier.report.content import report_content
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier"))
    >>> "<h2>Projet « Atelier »</h2>" in report_html(report_content(res, top=1))
    True
    """
    e = html.escape
    lines = content.brief_lines or [NO_CRITERIA]
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>Terrains proposés — {e(content.title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>Terrains proposés</h1><h2>Projet « {e(content.title)} »</h2>"
        f'<div class="meta">{e(meta_line(content))}</div>'
        "<h2>Cahier des charges</h2><ul class=\"brief\">"
        + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>"
        + map_svg(content)
        + "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in TABLE_HEADERS)
        + f"</tr></thead><tbody>{_table_rows(content)}</tbody></table>"
        f'<div class="foot">{e(FOOTER)}</div>'
        "</body></html>\n")


def write_report_html(result: MatchResult, path: str | os.PathLike, *, top: int = 10,
                      today: dt.date | None = None) -> Path:
    """Write the one-page investor report as HTML (atomically) and return its path.

    Examples
    --------
    >>> import foncier, tempfile, pathlib
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier"))
    >>> out = write_report_html(res, pathlib.Path(tempfile.mkdtemp()) / "fiche.html", top=2)
    >>> out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    path = Path(path)
    text = report_html(report_content(result, top=top, today=today))
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
