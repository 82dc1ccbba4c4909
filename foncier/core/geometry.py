"""Heavy geometry computed once per inventory: constraint overlaps and access distances.

For every plot this module measures, with shapely 2 STRtree queries and vectorized calls:

- the overlap with every constraint it intersects (the intersection geometry and its area), grouped
  by constraint *group*, a ``(kind, level)`` pair;
- the largest single-constraint overlap per group (for forbidden constraints and their 1 m²
  tolerance);
- the straight-line distance to the nearest infrastructure of each kind a criterion or the score
  measures (:data:`MEASURED_KINDS`: motorway interchanges, freight stations, ports; airports and
  substations are drawn on the map but measured by nothing) and to the nearest ``housing``
  constraint.

An inventory measures a constraint group's overlaps when something first asks for them
(:meth:`PlotGeometry.ensure_overlaps`: a brief's forbidden and excluded constraints, an
assembly, the app's detail of a plot), so that a brief pays for the groups it names only; the
distances are measured at once. :func:`compute_plot_geometry` measures every group unless told
otherwise.

A brief's net area needs the union of the constraints its ``excluded_constraints`` selects; the
overlap with that union is computed per selection (plots touching one selected constraint take the
precomputed area; the others union their pieces with one vectorized ``union_all(axis=1)``) and
cached, so briefs that share a selection share the work.

The criteria keep their own brief-independent encodings of the plots' columns (factorized
enumerations, ranks) on the same object with :meth:`PlotGeometry.cached`, so that they too are
computed once per inventory.

This module knows nothing of :class:`~foncier.core.inventory.Inventory`: it measures the three
layers it is given, and the inventory caches the result (``inventory.geometry``).

Examples
--------
>>> import geopandas as gpd, shapely
>>> crs = "EPSG:2154"
>>> plots = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=crs)
>>> cons = gpd.GeoDataFrame({"kind": ["flood"], "level": ["interdiction"]},
...                         geometry=[shapely.box(50, 0, 150, 100)], crs=crs)
>>> infra = gpd.GeoDataFrame({"kind": ["port"]}, geometry=[shapely.Point(1100, 0)], crs=crs)
>>> geo = compute_plot_geometry(plots, cons, infra)
>>> geo.groups, float(geo.max_overlap[0, 0]), float(geo.distance_m["port"][0])
([('flood', 'interdiction')], 5000.0, 1000.0)
>>> float(geo.excluded_area(geo.groups_for(["flood"]))[0])
5000.0
>>> geo.cached("twice", lambda: [1, 2]) is geo.cached("twice", lambda: [3])
True
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely

from foncier.core.schema import CONSTRAINT_KINDS, INFRA_KINDS

__all__ = ["PlotGeometry", "compute_plot_geometry", "Group", "ranges", "MEASURED_KINDS",
           "OverlapSource", "constraint_groups", "plot_id_rank"]

Group = tuple[str, str | None]
T = TypeVar("T")

#: Infrastructure kinds whose distance to every plot is measured (the criteria and the score
#: use these; a nearest-neighbour search costs about 0.14 s per kind for 100 000 plots).
MEASURED_KINDS = tuple(k for k in INFRA_KINDS if k in ("motorway_interchange", "rail_freight",
                                                        "port"))

#: Overlaps at or below this area (m²) are ignored: they are drawing noise, not constraints.
OVERLAP_TOLERANCE_M2 = 1.0


@dataclass(eq=False)
class PlotGeometry:
    """Precomputed geometry of an inventory's plots (positions follow ``inventory.plots``).

    Attributes
    ----------
    area_m2 : ndarray
        Plot areas in m².
    groups : list of (kind, level)
        Constraint groups present in the inventory.
    pair_plot, pair_constraint, pair_group : ndarray of int
        One entry per (plot, constraint) pair that overlaps by more than 0 m².
    pair_geometry : WkbArray or ndarray of shapely geometries
        Intersection of the plot and the constraint, kept as WKB (a
        :class:`~foncier.io.cache.WkbArray`: a fifth of the memory of GEOS objects; from the
        cache, its bytes are read when first used). Read it with :meth:`pieces` or
        :meth:`pieces_at`, which decode only what they give.
    pair_area : ndarray of float
        Area of that intersection in m².
    max_overlap : ndarray, shape (n_groups, n_plots)
        Largest single-constraint overlap of each group with each plot, in m².
    distance_m : dict of str to ndarray
        Distance in metres from each plot to the nearest infrastructure of a kind; only kinds of
        :data:`MEASURED_KINDS` the inventory has.
    nearest : dict of str to ndarray of int
        Position (in ``inventory.infrastructure``) of that nearest feature.
    housing_m : ndarray or None
        Distance to the nearest ``housing`` constraint, or None when the inventory has none.
    overlaps_done : ndarray of bool or None
        Per group, whether its overlaps are in ``pair_*`` and ``max_overlap``; None when every
        group's are. An inventory measures a group's overlaps when something first asks for
        them (:meth:`ensure_overlaps`): a brief measures only the groups it names.
    id_rank : ndarray of int or None
        Each plot's rank in ``plot_id`` order (:func:`plot_id_rank`), the matching's
        tie-breaker, kept with the geometry so that a warm process reads it (sorting a
        million ids takes 0.2-0.5 s); None when the plots had no ``plot_id``.
    """

    area_m2: np.ndarray
    groups: list[Group]
    pair_plot: np.ndarray
    pair_constraint: np.ndarray
    pair_group: np.ndarray
    pair_geometry: Any
    pair_area: np.ndarray
    max_overlap: np.ndarray
    distance_m: dict[str, np.ndarray]
    nearest: dict[str, np.ndarray]
    housing_m: np.ndarray | None
    overlaps_done: np.ndarray | None = None
    id_rank: np.ndarray | None = None
    _excluded_cache: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict, repr=False)
    #: Where excluded areas are kept across processes (set by the inventory's cache link): an
    #: object with ``load(name) -> ndarray | None`` and ``store(name, ndarray)``, or None.
    _disk: Any = field(default=None, repr=False)
    #: The layers' geometry the overlaps are measured from (an :class:`OverlapSource`), for
    #: :meth:`ensure_overlaps`, :meth:`constraints_of` and pieces of an unreadable cache entry.
    _overlap_source: Any = field(default=None, repr=False)
    #: Called with this object once :meth:`ensure_overlaps` has added groups (the inventory's
    #: cache link stores it again).
    _on_grow: Any = field(default=None, repr=False)
    _grow_lock: Any = field(default_factory=threading.RLock, repr=False)
    _encodings: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @property
    def n_plots(self) -> int:
        """Number of plots."""
        return len(self.area_m2)

    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """A brief-independent value derived from the plots, built once per inventory.

        The criteria and the matching keep here what does not depend on the brief (a factorized
        text column, the plots' rank in ``plot_id`` order...), so that every brief matched
        against the same inventory reuses it.

        Parameters
        ----------
        key : hashable
            Names the value; callers namespace their keys (``("codes", column)``).
        build : callable
            ``build()`` makes the value; called only the first time ``key`` is asked.

        Returns
        -------
        object
            The value ``build`` made for ``key`` (the same object every time).

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> none = gpd.GeoDataFrame({"kind": [], "level": []}, geometry=[], crs="EPSG:2154")
        >>> plots = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:2154")
        >>> geo = compute_plot_geometry(plots, none, none)
        >>> built = []
        >>> def build():
        ...     built.append("once")
        ...     return len(built)
        >>> geo.cached(("demo", "n"), build), geo.cached(("demo", "n"), build), built
        (1, 1, ['once'])
        """
        if key not in self._encodings:
            self._encodings[key] = build()
        return self._encodings[key]

    def groups_for(self, selectors: list[str] | tuple[str, ...]) -> tuple[int, ...]:
        """Indices of the groups a list of selectors (``kind`` or ``kind:level``) picks."""
        picked = set()
        for sel in selectors:
            kind, _, level = sel.partition(":")
            for i, (gk, gl) in enumerate(self.groups):
                if gk == kind and (not level or gl == level):
                    picked.add(i)
        return tuple(sorted(picked))

    def ensure_overlaps(self, group_ids) -> PlotGeometry:
        """Measure the overlaps of the given groups not measured yet (see ``overlaps_done``):
        their pairs are added to ``pair_*``, their rows of ``max_overlap`` filled. Arrays are
        replaced, never changed in place (a cache write may still be encoding them). Returns
        this object."""
        with self._grow_lock:
            done = self.overlaps_done
            if done is None:
                return self
            missing = [int(g) for g in group_ids if not done[g]]
            if not missing:
                return self
            if self._overlap_source is None:
                raise RuntimeError("overlaps of groups not measured, and nothing to measure "
                                   "them from")
            pi, ci, inter, inter_area = self._overlap_source(missing)
            group_of = self._overlap_source.group_of
            pg = group_of[ci] if len(ci) else np.zeros(0, dtype=np.int64)
            # The rows of groups not measured are zeros: a new matrix from calloc's untouched
            # pages, with the measured rows copied, keeps those out of memory (a copy of the
            # whole matrix touched them all: at 1,000,000 plots, 14 groups, 112 MB resident
            # for the brief's 5).
            max_overlap = np.zeros(self.max_overlap.shape, dtype=self.max_overlap.dtype)
            measured = np.flatnonzero(done)
            if len(measured):
                max_overlap[measured] = self.max_overlap[measured]
            if len(pi):
                np.maximum.at(max_overlap, (pg, pi), inter_area)
            from foncier.io.cache import WkbArray

            pieces = (WkbArray.concat([self._readable_pieces(wkb=True), inter])
                      if len(self.pair_plot) else inter)
            self.pair_plot = np.concatenate([self.pair_plot, pi])
            self.pair_constraint = np.concatenate([self.pair_constraint, ci])
            self.pair_group = np.concatenate([self.pair_group, pg])
            self.pair_geometry = pieces
            self.pair_area = np.concatenate([self.pair_area, inter_area])
            self.max_overlap = max_overlap
            done = done.copy()
            done[missing] = True
            self.overlaps_done = None if done.all() else done
            if self._on_grow is not None:       # under the lock: one consistent set of fields
                self._on_grow(self)
        return self

    def all_overlaps(self) -> PlotGeometry:
        """Measure the overlaps of every group (:meth:`ensure_overlaps`); returns this object."""
        return self.ensure_overlaps(range(len(self.groups)))

    def max_overlap_for(self, group_ids: tuple[int, ...]) -> np.ndarray:
        """Largest single-constraint overlap (m²) among the given groups, per plot."""
        if not group_ids:
            return np.zeros(self.n_plots)
        self.ensure_overlaps(group_ids)
        return self.max_overlap[list(group_ids)].max(axis=0)

    def excluded_area(self, group_ids: tuple[int, ...]) -> np.ndarray:
        """Area (m²) of each plot covered by the union of the constraints of the given groups.

        Computed once per selection of groups: kept on this object, and in the on-disk cache
        when the inventory has one (the union of overlapping pieces is the costly part of a
        brief's matching: about 0.3 s for 100 000 plots, 40 s for 1 000 000).
        """
        key = tuple(sorted(group_ids))
        out = self.known_excluded_area(key)
        if out is None:
            out = self._union_area(key)
            if self._disk is not None and key:
                self._disk.store(self._excluded_name(key), out)
            out.flags.writeable = False
            self._excluded_cache[key] = out
        return out

    def known_excluded_area(self, group_ids) -> np.ndarray | None:
        """:meth:`excluded_area` when it is known already (on this object or in the on-disk
        cache), without measuring anything; else None."""
        key = tuple(sorted(group_ids))
        out = self._excluded_cache.get(key)
        if out is None and self._disk is not None and key:
            out = self._disk.load(self._excluded_name(key))
            if out is not None and out.shape == (self.n_plots,):
                out.flags.writeable = False
                self._excluded_cache[key] = out
            else:
                out = None
        return out

    def _excluded_name(self, key: tuple[int, ...]) -> str:
        return "excluded:" + ",".join(f"{k}/{lv or ''}" for k, lv in
                                      (self.groups[i] for i in key))

    def pieces(self) -> np.ndarray:
        """Every piece of ``pair_geometry`` as a shapely geometry (decoded at each call: the
        pieces stay WKB; :meth:`pieces_at` decodes only some)."""
        return _geometries_at(self._readable_pieces(), None)

    def pieces_at(self, positions: np.ndarray) -> np.ndarray:
        """The pieces of the pairs at ``positions`` as shapely geometries, only those decoded."""
        return _geometries_at(self._readable_pieces(), np.asarray(positions, dtype=np.int64))

    def _readable_pieces(self, *, wkb: bool = False):
        """``pair_geometry`` with its bytes in memory (a cache entry's are read now), or, as a
        :class:`~foncier.io.cache.WkbArray` with ``wkb``, an array of geometries encoded.
        Pieces whose cache entry has become unreadable (removed with a warning) are measured
        again and stored again."""
        from foncier.io.cache import StaleEntry, WkbArray

        with self._grow_lock:
            pieces = self.pair_geometry
            if isinstance(pieces, np.ndarray):
                return WkbArray.from_geometries(pieces) if wkb else pieces
            try:
                pieces.blob()
            except StaleEntry:
                if self._overlap_source is None:
                    raise
                pieces = self.pair_geometry = WkbArray.from_geometries(
                    self._overlap_source.pieces(self.pair_plot, self.pair_constraint))
                if self._on_grow is not None:
                    self._on_grow(self)
            return pieces

    def _union_area(self, key: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(self.n_plots)
        if key:
            self.ensure_overlaps(key)
            with self._grow_lock:           # one consistent set of pairs
                pairs = np.flatnonzero(np.isin(self.pair_group, key))
                plots = self.pair_plot[pairs]
                areas = self.pair_area[pairs]
                pieces = self.pair_geometry
            if len(plots):
                order = np.argsort(plots, kind="stable")
                plots, pairs, areas = plots[order], pairs[order], areas[order]
                uniq, start, counts = np.unique(plots, return_index=True, return_counts=True)
                # A plot one piece covers whole (it lies inside a constraint: its piece is the
                # plot itself) loses all its area, whatever the other pieces: no union.
                whole = np.maximum.reduceat(areas, start) >= self.area_m2[uniq]
                single = (counts == 1) | whole
                out[uniq[single]] = np.where(whole[single], self.area_m2[uniq[single]],
                                             areas[start[single]])
                multi = ~single
                if multi.any():
                    if not isinstance(pieces, np.ndarray):
                        # Its bytes in memory; grown since or not, these pairs come first.
                        pieces = self._readable_pieces()
                    out[uniq[multi]] = _union_areas(pieces, pairs, start[multi], counts[multi])
        np.minimum(out, self.area_m2, out=out)
        return out

    def constraints_of(self, position: int) -> pd.DataFrame:
        """The constraints a plot touches: positions in the constraint layer and overlap areas.

        Groups whose overlaps are not measured yet are measured for this plot alone."""
        if self.overlaps_done is None or self._overlap_source is None:
            mask = self.pair_plot == position
            constraint, overlap = self.pair_constraint[mask], self.pair_area[mask]
        else:
            _, constraint, _, overlap = self._overlap_source.of_plot(position)
        return pd.DataFrame({"constraint": constraint, "overlap_m2": overlap}).sort_values(
            "overlap_m2", ascending=False, ignore_index=True)


def _geometries_at(pieces, positions: np.ndarray | None) -> np.ndarray:
    """Geometries of an array of them or of a ``WkbArray`` (at ``positions``, or all)."""
    if isinstance(pieces, np.ndarray):
        return pieces if positions is None else pieces[positions]
    return pieces.materialize() if positions is None else pieces.take(positions)


def _union_areas(pieces, pairs: np.ndarray, start: np.ndarray, counts: np.ndarray
                 ) -> np.ndarray:
    """Area of the union of the pieces of ``pairs[start[i]:start[i] + counts[i]]`` for every i
    (``pieces``: geometries or a ``WkbArray`` with its bytes in memory).

    One vectorized ``union_all(axis=1)`` over a grid of the pieces (None-padded), in slices of
    rows (at most :data:`_UNION_ROWS`) on the precomputation's threads (:func:`_run_jobs`:
    GEOS releases the interpreter lock); each slice decodes its own pieces, so that they are
    never all geometries at once.
    """
    def areas(part: slice) -> np.ndarray:
        s, c = start[part], counts[part]
        if not len(s):
            return np.zeros(0)
        width = int(c.max())
        idx = ranges(s, c)
        rows = np.repeat(np.arange(len(s)), c)
        cols = idx - np.repeat(s, c)
        grid = np.full((len(s), width), None, dtype=object)
        grid[rows, cols] = _geometries_at(pieces, pairs[idx])
        return shapely.area(shapely.union_all(grid, axis=1))

    parts = _run_jobs({"union": areas}, len(start), max_rows=_UNION_ROWS)["union"]
    return np.concatenate([result for _, result in parts])


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(s, s + c)`` for every pair (s, c), vectorized (no Python loop).

    Parameters
    ----------
    starts, counts : ndarray of int
        The first value and the length of each range (lengths may be 0).

    Returns
    -------
    ndarray of int
        The ranges one after the other, ``counts.sum()`` values.

    Examples
    --------
    >>> ranges(np.array([10, 0, 5]), np.array([2, 0, 3])).tolist()
    [10, 11, 5, 6, 7]
    """
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + (np.arange(total) - offsets)


@dataclass(frozen=True, eq=False)
class _Plots:
    """A slice of the plots as the nearest-distance searches read them, made by the thread that
    searches it (:func:`compute_plot_geometry` runs every search of a slice in one job).

    ``centres`` are the plots' centroids (None for a plot without geometry, or empty), made
    once for all the searches of the slice, not again from coordinates by each search (at
    100,000 plots the geometry took 1.07-1.10 s that way, 1.03-1.05 s this one); a slice at a
    time, since 1,000,000 points held for the whole search took 205 MB.
    ``reach`` bounds the distance from a plot's centroid to any point of the plot (the
    centroid's distance to the envelope's centre plus half its diagonal); NaN for a plot
    without geometry.
    """

    geoms: np.ndarray
    centres: np.ndarray
    reach: np.ndarray

    @classmethod
    def of(cls, geoms: np.ndarray) -> _Plots:
        centres = shapely.centroid(geoms)
        x, y = shapely.get_x(centres), shapely.get_y(centres)
        centres[~(np.isfinite(x) & np.isfinite(y))] = None
        b = shapely.bounds(geoms)
        mid_x, mid_y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        reach = np.hypot(x - mid_x, y - mid_y) + np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2
        return cls(geoms, centres, reach)


@dataclass(frozen=True, eq=False)
class _Targets:
    """Geometries to measure distances to, with their trees (built before the threads)."""

    geoms: np.ndarray
    tree: shapely.STRtree                 # the geometries themselves
    centres: shapely.STRtree              # their centroids (the same tree for points)

    @classmethod
    def of(cls, geoms: np.ndarray) -> _Targets:
        tree = shapely.STRtree(geoms)
        points = bool(np.all(shapely.get_type_id(geoms) == 0))
        centres = tree if points else shapely.STRtree(shapely.centroid(geoms))
        for t in (tree, centres):         # GEOS builds a tree on its first query
            t.query(shapely.Point(0.0, 0.0))
        return cls(geoms, tree, centres)


def _nearest(plots: _Plots, targets: _Targets) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each plot to the nearest of ``targets``, and that target's position.

    Exact, in three vectorized steps rather than the tree's nearest query, whose
    branch-and-bound computes many distances per plot (1.4 s for 100 000 plots and 2 700
    housing polygons, against 0.5 s this way; 0.27 s against 0.15 s per kind of points):

    1. the target whose centroid is nearest the plot's centroid gives an upper bound ``u`` of
       the plot's distance (its exact distance to that target);
    2. the candidates: the targets within ``u + reach`` of the plot's centroid (a target
       nearer than ``u`` to the plot is, every point of the plot being within ``reach`` of its
       centroid), found by the tree from the centroids already made (growing each plot's
       envelope by ``u`` made a polygon per plot while holding the interpreter's lock: 0.1 s
       of the housing search at 100,000 plots);
    3. the candidates' exact distances, the least kept (ties go to the first target).

    NaN and -1 for a plot with no geometry, or when there is no target.
    """
    n = len(plots.geoms)
    out_d = np.full(n, np.nan)
    out_i = np.full(n, -1, dtype=np.int64)
    if not n or not len(targets.geoms):
        return out_d, out_i
    centres = plots.centres
    src, dst = targets.centres.query_nearest(centres, all_matches=False)
    upper = np.full(n, np.nan)
    upper[src] = shapely.distance(plots.geoms[src], targets.geoms[dst])
    bound_by = np.full(n, -1, dtype=np.int64)
    bound_by[src] = dst
    pos = np.flatnonzero(np.isfinite(upper) & np.isfinite(plots.reach))
    # With a margin: a candidate exactly u away is on the edge of the search, and rounding
    # must not leave it out.
    u = upper[pos] * (1 + 1e-9) + 1e-6
    pi, ci = targets.tree.query(centres[pos], predicate="dwithin",
                                distance=u + plots.reach[pos] * (1 + 1e-9))
    pi = pos[pi]
    # The target that gave the bound is a candidate whose distance is known already (most
    # plots have no other candidate): only the others are measured.
    other = ci != bound_by[pi]
    pi = np.concatenate([pos, pi[other]])
    ci = np.concatenate([bound_by[pos], ci[other]])
    dist = np.concatenate([upper[pos], shapely.distance(plots.geoms[pi[len(pos):]],
                                                        targets.geoms[ci[len(pos):]])])
    order = np.lexsort((ci, dist, pi))
    pi, ci, dist = pi[order], ci[order], dist[order]
    first = np.ones(len(pi), dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    out_d[pi[first]] = dist[first]
    out_i[pi[first]] = ci[first]
    return out_d, out_i


def _overlaps(plot_geoms: np.ndarray, area: np.ndarray, cons_geoms: np.ndarray,
              tree: shapely.STRtree | None, positions: int | np.ndarray = 0):
    """The (plot, constraint) pairs that overlap: positions, intersections and their areas.

    One bulk STRtree ``intersects`` query; a plot lying properly inside its constraint (a third
    of the pairs) is its own intersection, so GEOS intersects only the other pairs. The
    constraints this slice of plots touches are copied and prepared here, for this thread
    alone: GEOS prepared geometries build their indexes on first use and must not be shared by
    two threads (a shared set crashed a 1 000 000-plot run). ``positions`` are the plots'
    positions in the layer (one integer: consecutive plots from that one).
    """
    if not (len(cons_geoms) and len(plot_geoms)):
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=object), np.zeros(0))
    pi, ci = tree.query(plot_geoms, predicate="intersects")
    touched, which = np.unique(ci, return_inverse=True)
    own = shapely.from_wkb(shapely.to_wkb(cons_geoms[touched]))     # exact copies
    shapely.prepare(own)
    inside = shapely.contains_properly(own[which], plot_geoms[pi])
    inter = plot_geoms[pi]                                # copies: inter[~inside] is replaced
    inter_area = area[pi]
    rest = np.flatnonzero(~inside)
    inter[rest] = shapely.intersection(plot_geoms[pi[rest]], cons_geoms[ci[rest]])
    inter_area[rest] = shapely.area(inter[rest])
    keep = inter_area > 0
    pi = pi[keep]
    pi = pi + positions if np.ndim(positions) == 0 else positions[pi]
    return pi, ci[keep], inter[keep], inter_area[keep]


def _run_jobs(jobs: dict[str, Callable[[slice], Any]], n: int, *, max_rows: int | None = None
              ) -> dict[str, list[tuple[slice, Any]]]:
    """Run independent jobs over slices of the ``n`` plots on up to 2 threads.

    Each job is cut into a few slices of plots so that the two threads stay busy to the end
    (a single nearest-housing query would otherwise run alone on one core), and into slices of
    at most ``max_rows`` when given (what a slice makes at once is then bounded). A job must
    not use a GEOS prepared geometry another slice uses: they build their indexes on first
    use. The result of a job is the list of its (slice, result) pairs, in plot order. One
    thread when the machine has one core. The threads' freed memory is given back at the end
    (:func:`~foncier.io.threads.release_free_memory`).
    """
    from foncier.io.threads import release_free_memory

    workers = min(2, os.cpu_count() or 1)
    pieces = 1 if workers <= 1 or n < _MIN_SLICE else min(4, n // _MIN_SLICE + 1)
    if max_rows:
        pieces = max(pieces, -(-n // max_rows))
    bounds = np.linspace(0, n, pieces + 1).astype(int)
    slices = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    if workers <= 1:
        return {name: [(part, job(part)) for part in slices] for name, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="foncier-geometry") as pool:
        futures = {name: [(part, pool.submit(job, part)) for part in slices]
                   for name, job in jobs.items()}
        done = {name: [(part, f.result()) for part, f in parts]
                for name, parts in futures.items()}
    release_free_memory()
    return done


#: Fewest plots in a slice of :func:`_run_jobs` (smaller inventories run in one piece).
_MIN_SLICE = 5_000

#: Most plots whose overlaps a thread measures at once: a slice's pieces are GEOS objects until
#: the thread has encoded them (at 1,000,000 plots, 4 slices of 250,000 held 0.8 GB at once).
#: The nearest-distance searches and the plots' centroids go by slices of this size too.
_OVERLAP_ROWS = 65_536


#: Most plots whose pieces a thread unites at once, their pieces decoded meanwhile (at
#: 1,000,000 plots, 4 slices in all took the cold peak's unions moment to 2,128 MB; slices of
#: this size, to 1,920 MB).
_UNION_ROWS = 16_384


def _joined_nearest(parts: list[tuple[slice, tuple]]) -> tuple[np.ndarray, np.ndarray]:
    return (np.concatenate([r[0] for _, r in parts]), np.concatenate([r[1] for _, r in parts]))


def constraint_groups(constraints: pd.DataFrame) -> tuple[list[Group], np.ndarray]:
    """The constraint groups of a layer (``(kind, level)``, in :data:`CONSTRAINT_KINDS` order)
    and each constraint's group."""
    kinds = constraints["kind"].to_numpy(dtype=object)
    levels = constraints["level"].to_numpy(dtype=object)
    levels = np.array([None if (lv is None or lv != lv) else lv for lv in levels], dtype=object)
    order = {k: i for i, k in enumerate(CONSTRAINT_KINDS)}
    groups = sorted({(k, lv) for k, lv in zip(kinds, levels, strict=True)},
                    key=lambda g: (order.get(g[0], 99), g[0], g[1] or ""))
    gindex = {g: i for i, g in enumerate(groups)}
    group_of = np.array([gindex[(k, lv)] for k, lv in zip(kinds, levels, strict=True)],
                        dtype=np.int64)
    return groups, group_of


class OverlapSource:
    """What the plot x constraint overlaps are measured from, a few groups at a time.

    Calling it with group indices gives the overlapping pairs of those groups' constraints
    (``pair_plot``, ``pair_constraint`` as positions in the whole layers, the pieces and their
    areas), measured on up to two threads as :func:`compute_plot_geometry` does. The arrays are
    made on first use: a geometry read from the cache builds its source for nothing unless a
    brief names a group not measured yet.
    """

    def __init__(self, plots: pd.DataFrame, constraints: pd.DataFrame):
        self._layers = (plots, constraints)
        self._lock = threading.Lock()
        self._ready = False

    @classmethod
    def of_arrays(cls, plot_geoms: np.ndarray, area: np.ndarray, cons_geoms: np.ndarray,
                  groups: list[Group], group_of: np.ndarray) -> OverlapSource:
        """A source from arrays already made."""
        source = cls.__new__(cls)
        source._lock, source._ready, source._all_tree = threading.Lock(), True, None
        source._order = None
        source.plot_geoms, source.area, source.cons_geoms = plot_geoms, area, cons_geoms
        source.groups, source.group_of = groups, group_of
        return source

    def _prepare(self) -> None:
        with self._lock:
            if self._ready:
                return
            from foncier.io.cache import layer_frame

            plots, constraints = (layer_frame(layer) for layer in self._layers)
            self.plot_geoms = plots.geometry.to_numpy()
            self.area = shapely.area(self.plot_geoms)
            self.cons_geoms = constraints.geometry.to_numpy()
            self.groups, self.group_of = constraint_groups(constraints)
            self._all_tree = self._order = None
            self._ready = True

    def __call__(self, group_ids) -> tuple[np.ndarray, np.ndarray, Any, np.ndarray]:
        """The pairs of these groups: plot and constraint positions, the pieces (a
        :class:`~foncier.io.cache.WkbArray`, each slice of plots' pieces encoded by the
        thread that measured them) and their areas."""
        from foncier.io.cache import WkbArray

        self._prepare()
        n = len(self.plot_geoms)
        picked = np.flatnonzero(np.isin(self.group_of, list(group_ids)))
        if not (len(picked) and n):
            return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                    WkbArray.from_geometries(np.zeros(0, dtype=object)), np.zeros(0))
        geoms = self.cons_geoms[picked]
        tree = shapely.STRtree(geoms)
        tree.query(shapely.Point(0.0, 0.0))      # GEOS builds it on a first query: not in threads
        order = self._west_to_east()

        def measured(part: slice):
            at = order[part]
            pi, ci, inter, inter_area = _overlaps(self.plot_geoms[at], self.area[at], geoms,
                                                  tree, at)
            return pi, ci, WkbArray.from_geometries(inter), inter_area

        parts = [r for _, r in _run_jobs({"overlaps": measured}, n,
                                         max_rows=_OVERLAP_ROWS)["overlaps"]]
        pi, ci, inter_area = (np.concatenate([r[i] for r in parts]) for i in (0, 1, 3))
        pieces = WkbArray.concat([r[2] for r in parts])
        del parts               # the slices' pieces, copied: two copies at most, not three
        # Back in plot order; a plot's pairs keep the tree's order, as one query gives them.
        back = np.argsort(pi, kind="stable")
        if not np.array_equal(back, np.arange(len(back))):
            pieces = pieces.reordered(back)
        return pi[back], picked[ci[back]], pieces, inter_area[back]

    def _west_to_east(self) -> np.ndarray:
        """The plots' positions from west to east (by the west edge of their envelope): cut
        in slices, each slice touches the constraints of its strip of land only, so that a
        thread copies and prepares those only."""
        with self._lock:
            if self._order is None:
                self._order = np.argsort(shapely.bounds(self.plot_geoms)[:, 0], kind="stable")
            return self._order

    def of_plot(self, position: int):
        """The overlaps of one plot with every constraint (as a call gives them)."""
        self._prepare()
        with self._lock:
            if self._all_tree is None and len(self.cons_geoms):
                self._all_tree = shapely.STRtree(self.cons_geoms)
        if self._all_tree is None:
            return (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0, dtype=object), np.zeros(0))
        at = slice(position, position + 1)
        return _overlaps(self.plot_geoms[at], self.area[at], self.cons_geoms, self._all_tree,
                         position)

    def pieces(self, pair_plot: np.ndarray, pair_constraint: np.ndarray) -> np.ndarray:
        """The pieces of these pairs again: the plot where it lies inside the constraint, as
        :func:`compute_plot_geometry` keeps it, else their intersection."""
        self._prepare()
        plot, cons = self.plot_geoms[pair_plot], self.cons_geoms[pair_constraint]
        out = plot.copy()
        rest = np.flatnonzero(~shapely.contains_properly(cons, plot))
        out[rest] = shapely.intersection(plot[rest], cons[rest])
        return out


def plot_id_rank(ids: pd.Series) -> np.ndarray:
    """Each plot's rank in the order of its id's text (ties in the order of the rows).

    Examples
    --------
    >>> plot_id_rank(pd.Series(["P2", "P10", "P1"])).tolist()
    [2, 1, 0]
    """
    text = ids.to_numpy(dtype=object).astype(str)
    rank = np.empty(len(text), dtype=np.int64)
    rank[np.argsort(text, kind="stable")] = np.arange(len(text))
    return rank


def compute_plot_geometry(plots: pd.DataFrame, constraints: pd.DataFrame,
                          infrastructure: pd.DataFrame, *, overlaps: bool = True
                          ) -> PlotGeometry:
    """Measure every plot against the constraints and the infrastructure.

    Parameters
    ----------
    plots : GeoDataFrame
        The plots (their geometry, and their ``plot_id`` for ``id_rank``); the result's
        positions follow its rows.
    constraints : GeoDataFrame
        With ``kind`` and ``level`` columns.
    infrastructure : GeoDataFrame
        With a ``kind`` column.
    overlaps : bool, default True
        Measure the overlaps of every constraint group now; with False, each group's are
        measured when first asked for (:meth:`PlotGeometry.ensure_overlaps`), so that a brief
        pays only for the groups it names.

    Returns
    -------
    PlotGeometry
    """
    plot_geoms = plots.geometry.to_numpy()
    n = len(plot_geoms)
    area = shapely.area(plot_geoms)

    cons = constraints
    kinds = cons["kind"].to_numpy(dtype=object)
    groups, cons_group = constraint_groups(cons)
    cons_geoms = cons.geometry.to_numpy()

    infra_kinds = infrastructure["kind"].to_numpy(dtype=object)
    infra_geoms = infrastructure.geometry.to_numpy()
    housing_pos = np.flatnonzero(kinds == "housing")
    # Each nearest-distance search is GEOS work that releases the GIL: run them on a few
    # threads (about 1.5-2x faster on 2 cores). The plots are not prepared: a bulk tree query
    # prepares each for its own test and drops it (preparing 1,000,000 plots kept 153 MB for
    # no speed).
    # One job per slice of plots runs every search, so that the slice's centroids are made
    # once (see _Plots).
    searches: dict[str, _Targets] = {}
    for kind in MEASURED_KINDS:
        pos = np.flatnonzero(infra_kinds == kind)
        if len(pos) and n:
            searches[kind] = _Targets.of(infra_geoms[pos])
    if len(housing_pos) and n:
        searches["housing"] = _Targets.of(cons_geoms[housing_pos])

    def search(part: slice) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        plots_part = _Plots.of(plot_geoms[part])
        return {name: _nearest(plots_part, targets) for name, targets in searches.items()}

    parts = _run_jobs({"nearest": search}, n, max_rows=_OVERLAP_ROWS)["nearest"] \
        if searches else []
    done = {name: _joined_nearest([(part, found[name]) for part, found in parts])
            for name in searches}

    distance_m: dict[str, np.ndarray] = {}
    nearest: dict[str, np.ndarray] = {}
    for kind in MEASURED_KINDS:
        if kind in done:
            pos = np.flatnonzero(infra_kinds == kind)
            d, i = done[kind]
            distance_m[kind] = d
            nearest[kind] = np.where(i >= 0, pos[np.clip(i, 0, None)], -1)
    housing_m = done["housing"][0] if "housing" in done else None

    no_pair = np.zeros(0, dtype=np.int64)
    geo = PlotGeometry(
        area_m2=area, groups=groups, pair_plot=no_pair, pair_constraint=no_pair,
        pair_group=no_pair, pair_geometry=np.zeros(0, dtype=object), pair_area=np.zeros(0),
        max_overlap=np.zeros((len(groups), n)), distance_m=distance_m, nearest=nearest,
        housing_m=housing_m,
        overlaps_done=np.zeros(len(groups), dtype=bool) if groups else None,
        id_rank=plot_id_rank(plots["plot_id"]) if "plot_id" in plots.columns else None,
    )
    geo._overlap_source = OverlapSource.of_arrays(plot_geoms, area, cons_geoms, groups,
                                                  cons_group)
    # The overlaps, one group or all at once, are measured by the same pass.
    return geo.all_overlaps() if overlaps else geo
