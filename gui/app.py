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

__all__ = ["main", "run", "build_window", "install_french", "build_parser"]

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


def build_window(inventory=None, project=None, *, delay_ms: int = 250):
    """The main window on an inventory (the bundled sample by default) and an optional brief.

    The inventory opens off the GUI thread (the window shows at once, busy until it is read).
    A bad inventory or brief file shows the library's message in a dialog; the window then opens
    on the sample inventory (or the default brief) and stays usable.
    """
    from .mainwindow import MainWindow

    install_french()
    win = MainWindow(delay_ms=delay_ms)
    win.open_inventory(inventory, or_sample=True)
    if project:
        win.open_brief(project)
    return win


def run(inventory=None, project=None) -> int:
    """Open the window and run the event loop; returns the exit code."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Foncier")
    app.setOrganizationName("foncier")
    win = build_window(inventory, project)
    win.show()
    return app.exec()


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``foncier-gui`` (no Qt needed to read it)."""
    parser = argparse.ArgumentParser(prog="foncier-gui",
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
