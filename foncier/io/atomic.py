"""Atomic file writes: a file (or a set of files) is written whole or not at all.

Every writer of foncier (GeoPackage stores, result tables, batch workbooks, reports, briefs, CNIG
exports) writes to a temporary file beside its target, in the same folder, and renames it over
the target at the end: an error or an interruption (Ctrl-C) never leaves a partial file, and the
target keeps its previous content.

- Temporaries are named ``.NAME.foncier-tmp-<pid>-<random>.EXT`` (:func:`temp_name`), so that a
  write killed outright (``SIGKILL``, a power cut) leaves a recognisable leftover; the next write
  to the same target removes them (:func:`remove_stale`): those whose process is gone, or older
  than :data:`STALE_HOURS`, with their SQLite companions (``-journal``, ``-wal``, ``-shm``).
- Any error of the writing itself (``OSError`` such as a full disk or a read-only folder, GDAL
  errors raised by pyogrio, zip and SQLite errors) becomes one
  :class:`~foncier.errors.OutputError` naming the target once and saying what to do.
- :func:`atomic_files` writes several files of one folder (the CNIG CSV tables): all new or all
  old.
- :func:`check_not_input` refuses an output that is one of the inputs (same file, hard links
  included).

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> with atomic_write(out) as tmp:
...     _ = tmp.write_text("bonjour", encoding="utf-8")
>>> out.read_text(encoding="utf-8"), sorted(p.name for p in out.parent.iterdir())
('bonjour', ['note.txt'])
>>> temp_name(out).startswith(".note.txt.foncier-tmp-"), temp_name(out).endswith(".txt")
(True, True)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from foncier.errors import FoncierError, OutputError
from foncier.io.reasons import os_reason

__all__ = ["atomic_path", "atomic_write", "atomic_files", "temp_name", "remove_stale",
           "write_error", "check_not_input", "same_file", "STALE_HOURS", "TEMP_MARK"]

#: What every temporary name holds, between the target's name and ``<pid>-<random>``.
TEMP_MARK = ".foncier-tmp-"
#: A leftover older than this is removed even when its process id is alive again (pid reuse).
STALE_HOURS = 12
_COMPANIONS = ("-journal", "-wal", "-shm")


def temp_name(target: str | os.PathLike, *, pid: int | None = None) -> str:
    """The name of a new temporary file for ``target`` (same folder, same suffix).

    Examples
    --------
    >>> name = temp_name("dossier/lot.xlsx", pid=42)
    >>> name.startswith(".lot.xlsx.foncier-tmp-42-"), name.endswith(".xlsx")
    (True, True)
    """
    target = Path(target)
    pid = os.getpid() if pid is None else pid
    return f".{target.name}{TEMP_MARK}{pid}-{secrets.token_hex(4)}{target.suffix}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True                     # someone else's process: alive
    return True


def remove_stale(target: str | os.PathLike, *, hours: float = STALE_HOURS) -> list[Path]:
    """Remove the leftovers of killed writes to ``target``; returns what was removed.

    A leftover is a temporary of :func:`temp_name` for this target (file or folder, with its
    ``-journal``/``-wal``/``-shm``) whose process is gone, or older than ``hours``. Leftovers
    that cannot be removed are left (the write goes on).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> dead = folder / (temp_name(folder / "lot.gpkg", pid=2**22 + 1))
    >>> _ = dead.write_bytes(b"x"); _ = (folder / (dead.name + "-journal")).write_bytes(b"")
    >>> [p.name.endswith(("gpkg", "-journal")) for p in remove_stale(folder / "lot.gpkg")]
    [True, True]
    >>> list(folder.iterdir())
    []
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(f".{target.name}{TEMP_MARK}") + r"(\d+)-[0-9a-f]+")
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = pattern.match(entry.name)
        if not m:
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > hours * 3600
            if not old and _alive(int(m[1])):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return sorted(removed)


def _parent(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _check_target(target: str | os.PathLike) -> Path:
    if str(target).strip() == "":
        raise OutputError("chemin de sortie vide : donnez le nom du fichier à écrire.")
    target = Path(target)
    parent = _parent(target)
    if not parent.is_dir():
        raise OutputError(f"{target} : dossier introuvable : {parent}. Créez-le ou choisissez "
                          "un autre chemin.")
    if target.is_dir():
        raise OutputError(f"{target} : c'est un dossier ; donnez un nom de fichier.")
    return target


def atomic_path(target: str | os.PathLike) -> tuple[Path, Path]:
    """A temporary path beside ``target`` (same suffix) to write to before renaming.

    The folder is checked to be writable (a temporary file is created there, then removed), and
    the leftovers of earlier killed writes to ``target`` are removed.

    Returns
    -------
    (Path, Path)
        The temporary path (no file there yet) and the target.

    Raises
    ------
    OutputError
        When the target's folder does not exist or cannot be written to.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> tmp, final = atomic_path(folder / "lot.xlsx")
    >>> tmp.parent == folder, tmp.suffix, tmp.exists(), final.name
    (True, '.xlsx', False, 'lot.xlsx')
    """
    target = _check_target(target)
    remove_stale(target)
    tmp = _parent(target) / temp_name(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise write_error(exc, target) from None
    return tmp, target


_FULL = ("no space left", "disk is full", "database or disk is full", "disk full",
         "quota exceeded")
_READ_ONLY = ("read-only file system", "permission denied", "readonly", "read-only",
              "attempt to write a readonly database", "not writable", "access denied")


def write_error(exc: BaseException, target: str | os.PathLike,
                *paths: str | os.PathLike) -> OutputError:
    """The :class:`OutputError` for a failed write to ``target``: its cause and what to do.

    The target is named once (the cause's own mention of a path, ``target`` or a temporary in
    ``paths``, is left out).

    Examples
    --------
    >>> full = OSError(errno.ENOSPC, "No space left on device", "/d/x.csv")
    >>> print(write_error(full, "/d/x.csv"))  # doctest: +ELLIPSIS
    /d/x.csv : écriture impossible, le disque est plein : libérez de la place ou choisissez...
    >>> print(write_error(RuntimeError("sqlite3_step() failed: /d/.x.tmp: I/O"), "/d/x.gpkg",
    ...                   "/d/.x.tmp"))  # doctest: +ELLIPSIS
    /d/x.gpkg : écriture impossible (sqlite3_step() failed: I/O) : vérifiez le dossier et...
    """
    code = getattr(exc, "errno", None)
    text = os_reason(exc)
    low = f"{text} {exc}".lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or any(k in low for k in _FULL) or (
            not isinstance(exc, OSError) and _nearly_full(target)):
        what = ("écriture impossible, le disque est plein : libérez de la place ou choisissez "
                "un autre dossier.")
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or any(k in low for k in _READ_ONLY):
        what = ("écriture impossible, le dossier est protégé en écriture (lecture seule) : "
                "choisissez un dossier où vous pouvez écrire, ou demandez-en l'accès.")
    else:
        for p in sorted({str(p) for p in (target, *paths)} | {os.fspath(Path(p).name)
                                                             for p in paths}, key=len,
                        reverse=True):
            if p:
                text = text.replace(f"'{p}'", "").replace(f"{p}: ", "").replace(p, "")
        text = re.sub(r"\s+", " ", text).strip(" :;,")
        text = text if len(text) <= 200 else text[:199] + "…"
        detail = f" ({text})" if text else ""
        what = (f"écriture impossible{detail} : vérifiez le dossier et l'espace libre, "
                "puis recommencez.")
    return OutputError(f"{target} : {what}")


#: Below this free space, a writer's error that does not say why (GDAL: "Cannot write feature")
#: is taken for a full disk.
NEARLY_FULL = 1 << 20


def _nearly_full(target: str | os.PathLike) -> bool:
    try:
        return shutil.disk_usage(_parent(Path(target))).free < NEARLY_FULL
    except OSError:
        return False


def _is_write_error(exc: BaseException) -> bool:
    """Errors of the writing itself (not of the data, not of foncier's own checks)."""
    if isinstance(exc, FoncierError):
        return False
    if isinstance(exc, (OSError, sqlite3.Error, zipfile.BadZipFile, zipfile.LargeZipFile)):
        return True
    return type(exc).__module__.startswith("pyogrio")


def _remove(path: Path) -> None:
    for p in (path, *(Path(f"{path}{c}") for c in _COMPANIONS)):
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            elif p.exists() or p.is_symlink():
                p.unlink()


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike) -> Iterator[Path]:
    """Write a file whole or not at all: yield a temporary path beside ``target``.

    When the ``with`` block ends normally the temporary file replaces ``target``; on any error
    (or Ctrl-C) it is removed (with its ``-journal``/``-wal``/``-shm``) and ``target`` is left as
    it was. An error of the writing itself (:func:`write_error`: full disk, read-only folder,
    GDAL, zip or SQLite errors) becomes an :class:`~foncier.errors.OutputError` naming the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> _ = out.write_text("avant", encoding="utf-8")
    >>> try:
    ...     with atomic_write(out) as tmp:
    ...         _ = tmp.write_text("à moitié", encoding="utf-8")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> out.read_text(encoding="utf-8"), len(list(out.parent.iterdir()))
    ('avant', 1)
    """
    tmp, final = atomic_path(target)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException as exc:
        if _is_write_error(exc):
            raise write_error(exc, final, tmp) from None
        raise
    finally:
        _remove(tmp)


@contextlib.contextmanager
def atomic_files(folder: str | os.PathLike, names: Iterable[str]) -> Iterator[dict[str, Path]]:
    """Write several files of one folder all or none: yield a temporary path per name.

    The files are written in a temporary folder inside ``folder``; when the ``with`` block ends
    normally they are moved in one by one, the replaced ones kept aside until every move has
    succeeded: if a move fails, the moved ones are put back, so ``folder`` holds all the new
    files or all the old ones. ``folder`` is created when missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "csv"
    >>> with atomic_files(folder, ["a.csv", "b.csv"]) as tmp:
    ...     for name, path in tmp.items():
    ...         _ = path.write_text(name, encoding="utf-8")
    >>> sorted(p.name for p in folder.iterdir()), (folder / "b.csv").read_text(encoding="utf-8")
    (['a.csv', 'b.csv'], 'b.csv')
    """
    folder = Path(folder)
    if str(folder).strip() == "":
        raise OutputError("dossier de sortie vide : donnez le nom du dossier à écrire.")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} : c'est un fichier, pas un dossier ; donnez un dossier "
                          "(existant ou à créer) pour les fichiers à écrire.")
    names = list(names)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, folder) from None
    for name in names:
        if (folder / name).is_dir():
            raise OutputError(f"{folder / name} : c'est un dossier ; déplacez-le ou choisissez "
                              "un autre dossier de sortie.")
    work_target = folder / "fichiers"
    remove_stale(work_target)
    work = folder / temp_name(work_target)
    try:
        work.mkdir()
    except OSError as exc:
        raise write_error(exc, folder) from None
    try:
        paths = {name: work / name for name in names}
        try:
            yield paths
        except BaseException as exc:
            if _is_write_error(exc):
                raise write_error(exc, folder, work) from None
            raise
        _move_all(folder, work, [n for n in names if paths[n].exists()])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _move_all(folder: Path, work: Path, names: list[str]) -> None:
    """Move the written files in; on a failure, put every replaced file back."""
    backup = work / ".anciens"
    backup.mkdir()
    done: list[tuple[str, bool]] = []
    try:
        for name in names:
            final = folder / name
            had_old = final.exists()
            if had_old:
                try:
                    os.link(final, backup / name)
                except OSError:
                    shutil.copy2(final, backup / name)
            os.replace(work / name, final)
            done.append((name, had_old))
    except OSError as exc:
        for name, had_old in reversed(done):
            with contextlib.suppress(OSError):
                if had_old:
                    os.replace(backup / name, folder / name)
                else:
                    os.unlink(folder / name)
        raise write_error(exc, folder / (names[len(done)]), work) from None


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name the same file (same resolved path, or same inode: hard links).

    Examples
    --------
    >>> same_file("a/../inv.gpkg", "inv.gpkg"), same_file("a.gpkg", "b.gpkg")
    (True, False)
    """
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(os.path.normpath(a))) == \
        os.path.normcase(os.path.abspath(os.path.normpath(b)))


def check_not_input(target: str | os.PathLike | None, inputs: Iterable, *,
                    what: str = "la sortie") -> None:
    """Refuse an output that is one of the inputs (an :class:`OutputError`).

    Database URLs and non-paths among ``inputs`` are ignored (None, inventories in memory).

    Examples
    --------
    >>> try:
    ...     check_not_input("inv.gpkg", ["./inv.gpkg", None])
    ... except OutputError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    inv.gpkg : la sortie est aussi un des fichiers lus ; l'écrire effacerait ce qu'on lit...
    """
    if target is None or _is_url(target):
        return
    for source in inputs:
        if source is None or _is_url(source) or not isinstance(source, (str, os.PathLike)):
            continue
        if same_file(target, source):
            raise OutputError(f"{target} : {what} est aussi un des fichiers lus ; l'écrire "
                              "effacerait ce qu'on lit : choisissez un autre nom de fichier.")


def _is_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))
