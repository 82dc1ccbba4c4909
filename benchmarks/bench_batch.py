"""Benchmark of batch matching, its XLSX / GeoPackage writers, and plot assembly.

Uses the synthetic inventory of :mod:`bench_core` (100 000 plots, 20 000 constraints, 2 000
infrastructure points, cached in ``benchmarks/out/``) and its 200 deterministic random briefs (some
allow assemblies), then times and prints, with peak memory:

- opening the inventory and the one-off geometry precomputation (shared by every brief);
- one brief: ``match()`` plus the whole ``.table`` (100 000 French reasons strings) against
  ``match()`` plus the rows a batch writes (reasons of the first ``--max-rows`` plots only);
- plot assembly for one brief (:func:`foncier.analysis.assembly.find_assemblies`), target <= 2 s;
- :func:`foncier.analysis.batch.run_batch` for the 200 briefs, then ``write_batch``
  to XLSX and to GeoPackage; the totals "batch + XLSX" and "batch + GPKG" have a 60 s target.

Usage::

    python benchmarks/bench_batch.py                  # 100 000 plots, 200 briefs
    python benchmarks/bench_batch.py --plots 20000    # smaller, to iterate
    python benchmarks/bench_batch.py --max-rows 0     # every plot in every brief sheet/layer
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import (  # noqa: E402
    Phases,
    _machine,
    build_inventory,
    inventory_path,
    random_briefs,
)

import foncier  # noqa: E402
from foncier.analysis.assembly import find_assemblies  # noqa: E402
from foncier.analysis.batch import run_batch, write_batch  # noqa: E402

TARGET_S = {"total": 60.0, "assembly": 2.0}


def assembly_brief() -> foncier.Brief:
    """A brief that asks more than most plots offer, so that assemblies are needed."""
    return foncier.Brief(name="Assemblage 20 ha", min_area_ha=20.0, allow_assembly=True,
                         assembly_max_gap_m=20.0, max_price_eur_m2=60.0,
                         excluded_constraints=("flood", "wetland"),
                         forbidden_constraints=("seveso",), motorway_max_km=30.0)


def run(n_plots: int, n_briefs: int, max_rows: int, *, rebuild: bool) -> int:
    n_cons, n_infra = n_plots // 5, max(10, n_plots // 50)
    path = inventory_path(n_plots, n_cons, n_infra, 0)
    print(f"# foncier batch benchmark — {_machine()}")
    if rebuild or not path.exists():
        print(f"building {path.name} ...", flush=True)
        build_inventory(path, n_plots, n_cons, n_infra, 0)
    ph = Phases()
    inv = ph.run("open inventory", lambda: foncier.open_inventory(path))
    ph.run("geometry precompute (once)", lambda: inv.geometry)

    ref = assembly_brief()
    result = ph.run("one brief: match()", lambda: foncier.match(inv, ref))
    ph.run("  + whole .table (all reasons)", lambda: foncier.match(inv, ref).table)
    head = result.order[:max_rows] if max_rows else result.order
    ph.run(f"  + reasons of {len(head)} rows", lambda: result.reasons(head))
    found = ph.run("assembly: find_assemblies()", lambda: find_assemblies(result),
                   target=TARGET_S["assembly"])
    if len(found):
        sizes = found["n_plots"].value_counts().sort_index().to_dict()
        print(f"    {len(found)} assemblies, plots per assembly: {sizes}")
    else:
        print("    no assembly found")

    briefs = random_briefs(n_briefs)
    n_asm = sum(bool(b.allow_assembly) for b in briefs)
    print(f"# {n_briefs} briefs ({n_asm} allow assemblies) x {len(inv.plots)} plots, "
          f"max_rows={max_rows or 'all'}")
    t0 = time.perf_counter()
    batch = ph.run(f"run_batch ({n_briefs} briefs)",
                   lambda: run_batch([inv], briefs, max_rows=max_rows), per=n_briefs)
    t_batch = time.perf_counter() - t0
    rows = sum(len(o.rows) for o in batch.outcomes)
    print(f"    rows in brief sheets/layers: {rows}; Matrice: {len(batch.plots)} x "
          f"{n_briefs} x 2 cells")
    with tempfile.TemporaryDirectory(dir=HERE / "out") as tmp:
        for suffix in (".xlsx", ".gpkg"):
            target = Path(tmp) / f"batch{suffix}"
            t0 = time.perf_counter()
            ph.run(f"write {suffix}", lambda t=target: write_batch(batch, t))
            t_write = time.perf_counter() - t0
            size = target.stat().st_size / 2**20
            ph.add(f"TOTAL run_batch + write {suffix}", t_batch + t_write,
                   target=TARGET_S["total"])
            print(f"    {target.name}: {size:.1f} MiB")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--briefs", type=int, default=200)
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    return run(args.plots, args.briefs, args.max_rows, rebuild=args.rebuild)


if __name__ == "__main__":
    sys.exit(main())
