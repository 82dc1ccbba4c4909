"""Benchmark of the app's opening as a user runs it: ``foncier gui INVENTAIRE.gpkg`` from the shell.

Each run is a whole new process (``python -m foncier.cli gui X.gpkg``, what the ``foncier``
command runs) with ``QT_QPA_PLATFORM=offscreen`` (and, when ``xvfb-run`` is installed, under a
virtual X server with Qt's ``xcb`` platform too). The app's benchmark hook
(``FONCIER_BENCH_FIRST_PAINT=result``, see ``gui/timeline.py``) prints its start-up timeline
and quits once the first match's statuses are painted; seconds count from the moment this script
starts the process (wall clock, ``FONCIER_BENCH_T0``).

Printed: the time from process start to the first painted map with the plots drawn (target
<= 1.5 s with the cache warm), to the first painted statuses, and the phases: interpreter and
``foncier`` command-line imports, PySide6, the app's modules (and the library's), the window,
reading the inventory (``open_inventory``), the map's per-inventory data, the map scene, the
first frame. Cache warm: median of ``--repeats`` runs on a cache folder (``FONCIER_CACHE_DIR``,
a temporary folder) that a first, cold run filled; that cold run is printed too.

Peers, in the same run: the same app on the same file with ``--no-cache`` (the inventory read
and checked from the GeoPackage, the reference the cache must beat); ``ogrinfo -so -al`` on the
file (GDAL's own process opening the GeoPackage and summarising its layers: a floor for reading
the file, not for checking it); a bare PySide6 process showing one empty QGraphicsView until its
first paint (a floor for a Qt window, no data).

Run::

    python benchmarks/bench_app_open.py                 # 100 000 plots, 3 warm runs
    python benchmarks/bench_app_open.py --repeats 5 --no-xvfb
    python benchmarks/bench_app_open.py --inventory mon_inventaire.gpkg

The default inventory is ``benchmarks/out/synthetic_100000p_20000c_2000i_s0.gpkg``, built by
``benchmarks/synthetic.py`` (as for ``bench_core.py``) when missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from foncier_gui.timeline import ENV_MODE, ENV_T0, PREFIX
from installed import compile_bytecode

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
TARGET_S = 1.5

#: The phases printed, as (label, from mark, to mark); "t0" is the process start.
PHASES = [
    ("interpréteur + imports de la ligne de commande foncier", "t0", "run"),
    ("import de PySide6", "run", "pyside6_imported"),
    ("import de l'application (et de la bibliothèque)", "pyside6_imported", "gui_imported"),
    ("fenêtre construite et montrée", "gui_imported", "window_shown"),
    ("lecture de l'inventaire (open_inventory)", "open_start", "inventory_read"),
    ("données de la carte (anneaux, index, communes)", "inventory_read", "index_built"),
    ("remise au fil de l'interface", "index_built", "index_received"),
    ("scène de la carte construite", "index_received", "scene_built"),
    ("reste de l'affichage de l'inventaire", "scene_built", "index_shown"),
    ("jusqu'à la première image de la carte", "index_shown", "first_map_paint"),
    ("premier calcul (cahier des charges par défaut)", "index_shown", "first_result"),
    ("jusqu'aux statuts peints", "first_result", "first_result_paint"),
]

QT_FLOOR = """
import sys
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView
class View(QGraphicsView):
    def paintEvent(self, event):
        super().paintEvent(event)
        app.quit()
app = QApplication(sys.argv[:1])
scene = QGraphicsScene()
scene.addRect(0, 0, 100, 100)
view = View(scene)
view.resize(1440, 900)
view.show()
app.exec()
"""


def inventory_path(n_plots: int) -> Path:
    """The synthetic inventory of ``bench_core.py`` (built when missing)."""
    n_cons, n_infra = max(n_plots // 5, 1), max(n_plots // 50, 10)
    path = OUT_DIR / f"synthetic_{n_plots}p_{n_cons}c_{n_infra}i_s0.gpkg"
    if not path.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(path), "--plots",
                        str(n_plots), "--constraints", str(n_cons), "--infra", str(n_infra),
                        "--seed", "0"], check=True)
    return path


def run_app(inventory: Path, env: dict, *, no_cache: bool = False, xvfb: bool = False,
            timeout: float = 600.0) -> dict[str, float]:
    """One whole process of ``foncier gui``: its timeline (seconds since it was started) and
    ``exit`` (when the process ended)."""
    cmd = [sys.executable, "-m", "foncier.cli", "gui", str(inventory)]
    if no_cache:
        cmd.insert(4, "--no-cache")
    env = dict(env, **{ENV_MODE: "result"})
    if xvfb:
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24"] + cmd
        env["QT_QPA_PLATFORM"] = "xcb"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.time()
    env[ENV_T0] = repr(t0)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    ended = time.time() - t0
    marks = {"t0": 0.0}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == PREFIX:
            marks[parts[1]] = float(parts[2])
    if "first_map_paint" not in marks:
        raise RuntimeError(f"the app printed no timeline (exit {proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    marks["exit"] = ended
    return marks


def run_floor(cmd: list[str], env: dict) -> float:
    """Seconds a whole process takes (start to exit)."""
    t = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    return time.perf_counter() - t


def median_marks(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median of each mark over runs (marks every run has)."""
    keys = set.intersection(*(set(r) for r in runs))
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def print_phases(title: str, marks: dict[str, float]) -> None:
    print(f"  {title}")
    for label, start, end in PHASES:
        if start in marks and end in marks:
            print(f"    {label:<52} {marks[end] - marks[start]:6.2f} s  "
                  f"(à {marks[end]:.2f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--inventory", type=Path, help="GeoPackage (default: the synthetic one)")
    parser.add_argument("--repeats", type=int, default=3, help="warm runs (median)")
    parser.add_argument("--no-xvfb", action="store_true", help="offscreen only")
    args = parser.parse_args(argv)

    compile_bytecode()      # as installed: see benchmarks/installed.py
    inventory = args.inventory or inventory_path(args.plots)
    xvfb = not args.no_xvfb and shutil.which("xvfb-run") is not None
    print(f"Inventaire : {inventory} ({inventory.stat().st_size / 1e6:.0f} Mo) ; "
          f"charge (uptime) au départ : {load()}")
    with tempfile.TemporaryDirectory(prefix="foncier-bench-app-") as tmp:
        env = dict(os.environ, FONCIER_CACHE_DIR=str(Path(tmp) / "cache"),
                   XDG_CONFIG_HOME=str(Path(tmp) / "config"))   # not the user's settings
        env.pop("FONCIER_NO_CACHE", None)
        results: dict[str, dict[str, float]] = {}
        cold = run_app(inventory, env)
        results["offscreen, cache froid (1 exécution, le remplit)"] = cold
        warm = [run_app(inventory, env) for _ in range(args.repeats)]
        results[f"offscreen, cache chaud (médiane de {args.repeats})"] = median_marks(warm)
        if xvfb:
            warm_x = [run_app(inventory, env, xvfb=True) for _ in range(args.repeats)]
            results[f"xvfb-run (xcb), cache chaud (médiane de {args.repeats})"] = \
                median_marks(warm_x)
        no_cache = [run_app(inventory, env, no_cache=True) for _ in range(args.repeats)]
        results[f"offscreen, --no-cache (médiane de {args.repeats})"] = median_marks(no_cache)
        floors = {}
        if shutil.which("ogrinfo"):
            floors["ogrinfo -so -al (GDAL lit le GeoPackage et résume ses couches)"] = \
                statistics.median(run_floor(["ogrinfo", "-so", "-al", "-q", str(inventory)],
                                            env) for _ in range(args.repeats))
        floors["PySide6 seul : une QGraphicsView vide jusqu'à sa première image"] = \
            statistics.median(run_floor([sys.executable, "-c", QT_FLOOR],
                                        dict(env, QT_QPA_PLATFORM="offscreen"))
                              for _ in range(args.repeats))

    print(f"Charge (uptime) à la fin : {load()} ; machine : {os.cpu_count()} cœurs")
    print()
    print(f"{'exécution':<58} {'carte peinte':>12} {'statuts peints':>15} {'fin':>7}")
    for name, marks in results.items():
        print(f"{name:<58} {marks['first_map_paint']:>10.2f} s "
              f"{marks.get('first_result_paint', float('nan')):>13.2f} s "
              f"{marks['exit']:>5.2f} s")
    for name, seconds in floors.items():
        print(f"{name:<58} {seconds:>10.2f} s (processus entier)")
    warm_name = next(k for k in results if "chaud" in k)
    got = results[warm_name]["first_map_paint"]
    print()
    print(f"Première carte peinte, cache chaud : {got:.2f} s (cible <= {TARGET_S} s : "
          f"{'ATTEINTE' if got <= TARGET_S else 'MANQUÉE'})")
    print()
    print("Phases (secondes depuis le lancement du processus) :")
    for name, marks in results.items():
        print_phases(name, marks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
