"""Write docs/screenshot.png: the main window on the bundled sample, with the logistics brief and
its best plot selected, framed with its activity zone; and the key map states beside it:
docs/map_opening.png (opening view with the legend on the map), docs/map_1366x768.png,
docs/map_zone.png (zoomed on a zone).

Run: ``python scripts/screenshot.py [OUT.png]`` (offscreen: no display needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    from foncier_gui.app import build_window
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    import foncier

    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"
    app = QApplication.instance() or QApplication([])
    brief = next(p for p in foncier.sample_brief_paths() if p.stem == "logistique")
    win = build_window(None, None)
    win.resize(1600, 960)
    win.show()
    loop = QEventLoop()
    win.viewUpdated.connect(loop.quit)
    win.open_brief(brief)
    QTimer.singleShot(20_000, loop.quit)
    loop.exec()
    # Show the best plot, framed with its whole activity zone (and any assembly found there).
    view = win.current
    chosen = int(view.result.order[0])
    plots = view.result.inventory.plots
    zone = plots["site_id"].iloc[chosen]
    in_zone = [int(i) for i in (plots.index[plots["site_id"] == zone] if zone else [chosen])]
    docs = out.parent
    docs.mkdir(parents=True, exist_ok=True)
    # Key map states: the opening view (zones framed, land background, legend on the map),
    # then at 1366 × 768.
    win.zoom_all()
    app.processEvents()
    win.grab().save(str(docs / "map_opening.png"))
    win.resize(1366, 768)
    app.processEvents()
    win.zoom_all()
    app.processEvents()
    win.grab().save(str(docs / "map_1366x768.png"))
    win.resize(1600, 960)
    win.select_plot(chosen)
    win.map.fit_rect(win.scene.plot_rect(in_zone), margin=1.3)
    app.processEvents()
    win.grab().save(str(docs / "map_zone.png"))
    if not win.grab().save(str(out)):
        print(f"impossible d'écrire {out}", file=sys.stderr)
        return 1
    print(f"capture écrite : {out}")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
