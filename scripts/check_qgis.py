"""Open every GeoPackage foncier writes in QGIS (Debian 12's 3.22) and draw the styled ones.

Run by the *system* Python, which has QGIS (``apt-get install qgis python3-qgis``); the files are
written first by ``scripts/check_outputs.py --write-only`` with the repository's Python (the
``.venv`` beside this folder, or ``--python``). For every GeoPackage, a headless
``QgsApplication`` (``QT_QPA_PLATFORM=offscreen``):

- collects every message of QGIS's log (Warning and Critical fail the run, Info is shown) and the
  OGR provider's errors;
- opens every layer as QGIS does (``chemin|layername=nom``, provider ``ogr``): it must be valid
  and hold as many features as ``ogrinfo`` counts;
- loads each layer's default style from the ``layer_styles`` table, as QGIS does on opening
  (``loadDefaultStyle``), and tells whether QGIS found it and which renderer it made (it must be
  the one the stored QML describes: ``RuleRenderer`` with assemblies drawn last, or
  ``categorizedSymbol``), and the outline width of its symbols (map units, clamped in mm);
- draws each styled file to PNG (``QgsMapSettings`` + ``QgsMapRendererSequentialJob``) at its
  full extent (region scale) and zoomed on one zone: a result layer (one per brief in a batch)
  alone, any other file with all its layers, points above lines above polygons, as QGIS adds a
  GeoPackage's layers.

The exit status is 1 when QGIS said anything at Warning level or above, or a check failed.

Usage::

    /usr/bin/python3 scripts/check_qgis.py [--out DOSSIER] [--python CHEMIN]

Not run by CI (QGIS is too heavy for it): run it by hand after touching a GeoPackage writer or
:mod:`foncier.io.qgis_style`, and look at the PNGs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from check_outputs import WRITTEN  # noqa: E402  (the same script writes the files)

#: The map images' size in pixels (an A4 landscape page's proportions).
MAP_SIZE = (1600, 1130)
#: The zone zoom: the chosen feature's box, grown by this share on every side.
ZOOM_MARGIN = 0.6
ASSEMBLY_EXPR = "coalesce(\"assembly\", '') <> ''"


def write_files(folder: Path, python: Path) -> list[Path]:
    """Write the sample's outputs with the repository's Python; the GeoPackages written."""
    done = subprocess.run([str(python), str(REPO / "scripts" / "check_outputs.py"),
                           "--write-only", "--out", str(folder)],
                          capture_output=True, text=True, timeout=900, cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"écriture des fichiers impossible :\n{done.stdout}{done.stderr}")
    files = [Path(ln[len(WRITTEN):]) for ln in done.stdout.splitlines() if ln.startswith(WRITTEN)]
    return [f for f in files if f.suffix == ".gpkg"]


def ogrinfo_counts(path: Path) -> dict[str, int]:
    """Feature count of every layer, as ``ogrinfo`` tells it."""
    said = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)],
                          capture_output=True, text=True, timeout=300).stdout
    counts, layer = {}, None
    for line in said.splitlines():
        if line.startswith("Layer name:"):
            layer = line.split(":", 1)[1].strip()
        elif line.startswith("Feature Count:") and layer is not None:
            counts[layer] = int(line.split(":", 1)[1])
    return counts


def stored_styles(path: Path) -> dict[str, dict]:
    """The default style of each layer in ``layer_styles``: its name and QML renderer."""
    con = sqlite3.connect(path)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
            return {}
        rows = con.execute("SELECT f_table_name, styleName, styleQML FROM layer_styles "
                           "WHERE useAsDefault").fetchall()
    finally:
        con.close()
    out = {}
    for table, name, qml in rows:
        body = re.sub(r"^<!DOCTYPE[^>]*>", "", qml.strip())
        renderer = ET.fromstring(body).find(".//renderer-v2")
        out[table] = {"name": name, "renderer": None if renderer is None else
                      renderer.get("type"), "order": None if renderer is None else
                      renderer.get("enableorderby")}
    return out


class Log:
    """Every message of QGIS's log, by level."""

    def __init__(self):
        from qgis.core import Qgis, QgsApplication

        self.levels = {Qgis.Info: "Info", Qgis.Warning: "Warning", Qgis.Critical: "Critical",
                       Qgis.Success: "Success"}
        self.messages: list[tuple[str, str, str]] = []
        QgsApplication.messageLog().messageReceived[str, str, Qgis.MessageLevel].connect(
            self._on_message)

    def _on_message(self, message, tag, level):
        self.messages.append((self.levels.get(level, str(level)), tag, message))

    def take(self) -> list[tuple[str, str, str]]:
        from qgis.core import QgsApplication

        QgsApplication.processEvents()
        out, self.messages = self.messages, []
        return out


def symbol_widths(layer) -> str:
    """The outline widths of a layer's symbols: ``1.5 MapUnit [0.2–0.6 mm]``, distinct ones."""
    from qgis.core import QgsRenderContext, QgsUnitTypes

    renderer = layer.renderer()
    seen = []
    for symbol in renderer.symbols(QgsRenderContext()):
        for sl in symbol.symbolLayers():
            if not hasattr(sl, "strokeWidth"):
                continue
            scale = sl.strokeWidthMapUnitScale()
            clamp = (f" [{scale.minSizeMM:g}–{scale.maxSizeMM:g} mm]"
                     if scale.minSizeMMEnabled or scale.maxSizeMMEnabled else "")
            text = (f"{sl.strokeWidth():g} {QgsUnitTypes.encodeUnit(sl.strokeWidthUnit())}"
                    f"{clamp}")
            if text not in seen:
                seen.append(text)
    return ", ".join(seen) or "aucun trait"


def check_layer(path: Path, name: str, count: int | None, stored: dict | None, log: Log):
    """Open one layer as QGIS does and load its default style; (layer, lines, ok)."""
    from qgis.core import QgsVectorLayer, QgsWkbTypes

    options = QgsVectorLayer.LayerOptions(False)   # loadDefaultStyle is called below, reported
    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr", options)
    lines, ok = [], True
    if not layer.isValid():
        return layer, [f"    {name} : INVALIDE ({layer.error().summary()})"], False
    n = layer.featureCount()
    ok &= count is None or n == count
    kind = ("table" if not layer.isSpatial() else
            QgsWkbTypes.displayString(layer.wkbType()))
    lines.append(f"    {name} : valide, {n} entité(s) (ogrinfo : {count}), {kind}, "
                 f"SCR {layer.crs().authid() or '-'}")
    if stored is not None:
        message, found = layer.loadDefaultStyle()
        renderer = layer.renderer().type() if layer.renderer() else None
        order = layer.renderer().orderByEnabled() if layer.renderer() else False
        lines.append(f"      style par défaut « {stored['name']} » : "
                     f"{'trouvé' if found else 'NON TROUVÉ'} ({message or 'sans message'}) ; "
                     f"rendu {renderer} (écrit : {stored['renderer']}), tri des entités "
                     f"{'activé' if order else 'non'} (écrit : {stored['order']})")
        if order:
            lines.append(f"      ordre de dessin : {layer.renderer().orderBy().dump()}")
        if layer.renderer() is not None:
            lines.append(f"      traits : {symbol_widths(layer)}")
        ok &= bool(found) and renderer == stored["renderer"]
    errors = layer.dataProvider().errors() if layer.dataProvider().hasErrors() else []
    for error in errors:
        lines.append(f"      erreur du fournisseur OGR : {error}")
    ok &= not errors
    for level, tag, message in log.take():
        lines.append(f"      journal QGIS [{level}] {tag} : {message}")
        ok &= level in ("Info", "Success")
    return layer, lines, ok


def zone_extent(layer):
    """The box to zoom on: an assembly, else a compatible plot, else the first feature."""
    from qgis.core import QgsFeatureRequest

    fields = layer.fields().names()
    tries = []
    if "assembly" in fields:
        tries.append(ASSEMBLY_EXPR)
    if "status" in fields:
        tries.append("\"status\" = 'match'")
    tries.append("TRUE")
    for expr in tries:
        feature = next(layer.getFeatures(QgsFeatureRequest().setFilterExpression(expr)
                                         .setLimit(1)), None)
        if feature is not None and feature.hasGeometry():
            box = feature.geometry().boundingBox()
            grow = max(box.width(), box.height()) * ZOOM_MARGIN + 50
            box.grow(grow)
            return box, expr
    return layer.extent(), "TRUE"


def render(layers: list, extent, out: Path, title: str) -> tuple[str, list[str]]:
    """Draw ``layers`` (top first) at ``extent`` to a PNG; its scale and the job's errors."""
    from qgis.core import (
        QgsExpressionContext,
        QgsExpressionContextUtils,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsProject,
    )
    from qgis.PyQt.QtCore import QSize, Qt
    from qgis.PyQt.QtGui import QColor, QFont, QPainter

    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[0].crs())
    settings.setOutputSize(QSize(*MAP_SIZE))
    settings.setOutputDpi(96)
    settings.setBackgroundColor(QColor("white"))
    settings.setExtent(extent)
    context = QgsExpressionContext()        # what QGIS's map canvas gives (@map_scale...)
    context.appendScopes([QgsExpressionContextUtils.globalScope(),
                          QgsExpressionContextUtils.projectScope(QgsProject.instance()),
                          QgsExpressionContextUtils.mapSettingsScope(settings)])
    settings.setExpressionContext(context)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    scale = f"1:{settings.scale():,.0f}".replace(",", " ")
    painter = QPainter(image)
    painter.setFont(QFont("DejaVu Sans", 11))
    painter.setPen(QColor("black"))
    painter.drawText(10, 10, MAP_SIZE[0] - 20, 40, int(Qt.AlignLeft | Qt.AlignTop),
                     f"{title} — {scale}")
    painter.end()
    image.save(str(out), "PNG")
    return scale, [f"{e.layerID} : {e.message}" for e in job.errors()]


def maps_of(layers: dict, styled: set[str]) -> list[tuple[str, list]]:
    """The maps to draw: each result layer (a ``status`` column) alone; otherwise all the
    spatial layers, points above lines above polygons (the order QGIS adds them in)."""
    spatial = [lyr for lyr in layers.values() if lyr.isValid() and lyr.isSpatial()]
    results = [lyr for lyr in spatial if lyr.name() in styled and "status" in
               lyr.fields().names()]
    if results:
        return [(lyr.name(), [lyr]) for lyr in results]
    order = {0: 2, 1: 1, 2: 0}          # QgsWkbTypes point 0, line 1, polygon 2: points on top
    ordered = sorted(spatial, key=lambda lyr: order.get(int(lyr.geometryType()), 3))
    return [("couches", ordered)] if ordered else []


def check_file(path: Path, out: Path, log: Log) -> tuple[list[str], bool]:
    """All the checks of one GeoPackage; its report lines and whether QGIS was content."""
    counts = ogrinfo_counts(path)
    styles = stored_styles(path)
    lines = [f"{path.name} : {len(counts)} couche(s) selon ogrinfo, "
             f"{len(styles)} style(s) par défaut dans layer_styles"]
    ok = bool(counts)
    layers = {}
    for name in counts:
        layer, said, good = check_layer(path, name, counts[name], styles.get(name), log)
        layers[name] = layer
        lines += said
        ok &= good
    if styles:
        for title, group in maps_of(layers, set(styles)):
            full = group[0].extent()
            for lyr in group[1:]:
                full.combineExtentWith(lyr.extent())
            zone, why = zone_extent(group[0])
            for suffix, extent, what in (("region", full, "emprise entière"),
                                         ("zone", zone, f"zoom ({why})")):
                png = out / f"{path.stem}-{title}-{suffix}.png"
                scale, errors = render(group, extent, png,
                                       f"{path.name} : {title} ({what})")
                lines.append(f"    carte {png} : {scale}"
                             + (f", erreurs : {' | '.join(errors)}" if errors else ""))
                ok &= not errors
                for level, tag, message in log.take():
                    lines.append(f"      journal QGIS [{level}] {tag} : {message}")
                    ok &= level in ("Info", "Success")
    return lines, ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="dossier des fichiers et des cartes (défaut : un dossier temporaire)")
    parser.add_argument("--python", type=Path, default=REPO / ".venv" / "bin" / "python",
                        help="le Python où foncier est installé (défaut : .venv du dépôt)")
    args = parser.parse_args(argv)
    try:
        from qgis.core import Qgis, QgsApplication
    except ImportError:
        print("QGIS absent de ce Python : lancez /usr/bin/python3 après "
              "apt-get install qgis python3-qgis", file=sys.stderr)
        return 2
    if shutil.which("ogrinfo") is None:
        print("ogrinfo absent (apt-get install gdal-bin)", file=sys.stderr)
        return 2
    folder = args.out or Path(tempfile.mkdtemp(prefix="foncier-qgis-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = write_files(folder, args.python)
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    log = Log()
    print(f"QGIS {Qgis.QGIS_VERSION}")
    said = log.take()
    ok = True
    for level, tag, message in said:
        print(f"  journal QGIS au démarrage [{level}] {tag} : {message}")
        ok &= level in ("Info", "Success")
    for path in files:
        lines, good = check_file(path, folder, log)
        print("\n".join(lines))
        print(f"  => {'aucun avertissement' if good else 'PROBLÈME'}")
        ok &= good
    print(f"Fichiers et cartes dans {folder}")
    app.exitQgis()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
