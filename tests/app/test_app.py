"""Starting the app: ``foncier gui`` and ``foncier-gui`` (gui.app, foncier.cli.app)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from foncier_gui.app import build_window

import foncier
from foncier.cli import build_parser


def test_foncier_gui_is_registered_without_importing_qt():
    script = ("import sys; import foncier.cli as c; p = c.build_parser(); "
              "a = p.parse_args(['gui', 'x.gpkg', '--project', 'b.toml']); "
              "assert a.inventory == 'x.gpkg' and a.project == 'b.toml'; "
              "assert callable(a.handler); "
              "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_gui_subcommand_defaults_to_the_sample():
    args = build_parser().parse_args(["gui"])
    assert args.inventory is None and args.project is None


def test_a_bad_inventory_on_the_command_line_falls_back_to_the_sample(qtbot, tmp_path):
    bad = tmp_path / "vide.gpkg"
    bad.write_bytes(b"")
    win = build_window(bad, foncier.sample_brief_paths()[0], delay_ms=10)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    assert win.index is None and win.opener.busy         # opening off the GUI thread
    with qtbot.waitSignals([win.errorShown, win.inventoryShown], order="strict",
                           timeout=30_000):
        pass
    assert win.error_box is not None and "vide.gpkg" in win.error_box.text()
    assert len(win.index.plot_ids) == len(foncier.open_inventory().plots)
    assert win.index.inventory.source == str(foncier.sample_inventory_path())
    assert win.filters.brief() == foncier.read_brief(foncier.sample_brief_paths()[0])
    qtbot.waitUntil(lambda: win.current is not None, timeout=30_000)
    assert win.current.result.brief == win.filters.brief()
    win.close()


def test_the_opening_hook_prints_the_timeline_and_quits(tmp_path):
    """``FONCIER_BENCH_FIRST_PAINT=result``: the whole app from the command line prints its
    start-up moments in order, the map's first frame before the statuses', and exits."""
    import os

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FONCIER_BENCH_FIRST_PAINT="result",
               FONCIER_CACHE_DIR=str(tmp_path / "cache"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("FONCIER_BENCH_T0", None)
    done = subprocess.run([sys.executable, "-m", "foncier.cli", "gui"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    marks = {}
    for line in done.stdout.splitlines():
        prefix, name, seconds = line.split()
        assert prefix == "foncier-timeline"
        marks[name] = float(seconds)
    # The opening starts once its modules are imported, while Qt's are (see prefetch()).
    order = ["run", "open_start", "inventory_read", "index_built",
             "index_received", "scene_built", "index_shown", "first_map_paint",
             "first_result", "first_result_paint"]
    assert set(order) | {"pyside6_imported"} <= set(marks)
    assert [marks[m] for m in order] == sorted(marks[m] for m in order)
    assert marks["run"] <= marks["pyside6_imported"] <= marks["gui_imported"]
    assert marks["gui_imported"] <= marks["window_shown"] <= marks["index_received"]
    assert 0 < marks["run"] < marks["first_result_paint"] < 120


def test_an_inventory_read_ahead_is_handed_to_the_window(qtbot, tmp_path):
    from foncier_gui.app import prefetch

    future = prefetch(foncier.sample_inventory_path())
    win = build_window(foncier.sample_inventory_path(), delay_ms=10, prefetched=future)
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    with qtbot.waitSignal(win.inventoryShown, timeout=30_000) as shown:
        pass
    assert shown.args[0] is future.result()             # not opened a second time
    win.close()


def test_the_read_ahead_thread_starts_once_its_modules_are_imported(tmp_path):
    """The thread that opens the inventory at start-up imports nothing the window's thread
    imports meanwhile: two threads importing the same package at once can deadlock (seen once:
    the app stopped at start-up in numpy's import). Two fresh interpreters record the modules
    that the thread's work loads once it has started, and those the window's modules load."""
    probe = ("import json, sys\n"
             "import foncier\n"
             "import foncier.io.threads as threads\n"
             "seen = {}\n"
             "real = threads.started\n"
             "def started(function, *args, **kwargs):\n"
             "    seen['before'] = sorted(sys.modules)\n"
             "    return real(function, *args, **kwargs)\n"
             "threads.started = started\n"
             "from foncier_gui.app import prefetch\n"
             "prefetch(foncier.sample_inventory_path()).result()\n"
             "seen['after'] = sorted(sys.modules)\n"
             "print(json.dumps(seen))\n")
    window = ("import json, sys\n"
              "import foncier_gui.model\n"
              "before = set(sys.modules)\n"
              "import PySide6.QtWidgets, foncier_gui.mainwindow\n"
              "print(json.dumps(sorted(set(sys.modules) - before)))\n")
    env = {**os.environ, "FONCIER_CACHE_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=300, env=env) for code in (probe, window)]
    for done in runs:
        assert done.returncode == 0, done.stderr
    seen = json.loads(runs[0].stdout.splitlines()[-1])
    by_window = set(json.loads(runs[1].stdout.splitlines()[-1]))
    before = set(seen["before"])
    assert {"numpy", "pandas", "geopandas", "shapely", "pyarrow", "foncier_gui.model",
            "foncier.io.fingerprint"} <= before
    by_thread = set(seen["after"]) - before
    assert by_window and "foncier_gui.mainwindow" in by_window
    # Codecs are leaves (they import nothing a thread could be holding).
    assert {m for m in by_thread & by_window if not m.startswith("encodings.")} == set()


def test_an_error_read_ahead_is_reported_as_when_opened_by_the_window(qtbot, tmp_path):
    from foncier_gui.app import prefetch

    bad = tmp_path / "vide.gpkg"
    bad.write_bytes(b"")
    win = build_window(bad, delay_ms=10, prefetched=prefetch(bad))
    qtbot.addWidget(win, before_close_func=lambda w: w.doc.stack.setClean())
    with qtbot.waitSignals([win.errorShown, win.inventoryShown], order="strict",
                           timeout=30_000):
        pass
    assert win.error_box is not None and "vide.gpkg" in win.error_box.text()
    assert "Traceback" not in win.error_box.detailedText()
    assert win.index.inventory.source == str(foncier.sample_inventory_path())   # the sample
    win.close()
