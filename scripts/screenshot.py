"""Regenerate the screenshots of docs/ from the REAL app under Xvfb, driven with xdotool and
captured with ImageMagick's ``import``: docs/map_opening.png and docs/screenshot.png (opening view
at 1600 × 1000), docs/map_legend.png (the legend, cut from it), docs/map_zone.png (wheel-zoomed on
a zone and dragged), docs/map_1366x768.png, docs/map_100000.png (100,000 synthetic plots).

``--edit-forms`` makes only docs/legal-edit-plot.png and docs/legal-edit-zone.png: the real app
at 1366 × 768 under Xvfb on a copy of the sample inventory, a plot selected, its edit form
(« Inventaire > Modifier le terrain… ») with a negative declared area typed and refused (the
field framed in red, the library's message below), then its zone's form with a vocation
chosen; the screen is captured by Qt, reduced to 256 colours by ImageMagick.

Run: ``python scripts/screenshot.py [--zone X,Y] [--legend X,Y,W,H] [--edit-forms]`` (needs
Xvfb, xdotool and ImageMagick; the zone point and legend box are screen pixels of the current
layout).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _run(display: str, *args: str) -> None:
    subprocess.run(list(args), check=True, env={**os.environ, "DISPLAY": display})


def _app(display: str, size: tuple[int, int], inventory: Path | None, wait: float):
    """Start Xvfb and foncier-gui on a display; return both processes once the window is
    resized to the screen."""
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{size[0]}x{size[1]}x24"],
                            stderr=subprocess.DEVNULL)
    time.sleep(2)
    cmd = [shutil.which("foncier-gui") or "foncier-gui"] + ([str(inventory)] if inventory else [])
    gui = subprocess.Popen(cmd, env={**os.environ, "DISPLAY": display},
                           stderr=subprocess.DEVNULL)
    time.sleep(wait)
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Foncier"],
                         capture_output=True, text=True, env={**os.environ, "DISPLAY": display})
    window = out.stdout.split()[0]
    _run(display, "xdotool", "windowsize", window, str(size[0]), str(size[1]))
    _run(display, "xdotool", "windowmove", window, "0", "0")
    time.sleep(4)
    return xvfb, gui


def _shot(display: str, path: Path) -> None:
    _run(display, "import", "-window", "root", str(path))
    print(f"capture écrite : {path}")


EDIT_SIZE = (1366, 768)


def edit_forms(display: str = ":96") -> list[Path]:
    """docs/legal-edit-plot.png and docs/legal-edit-zone.png (see the module docstring)."""
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0",
                             f"{EDIT_SIZE[0]}x{EDIT_SIZE[1]}x24"], stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, __file__, "--edit-forms-child", tmp], check=True,
                           env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
            out = []
            for name in ("legal-edit-plot.png", "legal-edit-zone.png"):
                target = DOCS / name
                _run("", "convert", str(Path(tmp) / name), "-strip", "+dither", "-colors", "96",
                     "-define", "png:compression-level=9", f"PNG8:{target}")
                print(f"capture écrite : {target} ({target.stat().st_size // 1024} Ko)")
                out.append(target)
            return out
    finally:
        xvfb.terminate()


def _edit_forms_child(folder: str) -> int:
    """Inside Xvfb: open the app, the two forms, and grab the screen (see edit_forms)."""
    from foncier_gui.app import build_window
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialogButtonBox, QScrollArea

    from foncier.io.sample import sample_inventory_path

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Foncier")
    copy = Path(folder) / "exemple.gpkg"                 # never edit the bundled sample
    shutil.copyfile(sample_inventory_path(), copy)
    win = build_window(copy)
    win.resize(*EDIT_SIZE)
    win.move(0, 0)
    win.show()
    for _ in range(600):                                 # the inventory opens off the GUI thread
        if getattr(win, "index", None) is not None and len(win.index.plot_ids):
            break
        QTest.qWait(100)
    else:
        raise SystemExit("l'inventaire ne s'est pas ouvert en 60 s")
    plots = win.index.inventory.plots
    pos = int(next(i for i, pid in enumerate(win.index.plot_ids)
                   if not plots.loc[plots["plot_id"] == pid, "site_id"].isna().all()))
    win.select_plot(pos, centre=True)
    QTest.qWait(1500)
    edit = {a.text(): a for a in win.findChildren(QAction)}

    def grab(name: str) -> None:
        QTest.qWait(800)
        app.primaryScreen().grabWindow(0).save(str(Path(folder) / name))

    edit["Modifier le terrain…"].trigger()
    form = win.edit_form
    QTest.qWaitForWindowExposed(form)
    area = form.widgets["declared_area_ha"]
    area.setFocus()
    QTest.keyClick(area.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(area.lineEdit(), "-0,5")
    QTest.keyClick(area.lineEdit(), Qt.Key.Key_Tab)
    QTest.mouseClick(form.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    if not form.refused_fields:
        raise SystemExit("la surface négative n'a pas été refusée")
    for scroll in form.findChildren(QScrollArea):
        scroll.ensureWidgetVisible(area)
    grab("legal-edit-plot.png")
    form.close()
    edit["Modifier la zone…"].trigger()
    zone = win.edit_form
    QTest.qWaitForWindowExposed(zone)
    combo = zone.widgets["vocation"]
    combo.setFocus()
    combo.setCurrentIndex(combo.findData("entrepôts, logistique"))
    grab("legal-edit-zone.png")
    zone.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zone", default="668,453")
    parser.add_argument("--legend", default="812,48,330,200")
    parser.add_argument("--edit-forms", action="store_true",
                        help="seulement les captures des formulaires de modification")
    parser.add_argument("--edit-forms-child", metavar="DOSSIER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.edit_forms_child:
        return _edit_forms_child(args.edit_forms_child)
    if args.edit_forms:
        edit_forms()
        return 0
    zx, zy = args.zone.split(",")
    lx, ly, lw, lh = args.legend.split(",")
    DOCS.mkdir(exist_ok=True)
    d = ":97"
    xvfb, gui = _app(d, (1600, 1000), None, 20)
    try:
        _shot(d, DOCS / "map_opening.png")
        shutil.copy(DOCS / "map_opening.png", DOCS / "screenshot.png")
        _run("", "convert", str(DOCS / "map_opening.png"), "-crop", f"{lw}x{lh}+{lx}+{ly}",
             str(DOCS / "map_legend.png"))
        _run(d, "xdotool", "mousemove", zx, zy)
        for _ in range(15):                          # wheel notches around the cursor
            _run(d, "xdotool", "click", "4")
            time.sleep(0.3)
        _run(d, "xdotool", "mousemove", "600", "500", "mousedown", "1", "mousemove", "640",
             "450", "mousemove", "720", "300", "mouseup", "1")
        _run(d, "xdotool", "mousemove", "760", "330", "click", "5")
        time.sleep(2)
        _shot(d, DOCS / "map_zone.png")
    finally:
        gui.terminate()
        xvfb.terminate()
    xvfb, gui = _app(":98", (1366, 768), None, 20)
    try:
        _shot(":98", DOCS / "map_1366x768.png")
    finally:
        gui.terminate()
        xvfb.terminate()
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "synthetique.gpkg"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synthetic.py"), str(gpkg)],
                       check=True)
        xvfb, gui = _app(d, (1600, 1000), gpkg, 40)
        try:
            _shot(d, DOCS / "map_100000.png")
        finally:
            gui.terminate()
            xvfb.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
