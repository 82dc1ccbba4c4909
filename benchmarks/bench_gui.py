"""Benchmark of the desktop app on a large synthetic inventory (offscreen).

Prints the time to the first painted map (the inventory opened off the GUI thread), the longest
time the GUI thread went without processing events meanwhile, from a filter change to the updated
map and table, and of zoom and pan repaints, plus peak memory. Targets: first map <= 3 s, filter
change <= 0.5 s, repaint <= 50 ms.

Run::

    python benchmarks/bench_gui.py [--plots 100000]

The inventory comes from ``benchmarks/synthetic.py`` (100,000 plots, 20,000 constraints, 2,000
infrastructure points by default, as for the core benchmark).

This measures inside one process whose inventory was built in memory; the opening as a user runs
it (a new ``foncier gui X.gpkg`` process, cache warm and cold) is ``bench_app_open.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

CRS = "EPSG:2154"


def build_inventory(n_plots: int):
    """The shared synthetic inventory of ``benchmarks/synthetic.py`` (constraints, points scale)."""
    import foncier

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic import make_synthetic_layers

    layers = make_synthetic_layers(n_plots=n_plots, n_constraints=max(n_plots // 5, 1),
                                   n_infra=max(n_plots // 50, 10))
    return foncier.inventory_from_layers(layers), "benchmarks/synthetic.py"


def _timed_paint(app, view, *, cached: bool = True) -> float:
    """Seconds to repaint the map's viewport now (synchronously); ``cached=False`` drops the
    map's images first (static layer groups, plots' raster), as after a zoom step."""
    if not cached:
        scene = view.scene()
        scene.background.invalidate()
        scene.overlay.invalidate()
        scene.plot_layer._raster_key = None
    t = time.perf_counter()
    view.viewport().repaint()
    app.processEvents()
    return time.perf_counter() - t


class StallProbe:
    """A 10 ms timer on the GUI thread: the longest gap between its ticks is the longest time
    the window could not process events (a freeze)."""

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def longest_gaps(self, start: float, end: float, n: int = 3) -> list[tuple[float, float]]:
        """The ``n`` longest gaps between ticks (and the bounds) within [start, end], as
        (seconds since start at the gap's end, gap in seconds)."""
        t = np.array([start] + [x for x in self.ticks if start < x < end] + [end])
        gaps = np.diff(t)
        top = np.argsort(-gaps)[:n]
        return [(float(t[i + 1] - start), float(gaps[i])) for i in sorted(top)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    args = parser.parse_args(argv)

    from foncier_gui.mainwindow import MainWindow
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    import foncier

    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    inv, origin = build_inventory(args.plots)
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetique.gpkg"
        t = time.perf_counter()
        foncier.write_inventory(inv, path)
        t_write = time.perf_counter() - t

        def wait_for(signal, timeout_ms=120_000):
            loop = QEventLoop()
            signal.connect(loop.quit)
            QTimer.singleShot(timeout_ms, loop.quit)
            loop.exec()
            signal.disconnect(loop.quit)

        brief = foncier.Brief(name="Banc d'essai", min_area_ha=1.0, max_price_eur_m2=40,
                              motorway_max_km=15, excluded_constraints=("wetland",),
                              forbidden_constraints=("flood:interdiction",))
        win = MainWindow(brief=brief)
        win.resize(1600, 1000)
        win.show()
        app.processEvents()
        # 1. Open the GeoPackage (off the GUI thread) and paint the map (statuses come later,
        #    from the worker); a timer on the GUI thread measures how long it went unresponsive.
        probe = StallProbe()
        probe.start()
        t = time.perf_counter()
        win.open_inventory(path)
        t_call = time.perf_counter() - t
        wait_for(win.inventoryShown)
        t_opened = time.perf_counter()
        win.map.viewport().repaint()
        app.processEvents()
        t_painted = time.perf_counter()
        t_first_map = t_painted - t
        wait_for(win.viewUpdated)
        t_result = time.perf_counter()
        t_first_result = t_result - t
        probe.timer.stop()
        stall_shown = probe.longest_gaps(t, t_painted)
        stall_result = probe.longest_gaps(t_painted, t_result)
        t_opened -= t

        # 2. A filter change to the updated map and table (debounce excluded, then included).
        win.runner._timer.setInterval(0)
        t = time.perf_counter()
        win.filters.fields["max_price_eur_m2"].editor.setValue(30.0)
        wait_for(win.viewUpdated)
        win.map.viewport().repaint()
        win.table.viewport().repaint()
        t_filter = time.perf_counter() - t
        t = time.perf_counter()
        win.filters.fields["excluded_constraints"].editor.set_checked("flood", True)
        wait_for(win.viewUpdated)
        win.map.viewport().repaint()
        win.table.viewport().repaint()
        t_filter_new_cut = time.perf_counter() - t

        # 3. Repaints: whole map (points), mid zoom, pan, zoomed out, close (plot polygons);
        #    5 repaints of the same view (the first one renders, the others reuse the images),
        #    and 5 with every image dropped first (the cost of a new scale).
        view = win.map
        scene = win.scene
        while scene.prepare_next_band():          # what idle time does after the first paint
            pass
        repaints = {}

        def measure(name):
            repaints[name] = ([_timed_paint(app, view) for _ in range(5)],
                              [_timed_paint(app, view, cached=False) for _ in range(5)])

        win.zoom_all()
        measure("vue d'ensemble (points)")
        win.map.fit_rect(win.scene.plot_rect(np.arange(0, args.plots, 97)[:40]), margin=0)
        view.zoom_by(4.0)
        measure("zoom (points, polygones des contraintes)")
        pans = []
        for _ in range(5):
            view.pan_by(40, 25)
            pans.append(_timed_paint(app, view))
        view.zoom_by(1 / 8.0)
        measure("zoom intermédiaire")
        win.map.fit_rect(win.scene.plot_rect([args.plots // 2]), margin=3.0)
        measure("zoom rapproché (polygones des terrains)")
        close_pans = []
        for _ in range(5):
            view.pan_by(-60, 30)
            close_pans.append(_timed_paint(app, view))
        close_mpp = view.metres_per_pixel()
        # Wheel zoom: real wheel events (one notch each, in then out) on the viewport at an
        # off-centre cursor, each followed by a repaint (every notch is a new scale).
        win.zoom_all()
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtGui import QWheelEvent
        cursor = view.viewport().rect().center() + QPoint(120, -60)
        wheel_paints = []
        for angle in [120] * 8 + [-120] * 8:
            event = QWheelEvent(QPointF(cursor), QPointF(view.viewport().mapToGlobal(cursor)),
                                QPoint(0, 0), QPoint(0, angle), Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                                False)
            t = time.perf_counter()
            app.sendEvent(view.viewport(), event)
            view.viewport().repaint()
            wheel_paints.append(time.perf_counter() - t)
        # 4. Sorting the table by a column (numpy in the model).
        t = time.perf_counter()
        win.model.sort(7)
        t_sort = time.perf_counter() - t
        win.doc.stack.setClean()        # the benchmark's brief edits are not to be saved
        win.close()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = 1000.0
    print(f"Inventaire synthétique : {args.plots} terrains ({origin}), "
          f"construit en {t_build:.2f} s, écrit en GeoPackage en {t_write:.2f} s")
    print(f"Première carte peinte (ouverture du GeoPackage comprise) : {t_first_map:.2f} s "
          "(cible <= 3 s)")
    print(f"Premier résultat affiché (géométrie précalculée + match) : {t_first_result:.2f} s")
    def gaps(found):
        return ", ".join(f"{g * ms:.0f} ms (à {at:.2f} s)" for at, g in found)

    print(f"Fil de l'interface (minuterie de 10 ms) : appel d'ouverture {t_call * ms:.0f} ms ; "
          f"inventaire montré à {t_opened:.2f} s ; plus longs blocages jusqu'à la première "
          f"carte : {gaps(stall_shown)} ; ensuite jusqu'au premier résultat : "
          f"{gaps(stall_result)}")
    print(f"Changement de filtre -> carte et tableau à jour : {t_filter:.3f} s (cible <= 0,5 s)")
    print(f"Changement de contraintes retirées (nouvelle union) : {t_filter_new_cut:.3f} s")
    for name, (cached, uncached) in repaints.items():
        print(f"Repeinte {name} : médiane {np.median(cached) * ms:.1f} ms, max "
              f"{max(cached) * ms:.1f} ms ; sans image en cache : médiane "
              f"{np.median(uncached) * ms:.1f} ms, max {max(uncached) * ms:.1f} ms "
              "(cible <= 50 ms)")
    print(f"Repeinte déplacement (zoom) : médiane {np.median(pans) * ms:.1f} ms, "
          f"max {max(pans) * ms:.1f} ms")
    print(f"Repeinte déplacement (zoom rapproché, {close_mpp:.1f} m/pixel) : médiane "
          f"{np.median(close_pans) * ms:.1f} ms, max {max(close_pans) * ms:.1f} ms")
    print(f"Cran de molette -> carte repeinte (16 crans, avant puis arrière) : médiane "
          f"{np.median(wheel_paints) * ms:.1f} ms, max {max(wheel_paints) * ms:.1f} ms "
          "(cible <= 50 ms)")
    print(f"Tri du tableau par prix : {t_sort * ms:.1f} ms")
    print(f"Mémoire maximale : {peak_mb:.0f} Mo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
