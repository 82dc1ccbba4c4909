"""Atomic file writes: a file is written whole or not at all.

Every writer of foncier (GeoPackage stores, result tables, batch workbooks, reports, briefs)
writes to a temporary file beside its target, in the same folder, and renames it over the target
at the end: an error or an interruption (Ctrl-C) never leaves a partial file, and the target keeps
its previous content.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> with atomic_write(out) as tmp:
...     _ = tmp.write_text("bonjour", encoding="utf-8")
>>> out.read_text(encoding="utf-8"), sorted(p.name for p in out.parent.iterdir())
('bonjour', ['note.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from foncier.errors import OutputError

__all__ = ["atomic_path", "atomic_write"]


def atomic_path(target: str | os.PathLike) -> tuple[Path, Path]:
    """A temporary path beside ``target`` (same suffix) to write to before renaming.

    Returns
    -------
    (Path, Path)
        The temporary path (no file there yet) and the target.

    Raises
    ------
    OutputError
        When the target's folder does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> tmp, final = atomic_path(folder / "lot.xlsx")
    >>> tmp.parent == folder, tmp.suffix, tmp.exists(), final.name
    (True, '.xlsx', False, 'lot.xlsx')
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{target}: dossier introuvable : {parent}. Créez-le ou choisissez "
                          "un autre chemin.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=parent)
    os.close(fd)
    os.unlink(tmp)
    return Path(tmp), target


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike) -> Iterator[Path]:
    """Write a file whole or not at all: yield a temporary path beside ``target``.

    When the ``with`` block ends normally the temporary file replaces ``target``; on any error
    (or Ctrl-C) it is removed and ``target`` is left as it was. An :class:`OSError` becomes an
    :class:`~foncier.errors.OutputError` naming the file.

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
    except OSError as exc:
        raise OutputError(f"{final}: écriture impossible ({exc.strerror or exc}).") from None
    finally:
        if tmp.exists():
            tmp.unlink()
