"""Where the report maps put their rank labels: :func:`label_layout` and :class:`MapLabel`.

Both maps of the investor report (the HTML report's SVG, :mod:`foncier.report.html`, and the PDF
drawn by the desktop app) place the best plots' rank labels with :func:`label_layout`, so that
they never overlap and sit at the same places in both: plots closer than a label share one label
("2 · 6 · 7"), and a label that would cover another one (or another plot's anchor, or the scale
bar) is moved to the nearest free place, with a leader line back to its plots. Pure geometry in
the map's own frame (page points or pixels, y down): no drawing here.

Examples
--------
>>> labels = label_layout([(10, 10), (12, 11), (200, 40)], [1, 2, 3], within=(0, 0, 300, 100))
>>> [(lab.text, lab.members) for lab in labels]
[('1 · 2', (0, 1)), ('3', (2,))]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MapLabel", "label_layout", "RANK_SEP"]

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
                 avoid=(), clear=(), gap: float = 1.0, merge: bool = True) -> list[MapLabel]:
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
    merge : bool, default True
        With False every anchor gets its own label (never « 1 · 4 »: each rank reads alone),
        moved aside with a leader line when its place is taken.

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
    groups = _label_groups(xy, height) if merge else [[i] for i in range(len(xy))]
    for members in groups:
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
