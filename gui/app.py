"""Start the desktop app: ``foncier-gui [INVENTAIRE] [--project BRIEF.toml]``.

PySide6 is imported only when the window is built, so reading the command line needs no Qt.

Examples
--------
>>> args = build_parser().parse_args(["zones.gpkg", "--project", "logistique.toml"])
>>> args.inventory, args.project
('zones.gpkg', 'logistique.toml')
>>> build_parser().parse_args([]).inventory is None     # the bundled sample
True
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from concurrent.futures import Future

__all__ = ["main", "run", "build_window", "install_french", "build_parser", "prefetch"]

_TRANSLATORS: list = []


def install_french() -> None:
    """French numbers (decimal comma) and dates by default, and Qt's own French texts (dialog
    buttons, file dialogs, context menus) when Qt ships them. Call once a QApplication exists."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
    from PySide6.QtWidgets import QApplication

    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    app = QApplication.instance()
    if app is None or _TRANSLATORS:
        return
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load("qtbase_fr", path):
        app.installTranslator(translator)
        _TRANSLATORS.append(translator)


def build_window(inventory=None, project=None, *, delay_ms: int = 250, prefetched=None):
    """The main window on an inventory (the bundled sample by default) and an optional brief.

    The inventory opens off the GUI thread (the window shows at once, busy until it is read).
    A bad inventory or brief file shows the library's message in a dialog; the window then opens
    on the sample inventory (or the default brief) and stays usable. ``prefetched``: the future
    of that inventory's opening, already started (:func:`prefetch`).
    """
    from .mainwindow import MainWindow
    from .timeline import mark

    mark("gui_imported")
    install_french()
    win = MainWindow(delay_ms=delay_ms)
    win.open_inventory(inventory, or_sample=True, prefetched=prefetched)
    if project:
        win.open_brief(project)
    return win


def run(inventory=None, project=None) -> int:
    """Open the window and run the event loop; returns the exit code."""
    from .timeline import bench_mode, mark

    mark("run")
    prefetched = prefetch(inventory)        # read while Qt and the window's modules load
    from PySide6.QtWidgets import QApplication

    mark("pyside6_imported")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Foncier")
    app.setOrganizationName("foncier")
    win = build_window(inventory, project, prefetched=prefetched)
    win.show()
    mark("window_shown")
    if bench_mode() is not None:
        _quit_at_first_paint(app, win, bench_mode())
    return app.exec()


def prefetch(source) -> Future:
    """Start opening an inventory (and computing the map's data) in a thread of its own, at
    once: the app's start reads it while PySide6, the window's modules and the window load.

    Returns the future of its :class:`~gui.model.PlotIndex` (or of the library's error), for
    :meth:`gui.mainwindow.MainWindow.open_inventory`.

    The modules the opening needs are imported here, on the calling thread, before the thread
    starts: two threads importing the same package at once can deadlock (Python then raises
    ``_DeadlockError`` or « partially initialized module » in one of them, and the app did not
    start), and the calling thread goes on importing the window's modules.
    """
    import foncier.io.fingerprint  # noqa: F401 - read by the opening, imported by the window
    from foncier.io.threads import started

    from .model import plot_index_from_source

    return started(plot_index_from_source, source, name="foncier-prefetch")


def _quit_at_first_paint(app, win, mode: str) -> None:
    """The benchmark hook (:mod:`gui.timeline`): print the start-up timeline at the map's first
    frame with the plots (``map``) or with the first match's statuses (``result``), then quit."""
    from .timeline import TIMELINE

    def painted() -> None:
        if win.scene is None or not win.scene.index.n:
            return
        TIMELINE.mark("first_map_paint")
        if mode == "result" and win.current is None:
            return
        TIMELINE.mark("first_result_paint")
        win.map.framePainted.disconnect(painted)
        print("\n".join(TIMELINE.lines()), flush=True)
        win.doc.stack.setClean()
        win.close()
        app.quit()

    win.map.framePainted.connect(painted)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``foncier-gui`` (no Qt needed to read it)."""
    from foncier.french_argparse import FrenchParser

    parser = FrenchParser(prog="foncier-gui",
                                     description="Application de bureau foncier : carte, "
                                                 "critères de l'investisseur et résultats.")
    parser.add_argument("inventory", nargs="?", metavar="INVENTAIRE",
                        help="GeoPackage ou URL postgresql:// (par défaut : l'exemple normand)")
    parser.add_argument("--project", metavar="BRIEF.toml",
                        help="cahier des charges à ouvrir")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``foncier-gui``."""
    args = build_parser().parse_args(argv)
    return run(args.inventory, args.project)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
