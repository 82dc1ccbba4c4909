"""What the app's two PDF writers share: the offscreen application, the font, A4, the writer.

The investor report (:mod:`foncier_gui.pdf`) and the legal documents
(:mod:`foncier_gui.legal_pdf`) are both drawn in points on A4 portrait pages (resolution 72 dpi,
no printer margin: each writer keeps its own drawing margins) in DejaVu Sans, and written
atomically: a temporary file beside the target, renamed once the painter has finished.
:func:`write_pdf` does that part; the caller only paints. It needs only a QGuiApplication
(:func:`ensure_app` creates one when none exists and never a second one), so the command line
can write PDFs without any window.

Examples
--------
>>> import tempfile, pathlib
>>> def paint(painter, writer):
...     painter.setFont(font(10, bold=True))
...     painter.drawText(72, 72, "Essai")
>>> out = write_pdf(pathlib.Path(tempfile.mkdtemp()) / "essai.pdf", paint, title="Essai",
...                 author="Agence", creator="foncier")
>>> out.read_bytes()[:5]
b'%PDF-'
>>> (A4.width(), A4.height())
(595.0, 842.0)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter

from foncier.errors import OutputError
from foncier.io.store import atomic_path

__all__ = ["A4", "ensure_app", "font", "write_pdf"]

_APP: QGuiApplication | None = None
#: A4 in points (the writers' resolution is 72 dpi).
A4 = QSizeF(595.0, 842.0)


def ensure_app() -> None:
    """Create an offscreen QGuiApplication when none exists (kept alive by this module)."""
    global _APP
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _APP = QGuiApplication([])


def font(size: float, *, bold: bool = False) -> QFont:
    """DejaVu Sans at ``size`` points (the font both PDFs embed)."""
    f = QFont("DejaVu Sans")
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def write_pdf(path: str | os.PathLike, paint: Callable[[QPainter, QPdfWriter], None], *,
              title: str, author: str, creator: str) -> Path:
    """Write an A4 PDF atomically; ``paint(painter, writer)`` draws its pages.

    Parameters
    ----------
    path : path
        The PDF to write; its folder must exist.
    paint : callable
        Called once with the active painter and the writer (``writer.newPage`` starts the
        next page).
    title, author, creator : str
        The PDF's metadata.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputError
        The folder does not exist, or the file cannot be written.
    """
    ensure_app()
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"{path}: le dossier {path.parent} n'existe pas.")
    tmp, final = atomic_path(path)
    try:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(72)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        writer.setTitle(title)
        writer.setAuthor(author)
        writer.setCreator(creator)
        painter = QPainter()
        if not painter.begin(writer):
            raise OutputError(f"{path}: impossible d'écrire le PDF (dossier protégé ?).")
        try:
            paint(painter, writer)
        finally:
            painter.end()
        del writer
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    return final
