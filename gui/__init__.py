"""The foncier desktop app (PySide6). The library ``foncier`` never imports this package."""

from __future__ import annotations

import sys


def _protect_none_refcount() -> None:
    """Work around a PySide6 6.12 binding bug on Python < 3.12.

    PySide6-Essentials 6.12.0 returns ``None`` from every void method (``QPainter.drawPath``,
    ``QWidget.update``...) without taking a reference, so each call decrements None's reference
    count; after some tens of thousands of calls CPython aborts with "none_dealloc". Python 3.12
    made None immortal (PEP 683), which hides the bug; on older versions we give None the same
    huge reference count Python 3.12 gives it. None is never freed anyway, so this changes nothing
    else.
    """
    if sys.version_info >= (3, 12):
        return
    import ctypes

    refcnt = ctypes.c_ssize_t.from_address(id(None))
    if refcnt.value < (1 << 40):
        refcnt.value += 1 << 60


_protect_none_refcount()
