"""Whole-process timings: one brief against the synthetic inventory, from the shell.

Each run is a fresh process, timed from outside (interpreter start-up, imports and exit
included), on the synthetic inventory of :mod:`synthetic` (100 000 plots, 20 000 constraints,
2 000 points). foncier is run as a user runs it, the real command ``foncier match --inventory
INV --project BRIEF --out r.csv`` (``python -m foncier.cli``), which matches the brief and writes
the whole result table as CSV. The brief is ``benchmarks/briefs/every_key.toml`` (every key of
DESIGN.md's brief TOML, so every criterion of the verdict table is asked) unless ``--brief``
names another. Four ways, each the median of ``--repeats`` runs (rounds of the four, one after
the other, so that the shared machine's changing load hits each alike):

- ``foncier, no cache``: ``foncier match --no-cache`` (open, precompute, match, write);
- ``foncier, cold cache``: with an empty cache folder (``FONCIER_CACHE_DIR``), filled on the way
  (fingerprint of the file, checked layers, plot geometry, the brief's excluded area:
  :mod:`foncier.io.cache`);
- ``foncier, warm cache``: a second process on the unchanged inventory: the checked layers, the
  plot geometry and the excluded area come from the cache;
- ``geopandas notebook``: the same brief written as a GIS analyst would in a notebook with
  geopandas, computing only what the brief asks: ``read_file(use_arrow=True)``; ``overlay`` +
  ``dissolve`` for the net area; ``sjoin`` (intersects) and the pairs' intersection areas
  (> 1 m²) for the forbidden selectors; ``sjoin_nearest`` for the housing distance and for each
  infrastructure kind asked; vectorized pandas for the attribute criteria; DESIGN.md's unknown
  rules; foncier's statuses and score (every component of ``foncier.core.scoring``, counting
  days from today as the command does); a CSV of the same rows (without the French reasons
  foncier writes). Its statuses, scores and every criterion column are compared with
  foncier's, plot by plot, as a check that both do the same work (the percentage of plots that
  agree, per criterion).

Peak memory is each process's own (``wait4``). ``--phases`` adds, for each foncier way, one more
process that makes the same library calls as the command and times them one by one (open,
geometry, match and table, CSV).

Usage::

    python benchmarks/bench_process.py                  # 100 000 plots, medians of 3
    python benchmarks/bench_process.py --plots 20000    # smaller, to iterate
    python benchmarks/bench_process.py --brief sample_data/briefs/batteries.toml
    python benchmarks/bench_process.py --phases         # and where the time goes
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

from installed import compile_bytecode

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
#: The default brief: every key of DESIGN.md's brief TOML (``--brief`` picks another).
BRIEF = HERE / "briefs" / "every_key.toml"
#: Scores count days from this date in both foncier and the notebook, so they rank alike: the
#: day the command runs (today), which the parent hands to its children.
ON = os.environ.get("FONCIER_BENCH_ON") or __import__("datetime").date.today().isoformat()


# ---------------------------------------------------------------------------------------------
# Children: one process each
# ---------------------------------------------------------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_foncier(inventory: str, out: str, brief_path: str, use_cache: bool) -> dict:
    """Open, match, write CSV; ``use_cache`` is ``open_inventory``'s ``cache=``. The libraries
    the command loads on the way are imported first, as a phase of their own; Arrow
    allocates with the pool the command gives it (``prefer_arrow_pool``)."""
    import datetime as dt

    phases: dict[str, float] = {}
    t = time.perf_counter()
    from foncier.io.threads import prefer_arrow_pool
    prefer_arrow_pool()
    import geopandas  # noqa: F401
    import pyarrow  # noqa: F401
    import pyogrio  # noqa: F401

    import foncier
    import foncier.core.matching  # noqa: F401
    import foncier.io.results  # noqa: F401
    phases["imports"] = time.perf_counter() - t
    t = time.perf_counter()
    inv = foncier.open_inventory(inventory, cache=use_cache)
    phases["open"] = time.perf_counter() - t
    t = time.perf_counter()
    _ = inv.geometry
    phases["geometry"] = time.perf_counter() - t
    t = time.perf_counter()
    result = foncier.match(inv, foncier.read_brief(brief_path), on=dt.date.fromisoformat(ON))
    table = result.table
    phases["match + table"] = time.perf_counter() - t
    t = time.perf_counter()
    foncier.write_results(result, out)
    phases["write csv"] = time.perf_counter() - t
    return {"phases": phases, "rows": len(table)}


# The notebook: what a GIS analyst writes with geopandas for one brief, criterion by criterion
# (DESIGN.md's verdict table), one cell per step. It computes only what the brief asks.

SALES_PASS = ["en vente", "en vente avec contraintes"]
SALES_FAIL = ["vendu, commercialisation achevée", "réservé par option de réservation",
              "réservé par une délibération de l'epci", "non commercialisable"]
OCCUPANCY_PASS = ["inoccupé", "vacant", "friche", "occupation transitoire"]
ICPE = ["none", "declaration", "enregistrement", "autorisation", "seveso_seuil_bas",
        "seveso_seuil_haut"]
#: Access criterion -> infrastructure kind.
ACCESS = {"motorway": "motorway_interchange", "rail_freight": "rail_freight", "port": "port"}


def _nb_select(cons, selectors):
    """The constraints a list of selectors picks (``kind`` or ``kind:level``)."""
    kind_level = cons["kind"] + ":" + cons["level"].fillna("")
    return cons[cons["kind"].isin(selectors) | kind_level.isin(selectors)][["geometry"]]


def _nb_nearest(shapes, targets):
    """Distance (m) from each plot to the nearest of ``targets`` (NaN when there is none)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    if targets.empty:
        return pd.Series(np.nan, index=shapes.index)
    near = gpd.sjoin_nearest(shapes, targets[["geometry"]], distance_col="d")
    return near["d"].groupby(level=0).min().reindex(shapes.index)


def _nb_geometry(plots, cons, infra, brief) -> dict:
    """Net area, worst forbidden overlap and the distances the brief asks, per plot."""
    import geopandas as gpd
    import pandas as pd

    land, reg, acc = brief.get("land", {}), brief.get("regulatory", {}), brief.get("access", {})
    shapes = plots[["plot_id", "geometry"]]
    out = {"area_ha": plots.area / 10_000}
    # Net area: the plot minus its overlap with the union of the excluded constraints.
    lost = pd.Series(0.0, index=plots.index)
    if reg.get("excluded_constraints"):
        excluded = _nb_select(cons, reg["excluded_constraints"])
        pieces = gpd.overlay(shapes.reset_index(), excluded, how="intersection",
                             keep_geom_type=True)
        lost = (pieces.dissolve(by="index").area / 10_000).reindex(plots.index).fillna(0.0)
    out["net_area_ha"] = (out["area_ha"] - lost).clip(lower=0.0)
    # Forbidden constraints: any single overlap over 1 m².
    if reg.get("forbidden_constraints"):
        forbidden = _nb_select(cons, reg["forbidden_constraints"])
        pairs = gpd.sjoin(shapes, forbidden, predicate="intersects")
        overlap = pairs.intersection(forbidden.geometry.loc[pairs["index_right"]],
                                     align=False).area
        out["forbidden_m2"] = overlap.groupby(level=0).max().reindex(plots.index).fillna(0.0)
    if "min_housing_distance_m" in reg:
        out["housing_m"] = _nb_nearest(shapes, cons[cons["kind"] == "housing"])
    weights = brief.get("weights", {})
    for name, kind in ACCESS.items():
        if f"{name}_max_km" in acc or weights.get(name):     # asked, or a score component
            out[f"{name}_km"] = _nb_nearest(shapes, infra[infra["kind"] == kind]) / 1000
    if "available_by" in land:
        out["available_from"] = pd.to_datetime(plots["available_from"], errors="coerce")
    return out


def _nb_verdict(passed, unknown):
    import numpy as np

    return np.where(unknown, "unknown", np.where(passed, "pass", "fail"))


def _nb_land(plots, geo, brief) -> dict:
    """Availability and the [land] criteria."""
    import pandas as pd

    land = brief.get("land", {})
    v = {}
    sales, occ = plots["sales_stage"].str.lower(), plots["occupancy"].str.lower()
    passed = sales.isin(SALES_PASS) & occ.isin(OCCUPANCY_PASS)
    fail = sales.isin(SALES_FAIL) | (occ == "occupé")
    v["availability"] = _nb_verdict(passed & ~fail, ~fail & ~passed)
    if "min_area_ha" in land or "max_area_ha" in land:
        net = geo["net_area_ha"]
        ok = (net >= land.get("min_area_ha", 0) - 1e-9) & \
            (net <= land.get("max_area_ha", float("inf")) + 1e-9)
        v["area"] = _nb_verdict(ok, False)
    if "max_price_eur_m2" in land:
        price = plots["price_eur_m2"]
        v["price"] = _nb_verdict(price <= land["max_price_eur_m2"], price.isna())
    if "available_by" in land:
        avail = geo["available_from"]
        v["timing"] = _nb_verdict(avail <= pd.Timestamp(land["available_by"]), avail.isna())
    if land.get("accepted_zones"):
        zone = plots["plu_zone"].str.strip().str.upper()
        accepted = tuple(z.upper() for z in land["accepted_zones"])
        v["zoning"] = _nb_verdict(zone.str.startswith(accepted).fillna(False), zone.isna())
    if land.get("turnkey") is True:
        turnkey = plots["turnkey"].astype("boolean")
        v["turnkey"] = _nb_verdict(turnkey.fillna(False), turnkey.isna())
    if land.get("brownfield") in ("required", "excluded"):
        brown = plots["brownfield"].astype("boolean")
        wanted = land["brownfield"] == "required"
        v["brownfield"] = _nb_verdict((brown == wanted).fillna(False), brown.isna())
    if "building_height_m" in land:
        height = plots["max_height_m"]
        v["height"] = _nb_verdict(height >= land["building_height_m"], height.isna())
    return v


def _nb_rest(plots, geo, brief) -> dict:
    """The [regulatory], [utilities] and [access] criteria."""
    reg, util = brief.get("regulatory", {}), brief.get("utilities", {})
    acc = brief.get("access", {})
    v = {}
    if "icpe" in reg:
        rank = plots["icpe_max"].map({r: i for i, r in enumerate(ICPE)})
        v["icpe"] = _nb_verdict(rank >= ICPE.index(reg["icpe"]), rank.isna())
    if reg.get("forbidden_constraints"):
        v["forbidden_constraints"] = _nb_verdict(geo["forbidden_m2"] <= 1.0, False)
    if "min_housing_distance_m" in reg:
        d = geo["housing_m"]
        v["housing"] = _nb_verdict(d >= reg["min_housing_distance_m"] - 1e-6, d.isna())
    for name, col in (("power", "power_mw"), ("water", "water_m3_day")):
        if col in util:
            v[name] = _nb_verdict(plots[col] >= util[col], plots[col].isna())
    for name, table in (("gas", util), ("fiber", util), ("rail_siding", acc)):
        if table.get(name) is True:
            flag = plots[name].astype("boolean")
            v[name] = _nb_verdict(flag.fillna(False), flag.isna())
    for name in ACCESS:
        if f"{name}_max_km" in acc:
            km = geo[f"{name}_km"]
            v[name] = _nb_verdict(km <= acc[f"{name}_max_km"] + 1e-9, km.isna())
    return v


def _nb_score(plots, geo, brief):
    """The score of foncier.core.scoring: weighted components from 0 to 1, times 100."""
    import pandas as pd

    land, util, acc = brief.get("land", {}), brief.get("utilities", {}), brief.get("access", {})
    on = pd.Timestamp(ON)
    target = land.get("min_area_ha") or land.get("max_area_ha")
    # Default weights: price and timing always, the others when the brief asks them.
    weights = {"area": 1.0 if target else 0.0, "price": 1.0, "timing": 1.0}
    weights |= {name: 1.0 if f"{name}_max_km" in acc else 0.0 for name in ACCESS}
    weights |= {"power": 1.0 if "power_mw" in util else 0.0,
                "water": 1.0 if "water_m3_day" in util else 0.0}
    weights |= brief.get("weights", {})
    if not target:
        weights["area"] = 0.0
    comps = {}
    if weights["area"]:
        comps["area"] = 1 / (1 + (geo["net_area_ha"] - target).abs() / target)
    price = plots["price_eur_m2"]
    comps["price"] = 1 - price / (land.get("max_price_eur_m2") or price.max())
    avail = pd.to_datetime(plots["available_from"], errors="coerce")
    horizon = max((pd.Timestamp(land["available_by"]) - on).days, 1) \
        if "available_by" in land else 730
    comps["timing"] = 1 - (avail - on).dt.days.clip(lower=0) / horizon
    for name in ACCESS:
        if weights[name]:
            comps[name] = 1 - geo[f"{name}_km"] / (acc.get(f"{name}_max_km") or 50.0)
    for name, col in (("power", "power_mw"), ("water", "water_m3_day")):
        if weights[name]:
            comps[name] = plots[col] / (2 * util[col] if util.get(col) else plots[col].max())
    total = sum(weights.values())
    if total <= 0:
        return pd.Series(0.0, index=plots.index)
    score = sum(weights[k] * c.clip(0, 1).fillna(0) for k, c in comps.items()
                if weights.get(k)) / total
    return (100 * score).round(1)


def child_notebook(inventory: str, out: str, brief_path: str) -> dict:
    """The brief as a notebook would compute it with geopandas (every criterion it asks)."""
    import tomllib

    import geopandas as gpd
    import numpy as np
    import pandas as pd

    phases: dict[str, float] = {}
    t = time.perf_counter()
    plots = gpd.read_file(inventory, layer="plots", use_arrow=True)
    cons = gpd.read_file(inventory, layer="constraints", use_arrow=True)
    infra = gpd.read_file(inventory, layer="infrastructure", use_arrow=True)
    with open(brief_path, "rb") as fh:
        brief = tomllib.load(fh)
    phases["read"] = time.perf_counter() - t

    t = time.perf_counter()
    geo = _nb_geometry(plots, cons, infra, brief)
    phases["geometry"] = time.perf_counter() - t

    t = time.perf_counter()
    verdicts = _nb_land(plots, geo, brief) | _nb_rest(plots, geo, brief)
    table = pd.DataFrame({"plot_id": plots["plot_id"], "site_id": plots["site_id"]})
    crit = pd.DataFrame(verdicts, index=plots.index)
    table["status"] = np.where((crit == "fail").any(axis=1), "no_match",
                               np.where((crit == "unknown").any(axis=1), "to_check", "match"))
    table["score"] = _nb_score(plots, geo, brief)
    table["area_ha"] = geo["area_ha"]
    table["net_area_ha"] = geo["net_area_ha"]
    table = pd.concat([table, crit], axis=1)
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
    mode, inventory, out, brief = argv[0], argv[1], argv[2], argv[3]
    if mode == "notebook":
        report = child_notebook(inventory, out, brief)
    else:
        report = child_foncier(inventory, out, brief, use_cache=(mode == "phases-cache"))
    report["peak_mb"] = _peak_mb()
    print("BENCH " + json.dumps(report), flush=True)


# ---------------------------------------------------------------------------------------------
# Parent: runs the children, prints the figures
# ---------------------------------------------------------------------------------------------

def _run(mode: str, inventory: Path, out: Path, cache_dir: Path, brief: Path) -> dict:
    """One process: the ``foncier match`` command (``nocache``, ``cache``), the library calls
    timed phase by phase (``phases-nocache``, ``phases-cache``) or the ``notebook``."""
    env = dict(os.environ, FONCIER_CACHE_DIR=str(cache_dir), PYTHONWARNINGS="ignore",
               FONCIER_BENCH_ON=ON)
    env.pop("FONCIER_NO_CACHE", None)
    if mode in ("nocache", "cache"):
        cmd = [sys.executable, "-m", "foncier.cli", "match", "--inventory", str(inventory),
               "--project", str(brief), "--out", str(out)] + (["--no-cache"] * (mode == "nocache"))
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(inventory),
               str(out), str(brief)]
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=stderr, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        text, errors = stdout.read(), stderr.read()
    if proc.returncode:
        sys.exit(f"{mode} failed ({proc.returncode}):\n{errors}")
    report = {"wall": wall, "peak_mb": usage.ru_maxrss / 1024, "phases": {}}
    line = next((x for x in text.splitlines() if x.startswith("BENCH ")), None)
    if line is not None:
        report |= {k: v for k, v in json.loads(line[6:]).items() if k != "peak_mb"}
    return report


def _report(label: str, runs: list[dict]) -> dict:
    walls = [r["wall"] for r in runs]
    best = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
    phases = ", ".join(f"{k} {v:.2f}" for k, v in best["phases"].items())
    print(f"{label:<22} {statistics.median(walls):>7.2f} s  "
          f"(runs {' / '.join(f'{w:.2f}' for w in walls)})  peak {best['peak_mb']:>5.0f} MB"
          + (f"\n{'':<24}{phases}" if phases else ""), flush=True)
    return {"wall": statistics.median(walls), "peak": best["peak_mb"]}


#: The contenders, in the order each round runs them: (label, child mode, empty the cache first).
CONTENDERS = [("geopandas notebook", "notebook", False), ("foncier, no cache", "nocache", False),
              ("foncier, cold cache", "cache", True), ("foncier, warm cache", "cache", False)]


def _rounds(inventory: Path, work: Path, repeats: int, brief: Path, *,
            skip: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """``repeats`` rounds of every contender, one after the other, so that a change of the
    machine's load (it is shared) hits every contender alike instead of one."""
    cache_dir = work / "cache"
    contenders = [c for c in CONTENDERS if c[0] not in skip]
    runs: dict[str, list[dict]] = {label: [] for label, _, _ in contenders}
    for i in range(repeats):
        for label, mode, cold in contenders:
            if cold:
                shutil.rmtree(cache_dir, ignore_errors=True)
            runs[label].append(_run(mode, inventory, work / f"{label.replace(' ', '_')}_{i}.csv",
                                    cache_dir, brief))
    return runs


def _print_phases(inventory: Path, work: Path, brief: Path, *, skip: tuple[str, ...]) -> None:
    """One more process per foncier way, the command's library calls timed one by one."""
    print("\nPhases (one more process each: the command's library calls, timed in the process)")
    cache_dir = work / "phases-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    for label, mode in (("foncier, no cache", "phases-nocache"),
                        ("foncier, cold cache", "phases-cache"),
                        ("foncier, warm cache", "phases-cache")):
        if label in skip:
            continue
        r = _run(mode, inventory, work / "phases.csv", cache_dir, brief)
        inside = sum(r["phases"].values())
        print(f"{label:<22} {r['wall']:>7.2f} s: "
              + ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items())
              + f"; before, between and after them {r['wall'] - inside:.2f}", flush=True)


#: Result-table columns that are not a criterion's verdict.
NOT_CRITERIA = {"rank", "plot_id", "site_id", "status", "score", "area_ha", "net_area_ha",
                "reasons", "completeness", "relax", "geometry"}


def _agreement(work: Path, label_a: str, label_b: str, *, per_criterion: bool = False) -> str:
    """How far two contenders' CSVs agree, plot by plot: the status, and with
    ``per_criterion`` every criterion column of either (a column only one has disagrees
    everywhere), with the first plots that differ."""
    import pandas as pd

    a = pd.read_csv(work / f"{label_a.replace(' ', '_')}_0.csv").set_index("plot_id")
    b = pd.read_csv(work / f"{label_b.replace(' ', '_')}_0.csv").set_index("plot_id")
    b = b.reindex(a.index)
    same = (a["status"] == b["status"]).mean()
    top = a.index[:20].tolist() == b.index[:20].tolist()
    close = ((a["score"] - b["score"]).abs() <= 0.1 + 1e-9).mean()
    lines = [f"statuses agree on {100 * same:.2f} % of {len(a)} plots; scores within 0.1 on "
             f"{100 * close:.2f} %; same first 20 plots in the same order: "
             f"{'yes' if top else 'no'}"]
    if per_criterion:
        columns = [c for c in a.columns if c not in NOT_CRITERIA]
        columns += [c for c in b.columns if c not in NOT_CRITERIA and c not in columns]
        for c in columns:
            if c not in a.columns or c not in b.columns:
                lines.append(f"  {c:<22} only in {label_a if c in a.columns else label_b}")
                continue
            differ = a.index[a[c] != b[c]]
            shown = ", ".join(f"{p} ({a.at[p, c]}/{b.at[p, c]})" for p in differ[:3])
            lines.append(f"  {c:<22} {100 * (1 - len(differ) / len(a)):>7.3f} %"
                         + (f"   e.g. {shown}" if len(differ) else ""))
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--brief", type=Path, default=BRIEF,
                        help="the brief's TOML file (default: benchmarks/briefs/every_key.toml)")
    parser.add_argument("--phases", action="store_true",
                        help="time the library calls of each foncier way in one more process")
    parser.add_argument("--skip-no-cache", action="store_true",
                        help="leave out « foncier, no cache » (saves minutes at 1 000 000 plots)")
    args = parser.parse_args()
    compile_bytecode()      # as installed: see benchmarks/installed.py
    brief = args.brief.resolve()
    n_cons, n_infra = args.plots // 5, max(args.plots // 50, 50)
    inventory = OUT_DIR / f"synthetic_{args.plots}p_{n_cons}c_{n_infra}i_s0.gpkg"
    if not inventory.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(inventory), "--plots",
                        str(args.plots), "--constraints", str(n_cons), "--infra", str(n_infra)],
                       check=True)
    size = inventory.stat().st_size / 2**20
    print(f"inventory {inventory.name} ({size:.0f} MiB), brief {brief.name}, "
          f"medians of {args.repeats} processes\n")
    work = Path(tempfile.mkdtemp(prefix="foncier-bench-"))
    try:
        skip = ("foncier, no cache",) if args.skip_no_cache else ()
        runs = _rounds(inventory, work, args.repeats, brief, skip=skip)
        res = {label: _report(label, r) for label, r in runs.items()}
        peer = res["geopandas notebook"]["wall"]
        print(f"\n{'':<22} {'seconds':>8} {'/ notebook':>11} {'peak MB':>8}  target")
        # The targets: 1/10 warm at 100 000 plots, 1/15 at 1 000 000 (and 2 GB peak).
        national = args.plots >= 1_000_000
        targets = {"foncier, cold cache": 0.5, "foncier, warm cache": 1 / 15 if national else 0.1}
        for label, r in res.items():
            ratio = r["wall"] / peer
            tgt = targets.get(label)
            verdict = "" if tgt is None else f"<= {tgt:.3g}  {'PASS' if ratio <= tgt else 'MISS'}"
            if national and label.startswith("foncier"):
                verdict += f"   peak <= 2000 MB {'PASS' if r['peak'] <= 2000 else 'MISS'}"
            print(f"{label:<22} {r['wall']:>8.2f} {ratio:>11.3f} {r['peak']:>8.0f}  {verdict}")
        print("\nfoncier warm cache vs notebook: "
              + _agreement(work, "foncier, warm cache", "geopandas notebook",
                           per_criterion=True))
        if not args.skip_no_cache:
            print("foncier no cache vs warm cache: " +
                  _agreement(work, "foncier, no cache", "foncier, warm cache"))
        if args.phases:
            _print_phases(inventory, work, brief, skip=skip)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
