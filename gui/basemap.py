"""Optional online basemap under the map: Plan IGN, IGN orthophotos, OpenStreetMap.

Off by default: the app never goes online unless the user picks a basemap in the
« Fond de carte » menu. Then only the tiles of the current view are asked for (at most
:data:`MAX_TILES_PER_VIEW`, :data:`MAX_PENDING` at once: no bulk download), with a real
User-Agent, and kept on disk under the user cache folder
(``foncier.io.cache.resolve_cache_dir() / "basemap"``): a view seen once shows again from disk,
also offline. Any network error leaves the map without a basemap and says so once in the
status bar (:attr:`TileFetcher.failed`); the app stays fully usable.

Sources
-------
- **Plan IGN** (``GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2``) and **orthophotos**
  (``ORTHOIMAGERY.ORTHOPHOTOS``) from the national Géoplateforme WMS-R service
  (``https://data.geopf.fr/wms-r/wms``), asked with ``CRS=EPSG:2154``: the images come in
  Lambert-93, on a grid of 256-pixel tiles whose resolutions are powers of two (in metres per
  pixel), and are drawn exactly.
- **OpenStreetMap** tiles (Web Mercator, ``{z}/{x}/{y}``) are not reprojected pixel by pixel: each
  tile is drawn through the projective transform of its four corners into Lambert-93, an
  approximation within a fraction of a pixel at the zooms used (tiles are small).

The URL of each source is a template (``{xmin} {ymin} {xmax} {ymax} {width} {height}`` for WMS,
``{z} {x} {y}`` for tiles), configurable with the environment variable
``FONCIER_BASEMAP_URL_<KEY>`` (e.g. ``FONCIER_BASEMAP_URL_OSM``) or :func:`dataclasses.replace`.

Examples
--------
>>> [s.key for s in basemap_sources()]
['plan_ign', 'ortho', 'osm']
>>> wms_tiles(0, 0, 1000, 1000, metres_per_pixel=4.0)      # 1 km square at 4 m/px
[(10, 0, 0)]
>>> tile_bbox_l93(10, 1, 2)
(1024.0, 2048.0, 2048.0, 3072.0)
>>> url_for(PLAN_IGN, (10, 1, 2)).split("&BBOX=")[1].split("&")[0]
'1024,2048,2048,3072'
>>> xyz_zoom(2.4, latitude=49.0)
16
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, QUrl, Signal
from PySide6.QtGui import QImage, QPainter, QPolygonF, QTransform
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

__all__ = ["BasemapSource", "PLAN_IGN", "ORTHO", "OSM", "basemap_sources", "wms_tiles",
           "tile_bbox_l93", "xyz_zoom", "xyz_tiles", "url_for", "TileFetcher", "BasemapLayer",
           "USER_AGENT", "MAX_TILES_PER_VIEW", "MAX_PENDING"]  # noqa: F822 (module __getattr__)

TILE_PX = 256
#: Most tiles asked for one view (beyond, the view is too far out: no basemap).
MAX_TILES_PER_VIEW = 64
#: Most requests in flight at once.
MAX_PENDING = 4
#: Finest and coarsest Lambert-93 levels: level z has 2 ** (12 - z) metres per pixel.
L93_LEVELS = range(0, 18)
#: Tiles kept in memory.
MEMORY_TILES = 512


@functools.cache
def _user_agent() -> str:
    """The User-Agent of tile requests, found on first use (reading the installed package's
    metadata takes about 0.1 s, too long for the app's start)."""
    try:
        from importlib.metadata import version
        v = version("foncier")
    except Exception:  # noqa: BLE001 - not installed: a source checkout
        v = "dev"
    return f"foncier/{v} (desktop land-prospecting app; basemap tiles on demand)"  # ASCII


def __getattr__(name: str):
    if name == "USER_AGENT":        # computed when first asked for
        return _user_agent()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_GEOPF = ("https://data.geopf.fr/wms-r/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap"
          "&LAYERS={layer}&STYLES=&CRS=EPSG:2154&BBOX={{xmin}},{{ymin}},{{xmax}},{{ymax}}"
          "&WIDTH={{width}}&HEIGHT={{height}}&FORMAT={fmt}")


@dataclass(frozen=True)
class BasemapSource:
    """An online basemap.

    Attributes
    ----------
    key : str
        Short name (cache folder, environment variable suffix).
    label : str
        Its name in the menu.
    url : str
        URL template (see the module docstring).
    attribution : str
        Shown on the map whenever the basemap is.
    grid : str
        ``"l93"`` (WMS in Lambert-93) or ``"xyz"`` (Web Mercator tiles).
    extension : str
        File extension of the cached tiles.
    """

    key: str
    label: str
    url: str
    attribution: str
    grid: str = "l93"
    extension: str = "png"


PLAN_IGN = BasemapSource(
    "plan_ign", "Plan IGN",
    _GEOPF.format(layer="GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2", fmt="image/png"),
    "© IGN – Géoplateforme, Plan IGN")
ORTHO = BasemapSource(
    "ortho", "Photographies aériennes (IGN)",
    _GEOPF.format(layer="ORTHOIMAGERY.ORTHOPHOTOS", fmt="image/jpeg"),
    "© IGN – Géoplateforme, orthophotographies", extension="jpg")
OSM = BasemapSource(
    "osm", "OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "© les contributeurs d'OpenStreetMap", grid="xyz")


def basemap_sources() -> list[BasemapSource]:
    """The basemaps offered, with the URL templates of ``FONCIER_BASEMAP_URL_<KEY>`` applied."""
    out = []
    for source in (PLAN_IGN, ORTHO, OSM):
        url = os.environ.get(f"FONCIER_BASEMAP_URL_{source.key.upper()}")
        out.append(dataclasses.replace(source, url=url) if url else source)
    return out


# -- Lambert-93 grid ----------------------------------------------------------------------------
def _level_for(metres_per_pixel: float) -> int:
    """The Lambert-93 level whose resolution is the largest at most ``metres_per_pixel``
    (images are shrunk at most twofold, never enlarged)."""
    z = 12 - math.floor(math.log2(max(metres_per_pixel, 1e-6)))
    return min(max(z, L93_LEVELS.start), L93_LEVELS.stop - 1)


def tile_bbox_l93(z: int, i: int, j: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in Lambert-93 metres of tile (i, j) of level z."""
    side = TILE_PX * 2.0 ** (12 - z)
    return i * side, j * side, (i + 1) * side, (j + 1) * side


def wms_tiles(xmin: float, ymin: float, xmax: float, ymax: float, *,
              metres_per_pixel: float) -> list[tuple[int, int, int]]:
    """The Lambert-93 tiles (z, i, j) covering an extent at a scale, centre first; empty when
    more than :data:`MAX_TILES_PER_VIEW` would be needed."""
    z = _level_for(metres_per_pixel)
    side = TILE_PX * 2.0 ** (12 - z)
    i0, i1 = math.floor(xmin / side), math.floor(xmax / side)
    j0, j1 = math.floor(ymin / side), math.floor(ymax / side)
    if (i1 - i0 + 1) * (j1 - j0 + 1) > MAX_TILES_PER_VIEW:
        return []
    ci, cj = (i0 + i1) / 2, (j0 + j1) / 2
    tiles = [(z, i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
    return sorted(tiles, key=lambda t: (t[1] - ci) ** 2 + (t[2] - cj) ** 2)


# -- Web Mercator tiles -------------------------------------------------------------------------
_EARTH = 156543.03392804097     # metres per pixel of Web Mercator zoom 0 at the equator


def xyz_zoom(metres_per_pixel: float, *, latitude: float) -> int:
    """The tile zoom whose ground resolution at a latitude is at most ``metres_per_pixel``."""
    ground = _EARTH * math.cos(math.radians(latitude))
    return min(max(math.ceil(math.log2(ground / max(metres_per_pixel, 1e-6))), 0), 19)


def _lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[float, float]:
    n = 2.0 ** z
    lat_r = math.radians(max(min(lat, 85.05), -85.05))
    return (lon + 180.0) / 360.0 * n, (1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n


def _tile_to_lonlat(x: float, y: float, z: int) -> tuple[float, float]:
    n = 2.0 ** z
    return x / n * 360.0 - 180.0, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def xyz_tiles(lon0: float, lat0: float, lon1: float, lat1: float, z: int
              ) -> list[tuple[int, int, int]]:
    """The Web Mercator tiles (z, x, y) covering a lon/lat box; empty when too many."""
    x0, y1 = _lonlat_to_tile(lon0, lat0, z)
    x1, y0 = _lonlat_to_tile(lon1, lat1, z)
    n = 2 ** z
    xs = range(max(math.floor(x0), 0), min(math.floor(x1), n - 1) + 1)
    ys = range(max(math.floor(y0), 0), min(math.floor(y1), n - 1) + 1)
    if len(xs) * len(ys) > MAX_TILES_PER_VIEW:
        return []
    return [(z, x, y) for x in xs for y in ys]


def url_for(source: BasemapSource, tile: tuple[int, int, int]) -> str:
    """The URL of one tile of a source."""
    z, a, b = tile
    if source.grid == "xyz":
        return source.url.format(z=z, x=a, y=b)
    xmin, ymin, xmax, ymax = tile_bbox_l93(z, a, b)
    return source.url.format(xmin=f"{xmin:.0f}", ymin=f"{ymin:.0f}", xmax=f"{xmax:.0f}",
                             ymax=f"{ymax:.0f}", width=TILE_PX, height=TILE_PX)


# -- fetching and caching -----------------------------------------------------------------------
class TileFetcher(QObject):
    """Tiles of one source: from memory, else from the disk cache, else from the network
    (asynchronously, a few at a time, only those last asked for).

    Signals
    -------
    tileReady(object)
        A tile (z, a, b) arrived (from the network) and is in memory.
    failed(str)
        A request failed (offline, server error): a French message, once until a tile
        arrives again.
    idle()
        No request in flight and none waiting.

    Attributes
    ----------
    requests : int
        Requests sent to the network so far.
    """

    tileReady = Signal(object)
    failed = Signal(str)
    idle = Signal()

    def __init__(self, source: BasemapSource, cache_dir: str | os.PathLike, parent=None):
        super().__init__(parent)
        self.source = source
        self.cache_dir = Path(cache_dir) / source.key
        self._manager = QNetworkAccessManager(self)
        self._memory: dict[tuple, QImage] = {}
        self._pending: dict[tuple, QNetworkReply] = {}
        self._waiting: list[tuple] = []
        self._failed_tiles: set[tuple] = set()
        self._reported = False
        self.requests = 0

    def path_for(self, tile: tuple[int, int, int]) -> Path:
        z, a, b = tile
        return self.cache_dir / str(z) / str(a) / f"{b}.{self.source.extension}"

    def tile(self, tile: tuple[int, int, int]) -> QImage | None:
        """The tile's image if in memory or on disk (else None)."""
        image = self._memory.get(tile)
        if image is None:
            path = self.path_for(tile)
            if path.is_file():
                image = QImage(str(path))
                if image.isNull():
                    return None
                self._remember(tile, image)
        return image

    def _remember(self, tile, image: QImage) -> None:
        if len(self._memory) >= MEMORY_TILES:
            self._memory.pop(next(iter(self._memory)))
        self._memory[tile] = image

    def want(self, tiles: list[tuple[int, int, int]]) -> None:
        """The tiles the view needs now: those not cached are requested (earlier wishes not
        sent yet are dropped)."""
        self._waiting = [t for t in tiles if t not in self._pending
                         and t not in self._failed_tiles and self.tile(t) is None]
        self._pump()

    def _pump(self) -> None:
        while self._waiting and len(self._pending) < MAX_PENDING:
            tile = self._waiting.pop(0)
            request = QNetworkRequest(QUrl(url_for(self.source, tile)))
            request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, _user_agent())
            request.setTransferTimeout(15_000)
            reply = self._manager.get(request)
            self._pending[tile] = reply
            self.requests += 1
            reply.finished.connect(lambda t=tile, r=reply: self._finished(t, r))
        if not self._pending and not self._waiting:
            self.idle.emit()

    def _finished(self, tile, reply: QNetworkReply) -> None:
        self._pending.pop(tile, None)
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        data = bytes(reply.readAll().data())
        error = reply.error()
        reply.deleteLater()
        image = QImage.fromData(data) if error == QNetworkReply.NetworkError.NoError else QImage()
        if image.isNull():
            self._failed_tiles.add(tile)
            self._waiting.clear()                   # offline: stop asking for this view
            if not self._reported:
                self._reported = True
                why = reply.errorString() if error != QNetworkReply.NetworkError.NoError \
                    else f"réponse HTTP {status} sans image"
                self.failed.emit(f"Fond de carte « {self.source.label} » indisponible "
                                 f"(hors ligne ?) : {why}. La carte reste utilisable.")
        else:
            self._reported = False
            self._store(tile, data)
            self._remember(tile, image)
            self.tileReady.emit(tile)
        self._pump()

    def _store(self, tile, data: bytes) -> None:
        """Write the tile to the disk cache, atomically; a cache that cannot be written is
        only a slower basemap."""
        path = self.path_for(tile)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            pass

    def retry(self) -> None:
        """Forget failures (the next view asks the network again)."""
        self._failed_tiles.clear()
        self._reported = False


class BasemapLayer(QGraphicsItem):
    """The basemap under every other layer of the map: the tiles of the exposed area, drawn
    as they arrive."""

    def __init__(self, source: BasemapSource, cache_dir: str | os.PathLike,
                 bounds: QRectF, fetcher_parent: QObject | None = None):
        super().__init__()
        self.source = source
        self.fetcher = TileFetcher(source, cache_dir, fetcher_parent)
        self.fetcher.tileReady.connect(lambda _tile: self.update())
        self._bounds = QRectF(bounds)
        self._to_wgs84 = None
        self._to_l93 = None
        self.drawn = 0                          # tiles drawn at the last repaint
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        rect = option.exposedRect
        mpp = 1.0 / math.sqrt(abs(painter.worldTransform().determinant()) or 1.0)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self.source.grid == "xyz":
            placed = self._xyz_placed(rect, mpp)
        else:
            placed = [(t, QRectF(QPointF(x0, -y1), QPointF(x1, -y0)))
                      for t in wms_tiles(rect.left(), -rect.bottom(), rect.right(), -rect.top(),
                                         metres_per_pixel=mpp)
                      for x0, y0, x1, y1 in [tile_bbox_l93(*t)]]
        self.fetcher.want([t for t, _ in placed])
        self.drawn = 0
        for tile, where in placed:
            image = self.fetcher.tile(tile)
            if image is None:
                continue
            self.drawn += 1
            if isinstance(where, QRectF):
                painter.drawImage(where, image)
            else:                                 # a Web Mercator tile, placed by its corners
                painter.save()
                painter.setTransform(where, True)
                painter.drawImage(QRectF(0, 0, 1, 1), image)
                painter.restore()

    def _transformers(self):
        if self._to_wgs84 is None:
            from pyproj import Transformer
            self._to_wgs84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
            self._to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
        return self._to_wgs84, self._to_l93

    def _xyz_placed(self, rect: QRectF, mpp: float) -> list[tuple[tuple, QTransform]]:
        to_wgs84, to_l93 = self._transformers()
        xs = [rect.left(), rect.right(), rect.left(), rect.right()]
        ys = [-rect.top(), -rect.top(), -rect.bottom(), -rect.bottom()]
        lons, lats = to_wgs84.transform(xs, ys)
        lat = (min(lats) + max(lats)) / 2
        z = xyz_zoom(mpp, latitude=lat)
        placed = []
        unit = QPolygonF([QPointF(0, 0), QPointF(1, 0), QPointF(1, 1), QPointF(0, 1)])
        for tile in xyz_tiles(min(lons), min(lats), max(lons), max(lats), z):
            _, tx, ty = tile
            corners = [_tile_to_lonlat(tx + dx, ty + dy, z)
                       for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1))]
            ex, ny = to_l93.transform([c[0] for c in corners], [c[1] for c in corners])
            quad = QPolygonF([QPointF(e, -n) for e, n in zip(ex, ny, strict=True)])
            t = QTransform()
            if QTransform.quadToQuad(unit, quad, t):
                placed.append((tile, t))
        return placed
