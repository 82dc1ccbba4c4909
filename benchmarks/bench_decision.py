"""Benchmark of decision support on the synthetic 100 000-plot inventory.

For the bundled ``batteries.toml`` brief (with a ``start_works_by`` date so that the ``start``
criterion runs too; nearly every plot is ``no_match``, the worst case of ``relax``) and for a
loose brief whose best status holds tens of thousands of plots (the worst case of the stability
intervals), medians of ``--repeats`` runs (scores ``on=2026-01-01``), three paths:

1. **bare match**: :func:`foncier.match` against
   :func:`~foncier.analysis.decision.completeness` + :func:`~foncier.analysis.decision.relax` of
   every plot + :func:`~foncier.analysis.decision.funnel` +
   :func:`~foncier.analysis.stability.weight_stability`;
2. **full table** (what ``foncier match`` does, with or without ``--out``): ``match()`` +
   ``.table``, whose ``completeness`` and ``relax`` columns are timed on their own
   (:func:`foncier.core.matching.decision_columns` over every row, in rank order); the extra is
   those columns + funnel + stability, against the rest (match + table without them);
3. **head only** (the app, the first 20 rows of a ranking): ``match()`` + ``rows(order[:20])``;
   the extra is the 20 rows' decision columns + funnel + stability.

The target (issue 10): the extra within +30 % of its path's time without it.
:func:`~foncier.analysis.decision.near_misses` is printed beside, outside the sums.

Usage::

    python benchmarks/bench_decision.py                 # 100 000 plots (cached in benchmarks/out/)
    python benchmarks/bench_decision.py --plots 20000   # smaller, to iterate
    python benchmarks/bench_decision.py --repeats 9     # more runs per median
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
from foncier.core.matching import decision_columns  # noqa: E402

ON = dt.date(2026, 1, 1)
TARGET_EXTRA = 0.30
HEAD = 20


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _line(name: str, seconds: float) -> None:
    print(f"    {name:<40}{seconds * 1000:9.1f} ms")


def _verdict(name: str, extra: float, without: float) -> None:
    share = extra / without
    verdict = "PASS" if share <= TARGET_EXTRA else "MISS"
    print(f"    {name:<40}{extra * 1000:9.1f} ms = +{share:.0%} of {without * 1000:.1f} ms "
          f"(target <= +{TARGET_EXTRA:.0%}) {verdict}")


def _table(inv, brief):
    res = foncier.match(inv, brief, on=ON)
    return res.table


def bench_brief(inv, brief, repeats: int) -> None:
    res = foncier.match(inv, brief, on=ON)
    print(f"\nbrief « {brief.name} »: {len(res.criteria)} criteria, {res.counts}")
    head = res.order[:HEAD]
    t = {
        "match": _median(lambda: foncier.match(inv, brief, on=ON), repeats),
        "completeness": _median(lambda: completeness(res), repeats),
        "relax": _median(lambda: relax(res), repeats),
        "funnel": _median(lambda: funnel(res), repeats),
        "stability": _median(lambda: weight_stability(res), repeats),
        "table": _median(lambda: _table(inv, brief), repeats),
        "table_columns": _median(
            lambda: decision_columns(res.criteria, res.status_code, res.order), repeats),
        "head": _median(lambda: foncier.match(inv, brief, on=ON).rows(head), repeats),
        "head_columns": _median(
            lambda: decision_columns(res.criteria, res.status_code, head), repeats),
        "near_misses": _median(lambda: near_misses(res), repeats),
    }
    others = t["funnel"] + t["stability"]
    print("  1. bare match")
    _line("match()", t["match"])
    for name in ("completeness", "relax", "funnel", "stability"):
        _line(name + (" (10 plots x weights)" if name == "stability" else ""), t[name])
    _verdict("completeness+relax+funnel+stability",
             t["completeness"] + t["relax"] + others, t["match"])
    print("  2. full table (match() + .table, as `foncier match [--out]`)")
    _line("match() + .table", t["table"])
    _line("  of which completeness + relax columns", t["table_columns"])
    _verdict("columns+funnel+stability", t["table_columns"] + others,
             t["table"] - t["table_columns"])
    print(f"  3. head only (match() + rows(order[:{HEAD}]))")
    _line(f"match() + rows(order[:{HEAD}])", t["head"])
    _line("  of which completeness + relax columns", t["head_columns"])
    _verdict("columns+funnel+stability", t["head_columns"] + others,
             t["head"] - t["head_columns"])
    _line(f"near_misses ({len(near_misses(res))}, outside the sums)", t["near_misses"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5, help="runs per median (5)")
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
    bench_brief(inv, brief, args.repeats)
    bench_brief(inv, foncier.Brief(name="loose", min_area_ha=0.5, power_mw=1,
                                   motorway_max_km=40), args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
