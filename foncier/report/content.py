"""The one-page investor report: its content as plain data, and an HTML rendering with an SVG map.

:func:`report_content` gathers what the page shows: the brief in short, the counts, the best-ranked
plots with their key figures and reasons, and the map (its extent and the geometries to draw, in
Lambert-93). :func:`report_html` renders that content as one self-contained HTML page whose map is
an inline SVG drawn from the geometries (pure Python, no Qt); :func:`write_report_html` writes it.
The PDF version is drawn by the desktop app's ``gui/pdf.py`` (``foncier report --out x.pdf``).

Both maps place the best plots' rank labels with :func:`label_layout`, so they never overlap and
sit at the same places in the HTML and in the PDF: plots closer than a label share one label
("2 · 6 · 7"), and a label that would cover another one (or another plot's anchor, or the scale
bar) is moved to the nearest free place, with a leader line back to its plots.

Examples
--------
>>> import foncier
>>> from foncier.report.content import report_content, report_html
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

from foncier.core.brief import Brief
from foncier.core.criteria import LABELS, asked_criteria
from foncier.core.matching import STATUS_CODES, MatchResult
from foncier.io.store import atomic_write
from foncier.wording import ICPE_LABELS, STATUS_LABELS, constraint_label, fmt_number

__all__ = ["InvestorReport", "ReportPlot", "report_content", "brief_summary", "map_svg",
           "report_html", "write_report_html", "STATUS_HEX", "constraint_label", "meta_line",
           "TABLE_HEADERS", "ALL_PASS", "NO_CRITERIA", "FOOTER", "MapLabel", "label_layout"]

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
    from foncier.analysis.assembly import find_assemblies

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
    return sorted(rows, key=lambda r: (STATUS_CODES[r.status], -r.score, r.plot_id))[:top]


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


# ----------------------------------------------------------------------------- rank labels

#: What joins the ranks of plots sharing one label.
RANK_SEP = " · "


@dataclass(frozen=True)
class MapLabel:
    """A rank label of the map, in the map's own frame (page points or pixels, y down).

    Attributes
    ----------
    text : str
        The ranks it stands for, joined by ``" · "``.
    box : (x, y, width, height)
        Its box, ``x, y`` being the top-left corner.
    members : tuple of int
        The indices of its plots in the anchors given to :func:`label_layout`.
    leaders : tuple of ((x0, y0), (x1, y1))
        A line per member whose anchor lies outside the box: from the anchor to the nearest
        point of the box's edge.
    """

    text: str
    box: tuple[float, float, float, float]
    members: tuple[int, ...]
    leaders: tuple[tuple[tuple[float, float], tuple[float, float]], ...]


def label_layout(anchors, ranks, *, height: float = 13.0, char_width: float = 5.0,
                 within: tuple[float, float, float, float] | None = None,
                 avoid=(), clear=(), gap: float = 1.0) -> list[MapLabel]:
    """Where to put the map's rank labels so that none overlaps another.

    Anchors closer than ``height`` (on both axes) to a group's first anchor share its label,
    their ranks joined by ``" · "``. Labels are placed in rank order, each centred on its
    group's first anchor when that place is free, otherwise at the nearest free place of a grid
    of half a label's height around it (nearest first, then clockwise from north), preferring
    places that cover no other plot's anchor (nor a point of ``clear``); a moved label gets a
    leader line to each of its anchors left outside it. Labels overlap only when ``within`` is
    too small to hold them all.

    Parameters
    ----------
    anchors : array-like, shape (n, 2)
        Each plot's anchor point, in the map's frame (page points or pixels, y down), in rank
        order (the first anchors get the best places).
    ranks : sequence of int
        The rank shown for each anchor.
    height : float, default 13
        A label's height (and the width of a one-character label).
    char_width : float, default 5
        The width of one character of a label's text (a digit, the widest), in the same units.
    within : (left, top, right, bottom), optional
        Keep every label inside this box.
    avoid : sequence of (x, y, width, height), optional
        Boxes already drawn that labels must not cover (a scale bar, a legend).
    clear : sequence of (x, y), optional
        Points a label should rather not cover (map symbols), as other plots' anchors.
    gap : float, default 1
        The least space kept between two labels, a label and a box to avoid, or a label and
        another plot's anchor.

    Returns
    -------
    list of MapLabel
        One label per group, in rank order of their first plot.

    Examples
    --------
    The second and third plots, closer than a label's height, share a label; centred on the
    second one it would cover the first label, so it moves right and draws a leader line from
    the third plot's anchor to its edge:

    >>> labels = label_layout([(50, 50), (64, 52), (57, 64)], [1, 2, 3])
    >>> [(lab.text, lab.members, lab.box) for lab in labels]
    [('1', (0,), (43.5, 43.5, 13.0, 13.0)), ('2 · 3', (1, 2), (61.5, 45.5, 31.0, 13.0))]
    >>> labels[1].leaders
    (((57.0, 64.0), (61.5, 58.5)),)
    """
    xy = np.asarray(anchors, dtype=float).reshape(-1, 2)
    if len(ranks) != len(xy):
        raise ValueError(f"{len(xy)} anchors but {len(ranks)} ranks")
    offsets = _label_offsets(height, within)
    placed = np.asarray(list(avoid), dtype=float).reshape(-1, 4)
    points = np.asarray(list(clear), dtype=float).reshape(-1, 2)
    out = []
    for members in _label_groups(xy, height):
        text = RANK_SEP.join(str(ranks[i]) for i in members)
        w = max(height, char_width * len(text) + 6.0)
        corners = xy[members[0]] + offsets - (w / 2, height / 2)
        if within is not None:
            corners[:, 0] = np.clip(corners[:, 0], within[0] + gap, within[2] - w - gap)
            corners[:, 1] = np.clip(corners[:, 1], within[1] + gap, within[3] - height - gap)
        others = np.vstack([np.delete(xy, members, axis=0), points])
        x, y = corners[_free_place(corners, (w, height), placed, others, gap)].tolist()
        box = (x, y, w, height)
        placed = np.vstack([placed, box])
        out.append(MapLabel(text=text, box=box, members=tuple(members),
                            leaders=_leaders(xy[members], box)))
    return out


def _label_groups(xy: np.ndarray, size: float) -> list[list[int]]:
    """Anchors grouped greedily, in order, with the first anchor closer than ``size``."""
    groups: list[list[int]] = []
    firsts = np.empty((0, 2))
    for i, point in enumerate(xy):
        near = np.flatnonzero((np.abs(firsts - point) < size).all(axis=1))
        if len(near):
            groups[near[0]].append(i)
        else:
            groups.append([i])
            firsts = np.vstack([firsts, point])
    return groups


def _label_offsets(height: float, within) -> np.ndarray:
    """Candidate moves of a label: a grid of half its height, nearest first then clockwise
    from north (y down), reaching across ``within`` (or ten labels away)."""
    step = height / 2
    reach = max(within[2] - within[0], within[3] - within[1]) if within is not None \
        else 10 * height
    k = np.arange(-np.ceil(reach / step), np.ceil(reach / step) + 1) * step
    dx, dy = (a.ravel() for a in np.meshgrid(k, k))
    clockwise = np.mod(np.arctan2(dx, -dy), 2 * np.pi)
    order = np.lexsort((clockwise, np.round(np.hypot(dx, dy), 6)))
    return np.column_stack([dx[order], dy[order]])


def _free_place(corners: np.ndarray, size: tuple[float, float], placed: np.ndarray,
                others: np.ndarray, gap: float) -> int:
    """The first candidate box overlapping no placed box, covering no other anchor if it can."""
    w, h = size
    x, y = corners[:, :1], corners[:, 1:]
    hits = ((x < placed[:, 0] + placed[:, 2] + gap) & (placed[:, 0] < x + w + gap)
            & (y < placed[:, 1] + placed[:, 3] + gap) & (placed[:, 1] < y + h + gap))
    free = ~hits.any(axis=1)
    covers = ((others[:, 0] > x - gap) & (others[:, 0] < x + w + gap)
              & (others[:, 1] > y - gap) & (others[:, 1] < y + h + gap)).any(axis=1)
    for ok in (free & ~covers, free):
        if ok.any():
            return int(np.argmax(ok))
    return 0


def _leaders(points: np.ndarray, box: tuple[float, float, float, float]):
    """Lines from the anchors outside ``box`` to the nearest point of its edge."""
    x, y, w, h = box
    near = np.column_stack([np.clip(points[:, 0], x, x + w), np.clip(points[:, 1], y, y + h)])
    outside = (near != points).any(axis=1)
    return tuple((tuple(a), tuple(b))
                 for a, b in zip(points[outside].tolist(), near[outside].tolist(), strict=True))


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
    plots outlined, infrastructure symbols, the best plots' rank labels placed by
    :func:`label_layout` (as in the PDF) and a scale bar."""
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
    symbols = []
    for kind, name, point in content.layers["infrastructure"]:
        (x, y), = frame.xy(shapely.get_coordinates(point))
        symbols.append((x, y))
        letter, label = _INFRA.get(kind, ("?", kind))
        out.append(f'<g><title>{html.escape(label)} {html.escape(name)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#263238"/>'
                   f'<text x="{x:.1f}" y="{y + 3:.1f}" font-size="8" text-anchor="middle" '
                   f'fill="#fff">{html.escape(letter)}</text></g>')
    scale_svg, scale_box = _scale_bar(frame, width, height)
    anchors = [frame.xy(shapely.get_coordinates(shapely.point_on_surface(p.geometry)))[0]
               for p in content.plots]
    out.append(_rank_labels_svg(anchors, [p.rank for p in content.plots], width=width,
                                height=height, avoid=[scale_box], clear=symbols))
    out.append(scale_svg)
    out.append("</svg>")
    return "".join(out)


_LABEL_FONT_PX = 9.0
_LABEL_HEIGHT_PX = 15.0
_LABEL_DIGIT_PX = 0.7 * _LABEL_FONT_PX      # a bold digit's advance (DejaVu Sans: 0.696 em)
_NAVY = "#1a237e"


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
                   f'height="{h:.1f}" rx="{h / 2:.1f}" fill="#fff" fill-opacity="0.92" '
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
    label = f"{fmt_number(nice / 1000, 1)} km" if nice >= 1000 else f"{fmt_number(nice, 0)} m"
    x, y = 12, height - 14
    box = (x - 4.0, y - 14.0, float(px) + 8.0, 22.0)
    return (f'<g class="scale"><rect x="{box[0]:g}" y="{box[1]:g}" width="{box[2]:.1f}" '
            f'height="{box[3]:g}" fill="#fff" fill-opacity="0.8"/><line x1="{x}" y1="{y}" '
            f'x2="{x + px:.1f}" y2="{y}" stroke="#222" stroke-width="2"/><text x="{x}" '
            f'y="{y - 4}" font-size="9" fill="#222">{label}</text></g>'), box


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
