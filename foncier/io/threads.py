"""The one way foncier runs a piece of work beside the caller: :func:`started`.

Reading files, checksums, GDAL and Arrow release the interpreter's lock, so work of theirs
started early overlaps what the caller does meanwhile (decoding other layers, loading Qt).

Examples
--------
>>> future = started(sum, [1, 2, 3])
>>> future.result()
6
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["started"]


def started(function: Callable[..., Any], *args: Any, name: str = "foncier-work") -> Future:
    """``function(*args)`` started now on a thread of its own, as a future.

    ``result()`` gives its value or raises its exception, in the caller's thread. The thread
    is a daemon: a process that never asks for the result does not wait for it to end. A
    future cancelled before the thread starts the work never runs it.

    Examples
    --------
    >>> started(int, "x").exception().__class__.__name__
    'ValueError'
    """
    future: Future = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # noqa: BLE001 - raised again by result()
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
