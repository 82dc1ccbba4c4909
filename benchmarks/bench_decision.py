"""Benchmark of decision support on the synthetic 100 000-plot inventory.

Times, against one brief's :func:`foncier.match` (median of 5 runs each, scores ``on=2026-01-01``):
:func:`~foncier.analysis.decision.completeness`, :func:`~foncier.analysis.decision.relax`,
:func:`~foncier.analysis.decision.funnel`, :func:`~foncier.analysis.decision.near_misses` and
:func:`~foncier.analysis.stability.weight_stability`, for the bundled ``batteries.toml`` brief (with
a ``start_works_by`` date so that the ``start`` criterion runs too) and for a loose brief whose
best status holds tens of thousands of plots (the worst case of the stability intervals). The
target: completeness + relax + funnel + stability within +30 % of the match time.

Usage::

    python benchmarks/bench_decision.py                 # 100 000 plots (cached in benchmarks/out/)
    python benchmarks/bench_decision.py --plots 20000   # smaller, to iterate
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core  # noqa: E402

import foncier  # noqa: E402
from foncier.analysis.decision import completeness, funnel, near_misses, relax  # noqa: E402
from foncier.analysis.stability import weight_stability  # noqa: E402

ON = dt.date(2026, 1, 1)
TARGET_EXTRA = 0.30


def _median(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_brief(inv, brief) -> None:
    res = foncier.match(inv, brief, on=ON)
    counts = res.counts
    print(f"\nbrief « {brief.name} »: {len(res.criteria)} criteria, {counts}")
    t_match = _median(lambda: foncier.match(inv, brief, on=ON))
    figures = {
        "completeness": _median(lambda: completeness(res)),
        "relax": _median(lambda: relax(res)),
        "funnel": _median(lambda: funnel(res)),
        "stability (10 plots x weights)": _median(lambda: weight_stability(res)),
    }
    extra = sum(figures.values())
    nm = _median(lambda: near_misses(res))
    print(f"  {'match()':<34}{t_match * 1000:8.1f} ms")
    for name, seconds in figures.items():
        print(f"  {name:<34}{seconds * 1000:8.1f} ms")
    share = extra / t_match
    verdict = "PASS" if share <= TARGET_EXTRA else "MISS"
    print(f"  {'completeness+relax+funnel+stab.':<34}{extra * 1000:8.1f} ms = +{share:.0%} of "
          f"match (target <= +{TARGET_EXTRA:.0%}) {verdict}")
    print(f"  {'near_misses (not in the sum)':<34}{nm * 1000:8.1f} ms "
          f"({len(near_misses(res))} near misses)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plots", type=int, default=100_000)
    args = parser.parse_args(argv)
    n_cons, n_infra = args.plots // 5, max(5, args.plots // 50)
    path = bench_core.inventory_path(args.plots, n_cons, n_infra, 0)
    if not path.exists():
        print(f"built {path.name} in "
              f"{bench_core.build_inventory(path, args.plots, n_cons, n_infra, 0):.1f} s")
    print(f"machine: {bench_core._machine()}")
    inv = foncier.open_inventory(path)
    t = time.perf_counter()
    geo = inv.geometry
    print(f"inventory: {geo.n_plots} plots, geometry precomputed in "
          f"{time.perf_counter() - t:.1f} s")
    brief = bench_core.reference_brief().replace(start_works_by=dt.date(2028, 6, 30))
    bench_brief(inv, brief)
    bench_brief(inv, foncier.Brief(name="loose", min_area_ha=0.5, power_mw=1, motorway_max_km=40))
    return 0


if __name__ == "__main__":
    sys.exit(main())
