"""The one-page investor report: its content as plain data, and an HTML rendering with an SVG map.

:func:`report_content` gathers what the page shows: the brief in short, the counts, the best-ranked
plots with their key figures and reasons, and the map (its extent and the geometries to draw, in
Lambert-93). :func:`report_html` renders that content as one self-contained HTML page whose map is
an inline SVG drawn from the geometries (pure Python, no Qt); :func:`write_report_html` writes it.
The PDF version is drawn by the desktop app's ``gui/pdf.py`` (``foncier report --out x.pdf``).

Examples
--------
>>> import foncier
>>> from foncier.report import report_content, report_html
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier", max_area_ha=2))
>>> content = report_content(res, top=3)
>>> [p.rank for p in content.plots]
[1, 2, 3]
>>> "<svg" in report_html(content)
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .brief import Brief
from .criteria import ICPE_LABELS, LABELS, asked_criteria, fmt_number
from .matching import STATUS_LABELS, MatchResult
from .schema import constraint_label
from .store import atomic_write

__all__ = ["InvestorReport", "ReportPlot", "report_content", "brief_summary", "map_svg",
           "report_html", "write_report_html", "STATUS_HEX", "constraint_label", "meta_line",
           "TABLE_HEADERS", "ALL_PASS", "NO_CRITERIA", "FOOTER"]

#: Status colours of the report (fill), as in the desktop app.
STATUS_HEX = {"match": "#2ea043", "to_check": "#f0ad00", "no_match": "#a0a0a0"}
_INFRA = {"motorway_interchange": ("A", "Échangeur autoroutier"),
          "rail_freight": ("F", "Gare de fret"), "port": ("P", "Port"),
          "airport": ("Av", "Aéroport"), "substation": ("É", "Poste électrique")}
#: The report's wording shared by every rendering (HTML here, PDF in ``gui/pdf.py``).
TABLE_HEADERS = ("Rang", "Terrain", "Zone, commune", "Statut", "Score", "Chiffres clés",
                 "Points à vérifier / motifs")
ALL_PASS = "Tous les critères demandés sont respectés."
NO_CRITERIA = "Aucun critère hormis la disponibilité."
FOOTER = ("Distances à vol d'oiseau, en Lambert-93. Surfaces nettes : surface du terrain moins "
          "les contraintes retirées. Document produit par foncier.")
_UNITS = {"price": "€/m²", "height": "m", "housing": "m", "power": "MW", "water": "m³/j",
          "motorway": "km", "rail_freight": "km", "port": "km"}


@dataclass(frozen=True)
class ReportPlot:
    """One of the best plots, as the report shows it.

    Attributes
    ----------
    rank : int
    plot_id, site_id : str
    place : str
        The activity zone's name and its commune, when known.
    status, status_label : str
        ``match``... and its French label.
    score : float
    figures : list of (label, text)
        Key figures in French: net area, price, power, availability date...
    reasons : list of str
        The reasons of its fails and unknowns (empty when every criterion passes).
    geometry : shapely geometry
    """

    rank: int
    plot_id: str
    site_id: str
    place: str
    status: str
    status_label: str
    score: float
    figures: list[tuple[str, str]]
    reasons: list[str]
    geometry: object = field(repr=False)


@dataclass(frozen=True)
class InvestorReport:
    """The content of the one-page investor report (plain data).

    Attributes
    ----------
    title : str
        The brief's name.
    date : date
    inventory : str
        Where the plots come from.
    brief_lines : list of str
        The brief in short, a French line per asked key.
    counts : dict of str to int
        Plots per status.
    n_plots : int
    plots : list of ReportPlot
        The best-ranked plots.
    extent : (xmin, ymin, xmax, ymax)
        The map's extent in Lambert-93.
    layers : dict of str to list
        What the map draws inside the extent: ``communes``, ``sites`` and ``plots`` (all the
        inventory's plots there, as ``(status, geometry)``) and ``infrastructure`` (as
        ``(kind, name, point)``).
    """

    title: str
    date: dt.date
    inventory: str
    brief_lines: list[str]
    counts: dict[str, int]
    n_plots: int
    plots: list[ReportPlot]
    extent: tuple[float, float, float, float]
    layers: dict[str, list] = field(repr=False)


def _selector_label(selector: str) -> str:
    return constraint_label(selector)


def meta_line(content: InvestorReport) -> str:
    """The line under the title: source, plots studied, counts per status, date."""
    c = content.counts

    def n(count: int, word: str) -> str:
        return f"{fmt_number(count, 0)} {word}{'s' if count > 1 else ''}"

    return (f"{content.inventory} — {n(content.n_plots, 'terrain')} étudié"
            f"{'s' if content.n_plots > 1 else ''} : {n(c['match'], 'compatible')}, "
            f"{fmt_number(c['to_check'], 0)} à vérifier, {n(c['no_match'], 'incompatible')}"
            f" — le {content.date:%d/%m/%Y}")


def _required_text(name: str, required) -> str:
    if name == "area":
        return str(required)
    if name == "timing":
        return f"disponible au plus tard le {required:%d/%m/%Y}"
    if name == "zoning":
        return ", ".join(required)
    if name in ("icpe", "brownfield"):
        return ICPE_LABELS.get(required, str(required))
    if name == "forbidden_constraints":
        return ", ".join(_selector_label(x) for x in required)
    if isinstance(required, bool):
        return "exigé"
    if name in ("price", "motorway", "rail_freight", "port"):
        unit = _UNITS[name]
        return f"≤ {fmt_number(required, 2)} {unit}" + (" à vol d'oiseau" if unit == "km" else "")
    if name in _UNITS:
        return f"≥ {fmt_number(required, 1)} {_UNITS[name]}"
    return str(required)


def brief_summary(brief: Brief) -> list[str]:
    """The brief in short: a French line per asked key (availability is implied).

    Examples
    --------
    >>> import foncier
    >>> brief_summary(foncier.Brief(name="x", min_area_ha=5, port_max_km=30, turnkey=True))
    ['Surface : ≥ 5 ha', 'Clé en main : exigé', "Port : ≤ 30 km à vol d'oiseau"]
    """
    required = _required_values(brief)
    lines = [f"{LABELS[n]} : {_required_text(n, required[n])}"
             for n in asked_criteria(brief) if n != "availability"]
    if brief.excluded_constraints:
        lines.append("Retirées de la surface : "
                     + ", ".join(_selector_label(x) for x in brief.excluded_constraints))
    if brief.allow_assembly:
        gap = fmt_number(brief.assembly_max_gap_m or 0, 0)
        lines.append(f"Assemblage de terrains voisins accepté (écart ≤ {gap} m)")
    return lines


def _required_values(brief: Brief) -> dict:
    lo, hi = brief.min_area_ha, brief.max_area_ha
    if lo is not None and hi is not None:
        area = f"{fmt_number(lo, 2)} à {fmt_number(hi, 2)} ha"
    elif lo is not None:
        area = f"≥ {fmt_number(lo, 2)} ha"
    else:
        area = f"≤ {fmt_number(hi, 2)} ha" if hi is not None else ""
    return {
        "area": area, "price": brief.max_price_eur_m2, "timing": brief.available_by,
        "zoning": list(brief.accepted_zones or ()), "turnkey": True,
        "brownfield": "friche exigée" if brief.brownfield == "required" else "friches exclues",
        "height": brief.building_height_m, "icpe": brief.icpe,
        "forbidden_constraints": list(brief.forbidden_constraints or ()),
        "housing": brief.min_housing_distance_m, "power": brief.power_mw,
        "water": brief.water_m3_day, "gas": True, "fiber": True, "rail_siding": True,
        "motorway": brief.motorway_max_km, "rail_freight": brief.rail_freight_max_km,
        "port": brief.port_max_km,
    }


def _places(result: MatchResult, positions: np.ndarray) -> list[str]:
    inv = result.inventory
    site_ids = inv.plots["site_id"].to_numpy(dtype=object)[positions]
    sites = inv.sites.set_index("site_id")
    names = sites["name"] if "name" in sites else pd.Series(dtype=object)
    insee = sites["commune_insee"] if "commune_insee" in sites else pd.Series(dtype=object)
    communes = {}
    if inv.communes is not None and {"insee", "name"} <= set(inv.communes.columns):
        communes = dict(zip(inv.communes["insee"], inv.communes["name"], strict=True))
    out = []
    for sid in site_ids:
        if sid is None or sid != sid:
            out.append("hors zone d'activité")
            continue
        name = names.get(sid)
        commune = communes.get(insee.get(sid))
        parts = [str(x) for x in (name, commune) if isinstance(x, str) and x]
        out.append(", ".join(parts) or str(sid))
    return out


def _figures(result: MatchResult, pos: int) -> list[tuple[str, str]]:
    plots = result.inventory.plots
    row = plots.iloc[pos]
    figs = [("Surface nette", f"{fmt_number(result.net_area_ha[pos], 2)} ha")]
    price = row.get("price_eur_m2")
    figs.append(("Prix", "—" if price is None or price != price
                 else f"{fmt_number(price, 2)} €/m²"))
    power = row.get("power_mw")
    if power is not None and power == power:
        figs.append(("Puissance", f"{fmt_number(power, 1)} MW"))
    avail = row.get("available_from")
    if avail is not None and not pd.isna(avail):
        figs.append(("Disponible", pd.Timestamp(avail).strftime("%d/%m/%Y")))
    geo = result.inventory.geometry
    if "motorway_interchange" in geo.distance_m:
        km = geo.distance_m["motorway_interchange"][pos] / 1000.0
        figs.append(("Échangeur", f"{fmt_number(km, 1)} km"))
    return figs


def _assembly_rows(result: MatchResult, *, top: int) -> list[ReportPlot]:
    """The best candidate assemblies of neighbouring plots, as report rows."""
    from .assembly import find_assemblies

    found = find_assemblies(result).head(top)
    rows = []
    for a in found.itertuples(index=False):
        members = str(a.assembly).split("|")
        first = result.position(members[0])
        place = _places(result, np.array([first]))[0]
        rows.append(ReportPlot(
            rank=0, plot_id=str(a.plot_id), site_id=str(a.site_id or ""),
            place=f"{place} — assemblage de {len(members)} terrains voisins",
            status=str(a.status), status_label=STATUS_LABELS[str(a.status)],
            score=float(a.score),
            figures=[("Surface nette", f"{fmt_number(a.net_area_ha, 2)} ha (somme)"),
                     ("Terrains regroupés", str(len(members)))],
            reasons=[r for r in str(a.reasons).split(" ; ") if r], geometry=a.geometry))
    return rows


def _ranked(rows: list[ReportPlot], *, top: int) -> list[ReportPlot]:
    """Rows ranked as results are: status, then score (best first), then id."""
    order = {"match": 0, "to_check": 1, "no_match": 2}
    return sorted(rows, key=lambda r: (order[r.status], -r.score, r.plot_id))[:top]


def _extent(geoms: np.ndarray, *, pad: float = 0.15, minimum: float = 1500.0
            ) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    w, h = max(x1 - x0, minimum), max(y1 - y0, minimum)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _inside(frame, box) -> np.ndarray:
    if frame is None or not len(frame):
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(frame.geometry.to_numpy())
    return np.sort(tree.query(box))


def report_content(result: MatchResult, *, top: int = 10,
                   today: dt.date | None = None) -> InvestorReport:
    """The content of the one-page investor report for a match.

    Parameters
    ----------
    result : MatchResult
    top : int, default 10
        How many of the best-ranked plots to present: the compatible plots and those to check;
        incompatible ones only when there are none of those (to show the investor why).
    today : date, optional
        The report's date (today by default).

    Returns
    -------
    InvestorReport
    """
    inv = result.inventory
    plots = inv.plots
    candidates = result.order[result.status_code[result.order] < 2]
    best = (candidates if len(candidates) else result.order)[:top]
    reasons = result.reasons(best)
    places = _places(result, best)
    geoms = plots.geometry.to_numpy()
    rows = []
    for pos, why, place in zip(best.tolist(), reasons.tolist(), places, strict=True):
        status = str(result.status[pos])
        site = plots["site_id"].iloc[pos]
        rows.append(ReportPlot(
            rank=0, plot_id=str(plots["plot_id"].iloc[pos]),
            site_id="" if site is None or site != site else str(site), place=place,
            status=status, status_label=STATUS_LABELS[status], score=float(result.score[pos]),
            figures=_figures(result, pos), reasons=[r for r in why.split(" ; ") if r],
            geometry=geoms[pos]))
    if result.brief.allow_assembly and len(candidates):
        rows = _ranked(rows + _assembly_rows(result, top=top), top=top)
    rows = [dataclasses.replace(r, rank=k) for k, r in enumerate(rows, start=1)]
    shown = np.array([r.geometry for r in rows], dtype=object)
    extent = _extent(shown) if len(shown) else tuple(shapely.total_bounds(geoms))
    box = shapely.box(*extent)
    in_plots = _inside(plots, box)
    layers = {
        "communes": [inv.communes.geometry.iloc[i] for i in _inside(inv.communes, box)]
        if inv.communes is not None else [],
        "sites": [inv.sites.geometry.iloc[i] for i in _inside(inv.sites, box)],
        "plots": [(str(result.status[i]), geoms[i]) for i in in_plots],
        "infrastructure": [
            (str(inv.infrastructure["kind"].iloc[i]),
             str(inv.infrastructure["name"].iloc[i]) if "name" in inv.infrastructure else "",
             inv.infrastructure.geometry.iloc[i])
            for i in _inside(inv.infrastructure, box)],
    }
    source = inv.source or "inventaire en mémoire"
    source = source if "://" in source else Path(source).name
    return InvestorReport(
        title=result.brief.name, date=today or dt.date.today(), inventory=source,
        brief_lines=brief_summary(result.brief), counts=result.counts,
        n_plots=len(result.status), plots=rows, extent=extent, layers=layers)


# ----------------------------------------------------------------------------- SVG map


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
    plots outlined with their rank, infrastructure symbols and a scale bar."""
    frame = _Frame(content.extent, width, height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Carte des terrains">',
           f'<rect width="{width}" height="{height}" fill="#f4f6f8"/>']
    for g in content.layers["communes"]:
        out.append(f'<path d="{_path_d(g, frame)}" fill="#ffffff" stroke="#c8ccd2" '
                   'stroke-width="0.6" fill-rule="evenodd"/>')
    for g in content.layers["sites"]:
        out.append(f'<path d="{_path_d(g, frame)}" fill="none" stroke="#5c6bc0" '
                   'stroke-width="1" stroke-dasharray="4 2"/>')
    for status, g in content.layers["plots"]:
        out.append(f'<path d="{_path_d(g, frame)}" fill="{STATUS_HEX[status]}" '
                   'fill-opacity="0.35" stroke="#777" stroke-width="0.4" fill-rule="evenodd"/>')
    for p in content.plots:
        out.append(f'<path d="{_path_d(p.geometry, frame)}" fill="{STATUS_HEX[p.status]}" '
                   'fill-opacity="0.9" stroke="#1a237e" stroke-width="1.4" '
                   f'fill-rule="evenodd"><title>{html.escape(p.plot_id)}</title></path>')
    for kind, name, point in content.layers["infrastructure"]:
        (x, y), = frame.xy(shapely.get_coordinates(point))
        letter, label = _INFRA.get(kind, ("?", kind))
        out.append(f'<g><title>{html.escape(label)} {html.escape(name)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#263238"/>'
                   f'<text x="{x:.1f}" y="{y + 3:.1f}" font-size="8" text-anchor="middle" '
                   f'fill="#fff">{html.escape(letter)}</text></g>')
    for p in content.plots:
        (x, y), = frame.xy(shapely.get_coordinates(shapely.point_on_surface(p.geometry)))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="#fff" stroke="#1a237e"/>'
                   f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="9" font-weight="bold" '
                   f'text-anchor="middle" fill="#1a237e">{p.rank}</text>')
    out.append(_scale_bar(frame, width, height))
    out.append("</svg>")
    return "".join(out)


def _scale_bar(frame: _Frame, width: int, height: int) -> str:
    metres = (width * 0.2) / frame.scale
    nice = 10 ** np.floor(np.log10(metres))
    for m in (5, 2, 1):
        if m * nice <= metres:
            nice *= m
            break
    px = nice * frame.scale
    label = f"{fmt_number(nice / 1000, 1)} km" if nice >= 1000 else f"{fmt_number(nice, 0)} m"
    x, y = 12, height - 14
    return (f'<g><rect x="{x - 4}" y="{y - 14}" width="{px + 8:.1f}" height="22" fill="#fff" '
            f'fill-opacity="0.8"/><line x1="{x}" y1="{y}" x2="{x + px:.1f}" y2="{y}" '
            f'stroke="#222" stroke-width="2"/><text x="{x}" y="{y - 4}" font-size="9" '
            f'fill="#222">{label}</text></g>')


# ----------------------------------------------------------------------------- HTML

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0 auto;
       max-width: 190mm; font-size: 9pt; }
h1 { color: #1a237e; font-size: 15pt; margin: 0 0 2pt; }
h2 { font-size: 11pt; margin: 0 0 4pt; }
.meta { color: #555; font-size: 8pt; margin-bottom: 6pt; }
ul.brief { columns: 2; margin: 0 0 6pt; padding-left: 14pt; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; }
th { background: #1a237e; color: #fff; text-align: left; padding: 2pt 3pt; }
td { padding: 2pt 3pt; vertical-align: top; border-bottom: 0.5pt solid #ddd; }
tr:nth-child(even) td { background: #f1f3f8; }
.dot { display: inline-block; width: 7pt; height: 7pt; border-radius: 50%;
       margin-right: 3pt; }
.foot { color: #777; font-size: 6.5pt; margin-top: 6pt; }
"""


def report_html(content: InvestorReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG)."""
    e = html.escape
    lines = content.brief_lines or [NO_CRITERIA]
    rows = []
    for p in content.plots:
        figs = "<br>".join(f"{e(k)} : {e(v)}" for k, v in p.figures)
        why = "<br>".join(e(r) for r in p.reasons) or ALL_PASS
        rows.append(
            f"<tr><td>{p.rank}</td><td><b>{e(p.plot_id)}</b></td><td>{e(p.place)}</td>"
            f'<td><span class="dot" style="background:{STATUS_HEX[p.status]}"></span>'
            f"{e(p.status_label)}</td><td>{fmt_number(p.score, 0)}</td><td>{figs}</td>"
            f"<td>{why}</td></tr>")
    body = "".join(rows) or '<tr><td colspan="7">Aucun terrain dans l\'inventaire.</td></tr>'
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>Terrains proposés — {e(content.title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>Terrains proposés</h1><h2>Projet « {e(content.title)} »</h2>"
        f'<div class="meta">{e(meta_line(content))}</div>'
        "<h2>Cahier des charges</h2><ul class=\"brief\">"
        + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>"
        + map_svg(content)
        + "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in TABLE_HEADERS)
        + f"</tr></thead><tbody>{body}</tbody></table>"
        f'<div class="foot">{e(FOOTER)}</div>'
        "</body></html>\n")


def write_report_html(result: MatchResult, path: str | os.PathLike, *, top: int = 10,
                      today: dt.date | None = None) -> Path:
    """Write the one-page investor report as HTML (atomically) and return its path."""
    path = Path(path)
    text = report_html(report_content(result, top=top, today=today))
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
