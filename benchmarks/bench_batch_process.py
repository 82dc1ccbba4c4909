"""Whole-process timing of ``foncier batch``: 200 briefs x 100 000 plots to XLSX, from the shell.

The 200 deterministic briefs of :func:`bench_core.random_briefs` are written as TOML files into a
temporary folder, then ``foncier batch --inventory INV --briefs FOLDER --out lot.xlsx`` runs as a
subprocess on the synthetic inventory of :mod:`bench_core` (100 000 plots, 20 000 constraints,
2 000 points, cached in ``benchmarks/out/``), with ``FONCIER_CACHE_DIR`` set to a temporary
folder: one cold run (empty cache, filled on the way), then the median of ``--repeats`` warm runs
(the second process on the unchanged inventory). Each run is timed from outside: interpreter
start-up, imports, open, matching and the XLSX are all in it.

The phases come from one more warm process that runs the same steps as the command
(:func:`foncier.analysis.batch.read_briefs`, ``open_inventory``, ``run_batch_to_file``, whose
briefs are matched in a worker process) with a clock between them (the command has no timing
option), then the same with the matching on a thread (``processes=False``), then the matching
and the writing that ``run_batch_to_file`` overlaps, one after the other (``run_batch``,
``write_batch``), to show what each costs alone; ``--profile FILE`` writes that process's
cProfile statistics too. The worker process's peak memory is printed beside the process's.

The peer, in the same run: the same 200 briefs matched in the same way (``foncier.match``
through ``run_batch``: the peer differs only in the writer) and the same workbook (summary, a
sheet per brief of the same rows, the near misses, the *Matrice* of every plot x brief status
and score) written the way an analyst would with openpyxl's write-only mode (``pandas.to_excel``
builds every cell object in memory first: 40 million cells would not fit). It is the figure the
streaming writer is for. ``--peer-briefs N`` writes the peer's *Matrice* and sheets for the first
N briefs only and scales its writing time to all the briefs (stated on the line), since a full
openpyxl run takes minutes.

Usage::

    python benchmarks/bench_batch_process.py                  # 100 000 plots, 200 briefs, 3 warm
    python benchmarks/bench_batch_process.py --plots 20000    # smaller, to iterate
    python benchmarks/bench_batch_process.py --no-peer        # foncier only
    python benchmarks/bench_batch_process.py --profile batch.prof
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
sys.path.insert(0, str(HERE))
TARGET_S = 15.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------------------------

def child_phases(inventory: str, briefs: str, out: str, profile: str | None) -> dict:
    """The steps of ``foncier batch`` (``foncier/cli/batch.py``), timed one by one."""
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    from foncier.analysis.batch import read_briefs, run_batch, run_batch_to_file, write_batch
    from foncier.core.inventory import open_inventory

    phases["imports"] = time.perf_counter() - t0
    t = time.perf_counter()
    brief_list = read_briefs([briefs])
    phases["read briefs"] = time.perf_counter() - t
    t = time.perf_counter()
    inv = open_inventory(inventory)
    phases["open (cache warm)"] = time.perf_counter() - t
    t = time.perf_counter()
    _ = inv.geometry
    phases["geometry (cache)"] = time.perf_counter() - t
    t = time.perf_counter()
    run_batch_to_file([inv], brief_list, out)
    phases["run_batch_to_file (the command's)"] = time.perf_counter() - t
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    t = time.perf_counter()
    run_batch_to_file([inv], brief_list, out, processes=False)
    phases["same, matching on a thread"] = time.perf_counter() - t
    t = time.perf_counter()
    batch = run_batch([inv], brief_list)
    phases["alone: run_batch (match + rows)"] = time.perf_counter() - t
    t = time.perf_counter()
    write_batch(batch, out)
    phases["alone: write_batch .xlsx"] = time.perf_counter() - t
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    return {"phases": phases, "peak_mb": _peak_mb(), "worker_peak_mb": worker_mb,
            "size_mb": Path(out).stat().st_size / 2**20}


def _openpyxl_frame(ws, frame) -> None:
    import math

    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and math.isnan(v)) else
                   (v if isinstance(v, (int, float, str)) or v is None else str(v)) for v in row])


def child_peer(inventory: str, briefs: str, out: str, n_write: int) -> dict:
    """The same matches, the same sheets written with openpyxl's write-only mode."""
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    import numpy as np
    import openpyxl
    import pandas as pd

    from foncier.analysis.batch import read_briefs, run_batch, sheet_names, summary_frame
    from foncier.core.inventory import open_inventory
    from foncier.wording import STATUS_LABELS

    phases["imports"] = time.perf_counter() - t0
    t = time.perf_counter()
    brief_list = read_briefs([briefs])
    inv = open_inventory(inventory)
    batch = run_batch([inv], brief_list)
    phases["open + run_batch"] = time.perf_counter() - t
    t = time.perf_counter()
    outcomes = batch.outcomes[:n_write]
    names = sheet_names([o.brief.name for o in batch.outcomes])
    book = openpyxl.Workbook(write_only=True)
    _openpyxl_frame(book.create_sheet("Synthèse"), summary_frame(batch, names))
    labels = np.array([STATUS_LABELS[s] for s in ("match", "to_check", "no_match")], object)
    for o, name in zip(outcomes, names, strict=False):
        rows = pd.DataFrame({c: o.rows[c] for c in o.rows.columns if c != "geometry"})
        rows["status"] = rows["status"].map(STATUS_LABELS)
        _openpyxl_frame(book.create_sheet(name[:31]), rows)
    for k, o in enumerate(outcomes):
        _openpyxl_frame(book.create_sheet(f"≈ {k}"), o.near_misses)
    matrix = batch.plots.copy()
    for o, name in zip(outcomes, names, strict=False):
        matrix[f"{name} — statut"] = labels[o.status]
        matrix[f"{name} — score"] = np.round(o.score, 1)
    _openpyxl_frame(book.create_sheet("Matrice"), matrix)
    book.save(out)
    phases["write .xlsx (openpyxl write-only)"] = time.perf_counter() - t
    return {"phases": phases, "peak_mb": _peak_mb(), "size_mb": Path(out).stat().st_size / 2**20,
            "written": len(outcomes), "briefs": len(batch.outcomes)}


# ---------------------------------------------------------------------------------------------
# Parent
# ---------------------------------------------------------------------------------------------

def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, every thread) of one run of ``cmd``."""
    t, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - t, _children_cpu() - cpu


def _child(kind: str, env: dict, *args: str) -> tuple[float, dict]:
    t, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, __file__, "--child", kind, *args], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"child {kind} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - t
    info = json.loads(done.stdout.strip().splitlines()[-1])
    info["cpu"] = _children_cpu() - cpu
    return wall, info


def _write_briefs(folder: Path, n: int) -> None:
    from bench_core import random_briefs

    from foncier.core.brief import write_brief

    for i, brief in enumerate(random_briefs(n), start=1):
        write_brief(brief, folder / f"brief_{i:03d}.toml")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def run(n_plots: int, n_briefs: int, repeats: int, *, peer: bool, peer_briefs: int,
        profile: str | None) -> int:
    from bench_core import _machine, build_inventory, inventory_path

    n_cons, n_infra = n_plots // 5, max(10, n_plots // 50)
    inventory = inventory_path(n_plots, n_cons, n_infra, 0)
    print(f"# foncier batch, whole process — {_machine()}")
    if not inventory.exists():
        print(f"building {inventory.name} ...", flush=True)
        build_inventory(inventory, n_plots, n_cons, n_infra, 0)
    foncier_cmd = shutil.which("foncier", path=str(Path(sys.executable).parent)) or "foncier"
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        (tmp / "briefs").mkdir()
        _write_briefs(tmp / "briefs", n_briefs)
        env = dict(os.environ, FONCIER_CACHE_DIR=str(tmp / "cache"), PYTHONFAULTHANDLER="1")
        out = tmp / "lot.xlsx"
        cmd = [foncier_cmd, "batch", "--inventory", str(inventory), "--briefs",
               str(tmp / "briefs"), "--out", str(out)]
        print(f"# {n_briefs} briefs x {n_plots} plots -> .xlsx; {_load()}", flush=True)
        cold, cold_cpu = _timed(cmd, env)
        print(f"foncier batch, cache cold        {cold:7.2f} s  (CPU {cold_cpu:.2f} s)",
              flush=True)
        runs = [_timed(cmd, env) for _ in range(repeats)]
        warm = [w for w, _ in runs]
        size = out.stat().st_size / 2**20
        med = statistics.median(warm)
        cpu = statistics.median(c for _, c in runs)
        verdict = "PASS" if med <= TARGET_S else "MISS"
        print(f"foncier batch, cache warm        {med:7.2f} s  (median of {repeats}: "
              + ", ".join(f"{w:.2f}" for w in warm) + f"; CPU {cpu:.2f} s)  target <= "
              f"{TARGET_S:.0f} s {verdict}; {size:.1f} MiB; {_load()}", flush=True)
        wall, info = _child("phases", env, str(inventory), str(tmp / "briefs"),
                            str(tmp / "phases.xlsx"), profile or "")
        print(f"  phases of one more warm process ({wall:.2f} s wall, CPU {info['cpu']:.2f} s, "
              f"peak {info['peak_mb']:.0f} MB, its worker process's "
              f"{info.get('worker_peak_mb', 0):.0f} MB):")
        for name, sec in info["phases"].items():
            print(f"    {name:36s} {sec:7.2f} s")
        rest = wall - sum(info["phases"].values())
        print(f"    {'interpreter start + exit':36s} {rest:7.2f} s")
        if peer:
            wall, info = _child("peer", env, str(inventory), str(tmp / "briefs"),
                                str(tmp / "peer.xlsx"), str(peer_briefs or n_briefs))
            ph = info["phases"]
            write = ph["write .xlsx (openpyxl write-only)"]
            scale = info["briefs"] / max(info["written"], 1)
            total = wall - write + write * scale
            note = "" if scale == 1 else (f" (writing timed on {info['written']} briefs: "
                                          f"{write:.1f} s, scaled x{scale:.0f})")
            print(f"peer: run_batch + openpyxl       {total:7.2f} s{note}; CPU "
                  f"{info['cpu']:.2f} s; peak {info['peak_mb']:.0f} MB; {_load()}")
            for name, sec in ph.items():
                print(f"    {name:32s} {sec:7.2f} s")
            print(f"foncier warm / peer: {med / total:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--briefs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--peer-briefs", type=int, default=0,
                        help="write only the first N briefs in the peer and scale (0: all)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile of the phases process")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "phases":
            info = child_phases(rest[0], rest[1], rest[2], rest[3] if len(rest) > 3 and rest[3]
                                else None)
        else:
            info = child_peer(rest[0], rest[1], rest[2], int(rest[3]))
        print(json.dumps(info))
        return 0
    compile_bytecode()          # as installed: see benchmarks/installed.py
    return run(args.plots, args.briefs, args.repeats, peer=not args.no_peer,
               peer_briefs=args.peer_briefs, profile=args.profile)


if __name__ == "__main__":
    sys.exit(main())
