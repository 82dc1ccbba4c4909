"""Whole-process timings: one brief against the synthetic inventory, from the shell.

Each run is a fresh ``python`` process (timed from outside, interpreter start-up and imports
included) that opens the synthetic inventory of :mod:`synthetic` (100 000 plots, 20 000
constraints, 2 000 points), matches the bundled ``batteries.toml`` brief and writes the whole
result table as CSV. Four ways, each the median of ``--repeats`` runs (rounds of the four, one
after the other, so that the shared machine's changing load hits each alike):

- ``foncier, no cache``: ``open_inventory(cache=False)`` (open, precompute, match, write);
- ``foncier, cold cache``: ``open_inventory(cache=True)`` with an empty cache folder, filled on
  the way (fingerprint of the file, checked layers and plot geometry, :mod:`foncier.io.cache`);
- ``foncier, warm cache``: a second process on the unchanged inventory: the checked layers and
  the plot geometry come from the cache;
- ``geopandas notebook``: the same brief written as a GIS analyst would in a notebook with
  geopandas (``read_file``, ``overlay``, ``dissolve``, ``sjoin_nearest``), same criteria, same
  statuses and score, a CSV of the same rows (without the French reasons foncier writes). Its
  statuses are compared with foncier's, plot by plot, as a check that both do the same work.

Usage::

    python benchmarks/bench_process.py                  # 100 000 plots, medians of 3
    python benchmarks/bench_process.py --plots 20000    # smaller, to iterate
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
BRIEF = HERE.parent / "sample_data" / "briefs" / "batteries.toml"
#: Scores count days from this date in both foncier and the notebook, so they rank alike.
ON = "2026-01-01"


# ---------------------------------------------------------------------------------------------
# Children: one process each
# ---------------------------------------------------------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_foncier(inventory: str, out: str, use_cache: bool) -> dict:
    """Open, match, write CSV; ``use_cache`` is ``open_inventory``'s ``cache=``."""
    import datetime as dt

    import foncier

    phases: dict[str, float] = {}
    t = time.perf_counter()
    inv = foncier.open_inventory(inventory, cache=use_cache)
    phases["open"] = time.perf_counter() - t
    t = time.perf_counter()
    _ = inv.geometry
    phases["geometry"] = time.perf_counter() - t
    t = time.perf_counter()
    result = foncier.match(inv, foncier.read_brief(BRIEF), on=dt.date.fromisoformat(ON))
    table = result.table
    phases["match + table"] = time.perf_counter() - t
    t = time.perf_counter()
    foncier.write_results(result, out)
    phases["write csv"] = time.perf_counter() - t
    return {"phases": phases, "rows": len(table)}


def child_notebook(inventory: str, out: str) -> dict:
    """The batteries brief as a notebook would compute it with geopandas."""
    import tomllib

    import geopandas as gpd
    import numpy as np
    import pandas as pd

    phases: dict[str, float] = {}
    t = time.perf_counter()
    try:
        import pyarrow  # noqa: F401
        arrow = True                # the fastest reader geopandas offers
    except ImportError:
        arrow = False
    plots = gpd.read_file(inventory, layer="plots", use_arrow=arrow)
    cons = gpd.read_file(inventory, layer="constraints", use_arrow=arrow)
    infra = gpd.read_file(inventory, layer="infrastructure", use_arrow=arrow)
    with open(BRIEF, "rb") as fh:
        brief = tomllib.load(fh)
    land, reg, util, acc = brief["land"], brief["regulatory"], brief["utilities"], brief["access"]
    phases["read"] = time.perf_counter() - t

    t = time.perf_counter()
    plots["area_ha"] = plots.area / 10_000
    shapes = plots[["plot_id", "geometry"]]
    # Net area: the plot minus its overlap with the union of the excluded constraints.
    excluded = cons[cons["kind"].isin(reg["excluded_constraints"])][["geometry"]]
    pieces = gpd.overlay(shapes, excluded, how="intersection", keep_geom_type=True)
    lost = pieces.dissolve(by="plot_id").area / 10_000
    plots["net_area_ha"] = plots["area_ha"] - plots["plot_id"].map(lost).fillna(0.0)
    # Forbidden constraints: any single overlap over 1 m².
    kind_level = cons["kind"] + ":" + cons["level"].fillna("")
    wanted = [s for s in reg["forbidden_constraints"]]
    forbidden = cons[cons["kind"].isin(wanted) | kind_level.isin(wanted)][["geometry"]]
    hits = gpd.overlay(shapes, forbidden, how="intersection", keep_geom_type=True)
    bad = set(hits.loc[hits.area > 1.0, "plot_id"])
    # Distance to the nearest motorway interchange.
    motorways = infra[infra["kind"] == "motorway_interchange"][["geometry"]]
    near = gpd.sjoin_nearest(shapes, motorways, distance_col="d").drop_duplicates("plot_id")
    plots["motorway_km"] = plots["plot_id"].map(near.set_index("plot_id")["d"]) / 1000
    phases["geometry"] = time.perf_counter() - t

    t = time.perf_counter()
    out_cols = {}

    def verdict(passed, unknown):
        return np.where(unknown, "unknown", np.where(passed, "pass", "fail"))

    sales = plots["sales_stage"].str.lower()
    occ = plots["occupancy"].str.lower()
    s_pass = sales.isin(["en vente", "en vente avec contraintes"])
    s_fail = sales.isin(["vendu, commercialisation achevée", "réservé par option de réservation",
                         "réservé par une délibération de l'epci", "non commercialisable"])
    o_pass = occ.isin(["inoccupé", "vacant", "friche", "occupation transitoire"])
    o_fail = occ == "occupé"
    fail = s_fail | o_fail
    out_cols["availability"] = verdict(s_pass & o_pass, ~fail & ~(s_pass & o_pass))
    out_cols["area"] = verdict(plots["net_area_ha"] >= land["min_area_ha"] - 1e-9, False)
    avail = pd.to_datetime(plots["available_from"], errors="coerce")
    out_cols["timing"] = verdict(avail <= pd.Timestamp(land["available_by"]), avail.isna())
    regimes = ["none", "declaration", "enregistrement", "autorisation", "seveso_seuil_bas",
               "seveso_seuil_haut"]
    rank = plots["icpe_max"].map({r: i for i, r in enumerate(regimes)})
    out_cols["icpe"] = verdict(rank >= regimes.index(reg["icpe"]), rank.isna())
    out_cols["forbidden_constraints"] = verdict(~plots["plot_id"].isin(bad), False)
    out_cols["power"] = verdict(plots["power_mw"] >= util["power_mw"], plots["power_mw"].isna())
    out_cols["water"] = verdict(plots["water_m3_day"] >= util["water_m3_day"],
                                plots["water_m3_day"].isna())
    out_cols["motorway"] = verdict(plots["motorway_km"] <= acc["motorway_max_km"],
                                   plots["motorway_km"].isna())
    rail = plots["rail_siding"]
    out_cols["rail_siding"] = verdict(rail.fillna(False).astype(bool), rail.isna())
    table = plots[["plot_id", "site_id", "area_ha", "net_area_ha"]].copy()
    for name, values in out_cols.items():
        table[name] = values
    crit = table[list(out_cols)]
    table["status"] = np.where((crit == "fail").any(axis=1), "no_match",
                               np.where((crit == "unknown").any(axis=1), "to_check", "match"))
    # Score: the same components and weights as foncier.scoring.
    on = pd.Timestamp(ON)
    horizon = (pd.Timestamp(land["available_by"]) - on).days or 730
    comps = {
        "area": 1 / (1 + (table["net_area_ha"] - land["min_area_ha"]).abs() / land["min_area_ha"]),
        "price": 1 - plots["price_eur_m2"] / plots["price_eur_m2"].max(),
        "timing": 1 - (avail - on).dt.days / horizon,
        "motorway": 1 - plots["motorway_km"] / acc["motorway_max_km"],
        "power": plots["power_mw"] / (2 * util["power_mw"]),
        "water": plots["water_m3_day"] / (2 * util["water_m3_day"]),
    }
    weights = {k: 1.0 for k in comps} | brief.get("weights", {})
    total = sum(weights.values())
    score = sum(weights[k] * v.clip(0, 1).fillna(0) for k, v in comps.items()) / total
    table["score"] = (100 * score).round(1)
    order = {"match": 0, "to_check": 1, "no_match": 2}
    table = table.assign(_s=table["status"].map(order)).sort_values(
        ["_s", "score", "plot_id"], ascending=[True, False, True]).drop(columns="_s")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    phases["criteria + table"] = time.perf_counter() - t
    t = time.perf_counter()
    table.to_csv(out, index=False)
    phases["write csv"] = time.perf_counter() - t
    return {"phases": phases, "rows": len(table)}


def run_child(argv: list[str]) -> None:
    mode, inventory, out = argv[0], argv[1], argv[2]
    if mode == "notebook":
        report = child_notebook(inventory, out)
    else:
        report = child_foncier(inventory, out, use_cache=(mode == "cache"))
    report["peak_mb"] = _peak_mb()
    print("BENCH " + json.dumps(report), flush=True)


# ---------------------------------------------------------------------------------------------
# Parent: runs the children, prints the figures
# ---------------------------------------------------------------------------------------------

def _run(mode: str, inventory: Path, out: Path, cache_dir: Path) -> dict:
    env = dict(os.environ, FONCIER_CACHE_DIR=str(cache_dir), PYTHONWARNINGS="ignore")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", mode,
                           str(inventory), str(out)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        sys.exit(f"{mode} failed:\n{proc.stderr}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH "))
    return {"wall": wall, **json.loads(line[6:])}


def _report(label: str, runs: list[dict]) -> dict:
    walls = [r["wall"] for r in runs]
    best = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
    phases = ", ".join(f"{k} {v:.2f}" for k, v in best["phases"].items())
    print(f"{label:<22} {statistics.median(walls):>7.2f} s  "
          f"(runs {' / '.join(f'{w:.2f}' for w in walls)})  peak {best['peak_mb']:>5.0f} MB"
          f"\n{'':<24}{phases}", flush=True)
    return {"wall": statistics.median(walls), "peak": best["peak_mb"]}


#: The contenders, in the order each round runs them: (label, child mode, empty the cache first).
CONTENDERS = [("geopandas notebook", "notebook", False), ("foncier, no cache", "nocache", False),
              ("foncier, cold cache", "cache", True), ("foncier, warm cache", "cache", False)]


def _rounds(inventory: Path, work: Path, repeats: int) -> dict[str, list[dict]]:
    """``repeats`` rounds of every contender, one after the other, so that a change of the
    machine's load (it is shared) hits every contender alike instead of one."""
    cache_dir = work / "cache"
    runs: dict[str, list[dict]] = {label: [] for label, _, _ in CONTENDERS}
    for i in range(repeats):
        for label, mode, cold in CONTENDERS:
            if cold:
                shutil.rmtree(cache_dir, ignore_errors=True)
            runs[label].append(_run(mode, inventory, work / f"{label.replace(' ', '_')}_{i}.csv",
                                    cache_dir))
    return runs


def _agreement(work: Path, label_a: str, label_b: str) -> str:
    import pandas as pd

    a = pd.read_csv(work / f"{label_a.replace(' ', '_')}_0.csv").set_index("plot_id")
    b = pd.read_csv(work / f"{label_b.replace(' ', '_')}_0.csv").set_index("plot_id")
    same = (a["status"] == b.loc[a.index, "status"]).mean()
    top = a.index[:20].tolist() == b.index[:20].tolist()
    return (f"statuses agree on {100 * same:.2f} % of {len(a)} plots; "
            f"same first 20 plots in the same order: {'yes' if top else 'no'}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n_cons, n_infra = args.plots // 5, max(args.plots // 50, 50)
    inventory = OUT_DIR / f"synthetic_{args.plots}p_{n_cons}c_{n_infra}i_s0.gpkg"
    if not inventory.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(inventory), "--plots",
                        str(args.plots), "--constraints", str(n_cons), "--infra", str(n_infra)],
                       check=True)
    size = inventory.stat().st_size / 2**20
    print(f"inventory {inventory.name} ({size:.0f} MiB), brief {BRIEF.name}, "
          f"medians of {args.repeats} processes\n")
    work = Path(tempfile.mkdtemp(prefix="foncier-bench-"))
    try:
        runs = _rounds(inventory, work, args.repeats)
        res = {label: _report(label, r) for label, r in runs.items()}
        peer = res["geopandas notebook"]["wall"]
        print(f"\n{'':<22} {'seconds':>8} {'/ notebook':>11} {'peak MB':>8}  target")
        targets = {"foncier, cold cache": 0.5, "foncier, warm cache": 0.1}
        for label, r in res.items():
            ratio = r["wall"] / peer
            tgt = targets.get(label)
            verdict = "" if tgt is None else f"<= {tgt:g}  {'PASS' if ratio <= tgt else 'MISS'}"
            print(f"{label:<22} {r['wall']:>8.2f} {ratio:>11.3f} {r['peak']:>8.0f}  {verdict}")
        print("\n" + _agreement(work, "foncier, warm cache", "geopandas notebook"))
        print("foncier no cache vs warm cache: " +
              _agreement(work, "foncier, no cache", "foncier, warm cache"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
