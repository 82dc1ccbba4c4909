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

import base64
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
    FOOTER,
    NO_CRITERIA,
    SUMMARY_HEADERS,
    TABLE_HEADERS,
    InvestorReport,
    SiteSheet,
    french,
    meta_line,
    report_content,
    summary_cells,
)
from foncier.report.labels import label_layout
from foncier.report.pictograms import svg_pictogram
from foncier.report.profile import TerritoryProfile
from foncier.wording import INFRA_LABELS, OUTCOME_LABELS, STATUS_LABELS, scale_label

__all__ = ["map_svg", "sheet_svg", "report_html", "write_report_html", "svg_inline"]

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
    """The overview map as an inline SVG: communes (land) on the water colour, zones, plots
    coloured by status, the proposed plots outlined, infrastructure pictograms
    (:mod:`foncier.report.pictograms`, as in the PDF), a rank label per proposed plot placed by
    :func:`~foncier.report.labels.label_layout` (never merged) and a scale bar.

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
    out = _svg_open(width, height, "Carte des terrains proposés")
    out += _area_paths(content.layers, frame)
    out += [f'<path d="{_path_d(p.geometry, frame)}" fill="{palette.STATUS_HEX[p.status]}" '
            f'fill-opacity="0.9" stroke="{_NAVY}" stroke-width="1.4" '
            f'fill-rule="evenodd"><title>{html.escape(p.plot_id)}</title></path>'
            for p in content.plots]
    infra, symbols = _infrastructure_svg(content.layers["infrastructure"], frame)
    out += infra
    scale_svg, scale_box = _scale_bar(frame, width, height)
    anchors = [frame.xy(shapely.get_coordinates(shapely.point_on_surface(p.geometry)))[0]
               for p in content.plots]
    out.append(_rank_labels_svg(anchors, [p.rank for p in content.plots], width=width,
                                height=height, avoid=[scale_box], clear=symbols))
    out.append(scale_svg)
    out.append("</svg>")
    return "".join(out)


def sheet_svg(sheet: SiteSheet, *, width: int = 700, height: int = 340) -> str:
    """A site sheet's close-up map as an inline SVG: the plot outlined within its zone and
    neighbours, the constraints touching it, the nearest infrastructure (on the frame's edge
    when far, with its distance), a scale bar and the north."""
    frame = _Frame(sheet.extent, width, height)
    layers = sheet.layers
    out = _svg_open(width, height, "Carte du terrain")
    out += _area_paths(layers, frame)
    for kind, label, g in layers["constraints"]:
        colour = palette.CONSTRAINT_HEX.get(kind, palette.CONSTRAINT_HEX["other"])
        out.append(f'<path d="{_path_d(g, frame)}" fill="{colour}" fill-opacity="0.27" '
                   f'stroke="{colour}" stroke-width="1" fill-rule="evenodd">'
                   f"<title>{html.escape(label)}</title></path>")
    out.append(f'<path class="focus" d="{_path_d(layers["focus"], frame)}" '
               f'fill="{palette.STATUS_HEX[sheet.status]}" fill-opacity="0.6" '
               f'stroke="{palette.SELECTION_HEX}" stroke-width="2.5" fill-rule="evenodd"/>')
    pts = [frame.xy(shapely.get_coordinates(pt))[0] for _k, _t, pt in layers["infrastructure"]]
    kms = [t.rpartition("\u00a0: ")[2] for _k, t, _pt in layers["infrastructure"]]
    labels = label_layout(pts, ["00" + k for k in kms], height=15.0, char_width=6.3,
                          within=(0, 0, width, height), merge=False, gap=2.0)
    for lab, (kind, text, _pt), km in zip(labels, layers["infrastructure"], kms, strict=True):
        x, y, w, h = lab.box
        (ax, ay) = pts[lab.members[0]]
        out.append(f'<g class="infra"><title>{html.escape(text)}</title>'
                   f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{x + w / 2:.1f}" y2="{y + h / 2:.1f}" '
                   f'stroke="{palette.MUTED_HEX}" stroke-width="0.8"/>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3" '
                   f'fill="{_PAPER}" stroke="{palette.MUTED_HEX}" stroke-width="0.8"/>'
                   + svg_pictogram(kind, x + 8, y + h / 2, 5)
                   + f'<text x="{x + 16:.1f}" y="{y + h / 2 + 3:.1f}" font-size="9" '
                   f'font-weight="bold" fill="{palette.INK_HEX}">{html.escape(km)}</text></g>')
    scale_svg, _box = _scale_bar(frame, width, height)
    out.append(scale_svg)
    out.append("</svg>")
    return "".join(out)


def _svg_open(width: int, height: int, label: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{label}">',
            f'<rect width="{width}" height="{height}" fill="{palette.OUTSIDE_HEX}"/>']


def _area_paths(layers: dict, frame: _Frame) -> list[str]:
    """Communes, activity zones (dashed), every plot pale by status."""
    out = [f'<path d="{_path_d(g, frame)}" fill="{palette.COMMUNE_FILL_HEX}" '
           f'stroke="{palette.COMMUNE_LINE_HEX}" stroke-width="0.6" fill-rule="evenodd"/>'
           for g in layers["communes"]]
    out += [f'<path d="{_path_d(g, frame)}" fill="none" stroke="{palette.SITE_HEX}" '
            'stroke-width="1" stroke-dasharray="4 2"/>' for g in layers["sites"]]
    out += [f'<path d="{_path_d(g, frame)}" fill="{palette.STATUS_HEX[status]}" '
            f'fill-opacity="0.35" stroke="{palette.FAINT_HEX}" stroke-width="0.4" '
            'fill-rule="evenodd"/>' for status, g in layers["plots"]]
    return out


def _infrastructure_svg(points, frame: _Frame
                        ) -> tuple[list[str], list[tuple[float, float]]]:
    """The infrastructure pictograms and their centres (which labels should not cover)."""
    out, centres = [], []
    for kind, name, point in points:
        (x, y), = frame.xy(shapely.get_coordinates(point))
        centres.append((x, y))
        label = INFRA_LABELS.get(kind, kind)
        out.append(f'<g class="infra"><title>{html.escape(label)} {html.escape(name)}</title>'
                   + svg_pictogram(kind, x, y, 5.5) + "</g>")
    return out, centres


_LABEL_FONT_PX = 9.0
_LABEL_HEIGHT_PX = 15.0
_LABEL_DIGIT_PX = 0.7 * _LABEL_FONT_PX      # a bold digit's advance (DejaVu Sans: 0.696 em)


def _rank_labels_svg(anchors, ranks: list[int], *, width: float, height: float,
                     avoid, clear) -> str:
    """The rank labels placed by :func:`label_layout` (one per plot): leader lines, anchor
    dots, then the labels (rounded boxes, class ``rank``) on top."""
    labels = label_layout(anchors, ranks, height=_LABEL_HEIGHT_PX, char_width=_LABEL_DIGIT_PX,
                          within=(0, 0, width, height), avoid=avoid, clear=clear, merge=False,
                          gap=1.5)
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
                   f'height="{h:.1f}" rx="{h / 2:.1f}" fill="{_PAPER}" '
                   f'stroke="{_NAVY}" stroke-width="1"/><text x="{x + w / 2:.1f}" '
                   f'y="{y + h / 2 + 0.35 * _LABEL_FONT_PX:.1f}" font-size="{_LABEL_FONT_PX:g}" '
                   f'font-weight="bold" text-anchor="middle" fill="{_NAVY}">'
                   f"{html.escape(lab.text)}</text></g>")
    out.append("</g>")
    return "".join(out)


def _scale_bar(frame: _Frame, width: int, height: int
               ) -> tuple[str, tuple[float, float, float, float]]:
    """The scale bar with the north arrow, and their box (x, y, width, height)."""
    metres = (width * 0.2) / frame.scale
    nice = 10 ** np.floor(np.log10(metres))
    for m in (5, 2, 1):
        if m * nice <= metres:
            nice *= m
            break
    px = nice * frame.scale
    ink = palette.INK_HEX
    x, y = 12, height - 14
    box = (x - 4.0, y - 14.0, float(px) + 36.0, 22.0)
    xn = x + px + 14
    return (f'<g class="scale"><rect x="{box[0]:g}" y="{box[1]:g}" width="{box[2]:.1f}" '
            f'height="{box[3]:g}" fill="{_PAPER}" fill-opacity="0.85"/><line x1="{x}" y1="{y}" '
            f'x2="{x + px:.1f}" y2="{y}" stroke="{ink}" stroke-width="2"/><text x="{x}" '
            f'y="{y - 4}" font-size="9" fill="{ink}">{french(scale_label(nice))}</text>'
            f'<polygon points="{xn:.1f},{y - 12} {xn + 4:.1f},{y} {xn:.1f},{y - 3} '
            f'{xn - 4:.1f},{y}" fill="{ink}"/><text x="{xn + 6:.1f}" y="{y}" font-size="8" '
            f'font-weight="bold" fill="{ink}">N</text></g>'), box


def _legend(entries) -> str:
    """A legend under a map: ``(label, key)`` with key a status, ``site``, ``focus``, a
    ``(kind, colour)`` constraint or an infrastructure kind (its pictogram)."""
    e = html.escape
    items = []
    for label, key in entries:
        if key in palette.STATUS_HEX:
            sw = (f'<rect x="1" y="1" width="10" height="10" fill="{palette.STATUS_HEX[key]}" '
                  f'stroke="{palette.MUTED_HEX}" stroke-width="0.5"/>')
        elif key == "site":
            sw = (f'<rect x="1" y="1" width="10" height="10" fill="none" '
                  f'stroke="{palette.SITE_HEX}" stroke-dasharray="3 2"/>')
        elif key == "focus":
            sw = (f'<rect x="1" y="1" width="10" height="10" fill="none" '
                  f'stroke="{palette.SELECTION_HEX}" stroke-width="2"/>')
        elif isinstance(key, tuple):
            sw = (f'<rect x="1" y="1" width="10" height="10" fill="{key[1]}" '
                  f'fill-opacity="0.3" stroke="{key[1]}"/>')
        else:
            sw = svg_pictogram(key, 6, 6, 5)
        items.append(f'<span class="key"><svg width="12" height="12" viewBox="0 0 12 12">{sw}'
                     f"</svg> {e(label)}</span>")
    return '<div class="legend">' + "".join(items) + "</div>"


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
footer {{ color: {palette.FAINT_HEX}; font-size: 6.5pt; margin-top: 6pt;
          border-top: 0.5pt solid {palette.RULE_HEX}; }}
header {{ display: flex; align-items: center; gap: 8pt; border-bottom: 1.2pt solid {_NAVY};
          padding-bottom: 4pt; margin-bottom: 8pt; }}
header .org {{ color: {_NAVY}; flex: 1; }} header .contact {{ text-align: right;
          color: {palette.MUTED_HEX}; font-size: 7.5pt; }}
.logo {{ max-height: 30pt; max-width: 90pt; }}
.page {{ break-after: page; margin-bottom: 18pt; }}
.legend {{ font-size: 7.5pt; margin: 2pt 0 6pt; }} .key {{ margin-right: 8pt; }}
.card {{ border: 0.8pt solid {_NAVY}; border-radius: 4pt; padding: 4pt 8pt; margin-top: 8pt;
        background: {palette.ZEBRA_HEX}; }}
.cols {{ display: flex; gap: 12pt; }} .cols > div {{ flex: 1; }}
table.figs th {{ background: none; color: {palette.MUTED_HEX}; font-weight: normal; }}
ul.near {{ list-style: none; padding-left: 0; }}
h3 {{ font-size: 9.5pt; margin: 6pt 0 3pt; }}
"""


def _table_rows(content: InvestorReport) -> str:
    """The ranked table's body: a row per proposed plot (or one row saying there is none)."""
    e = html.escape
    rows = []
    for p in content.plots:
        cells = summary_cells(content, p)
        dot = (f'<span class="dot" style="background:{palette.STATUS_HEX[p.status]}"></span>')
        tds = [f"<td>{e(c)}</td>" for c in cells]
        tds[1] = f"<td><b>{e(cells[1])}</b></td>"
        tds[3] = f"<td>{dot}{e(cells[3])}</td>"
        rows.append("<tr>" + "".join(tds) + "</tr>")
    n = len(TABLE_HEADERS) + len(SUMMARY_HEADERS)
    return "".join(rows) or f'<tr><td colspan="{n}">Aucun terrain dans l\'inventaire.</td></tr>'


def _profile_header(content: InvestorReport) -> str:
    e = html.escape
    prof = content.profile
    logo = ""
    if prof.logo is not None and prof.logo.is_file():
        mime = "image/png" if prof.logo.suffix.lower() == ".png" else "image/jpeg"
        data = base64.b64encode(prof.logo.read_bytes()).decode("ascii")
        logo = f'<img class="logo" alt="" src="data:{mime};base64,{data}">'
    contact = "<br>".join(e(x) for x in prof.contact_lines()[1:])
    terr = f'<div class="terr">{e(prof.territory)}</div>' if prof.territory else ""
    return (f'<header>{logo}<div class="org"><b>{e(prof.organisation)}</b>{terr}</div>'
            f'<div class="contact">{contact}</div></header>')


def _footer(content: InvestorReport) -> str:
    lines = [FOOTER, *(content.audit.lines() if content.audit else [])]
    return '<footer>' + "<br>".join(html.escape(x) for x in lines) + "</footer>"


def _summary_html(content: InvestorReport) -> str:
    e = html.escape
    lines = content.brief_lines or [NO_CRITERIA]
    kinds = list(dict.fromkeys(k for k, _n, _p in content.layers["infrastructure"]))
    legend = ([(STATUS_LABELS[s].capitalize(), s) for s in ("match", "to_check", "no_match")]
              + [("Zone d'activité", "site")] + [(INFRA_LABELS.get(k, k), k) for k in kinds])
    contact = content.profile.contact_lines()
    return (
        '<section class="page">' + _profile_header(content)
        + f"<h1>Terrains proposés</h1><h2>{e(content.heading)}</h2>"
        f'<div class="meta">{e(meta_line(content))}</div>'
        "<h3>Cahier des charges</h3><ul class=\"brief\">"
        + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>"
        + map_svg(content) + _legend(legend)
        + "<table><thead><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in (*TABLE_HEADERS, *SUMMARY_HEADERS))
        + f"</tr></thead><tbody>{_table_rows(content)}</tbody></table>"
        + f'<div class="card"><b>Votre contact</b><br>{"<br>".join(e(x) for x in contact)}</div>'
        + _footer(content) + "</section>")


def _sheet_html(content: InvestorReport, sheet: SiteSheet) -> str:
    e = html.escape
    layers = sheet.layers
    legend = [(f"Terrain ({sheet.status_label})", "focus"), ("Zone d'activité", "site")]
    for kind, label, _g in layers["constraints"]:
        entry = (label, (kind, palette.CONSTRAINT_HEX.get(kind, palette.CONSTRAINT_HEX["other"])))
        if entry not in legend:
            legend.append(entry)
    legend += [(INFRA_LABELS.get(k, k), k)
               for k in dict.fromkeys(k for k, _t, _p in layers["infrastructure"])]
    members = (f'<div class="meta">Terrains\u00a0: {e(", ".join(sheet.members))}</div>'
               if len(sheet.members) > 1 else "")
    figures = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in sheet.figures)
    near = "".join(f"<li>{svg_inline(k)} {e(t)}</li>" for k, t, _p in layers["infrastructure"])
    crit = "".join(
        f'<tr><td>{e(lab)}</td><td>{e(m)}</td><td>{e(r)}</td><td class="{o}" '
        f'style="color:{palette.OUTCOME_HEX.get(o, palette.INK_HEX)}"><b>'
        f"{e(OUTCOME_LABELS.get(o, o))}</b></td></tr>" for lab, m, r, o in sheet.criteria)
    checks = "".join(f"<li>{e(x)}</li>" for x in sheet.checks)
    return (
        '<section class="page">' + _profile_header(content)
        + f"<h1>Fiche {sheet.rank} — {e(sheet.title)}</h1>"
        f'<div class="meta">{e(sheet.place)} — {e(sheet.status_label)}</div>{members}'
        + sheet_svg(sheet) + _legend(legend)
        + '<div class="cols"><div><h3>Chiffres clés</h3><table class="figs">'
        + figures + "</table></div><div><h3>Infrastructures les plus proches</h3>"
        f'<ul class="near">{near}</ul></div></div>'
        "<h3>Critères</h3><table><thead><tr><th>Critère</th><th>Valeur mesurée</th>"
        f"<th>Demandé</th><th>Verdict</th></tr></thead><tbody>{crit}</tbody></table>"
        f"<h3>Points à vérifier</h3><ul>{checks}</ul>" + _footer(content) + "</section>")


def svg_inline(kind: str) -> str:
    """An infrastructure pictogram as a small inline SVG (lists, legends)."""
    return (f'<svg width="12" height="12" viewBox="0 0 12 12">{svg_pictogram(kind, 6, 6, 5)}'
            "</svg>")


def report_html(content: InvestorReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG): the summary, then the
    site sheets, each with the territory's header and the audit footer.

    Examples
    --------
    >>> import foncier
    >>> from foncier.report.content import report_content
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier"))
    >>> "<h2>Projet « Atelier »</h2>" in report_html(report_content(res, top=1))
    True
    """
    e = html.escape
    audit = content.audit
    keywords = (f'<meta name="keywords" content="{e(audit.technical_source)} '
                f'{e(audit.fingerprint)}">' if audit else "")
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f'<meta name="author" content="{e(content.profile.organisation)}">'
        f'<meta name="generator" content="foncier {e(audit.version if audit else "")}">'
        f"{keywords}<title>Terrains proposés — {e(content.heading)}</title>"
        f"<style>{_CSS}</style></head><body>"
        + _summary_html(content) + "".join(_sheet_html(content, s) for s in content.sheets)
        + "</body></html>\n")


def write_report_html(result: MatchResult, path: str | os.PathLike, *, top: int = 10,
                      sheets: int = 5, profile: TerritoryProfile | None = None,
                      today: dt.date | None = None) -> Path:
    """Write the investor report as HTML (atomically) and return its path.

    Examples
    --------
    >>> import foncier, tempfile, pathlib
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier"))
    >>> out = write_report_html(res, pathlib.Path(tempfile.mkdtemp()) / "fiche.html", top=2)
    >>> out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    path = Path(path)
    text = report_html(report_content(result, top=top, sheets=sheets, profile=profile,
                                      today=today))
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
