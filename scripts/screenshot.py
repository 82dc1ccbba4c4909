"""Regenerate the screenshots of docs/ from the REAL app under Xvfb, driven with xdotool and
captured with ImageMagick's ``import``: docs/map_opening.png and docs/screenshot.png (opening view
at 1600 × 1000), docs/map_legend.png (the legend, cut from it), docs/map_zone.png (wheel-zoomed on
a zone and dragged), docs/map_1366x768.png, docs/map_100000.png (100,000 synthetic plots).

Run: ``python scripts/screenshot.py [--zone X,Y] [--legend X,Y,W,H]`` (needs Xvfb, xdotool and
ImageMagick; the zone point and legend box are screen pixels of the current layout).
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zone", default="668,453")
    parser.add_argument("--legend", default="812,48,330,200")
    args = parser.parse_args(argv)
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
