"""The optional online basemap against a real HTTP tile server on 127.0.0.1: only the view's
tiles are asked for, with a User-Agent; a second view comes from the disk cache; the credit line
shows; with the server stopped the map stays usable and says so once."""

from __future__ import annotations

import dataclasses
import http.server
import threading

import pytest
from foncier_gui.basemap import PLAN_IGN, USER_AGENT, BasemapLayer, wms_tiles
from foncier_gui.mapview import MapScene, MapView
from foncier_gui.model import plot_index_from_source
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QColor, QImage

TIMEOUT = 10_000


def png(color: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


class TileServer:
    """http.server in a thread, serving one generated PNG per request, logging what it got."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        body = png("#ff00ff")
        log = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):                       # noqa: N802 - http.server's name
                log.append((self.path, self.headers.get("User-Agent", "")))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.stop()


@pytest.fixture
def view(qtbot):
    scene = MapScene(plot_index_from_source(None))
    widget = MapView()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.setScene(scene)
    widget.show()
    return widget


def local_source(port: int):
    url = (f"http://127.0.0.1:{port}/wms?SERVICE=WMS&REQUEST=GetMap&CRS=EPSG:2154"
           "&BBOX={xmin},{ymin},{xmax},{ymax}&WIDTH={width}&HEIGHT={height}")
    return dataclasses.replace(PLAN_IGN, url=url)


def show(view, layer: BasemapLayer, qtbot, rect: QRectF) -> None:
    view.fit_rect(rect, margin=0)
    with qtbot.waitSignal(layer.fetcher.idle, timeout=TIMEOUT):
        view.viewport().repaint()


def test_tiles_come_from_the_server_then_from_disk_with_the_credit_shown(view, server,
                                                                           qtbot, tmp_path):
    assert view.scene().basemap is None and view.attribution() == ""      # off by default
    layer = view.scene().set_basemap(local_source(server.port), tmp_path)
    home = view.scene().home_rect()
    zone = QRectF(home.center().x() - 2000, home.center().y() - 1500, 4000, 3000)
    show(view, layer, qtbot, zone)
    asked = len(server.requests)
    assert 0 < asked <= (600 // 128 + 2) * (400 // 128 + 2)  # only the view's tiles
    assert {ua for _, ua in server.requests} == {USER_AGENT}, server.requests[:1]
    assert all("CRS=EPSG:2154" in path and "BBOX=" in path for path, _ in server.requests)
    view.viewport().repaint()
    assert layer.drawn == asked
    image = view.viewport().grab().toImage()
    assert image.pixelColor(5, 5).name() == "#ff00ff"         # the tiles are drawn
    assert view.attribution().startswith("© IGN")
    corner = image.pixelColor(view.viewport().width() - 8, view.viewport().height() - 12)
    assert corner.lightness() > 200                          # the credit's white box
    assert len(list(tmp_path.rglob("*.png"))) == asked
    # A fresh layer (a new session) shows the same view from the disk cache, asking nothing.
    layer = view.scene().set_basemap(local_source(server.port), tmp_path)
    view.viewport().repaint()
    assert layer.drawn == asked and len(server.requests) == asked
    view.scene().set_basemap(None)
    assert view.attribution() == ""


def test_offline_the_map_stays_usable_without_basemap_and_says_so_once(view, server, qtbot,
                                                                         tmp_path):
    source = local_source(server.port)
    server.stop()
    layer = view.scene().set_basemap(source, tmp_path)
    messages = []
    layer.fetcher.failed.connect(messages.append)
    view.basemap_cache_dir = tmp_path
    home = view.scene().home_rect()
    with qtbot.waitSignal(layer.fetcher.failed, timeout=TIMEOUT):
        view.fit_rect(QRectF(home.center().x() - 2000, home.center().y() - 1500, 4000, 3000),
                      margin=0)
        view.viewport().repaint()
    view.viewport().repaint()
    view.zoom_by(2.0)
    view.viewport().repaint()
    assert layer.drawn == 0
    assert len(messages) == 1 and "hors ligne" in messages[0]
    assert "La carte reste utilisable" in messages[0]
    image = view.viewport().grab().toImage()
    assert image.pixelColor(5, 5).name() != "#ff00ff"


def test_the_view_asks_for_few_tiles_and_none_when_too_far_out():
    assert 0 < len(wms_tiles(0, 0, 2000, 1500, metres_per_pixel=4.0)) <= 4
    assert wms_tiles(0, 0, 2_000_000, 1_500_000, metres_per_pixel=0.5) == []
