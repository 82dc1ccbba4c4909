"""On-disk cache of work reusable across processes: an inventory's plot geometry and layers.

The cache lives in one folder, never beside the user's files: ``FONCIER_CACHE_DIR`` when set,
else the platform's user cache folder (``$XDG_CACHE_HOME/foncier`` or ``~/.cache/foncier`` on
Linux, ``~/Library/Caches/foncier`` on macOS, ``%LOCALAPPDATA%\\foncier\\Cache`` on Windows).

Entries are keyed on a content fingerprint of the inventory (:mod:`foncier.io.fingerprint`),
so a changed inventory never meets an older one's entry. The file name of an entry also hashes
:data:`FORMAT_VERSION`, the source code of :mod:`foncier.core` and :mod:`foncier.io` and the
versions of numpy, pandas, shapely, GEOS, geopandas and GDAL: a new version of any of them
starts from an empty cache instead of reading what an older one computed.

An entry is one uncompressed ZIP file: a ``manifest.json`` (the key, the fields, their dtypes
and shapes) and one ``.npy`` member per array; shapely geometries are stored as WKB (one byte
array and an offset array), layers as Arrow IPC (Feather) members, which needs ``pyarrow``
(without it :func:`store_layers` and :func:`load_layers` do nothing). Nothing is ever unpickled.

- Entries are written to a temporary file in the cache folder, flushed to disk (``fsync``) and
  renamed over the final name (``os.replace``), so processes filling the cache at once each
  leave a whole entry, and a crash leaves no half entry under a final name.
- An unreadable entry (truncated, corrupt: every ZIP member has a CRC-32, and the arrays'
  dtypes and shapes are checked against the manifest) is removed, reported with a
  :class:`~foncier.errors.CacheWarning` and treated as absent: the caller computes again.
- The folder is kept under :data:`DEFAULT_MAX_BYTES` (2 GB) by removing the least recently used
  entries after each store (a load refreshes an entry's modification time).
- ``background=True`` hands a store to the cache's writer thread: the caller goes on, a load of
  that entry waits for it, :func:`wait_for_writes` (and the end of the process) waits for all.
- Members are streamed: arrays are written from their own memory and read straight into their
  array (by the system, ``os.preadv``, then checked against their CRC-32), geometries joined as
  WKB a chunk at a time, so an entry is never held twice in memory.

Examples
--------
>>> import tempfile, numpy as np, shapely
>>> folder = tempfile.mkdtemp()
>>> arrays = {"area_m2": np.array([1.0, 2.0]), "groups": [("flood", None)],
...           "pair_geometry": np.array([shapely.box(0, 0, 1, 1)], dtype=object),
...           "distance_m": {"port": np.array([5.0, 7.0])}, "housing_m": None}
>>> load_geometry("inv-1", cache_dir=folder) is None
True
>>> _ = store_geometry("inv-1", arrays, cache_dir=folder)
>>> back = load_geometry("inv-1", cache_dir=folder)
>>> back["groups"], back["distance_m"]["port"].tolist(), back["housing_m"]
([('flood', None)], [5.0, 7.0], None)
>>> load_geometry("inv-2", cache_dir=folder) is None     # another inventory: no entry
True
>>> cache_info(cache_dir=folder).entries
1
>>> clear_cache(cache_dir=folder) > 0
True
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import threading
import time
import warnings
import weakref
import zipfile
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from foncier.errors import CacheWarning
from foncier.io.reasons import os_reason

__all__ = [
    "FORMAT_VERSION",
    "DEFAULT_MAX_BYTES",
    "CacheInfo",
    "default_cache_dir",
    "resolve_cache_dir",
    "WkbArray",
    "StaleEntry",
    "geometry_arrays",
    "load_geometry",
    "store_geometry",
    "load_layers",
    "LazyLayer",
    "layer_frame",
    "store_layers",
    "clear_cache",
    "cache_info",
    "wait_for_writes",
]

#: Bumped whenever the layout of an entry changes; part of every entry's name.
FORMAT_VERSION = 2
#: Default size cap of the cache folder, in bytes (2 GB); least recently used entries go first.
DEFAULT_MAX_BYTES = 2 * 1000**3
ENV_CACHE_DIR = "FONCIER_CACHE_DIR"
_SUFFIX = ".zip"
_KINDS = ("geometry", "layers", "derived")
#: Temporary files of a writer that died are removed after this many seconds.
_STALE_TMP_SECONDS = 3600.0


@dataclasses.dataclass(frozen=True)
class CacheInfo:
    """Where the cache is and how big it is.

    Attributes
    ----------
    path : Path
        The cache folder.
    entries : int
        Number of stored entries.
    size_bytes : int
        Total size of the entries, in bytes.
    max_bytes : int
        The size cap (:data:`DEFAULT_MAX_BYTES` unless told otherwise).
    """

    path: Path
    entries: int
    size_bytes: int
    max_bytes: int = DEFAULT_MAX_BYTES


# ---------------------------------------------------------------------------------------------
# Where, and under which name
# ---------------------------------------------------------------------------------------------

def default_cache_dir() -> Path:
    """The platform's user cache folder for foncier (``FONCIER_CACHE_DIR`` is not consulted)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "foncier" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "foncier"
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        base = str(Path.home() / ".cache")
    return Path(base) / "foncier"


def resolve_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``FONCIER_CACHE_DIR``, else the default.

    Examples
    --------
    >>> str(resolve_cache_dir("/tmp/ailleurs"))
    '/tmp/ailleurs'
    """
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env)
    return default_cache_dir()


@functools.cache
def _code_version() -> str:
    """Hash of the code that computes what is cached, and of the libraries it relies on."""
    import pandas

    h = hashlib.blake2b(digest_size=16)
    here = Path(__file__).resolve().parent
    for folder in (here, here.parent / "core"):
        for src in sorted(folder.glob("*.py")):
            h.update(src.name.encode())
            h.update(src.read_bytes())
    versions = [np.__version__, pandas.__version__, shapely.__version__,
                shapely.geos_version_string, _installed("geopandas"), _installed("pyogrio")]
    h.update("|".join(versions).encode())
    return h.hexdigest()


def _installed(name: str) -> str:
    """What identifies an installed package, without importing it (a warm process never needs
    geopandas nor GDAL: importing them would cost it 0.1 s): its distribution's
    ``name-version.dist-info`` folder, with the names of its bundled libraries
    (``pyogrio.libs/libgdal-….so.38.3.12.4``: GDAL's version) and the names and sizes of its
    compiled modules. A package found without that folder is imported for its ``__version__``.
    A GDAL outside the package (a system or conda build) is told by pyogrio's compiled
    modules only: one updated in place under the same pyogrio build is not seen (then run
    ``foncier cache clear``).

    Examples
    --------
    >>> _installed("pyogrio").startswith("pyogrio-")
    True
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:  # pragma: no cover - both are dependencies
        return f"{name}: absent"
    package = Path(spec.origin).parent
    infos = sorted(package.parent.glob(f"{name}-*.dist-info"))
    if len(infos) != 1:
        module = importlib.import_module(name)
        return f"{name} {getattr(module, '__version__', '?')} {package}"
    libs = package.parent / f"{name}.libs"
    parts = [infos[0].name]
    parts += sorted(f.name for f in libs.iterdir()) if libs.is_dir() else []
    parts += sorted(f"{f.name}:{f.stat().st_size}" for f in package.iterdir()
                    if f.suffix in (".so", ".pyd"))
    return " ".join(parts)


def _entry_path(folder: Path, kind: str, key: str) -> Path:
    digest = hashlib.blake2b(f"{kind}\0{key}\0{_code_version()}".encode(),
                             digest_size=16).hexdigest()
    return folder / f"{kind}-v{FORMAT_VERSION}-{digest}{_SUFFIX}"


def _is_entry(path: Path) -> bool:
    return (path.suffix == _SUFFIX and not path.name.startswith(".")
            and path.name.split("-", 1)[0] in _KINDS)


# ---------------------------------------------------------------------------------------------
# Encoding of arrays, geometries, dicts and lists
# ---------------------------------------------------------------------------------------------

def _npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                              "shape": shape})
    return buf.getvalue()


def _npy_parts(array: np.ndarray) -> list:
    """An array as the parts of an ``.npy`` member (header, then the array's own memory, not a
    copy: the entry writer streams them into the ZIP)."""
    array = array if array.flags.c_contiguous else array.copy(order="C")   # 0-d stays 0-d
    header = _npy_header(np.lib.format.dtype_to_descr(array.dtype), array.shape)
    return [header, memoryview(array.reshape(-1).view(np.uint8))]


#: Geometries encoded as WKB at a time when an entry is written (the pieces of 1,000,000 plots
#: are 4 million: their WKB is joined a chunk at a time, never held twice).
_WKB_CHUNK = 262_144


def _wkb_chunks(flat: np.ndarray) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """Geometries (1-d, None where missing) as WKB: the bytes of :data:`_WKB_CHUNK` of them
    joined at a time, each one's length (0 where missing) and which are missing."""
    lengths = np.zeros(len(flat), dtype=np.int64)
    missing = np.zeros(len(flat), dtype=bool)
    chunks = []
    for start in range(0, len(flat), _WKB_CHUNK):
        part = slice(start, start + _WKB_CHUNK)
        absent = shapely.is_missing(flat[part])
        missing[part] = absent
        wkb = shapely.to_wkb(flat[part][~absent], flavor="iso")
        lengths[part][~absent] = np.fromiter(map(len, wkb), dtype=np.int64, count=len(wkb))
        chunks.append(b"".join(wkb))
    return chunks, lengths, missing


def _is_geometry_array(value: np.ndarray) -> bool:
    flat = value.ravel()
    return value.dtype == object and bool(
        (shapely.is_geometry(flat) | np.equal(flat, None)).all())


def _encode(name: str, value: Any, members: dict[str, Any]) -> dict:
    """Describe ``value`` in the manifest and add its members (``name``-prefixed)."""
    if value is None:
        return {"type": "none"}
    if isinstance(value, Mapping):
        return {"type": "dict", "items": {str(k): _encode(f"{name}/{k}", v, members)
                                          for k, v in value.items()}}
    if isinstance(value, list | tuple) and not isinstance(value, np.ndarray):
        items = [list(v) if isinstance(v, tuple) else v for v in value]
        tuples = all(isinstance(v, tuple) for v in value)
        json.dumps(items)  # TypeError for what JSON cannot hold
        return {"type": "list", "tuples": tuples, "value": items}
    if isinstance(value, WkbArray):       # pieces kept as WKB: written as they are
        members[f"{name}.wkb.npy"] = _npy_parts(value.blob())
        members[f"{name}.offsets.npy"] = _npy_parts(value._offsets)
        members[f"{name}.missing.npy"] = _npy_parts(value._missing)
        return {"type": "geometry", "shape": list(value._shape)}
    value = np.asarray(value)
    if value.dtype == object:
        if not _is_geometry_array(value):
            raise TypeError(f"{name}: only arrays of shapely geometries may have dtype object")
        chunks, lengths, missing = _wkb_chunks(value.ravel())
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        members[f"{name}.wkb.npy"] = [_npy_header("|u1", (int(offsets[-1]),)), *chunks]
        members[f"{name}.offsets.npy"] = _npy_parts(offsets)
        members[f"{name}.missing.npy"] = _npy_parts(missing)
        return {"type": "geometry", "shape": list(value.shape)}
    members[f"{name}.npy"] = _npy_parts(value)
    return {"type": "array", "dtype": value.dtype.str, "shape": list(value.shape)}


def _read_npy(zf: zipfile.ZipFile, member: str) -> np.ndarray:
    """An ``.npy`` member read straight into its array (not the member's bytes, then a copy of
    them). Reading checks the member's CRC-32: a corrupt byte raises BadZipFile; a short or
    long member raises ValueError.

    A stored member of an entry on disk (every member :func:`_write_entry` writes) is read by
    the system straight into the array, then checked (:func:`_stored_at`); any other, a chunk
    at a time through :mod:`zipfile`.
    """
    where = _stored_at(zf, member)
    if where is not None:
        return _read_stored_npy(member, *where)
    with zf.open(member) as f:
        shape, fortran, dtype = _npy_layout(f, member)
        array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        flat = memoryview(array.reshape(-1, order="A").view(np.uint8))
        pos = 0
        while pos < len(flat):
            chunk = f.read(min(_READ_CHUNK, len(flat) - pos))
            if not chunk:
                raise ValueError(f"{member}: {pos} bytes of data instead of {len(flat)}")
            flat[pos:pos + len(chunk)] = chunk
            pos += len(chunk)
        if f.read(1):
            raise ValueError(f"{member}: data after the array")
    return array


def _npy_layout(f, member: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """The shape, order and dtype of an ``.npy`` stream positioned at its start (left at its
    data); object arrays are refused."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"{member}: .npy version {version}")
    if dtype.hasobject:
        raise ValueError(f"{member}: object arrays are never read")
    return shape, fortran, dtype


def _stored_at(zf: zipfile.ZipFile, member: str) -> tuple[int, int, zipfile.ZipInfo] | None:
    """Where the bytes of ``member`` lie in the entry's file, when they can be read from it
    directly: ``(file descriptor, offset of the data, member info)``; None for a compressed
    or encrypted member, an entry not in a file, or a system without ``os.preadv``.

    The member's local header is checked as :mod:`zipfile` checks it (signature, name).
    """
    info = zf.getinfo(member)                               # KeyError when absent
    if (info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1
            or not hasattr(os, "preadv")):
        return None
    try:
        fd = zf.fp.fileno()
    except (AttributeError, OSError, ValueError):           # in memory: io.UnsupportedOperation
        return None
    header = os.pread(fd, _LOCAL_HEADER, info.header_offset)
    if len(header) != _LOCAL_HEADER or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{member}: bad local file header")
    name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(
        header[28:30], "little")
    name = os.pread(fd, name_length, info.header_offset + _LOCAL_HEADER)
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if name != info.orig_filename.encode(encoding):
        raise zipfile.BadZipFile(f"{member}: file name in directory and header differ")
    return fd, info.header_offset + _LOCAL_HEADER + name_length + extra_length, info


def _read_checked(fd: int, target: memoryview, offset: int, info: zipfile.ZipInfo, *,
                  head: bytes = b"") -> None:
    """Fill ``target`` with the member's bytes after its first ``head`` ones (already read),
    found at ``offset``, then check the whole member against its CRC-32; a file too short
    raises ValueError."""
    pos = 0
    while pos < len(target):
        got = os.preadv(fd, [target[pos:pos + _READ_CHUNK]], offset + pos)
        if got <= 0:
            raise ValueError(f"{info.filename}: {pos} bytes of data instead of {len(target)}")
        pos += got
    if zlib.crc32(target, zlib.crc32(head)) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def _read_stored_npy(member: str, fd: int, start: int, info: zipfile.ZipInfo) -> np.ndarray:
    """:func:`_read_npy` of a stored member read by the system (see :func:`_stored_at`)."""
    head = os.pread(fd, min(info.file_size, _NPY_PREFIX), start)
    f = io.BytesIO(head)
    try:
        shape, fortran, dtype = _npy_layout(f, member)
    except EOFError as exc:             # a header longer than the prefix: not one we write
        raise ValueError(f"{member}: .npy header too long") from exc
    at = f.tell()
    array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    flat = memoryview(array.reshape(-1, order="A").view(np.uint8))
    if info.file_size < at + len(flat):
        raise ValueError(f"{member}: {info.file_size - at} bytes of data instead of "
                         f"{len(flat)}")
    if info.file_size > at + len(flat):
        raise ValueError(f"{member}: data after the array")
    _read_checked(fd, flat, start + at, info, head=head[:at])
    return array


def _read_member(zf: zipfile.ZipFile, member: str):
    """A member's bytes (checked against its CRC-32), as a buffer Arrow reads without a copy:
    a stored member on disk is read by the system straight into it."""
    where = _stored_at(zf, member)
    if where is None:
        return zf.read(member)
    fd, start, info = where
    data = np.empty(info.file_size, dtype=np.uint8)
    _read_checked(fd, memoryview(data), start, info)
    return data


#: Size of a ZIP member's local file header before its name.
_LOCAL_HEADER = 30
#: Bytes read first of a stored ``.npy`` member: its header (ours take about 128).
_NPY_PREFIX = 4096
#: Bytes of a member read at a time by :func:`_read_npy`.
_READ_CHUNK = 1 << 24


class WkbArray:
    """An array of geometries kept as WKB until first used (:meth:`materialize`).

    What :func:`load_geometry` gives for a field named in its ``lazy``: the geometries are made
    only when asked for, so a process that never needs them (a cached union covers it) never
    pays for them. From an entry, even the WKB bytes are read only then (at 1,000,000 plots,
    430 MB of pieces): the entry's file is kept open, so that its bytes stay those of the
    entry read even if another process removes or replaces it, and the CRC-32 is checked as
    they are read. An unreadable member then removes the entry with a
    :class:`~foncier.errors.CacheWarning` and raises :class:`StaleEntry`. The plot geometry
    keeps its overlap pieces in one as well, made in memory (:meth:`from_geometries`): a
    fifth of their memory as GEOS objects, decoded only where asked (:meth:`take`).

    Examples
    --------
    >>> import shapely
    >>> wkb = shapely.to_wkb([shapely.box(0, 0, 1, 1), shapely.Point(2, 3)])
    >>> lazy = WkbArray(b"".join(wkb), np.cumsum([0, len(wkb[0]), len(wkb[1])]),
    ...                 np.array([False, False]), [2])
    >>> len(lazy), lazy.materialize()[1].wkt
    (2, 'POINT (2 3)')
    """

    def __init__(self, blob: bytes | np.ndarray | None, offsets: np.ndarray, missing: np.ndarray,
                 shape: list, *, member: tuple[zipfile.ZipFile, str] | None = None):
        if len(offsets) != len(missing) + 1 or (blob is not None
                                                and int(offsets[-1]) != len(blob)):
            raise ValueError("WKB offsets do not match the data")
        self._blob, self._offsets, self._missing, self._shape = blob, offsets, missing, shape
        self._member = None
        self._lock = threading.Lock()
        if blob is None:            # read later from the entry's file (the same, not its path)
            zf, name = member
            self._attach(Path(zf.filename), name, os.fdopen(os.dup(zf.fp.fileno()), "rb"))

    def _attach(self, path: Path, name: str, handle) -> None:
        """Read the bytes later from member ``name`` of the entry file open as ``handle``
        (closed when this array goes)."""
        self._member = (path, name, handle)
        weakref.finalize(self, handle.close)

    @classmethod
    def from_geometries(cls, geoms: np.ndarray) -> WkbArray:
        """Geometries (a 1-d object array, None where missing) encoded as WKB, in memory.

        A geometry as WKB takes a fifth of its memory as a GEOS object (a plot's piece of a
        constraint: about 120 bytes against 480), and it is stored in the cache as it is.

        Examples
        --------
        >>> import shapely
        >>> pieces = WkbArray.from_geometries(np.array([shapely.box(0, 0, 1, 1), None]))
        >>> len(pieces), pieces.take(np.array([0]))[0].area, pieces.materialize()[1] is None
        (2, 1.0, True)
        """
        chunks, lengths, missing = _wkb_chunks(np.asarray(geoms, dtype=object).ravel())
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.frombuffer(chunks[0] if len(chunks) == 1 else b"".join(chunks), dtype=np.uint8)
        return cls(blob, offsets, missing, [len(lengths)])

    @classmethod
    def concat(cls, parts: list[WkbArray]) -> WkbArray:
        """The geometries of ``parts`` one after the other (1-d), in memory (a lone part is
        given back itself).

        Examples
        --------
        >>> import shapely
        >>> a = WkbArray.from_geometries(np.array([shapely.Point(1, 2)]))
        >>> b = WkbArray.from_geometries(np.array([None, shapely.Point(3, 4)]))
        >>> [g if g is None else g.wkt for g in WkbArray.concat([a, b]).materialize()]
        ['POINT (1 2)', None, 'POINT (3 4)']
        """
        if len(parts) == 1:
            parts[0].blob()
            return parts[0]
        blobs = [part.blob() for part in parts]
        offsets = np.zeros(sum(len(part) for part in parts) + 1, dtype=np.int64)
        at, base = 1, 0
        for part, blob in zip(parts, blobs, strict=True):
            n = len(part)
            offsets[at:at + n] = part._offsets[1:] - part._offsets[0] + base
            at, base = at + n, base + len(blob)
        blob = np.concatenate(blobs) if blobs else np.zeros(0, dtype=np.uint8)
        missing = (np.concatenate([part._missing for part in parts]) if parts
                   else np.zeros(0, dtype=bool))
        return cls(blob, offsets, missing, [len(missing)])

    def __len__(self) -> int:
        return len(self._missing)

    def spill(self, path: str | os.PathLike, name: str) -> bool:
        """Let the bytes held in memory go, to be read again from the member ``name`` of the
        entry at ``path`` when next used, as for an array loaded from it; returns whether they
        went. The entry must hold these very bytes (just written from this array: its CRC-32
        and length are checked when it is read); its file is opened now, so that a later
        replacement or removal of the entry is found then (:class:`StaleEntry`). A cold
        process so drops the overlap pieces once they are stored (at 1,000,000 plots, 160 MB
        of its peak).
        """
        try:
            handle = open(path, "rb")          # noqa: SIM115 - closed when the array goes
        except OSError:
            return False
        try:
            with zipfile.ZipFile(handle) as zf:
                info = zf.getinfo(name)
                sound = info.compress_type == zipfile.ZIP_STORED
        except (OSError, KeyError, zipfile.BadZipFile):
            sound = False
        with self._lock:
            if not sound or self._blob is None:
                handle.close()
                return False
            self._attach(Path(path), name, handle)
            self._blob = None
        return True

    def blob(self) -> np.ndarray:
        """The WKB of every geometry laid end to end (read from the entry on first use: see
        the class)."""
        with self._lock:
            if self._blob is None:
                self._blob = self._read_blob()
            blob = self._blob
        return blob if isinstance(blob, np.ndarray) else np.frombuffer(blob, dtype=np.uint8)

    def _read_blob(self) -> np.ndarray:
        path, name, handle = self._member
        try:
            with handle, zipfile.ZipFile(handle) as zf:
                blob = _read_npy(zf, name)
            if blob.dtype != np.uint8 or len(blob) != int(self._offsets[-1]):
                raise ValueError(f"{name}: WKB offsets do not match the data")
        except Exception as exc:
            _discard(path, exc, stacklevel=5)
            raise StaleEntry(str(exc)) from exc
        finally:
            self._member = None
        return blob

    def materialize(self) -> np.ndarray:
        """The geometries, as an object array of shapely geometries (None where missing)."""
        return self._decoded(None).reshape(self._shape)

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The geometries at ``positions`` (a 1-d array), only those decoded."""
        return self._decoded(np.asarray(positions, dtype=np.int64).ravel())

    def reordered(self, positions: np.ndarray) -> WkbArray:
        """The geometries at ``positions`` (1-d), kept as WKB, in memory.

        Examples
        --------
        >>> import shapely
        >>> both = WkbArray.from_geometries(np.array([shapely.Point(1, 2), shapely.Point(3, 4)]))
        >>> [g.wkt for g in both.reordered(np.array([1, 0])).materialize()]
        ['POINT (3 4)', 'POINT (1 2)']
        """
        import pyarrow as pa

        positions = np.asarray(positions, dtype=np.int64)
        taken = self._arrow().take(pa.array(positions))
        _, offsets_buffer, data = taken.buffers()
        bounds = np.frombuffer(offsets_buffer, dtype=np.int64)[
            taken.offset:taken.offset + len(taken) + 1]
        offsets = bounds - bounds[0]
        blob = (np.frombuffer(data, dtype=np.uint8)[int(bounds[0]):int(bounds[-1])]
                if data is not None else np.zeros(0, dtype=np.uint8))
        return WkbArray(blob, offsets, self._missing[positions], [len(positions)])

    def _arrow(self):
        """The WKB as an Arrow ``large_binary`` array over this array's memory (missing
        geometries are empty values)."""
        import pyarrow as pa

        return pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), len(self._missing),
            [None, pa.py_buffer(np.ascontiguousarray(self._offsets, dtype=np.int64)),
             pa.py_buffer(self.blob())])

    def _decoded(self, positions: np.ndarray | None) -> np.ndarray:
        """The geometries at ``positions`` (all when None), flat: one bytes object per
        geometry cut by Arrow from the one buffer (not a Python slice each), then GEOS."""
        import pyarrow as pa

        n = len(self._missing) if positions is None else len(positions)
        out = np.empty(n, dtype=object)
        if not n:
            return out
        wkb = self._arrow()
        missing = self._missing
        if positions is not None:
            wkb, missing = wkb.take(pa.array(positions)), missing[positions]
        parts = wkb.to_numpy(zero_copy_only=False)
        parts[missing] = None
        out[:] = shapely.from_wkb(parts)
        return out


class StaleEntry(Exception):
    """A cache entry's member read after the entry (:class:`WkbArray`) was unreadable: the
    entry is removed (with a :class:`~foncier.errors.CacheWarning`) and what it held must be
    computed again."""


def _decode(name: str, spec: dict, zf: zipfile.ZipFile, lazy: frozenset = frozenset()) -> Any:
    kind = spec["type"]
    if kind == "none":
        return None
    if kind == "dict":
        return {k: _decode(f"{name}/{k}", v, zf) for k, v in spec["items"].items()}
    if kind == "list":
        return [tuple(v) for v in spec["value"]] if spec["tuples"] else list(spec["value"])
    if kind == "geometry":
        array = _wkb_array(name, spec, zf, deferred=name in lazy)
        return array if name in lazy else array.materialize()
    if kind == "array":
        array = _read_npy(zf, f"{name}.npy")
        if array.dtype.str != spec["dtype"] or list(array.shape) != spec["shape"]:
            raise ValueError(f"{name}: dtype or shape differs from the manifest")
        return array
    raise ValueError(f"{name}: unknown field type {kind!r}")


def _wkb_array(name: str, spec: dict, zf: zipfile.ZipFile, *, deferred: bool) -> WkbArray:
    """The geometries stored by :func:`_encode` under ``name``, left WKB; with ``deferred``
    their bytes are read from the entry only when first decoded."""
    member = f"{name}.wkb.npy"
    zf.getinfo(member)                                  # KeyError when absent
    blob = None if deferred else _read_npy(zf, member)
    offsets = _read_npy(zf, f"{name}.offsets.npy")
    missing = _read_npy(zf, f"{name}.missing.npy")
    try:
        return WkbArray(blob, offsets, missing, spec["shape"],
                        member=(zf, member) if deferred else None)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# Writing and reading entries
# ---------------------------------------------------------------------------------------------

def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_entry(path: Path, manifest: dict, members: Mapping[str, Any]) -> None:
    """Write an entry whole or not at all (temporary file, fsync, rename, fsync of the folder).

    A member is bytes, a list of buffers written one after the other (:func:`_npy_parts`), or
    a function that writes the member into the stream it is given (:func:`_feather_writer`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.stem}-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED,
                                 allowZip64=True) as zf:
                for member, data in members.items():
                    if callable(data):
                        with zf.open(member, "w", force_zip64=True) as out:
                            data(out)
                        continue
                    if not isinstance(data, list):
                        zf.writestr(member, data)
                        continue
                    size = sum(memoryview(part).nbytes for part in data)
                    with zf.open(member, "w", force_zip64=size >= 2**31 - 1) as out:
                        for part in data:
                            out.write(part)
                zf.writestr("manifest.json", json.dumps(manifest, sort_keys=True))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _fsync_dir(path.parent)


def _open_entry(path: Path, kind: str, key: str) -> tuple[zipfile.ZipFile, dict] | None:
    """The entry's ZIP and manifest; None when absent. Raises when it is unreadable."""
    try:
        zf = zipfile.ZipFile(path)
    except (FileNotFoundError, NotADirectoryError):   # no entry (the folder may be a file)
        return None
    try:
        manifest = json.loads(zf.read("manifest.json"))
        if (manifest.get("format") != FORMAT_VERSION or manifest.get("kind") != kind
                or manifest.get("key") != key):
            raise ValueError("the manifest names another entry")
    except BaseException:
        zf.close()
        raise
    return zf, manifest


def _discard(path: Path, exc: BaseException, *, stacklevel: int = 4) -> None:
    warnings.warn(   # stacklevel: _load_entry, load_geometry/load_layers, their caller
        f"cache : entrée illisible {path} ({type(exc).__name__} : {exc}) ; elle est supprimée "
        "et le calcul est refait.", CacheWarning, stacklevel=stacklevel)
    try:
        path.unlink()
    except OSError:
        pass


def _touch(path: Path) -> None:
    try:
        os.utime(path)   # least recently used = oldest modification time
    except OSError:
        pass


def _load_entry(cache_dir, kind: str, key: str, decode) -> Any:
    """The entry ``kind``/``key`` read by ``decode(zf, manifest_fields)``; None when absent.

    An unreadable entry (``decode`` raising included) is removed with a
    :class:`~foncier.errors.CacheWarning` and None is returned; a hit refreshes the entry's time
    stamp (least recently used first out).
    """
    path = _entry_path(resolve_cache_dir(cache_dir), kind, key)
    _wait(path)        # a write of this entry under way in the background
    try:
        opened = _open_entry(path, kind, key)
        if opened is None:
            return None
        zf, manifest = opened
        with zf:
            out = decode(zf, manifest["fields"])
    except Exception as exc:
        _discard(path, exc)
        return None
    _touch(path)
    return out


def _store(kind: str, key: str, manifest_fields: dict, members: dict[str, Any],
           cache_dir: str | os.PathLike | None, max_bytes: int | None) -> Path | None:
    folder = resolve_cache_dir(cache_dir)
    path = _entry_path(folder, kind, key)
    manifest = {"format": FORMAT_VERSION, "kind": kind, "key": key, "fields": manifest_fields,
                "created": time.time()}
    try:
        _write_entry(path, manifest, members)
    except OSError as exc:
        _warn(f"cache : écriture impossible dans {folder} ({os_reason(exc)}) ; le "
              "résultat n'est pas mis en cache. Choisissez un autre dossier avec "
              "FONCIER_CACHE_DIR.", stacklevel=4)
        return None
    _evict(folder, DEFAULT_MAX_BYTES if max_bytes is None else max_bytes, keep=path)
    return path


# ---------------------------------------------------------------------------------------------
# Writing in the background
# ---------------------------------------------------------------------------------------------
#
# A process that fills the cache (a first match) need not wait for its entries to be encoded
# and written: one writer thread does it while the work goes on, and the interpreter waits for
# it before exiting (an entry is whole or absent either way). A load of an entry still being
# written waits for it; cache_info and clear_cache wait for every write. Warnings of the writer
# thread are given by the thread that waits, where the caller's warning filters apply.

_writer: ThreadPoolExecutor | None = None
_writer_lock = threading.Lock()
_pending: list[tuple[Path, Future]] = []      # in the order the writer runs them
_latest: dict[Path, object] = {}              # each entry's last store given to the writer
_deferred = threading.local()


def _warn(message: str, *, stacklevel: int) -> None:
    """A CacheWarning now, or kept for the waiting thread when on the writer thread."""
    kept = getattr(_deferred, "messages", None)
    if kept is not None:
        kept.append(message)
    else:
        warnings.warn(message, CacheWarning, stacklevel=stacklevel)


def _in_background(path: Path, write: Callable[[], Path | None]) -> Path:
    def run() -> list[str]:
        if _latest.get(path) is not mark:    # a later store of the entry replaces this one
            return []
        _deferred.messages = messages = []
        try:
            write()
        except Exception as exc:   # never lost silently: given as a warning by the waiter
            messages.append(f"cache : l'entrée {path.name} n'a pas pu être écrite "
                            f"({type(exc).__name__} : {exc}) ; le calcul sera refait.")
        finally:
            _deferred.messages = None
        return messages

    global _writer
    mark = object()
    with _writer_lock:
        _latest[path] = mark
        try:
            if _writer is None:
                _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foncier-cache")
            _pending.append((path, _writer.submit(run)))
            return path
        except RuntimeError:       # the interpreter is shutting down: written now
            pass
    for message in run():
        warnings.warn(message, CacheWarning, stacklevel=3)
    return path


def _wait(only: Path | None) -> None:
    """Wait for the background writes (of the entry ``only``, or all) and give their warnings."""
    with _writer_lock:
        mine = [(p, f) for p, f in _pending if only is None or p == only]
        if not mine:
            return
        _pending[:] = [(p, f) for p, f in _pending if only is not None and p != only]
    for _, future in mine:
        for message in future.result():
            warnings.warn(message, CacheWarning, stacklevel=4)


def wait_for_writes() -> None:
    """Wait until every entry given to the cache's writer thread is written.

    :func:`store_geometry` and :func:`store_layers` with ``background=True`` return before
    their entry is written; this gives the warnings those writes had. The end of the process
    waits too.
    """
    _wait(None)


atexit.register(wait_for_writes)


# ---------------------------------------------------------------------------------------------
# Plot geometry
# ---------------------------------------------------------------------------------------------

def geometry_arrays(geometry: Any) -> dict[str, Any]:
    """The persistent fields of a ``PlotGeometry`` as a dict (private caches left out).

    ``PlotGeometry(**geometry_arrays(geo))`` rebuilds an equivalent object.
    """
    return {f.name: getattr(geometry, f.name) for f in dataclasses.fields(geometry)
            if not f.name.startswith("_")}


def store_geometry(key: str, arrays: Mapping[str, Any], *,
                   cache_dir: str | os.PathLike | None = None, enabled: bool = True,
                   max_bytes: int | None = None, kind: str = "geometry",
                   background: bool = False,
                   written: Callable[[Path], Any] | None = None) -> Path | None:
    """Store an inventory's plot geometry under ``key`` (its fingerprint).

    Parameters
    ----------
    key : str
        The inventory's fingerprint (:func:`foncier.io.fingerprint.fingerprint_file` or
        :func:`~foncier.io.fingerprint.fingerprint_layers`).
    arrays : mapping
        Field name -> value: numeric numpy arrays, arrays of shapely geometries, dicts of those,
        lists of tuples or JSON values, or None (e.g. :func:`geometry_arrays` of a
        ``PlotGeometry``).
    cache_dir : path, optional
        The cache folder (default :func:`resolve_cache_dir`).
    enabled : bool, default True
        With False nothing is written.
    max_bytes : int, optional
        Size cap of the folder after this store (default :data:`DEFAULT_MAX_BYTES`).
    kind : {"geometry", "derived"}, default "geometry"
        ``derived`` for arrays computed later from the geometry (the excluded area of a
        selection of constraints), in entries of their own.
    background : bool, default False
        Encode and write the entry on the cache's writer thread and return at once (see
        :func:`wait_for_writes`); the arrays must not be changed afterwards.
    written : callable, optional
        Called with the entry's path once it is written (on the writer thread in the
        background), e.g. to :meth:`WkbArray.spill` what the entry now holds.

    Returns
    -------
    Path or None
        The entry written (in the background: the entry that will be), or None (disabled, or
        the folder is not writable: then a :class:`~foncier.errors.CacheWarning` says so).

    Raises
    ------
    TypeError
        For a value that cannot be stored (an object array other than geometries...); in the
        background, a :class:`~foncier.errors.CacheWarning` instead.
    """
    if not enabled:
        return None
    kind = _kind(kind)

    def write() -> Path | None:
        members: dict[str, Any] = {}
        fields = {name: _encode(name, value, members) for name, value in arrays.items()}
        path = _store(kind, key, fields, members, cache_dir, max_bytes)
        if path is not None and written is not None:
            written(path)
        return path

    if background:
        return _in_background(_entry_path(resolve_cache_dir(cache_dir), kind, key), write)
    return write()


def _kind(kind: str) -> str:
    if kind not in ("geometry", "derived"):
        raise ValueError(f"kind={kind!r}: expected 'geometry' or 'derived'")
    return kind


def load_geometry(key: str, *, cache_dir: str | os.PathLike | None = None,
                  enabled: bool = True, kind: str = "geometry",
                  lazy: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The plot geometry stored under ``key``, as the dict given to :func:`store_geometry`.

    Arrays come back with their dtype and shape, geometries as shapely objects, lists of tuples
    as lists of tuples (``kind`` as for :func:`store_geometry`); a geometry field named in
    ``lazy`` comes back as a :class:`WkbArray`, made into geometries only when asked. Returns
    None when disabled or absent; an unreadable entry is removed
    with a :class:`~foncier.errors.CacheWarning` and None is returned.
    """
    if not enabled:
        return None
    deferred = frozenset(lazy)
    return _load_entry(cache_dir, _kind(kind), key, lambda zf, fields: {
        name: _decode(name, spec, zf, deferred) for name, spec in fields.items()})


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

def _feather_writer(frame: pd.DataFrame, *, columns: list | None = None,
                    replaced: Mapping[str, np.ndarray] | None = None) -> Callable[[Any], None]:
    """A table's columns as an Arrow IPC (Feather) member: a function that writes it into the
    member's stream. Their Arrow types are found now (a column Arrow cannot hold raises here);
    the file is then written straight into the entry, :data:`_FEATHER_ROWS` rows at a time, so
    that neither it nor the whole table as Arrow is ever held in memory (at 1,000,000 plots,
    the plots' text alone is 300 MB as Arrow).

    ``columns`` are those written (default: all), in their order; ``replaced`` gives some of
    them other values (a text column's codes), so that no copy of the frame is made.
    """
    import pyarrow as pa
    import pyarrow.feather as feather

    columns = list(frame.columns) if columns is None else list(columns)
    replaced = dict(replaced or {})

    def values(col) -> Any:
        return replaced[col] if col in replaced else frame[col]

    index = frame.index
    default_index = (isinstance(index, pd.RangeIndex) and index.start == 0
                     and index.step == 1 and index.stop == len(frame))
    if not default_index:               # an index of its own: stored the usual way, whole
        table = pa.Table.from_pandas(pd.DataFrame(
            {col: values(col) for col in columns}, index=index))

        def write_whole(out) -> None:
            sink = pa.PythonFile(_Counted(out), mode="w")
            feather.write_feather(table, sink, compression="uncompressed")
            sink.close()

        return write_whole
    schema = _arrow_schema(frame, columns, replaced)

    def write(out) -> None:
        sink = pa.PythonFile(_Counted(out), mode="w")
        with pa.ipc.new_file(sink, schema) as writer:
            for start in range(0, len(frame), _FEATHER_ROWS):
                part = slice(start, start + _FEATHER_ROWS)
                writer.write_batch(pa.RecordBatch.from_arrays(
                    [_arrow_part(values(field.name), part, field.type) for field in schema],
                    schema=schema))
        sink.close()

    return write


def _arrow_part(values: Any, part: slice, kind: Any) -> Any:
    """Some rows of a column (a Series or an array) as an Arrow array of its stored type."""
    import pyarrow as pa

    rows = values.iloc[part] if isinstance(values, pd.Series) else values[part]
    return pa.array(rows, type=kind, from_pandas=True)


def _arrow_schema(frame: pd.DataFrame, columns: list, replaced: Mapping[str, np.ndarray]):
    """The Arrow schema (with pandas' metadata) of these columns of ``frame``, ``replaced``
    ones included, as :meth:`pyarrow.Schema.from_pandas` finds it.

    ``from_pandas`` finds an object column's type by converting it whole (at 100,000 plots,
    0.08 s of the layers' 0.27 s, the interpreter's lock held), which the writing then does
    again: a column of text (or of nothing but missing values) is known as such from
    :func:`pandas.api.types.infer_dtype`'s scan, and the schema is found on one row of each
    column. A column of other objects (numbers, dates...) still goes through
    ``from_pandas`` whole.
    """
    import pyarrow as pa

    n = len(frame)
    head: dict[Any, Any] = {}
    for col in columns:
        if col in replaced:
            head[col] = pd.Series(np.asarray(replaced[col])[:1])
            continue
        series = frame[col]
        if series.dtype != object:
            head[col] = series.iloc[:1].reset_index(drop=True)
            continue
        kind = pd.api.types.infer_dtype(series.to_numpy(), skipna=True)
        if kind not in ("string", "empty") or n == 0:
            whole = pd.DataFrame({c: replaced[c] if c in replaced else frame[c]
                                  for c in columns})
            whole.columns.name = frame.columns.name
            return pa.Schema.from_pandas(whole, preserve_index=False)
        first = series.iloc[0]
        word = first if isinstance(first, str) else ("" if kind == "string" else first)
        head[col] = pd.Series([word], dtype=object)     # kept object (not pandas' str)
    head_frame = pd.DataFrame(head)
    head_frame.columns.name = frame.columns.name
    return pa.Schema.from_pandas(head_frame, preserve_index=False)


#: Rows of a layer made Arrow at once when its columns are written into a cache entry.
_FEATHER_ROWS = 65_536


class _Counted:
    """A write-only stream that knows its position (Arrow asks; a ZIP member cannot tell)."""

    def __init__(self, out):
        self._out, self._at, self.closed = out, 0, False

    def write(self, data) -> int:
        self._out.write(data)
        size = memoryview(data).nbytes
        self._at += size
        return size

    def tell(self) -> int:
        return self._at

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _read_feather(data, objects: Mapping[str, str] | None = None,
                  coded: Mapping[str, list] | None = None) -> pd.DataFrame:
    """A layer's Arrow member as a data frame; its ``objects`` columns (their missing values'
    kind, see :func:`_object_columns`) become object columns of ``str``, made from Arrow
    directly, not through pandas' string columns; the ``coded`` ones (their words: see
    :func:`_coded_texts`) from their codes, the rows of one word sharing its one ``str``."""
    import pyarrow as pa
    import pyarrow.feather as feather

    from foncier.core.missing import arrow_text_objects

    table = feather.read_table(pa.BufferReader(pa.py_buffer(data)))
    objects, coded = objects or {}, coded or {}
    made: dict[str, np.ndarray] = {}
    for col in objects:
        values = table.column(col)
        if col in coded:
            if not pa.types.is_integer(values.type):
                raise ValueError(f"colonne {col} : codes attendus")
            words = np.empty(len(coded[col]) + 1, dtype=object)
            words[:-1] = coded[col]
            words[-1] = np.nan if objects[col] == "nan" else None
            codes = values.to_numpy()
            if len(codes) and (codes.min() < -1 or codes.max() >= len(words) - 1):
                raise ValueError(f"colonne {col} : code hors de ses {len(words) - 1} mots")
            made[col] = words[codes]
        else:
            out = arrow_text_objects(values)
            if out is None:                     # not text: converted by _restore_objects
                continue
            if objects[col] == "nan":
                out[values.is_null().to_numpy(zero_copy_only=False)] = np.nan
            made[col] = out
    names = table.column_names
    frame = table.drop_columns(list(made)).to_pandas() if made else table.to_pandas()
    for col in sorted(made, key=names.index):
        frame.insert(names.index(col), col, pd.Series(made[col], index=frame.index,
                                                      dtype=object))
    _restore_objects(frame, {c: k for c, k in objects.items() if c not in made})
    return frame


def _object_columns(frame: Any) -> dict[str, str]:
    """Object columns (Arrow gives them back as ``str``) and how their missing values look."""
    geom = getattr(frame, "_geometry_column_name", None)
    out = {}
    for col in frame.columns:
        if col == geom or frame[col].dtype != object:
            continue
        values = frame[col].to_numpy()
        nulls = {type(v) for v in values[frame[col].isna().to_numpy()]}
        if len(nulls) > 1:
            raise TypeError(f"colonne {col} : valeurs manquantes de plusieurs sortes")
        out[str(col)] = "nan" if nulls == {float} else "none"
    return out


def _coded_texts(frame: pd.DataFrame, objects: Mapping[str, str]) -> dict[str, tuple]:
    """The text columns of few distinct values (a sales stage, a PLU zone), stored as codes:
    ``{column: (codes, words)}``, codes ``int32``, -1 where missing.

    A process reading the layer then makes one ``str`` per word, not one per row, and no
    hashing (at 1,000,000 plots: 10 ms a column instead of 25 to 55). A column qualifies
    when its head looks like few distinct values
    (:func:`~foncier.core.missing.few_distinct`) and the whole column holds at most
    :data:`_CODED_WORDS` words, all ``str``.
    """
    from foncier.core.missing import few_distinct

    out = {}
    for col in objects:
        values = frame[col].to_numpy()
        if not few_distinct(values):
            continue
        codes, words = pd.factorize(values)
        if len(words) > _CODED_WORDS or not all(type(w) is str for w in words):
            continue
        out[col] = (codes.astype(np.int32), list(words))
    return out


#: Most distinct words of a text column stored as codes (their words go in the manifest).
_CODED_WORDS = 4096


def _restore_objects(frame: Any, objects: Mapping[str, str]) -> None:
    """Object columns Arrow did not hold as text (numbers, dates kept as objects) made object
    columns again, their missing values of the kind stored (text: :func:`_read_feather`)."""
    for col, null in objects.items():
        values = frame[col].to_numpy(dtype=object, na_value=None)
        if null == "nan":
            values[frame[col].isna().to_numpy()] = np.nan
        frame[col] = pd.Series(values, index=frame.index, dtype=object)


def store_layers(key: str, layers: Mapping[str, Any], *,
                 cache_dir: str | os.PathLike | None = None, enabled: bool = True,
                 max_bytes: int | None = None, background: bool = False) -> Path | None:
    """Store an inventory's layers (GeoDataFrames, or None for an absent layer) under ``key``.

    A layer's columns are stored as Arrow IPC (dtypes restored on reading; a text column of
    few distinct words as codes, its words in the manifest: :func:`_coded_texts`), its
    geometries as WKB (as :func:`store_geometry` stores them) with their CRS, so that
    :func:`load_layers` can leave them WKB until they are used (:class:`LazyLayer`). Needs
    ``pyarrow``: without it nothing is stored. A layer Arrow cannot hold (a column of mixed
    types) is reported with a :class:`~foncier.errors.CacheWarning` and nothing is stored.
    Parameters and return value as for :func:`store_geometry`. In the ``background``, the
    layers are encoded from shallow copies, which pandas' copy-on-write keeps apart from any
    later change of the caller's frames; without copy-on-write (pandas 2 by default) the store
    is done at once.
    """
    if not enabled:
        return None
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return None

    def write(layers: Mapping[str, Any]) -> Path | None:
        members: dict[str, Any] = {}
        fields: dict[str, dict] = {}
        for name, frame in layers.items():
            if frame is None:
                fields[name] = {"type": "none"}
                continue
            try:
                fields[name] = _encode_layer(name, frame, members)
            except Exception as exc:
                _warn(f"cache : la couche {name} ne peut pas être mise en cache "
                      f"({type(exc).__name__} : {exc}).", stacklevel=4)
                return None
        return _store("layers", key, fields, members, cache_dir, max_bytes)

    if background and _copy_on_write():
        copies = {name: None if frame is None else frame.copy(deep=False)
                  for name, frame in layers.items()}
        return _in_background(_entry_path(resolve_cache_dir(cache_dir), "layers", key),
                              lambda: write(copies))
    return write(layers)


def _encode_layer(name: str, frame: Any, members: dict[str, Any]) -> dict:
    """Describe one layer in the manifest and add its members: its columns, and for a
    GeoDataFrame its geometries (WKB), where its geometry column was and its CRS."""
    import geopandas as gpd

    spec: dict[str, Any] = {"type": "layer", "rows": len(frame)}
    geo = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    if geo:
        column = frame._geometry_column_name
        crs = frame.crs
        spec.update(geometry_column=str(column),
                    geometry_at=int(frame.columns.get_loc(column)),
                    crs=None if crs is None else crs.to_json(),
                    geometry=_encode(f"{name}.geometry",
                                     np.asarray(frame[column].array, dtype=object), members))
        columns = [c for c in frame.columns if c != column]
    else:
        columns = list(frame.columns)
    # The columns are written from the frame itself, the coded ones replaced by their codes:
    # a frame without its geometry column (drop) was a copy, 0.04 s at 100,000 plots.
    spec["objects"] = _object_columns(frame)
    coded = _coded_texts(frame, spec["objects"])
    if coded:
        spec["coded"] = {col: words for col, (_, words) in coded.items()}
    members[f"{name}.arrow"] = _feather_writer(
        frame, columns=columns, replaced={col: codes for col, (codes, _) in coded.items()})
    return spec


def _copy_on_write() -> bool:
    """Whether pandas keeps a shallow copy apart from later changes of its original."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    try:
        return pd.get_option("mode.copy_on_write") is True
    except (KeyError, pd.errors.OptionError):
        return False


def load_layers(key: str, *, cache_dir: str | os.PathLike | None = None,
                enabled: bool = True, lazy: bool = False) -> dict[str, Any] | None:
    """The layers stored under ``key`` (None when disabled, absent, or ``pyarrow`` is missing).

    With ``lazy``, a layer with geometries is a :class:`LazyLayer` (its geometries decoded when
    first asked for), else a GeoDataFrame. An unreadable entry is removed with a
    :class:`~foncier.errors.CacheWarning`.
    """
    if not enabled:
        return None
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return None
    return _load_entry(cache_dir, "layers", key,
                       functools.partial(_decode_layers, lazy=lazy))


def _decode_layers(zf: zipfile.ZipFile, fields: dict[str, dict], *,
                   lazy: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        if spec["type"] == "none":
            out[name] = None
            continue
        frame = _read_feather(_read_member(zf, f"{name}.arrow"), spec["objects"],
                              spec.get("coded"))
        if len(frame) != spec["rows"]:
            raise ValueError(f"{name}: {len(frame)} rows instead of {spec['rows']}")
        if "geometry" in spec:
            if spec["geometry"].get("type") != "geometry":
                raise ValueError(f"{name}.geometry: not geometries")
            geometry = _wkb_array(f"{name}.geometry", spec["geometry"], zf, deferred=False)
            if len(geometry) != spec["rows"]:
                raise ValueError(f"{name}: {len(geometry)} geometries instead of {spec['rows']}")
            layer = LazyLayer(frame, geometry, column=spec["geometry_column"],
                              position=spec["geometry_at"], crs=spec["crs"])
            out[name] = layer if lazy else layer.frame()
        else:
            out[name] = frame
    return out


_crs_lock = threading.Lock()
_crs_made: dict[str, Any] = {}


def _crs_from_json(text: str) -> Any:
    """The :class:`pyproj.CRS` of a PROJJSON text, made once per process under a lock: PROJ
    crashed when two threads (the app's) made CRS objects at the same time."""
    with _crs_lock:
        crs = _crs_made.get(text)
        if crs is None:
            from pyproj import CRS

            crs = _crs_made[text] = CRS.from_json(text)
        return crs


class LazyLayer:
    """A layer read from the cache whose geometries stay WKB until first asked for.

    What :func:`load_layers` gives with ``lazy=True``: :attr:`attributes` holds the layer's
    columns at once; :meth:`frame` makes the GeoDataFrame (once: the same object every time,
    from any thread). A warm process that never needs the geometries (a match whose plot
    geometry is cached too) never decodes them: at 1,000,000 plots, about 1 s and 470 MB
    spared.

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> plots = gpd.GeoDataFrame({"plot_id": ["P1"]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                          crs="EPSG:2154")
    >>> _ = store_layers("inv-1", {"plots": plots}, cache_dir=folder)
    >>> lazy = load_layers("inv-1", cache_dir=folder, lazy=True)["plots"]
    >>> len(lazy), list(lazy.attributes.columns)
    (1, ['plot_id'])
    >>> lazy.frame().geometry.area.tolist(), lazy.frame() is lazy.frame()
    ([1.0], True)
    """

    def __init__(self, attributes: pd.DataFrame, geometry: WkbArray, *, column: str,
                 position: int, crs: str | None):
        self.attributes = attributes
        self._geometry, self._column, self._position, self._crs = geometry, column, position, crs
        self._frame = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.attributes)

    @property
    def decoded(self) -> bool:
        """Whether :meth:`frame` has made the GeoDataFrame."""
        return self._frame is not None

    @property
    def crs(self) -> Any:
        """The layer's CRS (a :class:`pyproj.CRS`, or None)."""
        if self._frame is not None:
            return self._frame.crs
        return None if self._crs is None else _crs_from_json(self._crs)

    def geometries(self, positions: np.ndarray) -> np.ndarray:
        """The geometries of the rows at ``positions``: only those are decoded while the
        layer is not (the head of a ranking shown on screen)."""
        positions = np.asarray(positions, dtype=np.int64)
        with self._lock:
            # A few rows are decoded alone; many, with the whole layer (once for all).
            if self._frame is None and len(positions) * 8 < len(self):
                return self._geometry.take(positions)
        return self.frame().geometry.to_numpy()[positions]

    def frame(self) -> Any:
        """The layer as a GeoDataFrame (its geometries decoded on the first call)."""
        if self._frame is not None:         # every later access to the layer: no lock
            return self._frame
        with self._lock:
            if self._frame is None:
                import geopandas as gpd

                frame = self.attributes.copy(deep=False)
                frame.insert(self._position, self._column,
                             gpd.array.GeometryArray(self._geometry.materialize(), crs=self.crs))
                self._frame = gpd.GeoDataFrame(frame, geometry=self._column)
                self._geometry = None
            return self._frame


def layer_frame(layer: Any) -> Any:
    """A layer as a GeoDataFrame: a :class:`LazyLayer` is decoded (once), anything else is
    given back as it is."""
    return layer.frame() if isinstance(layer, LazyLayer) else layer


# ---------------------------------------------------------------------------------------------
# Size cap, clearing, information
# ---------------------------------------------------------------------------------------------

def _entries(folder: Path) -> list[tuple[Path, os.stat_result]]:
    out = []
    try:
        names = list(folder.iterdir())
    except OSError:
        return out
    for path in names:
        if not _is_entry(path):
            continue
        try:
            out.append((path, path.stat()))
        except OSError:   # removed meanwhile by another process
            continue
    return out


def _evict(folder: Path, max_bytes: int, keep: Path | None = None) -> None:
    """Remove least recently used entries until the folder holds at most ``max_bytes``."""
    now = time.time()
    for tmp in folder.glob(".tmp-*.part"):
        try:
            if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                tmp.unlink()
        except OSError:
            pass
    entries = sorted(_entries(folder), key=lambda e: e[1].st_mtime_ns)
    total = sum(st.st_size for _, st in entries)
    for path, st in entries:
        if total <= max_bytes:
            break
        if path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= st.st_size


def clear_cache(*, cache_dir: str | os.PathLike | None = None) -> int:
    """Remove every entry and fingerprint memo of the cache folder; returns the bytes freed.

    Only files foncier wrote are removed (entries, memos, temporary files); the folder stays.
    """
    wait_for_writes()
    folder = resolve_cache_dir(cache_dir)
    freed = 0
    victims = [p for p, _ in _entries(folder)]
    victims += list(folder.glob(".tmp-*.part")) + list((folder / "fingerprints").glob("*.json"))
    for path in victims:
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        freed += size
    return freed


def cache_info(*, cache_dir: str | os.PathLike | None = None,
               max_bytes: int | None = None) -> CacheInfo:
    """Where the cache is, how many entries it holds and their total size."""
    wait_for_writes()
    folder = resolve_cache_dir(cache_dir)
    entries = _entries(folder)
    return CacheInfo(path=folder, entries=len(entries),
                     size_bytes=sum(st.st_size for _, st in entries),
                     max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes)
