"""Starting the app: ``foncier gui`` and ``foncier-gui`` (gui.app, foncier.cli.app)."""

from __future__ import annotations

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
