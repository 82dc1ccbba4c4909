"""Benchmark of the core library on a synthetic Normandy-sized inventory.

Builds (once, cached in ``benchmarks/out/``) a synthetic inventory of 100 000 plots, 20 000
constraint polygons and 2 000 infrastructure points (:mod:`synthetic`), then times and prints:

- opening it (:func:`foncier.open_inventory`: reading the GeoPackage and checking the layers);
- the one-off geometry precomputation (``inventory.geometry``: overlaps and distances);
- one brief over all plots (:func:`foncier.match`), first run and repeated, then ``match()`` plus
  building the full ``.table`` (which writes the French reasons);
- 200 different briefs (deterministic random variations of every key), total and per brief;

each with its peak memory: the phase's own peak resident set (``VmHWM`` of ``/proc/self/status``,
reset before the phase through ``/proc/self/clear_refs``) and the process's peak so far
(``getrusage(RUSAGE_SELF).ru_maxrss``). The inventory is built in a child process so that the
process peak measures the core only.

Usage::

    python benchmarks/bench_core.py                 # 100 000 plots, 200 briefs
    python benchmarks/bench_core.py --plots 20000   # smaller, to iterate
    python benchmarks/bench_core.py --rebuild       # rebuild the cached inventory
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

import foncier
from foncier.core.brief import BROWNFIELD_CHOICES, WEIGHT_KEYS
from foncier.core.schema import CONSTRAINT_KINDS, CONSTRAINT_LEVELS, ICPE_REGIMES

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
#: Scores count days from this date, so that every run ranks the same way.
ON = dt.date(2026, 1, 1)
#: Phase -> target in seconds on the 2-core reference machine.
TARGET_S = {"precompute": 20.0, "one brief": 0.2, "briefs": 20.0}
TARGET_PEAK_MB = 3 * 1024
ZONES = ("UX", "1AUX", "UE", "UZ", "UI", "2AUX", "U")
SELECTORS = CONSTRAINT_KINDS + tuple(f"{k}:{lv}" for k in ("flood", "pprt")
                                     for lv in CONSTRAINT_LEVELS)


# ---------------------------------------------------------------------------------------------
# Memory and time
# ---------------------------------------------------------------------------------------------

def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (``VmHWM``, ``VmRSS``) in MiB, NaN if unreadable."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    m = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(m.group(1)) / 1024.0 if m else float("nan")


def _reset_peak() -> bool:
    """Reset the process's peak resident set (VmHWM) so the next phase measures its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _maxrss_mb() -> float:
    """Peak resident set of the process since it started (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Phases:
    """Times phases and records their peak memory; prints one line per phase."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        print(f"{'phase':<38} {'seconds':>9} {'target':>8} {'':>4}  {'phase peak':>10} "
              f"{'process peak':>12}")

    def run(self, name: str, fn: Callable[[], Any], *, target: float | None = None,
            per: int | None = None) -> Any:
        exact = _reset_peak()
        t = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - t
        self.add(name, seconds, target=target, per=per, exact=exact)
        return value

    def add(self, name: str, seconds: float, *, target: float | None = None,
            per: int | None = None, exact: bool = True) -> None:
        row = {"phase": name, "seconds": seconds, "target": target,
               "phase_peak_mb": _status_mb("VmHWM"), "process_peak_mb": _maxrss_mb(),
               "exact_peak": exact}
        self.rows.append(row)
        verdict = "" if target is None else ("PASS" if seconds <= target else "MISS")
        tgt = "" if target is None else f"<= {target:g}"
        print(f"{name:<38} {seconds:>9.3f} {tgt:>8} {verdict:>4}  "
              f"{row['phase_peak_mb']:>7.0f} MB {row['process_peak_mb']:>9.0f} MB", flush=True)
        if per:
            print(f"{'':<4}per brief: {1000 * seconds / per:.1f} ms", flush=True)


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def inventory_path(n_plots: int, n_constraints: int, n_infra: int, seed: int) -> Path:
    return OUT_DIR / f"synthetic_{n_plots}p_{n_constraints}c_{n_infra}i_s{seed}.gpkg"


def build_inventory(path: Path, n_plots: int, n_constraints: int, n_infra: int,
                    seed: int) -> float:
    """Write the synthetic inventory in a child process (keeps this process's peak clean)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(path), "--plots",
                    str(n_plots), "--constraints", str(n_constraints), "--infra", str(n_infra),
                    "--seed", str(seed)], check=True)
    return time.perf_counter() - t


def _subset(rng: np.random.Generator, values: tuple[str, ...], most: int) -> tuple[str, ...]:
    k = int(rng.integers(1, most + 1))
    return tuple(str(v) for v in rng.choice(values, size=k, replace=False))


def random_brief(rng: np.random.Generator, number: int) -> foncier.Brief:
    """A plausible investor brief where every key is asked or not at random."""
    def asked(p: float) -> bool:
        return bool(rng.random() < p)

    kw: dict[str, Any] = {"name": f"Projet synthétique {number}"}
    if asked(0.8):
        kw["min_area_ha"] = float(rng.choice([0.3, 0.5, 1, 2, 3, 5, 8, 10, 12, 15, 20, 30]))
    if asked(0.3):
        kw["max_area_ha"] = round((kw.get("min_area_ha") or 0.5) * float(rng.uniform(1.5, 6)), 1)
    if asked(0.5):
        kw["max_price_eur_m2"] = round(float(rng.uniform(8, 60)), 1)
    if asked(0.5):
        kw["available_by"] = ON + dt.timedelta(days=int(rng.integers(90, 2_000)))
    if asked(0.5):
        kw["accepted_zones"] = _subset(rng, ZONES, 3)
    if asked(0.15):
        kw["turnkey"] = True
    if asked(0.4):
        kw["brownfield"] = str(rng.choice(BROWNFIELD_CHOICES))
    if asked(0.3):
        kw["building_height_m"] = float(rng.choice([8, 10, 12, 15, 18, 20, 25, 30]))
    if asked(0.1):
        kw["allow_assembly"] = True
        kw["assembly_max_gap_m"] = float(rng.choice([10, 20, 50]))
    if asked(0.6):
        kw["icpe"] = str(rng.choice(ICPE_REGIMES))
    if asked(0.6):
        kw["forbidden_constraints"] = _subset(rng, SELECTORS, 3)
    if asked(0.5):
        kw["excluded_constraints"] = _subset(rng, SELECTORS, 3)
    if asked(0.3):
        kw["min_housing_distance_m"] = float(rng.choice([50, 100, 200, 300, 500]))
    if asked(0.6):
        kw["power_mw"] = round(float(rng.lognormal(np.log(5.0), 0.8)), 1)
    if asked(0.4):
        kw["water_m3_day"] = float(round(rng.lognormal(np.log(200.0), 0.8)))
    for key, p in (("gas", 0.3), ("fiber", 0.4), ("rail_siding", 0.15)):
        if asked(p):
            kw[key] = True
    if asked(0.6):
        kw["motorway_max_km"] = round(float(rng.uniform(2, 40)), 1)
    if asked(0.3):
        kw["rail_freight_max_km"] = round(float(rng.uniform(5, 50)), 1)
    if asked(0.2):
        kw["port_max_km"] = round(float(rng.uniform(10, 120)), 1)
    if asked(0.5):
        # Weighting "area" without an area key crashes foncier.core.scoring (reported to the lead).
        weighable = WEIGHT_KEYS if ("min_area_ha" in kw or "max_area_ha" in kw) else \
            tuple(k for k in WEIGHT_KEYS if k != "area")
        keys = _subset(rng, weighable, 4)
        kw["weights"] = tuple((k, float(rng.choice([0.0, 0.5, 1.0, 2.0, 3.0]))) for k in keys)
    return foncier.Brief(**kw)


def random_briefs(n: int, *, seed: int = 1) -> list[foncier.Brief]:
    """``n`` different briefs, the same ones on every run."""
    rng = np.random.default_rng(seed)
    return [random_brief(rng, i + 1) for i in range(n)]


def reference_brief() -> foncier.Brief:
    """The one-brief benchmark: the bundled battery gigafactory brief (every section asked)."""
    path = next(p for p in foncier.sample_brief_paths() if Path(p).stem == "batteries")
    return foncier.read_brief(path)


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------

def _machine() -> str:
    return (f"{dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
            f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
            f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
            f"numpy {np.__version__}; foncier from {Path(foncier.__file__).parent}")


def run(n_plots: int, n_constraints: int, n_infra: int, n_briefs: int, *, rebuild: bool,
        seed: int = 0) -> list[dict[str, Any]]:
    path = inventory_path(n_plots, n_constraints, n_infra, seed)
    print(f"machine: {_machine()}")
    if rebuild or not path.exists():
        seconds = build_inventory(path, n_plots, n_constraints, n_infra, seed)
        print(f"built {path.name} in {seconds:.1f} s (child process)")
    print(f"inventory: {path} ({path.stat().st_size / 2**20:.0f} MiB)\n")

    ph = Phases()
    inv = ph.run("open (open_inventory)", lambda: foncier.open_inventory(path))
    geo = ph.run("precompute (inv.geometry)", lambda: inv.geometry,
                 target=TARGET_S["precompute"])

    brief = reference_brief()
    ph.run("one brief: match(), first run", lambda: foncier.match(inv, brief, on=ON),
           target=TARGET_S["one brief"])
    repeats = []
    for _ in range(5):
        t = time.perf_counter()
        foncier.match(inv, brief, on=ON)
        repeats.append(time.perf_counter() - t)
    ph.add("one brief: match(), median of 5 repeats", statistics.median(repeats),
           target=TARGET_S["one brief"])

    def match_and_table() -> int:
        return len(foncier.match(inv, brief, on=ON).table)

    ph.run("one brief: match() + .table", match_and_table)

    briefs = random_briefs(n_briefs)
    times: list[float] = []

    def many() -> None:
        for b in briefs:
            t = time.perf_counter()
            foncier.match(inv, b, on=ON)
            times.append(time.perf_counter() - t)

    ph.run(f"{n_briefs} briefs: match() each", many, target=TARGET_S["briefs"] * n_briefs / 200,
           per=n_briefs)
    if times:
        q = np.percentile(times, [50, 90, 100]) * 1000
        print(f"{'':<4}median {q[0]:.1f} ms, p90 {q[1]:.1f} ms, max {q[2]:.1f} ms; "
              f"{len(geo._excluded_cache)} distinct excluded-constraint selections")

    peak = max(_maxrss_mb(), max(r["phase_peak_mb"] for r in ph.rows))
    verdict = "PASS" if peak <= TARGET_PEAK_MB else "MISS"
    print(f"\npeak memory of the process: {peak:.0f} MB (target <= {TARGET_PEAK_MB} MB) "
          f"{verdict}")
    print(f"plots {len(inv.plots)}, constraints {len(inv.constraints)}, infrastructure "
          f"{len(inv.infrastructure)}; overlapping (plot, constraint) pairs "
          f"{len(geo.pair_plot)}, plots touching a constraint "
          f"{len(np.unique(geo.pair_plot))}")
    return ph.rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--constraints", type=int, default=None,
                        help="default: one per 5 plots (20 000 for 100 000 plots)")
    parser.add_argument("--infra", type=int, default=None,
                        help="default: one per 50 plots (2 000 for 100 000 plots)")
    parser.add_argument("--briefs", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild the cached synthetic inventory")
    args = parser.parse_args(argv)
    run(args.plots,
        args.constraints if args.constraints is not None else args.plots // 5,
        args.infra if args.infra is not None else max(5, args.plots // 50),
        args.briefs, rebuild=args.rebuild)
    return 0


if __name__ == "__main__":
    sys.exit(main())
