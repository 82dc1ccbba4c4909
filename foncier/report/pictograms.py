"""The infrastructure pictograms of the report maps, as plain shapes shared by the PDF and SVG.

Each kind is a list of primitives in a unit box centred on 0 (y down, radius 1):
``("circle", cx, cy, r, role)``, ``("polygon", ((x, y), ...), role)`` and
``("line", x0, y0, x1, y1, role)``; ``role`` is ``"fill"`` (the kind's colour, white outline),
``"mark"`` (white) or ``"ink"`` (dark). The desktop PDF and :mod:`foncier.report.html` draw the same
pictograms from these shapes (no letter that could be misread: a substation is a lightning bolt).

Examples
--------
>>> sorted(PICTOGRAMS) == sorted(INFRA_HEX)
True
>>> svg_pictogram("port", 10, 10, 5).startswith("<g")
True
"""

from __future__ import annotations

from foncier.palette import INFRA_HEX, INK_HEX, PAPER_HEX

__all__ = ["PICTOGRAMS", "svg_pictogram"]

_BOLT = ((0.1, -0.6), (-0.35, 0.1), (0.0, 0.1), (-0.1, 0.6), (0.35, -0.1), (0.0, -0.1))

PICTOGRAMS = {
    "motorway_interchange": [("circle", 0, 0, 0.8, "fill"), ("line", -0.45, 0, 0.45, 0, "mark")],
    "rail_freight": [("polygon", ((-0.75, -0.75), (0.75, -0.75), (0.75, 0.75), (-0.75, 0.75)),
                      "fill"),
                     ("line", -0.5, -0.25, 0.5, -0.25, "mark"),
                     ("line", -0.5, 0.25, 0.5, 0.25, "mark")],
    "port": [("polygon", ((0, -1), (1, 0), (0, 1), (-1, 0)), "fill")],
    "airport": [("polygon", ((0, -1), (0.9, 0.7), (-0.9, 0.7)), "fill")],
    "substation": [("circle", 0, 0, 0.8, "fill"), ("polygon", _BOLT, "ink")],
}


def _colour(kind: str, role: str) -> str:
    return {"fill": INFRA_HEX.get(kind, INK_HEX), "mark": PAPER_HEX, "ink": INK_HEX}[role]


def svg_pictogram(kind: str, x: float, y: float, size: float) -> str:
    """The pictogram of ``kind`` centred on ``(x, y)`` as an SVG group, ``size`` its radius."""
    out = ['<g class="picto">']
    for shape in PICTOGRAMS.get(kind, PICTOGRAMS["port"]):
        role = shape[-1]
        fill = _colour(kind, role)
        outline = f'stroke="{PAPER_HEX}" stroke-width="1"' if role == "fill" else 'stroke="none"'
        if shape[0] == "circle":
            _, cx, cy, r, _ = shape
            out.append(f'<circle cx="{x + cx * size:.1f}" cy="{y + cy * size:.1f}" '
                       f'r="{r * size:.1f}" fill="{fill}" {outline}/>')
        elif shape[0] == "polygon":
            pts = " ".join(f"{x + a * size:.1f},{y + b * size:.1f}" for a, b in shape[1])
            out.append(f'<polygon points="{pts}" fill="{fill}" {outline}/>')
        else:
            _, x0, y0, x1, y1, _ = shape
            out.append(f'<line x1="{x + x0 * size:.1f}" y1="{y + y0 * size:.1f}" '
                       f'x2="{x + x1 * size:.1f}" y2="{y + y1 * size:.1f}" stroke="{fill}" '
                       f'stroke-width="{max(1.0, size / 5):.1f}"/>')
    out.append("</g>")
    return "".join(out)
