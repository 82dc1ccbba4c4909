"""The one way foncier runs a piece of work beside the caller: :func:`started`;
:func:`release_free_memory` once threads' work is done; and :func:`prefer_arrow_pool`, the
allocator ``foncier match`` gives Arrow.

Reading files, checksums, GDAL and Arrow release the interpreter's lock, so work of theirs
started early overlaps what the caller does meanwhile (decoding other layers, loading Qt).

Examples
--------
>>> future = started(sum, [1, 2, 3])
>>> future.result()
6
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["started", "release_free_memory", "prefer_arrow_pool"]


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


#: The environment variable Arrow reads, at its first allocation, to choose its memory pool.
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def prefer_arrow_pool() -> str | None:
    """Have Arrow allocate with jemalloc in this process and the ones it starts, on Linux;
    returns the pool chosen (None: Arrow's own choice is left).

    Arrow's default pool on Linux, mimalloc, asks the kernel for transparent huge pages on its
    arenas (``madvise(MADV_HUGEPAGE)``). With the kernel's usual ``defrag = madvise``, a page
    fault there may wait for memory to be compacted first: the same CSV of 100,000 plots took
    0.06 or 0.3 s to format from one process to the next. jemalloc asks for no huge page:
    the warm ``foncier match`` of ``benchmarks/`` 0.98 s (median of 6, 0.95-1.02) against
    1.09 s (0.95-1.43), the cold one 3.06 against 3.32 s, peaks 458 against 540 MB.

    Only ``foncier match`` calls this, before anything has loaded Arrow: it sets
    ``ARROW_DEFAULT_MEMORY_POOL``, which Arrow reads once. ``foncier batch`` and the app keep
    mimalloc, which served them better (200 briefs: 16.04 s warm against 16.57 and 17.58 s
    with jemalloc, in two pairs of runs; the app's first map 1.28 against 1.34 s). A value the
    user set is kept, and so is Arrow's choice off Linux (where it may not have jemalloc) or
    once Arrow is loaded.

    Examples
    --------
    >>> prefer_arrow_pool() in (None, "jemalloc")
    True
    """
    if not sys.platform.startswith("linux") or os.environ.get(ARROW_POOL_ENV) \
            or "pyarrow" in sys.modules:
        return None
    os.environ[ARROW_POOL_ENV] = "jemalloc"
    return "jemalloc"


def release_free_memory() -> bool:
    """Give the memory the C allocator holds free back to the system (glibc's
    ``malloc_trim``); returns whether it could (False off glibc).

    glibc gives each thread that allocates a heap ("arena") of its own, and keeps what is freed
    there for that heap's next allocations: after the geometry's threads have made and freed
    millions of GEOS objects, their heaps hold hundreds of megabytes the rest of the process
    cannot use (at 1,000,000 plots, 0.4–0.6 GB of the peak). Trimming returns those pages; it
    takes 0.03–0.07 s there.

    Examples
    --------
    >>> release_free_memory() in (True, False)
    True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def resident_bytes() -> int | None:
    """The process's resident set size now, in bytes (None where the system does not tell:
    only Linux's ``/proc/self/statm`` is read).

    Examples
    --------
    >>> size = resident_bytes()
    >>> size is None or size > 0
    True
    """
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _page_size()
    except (OSError, ValueError, IndexError):
        return None


@functools.cache
def _page_size() -> int:
    return os.sysconf("SC_PAGE_SIZE")


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):      # not glibc (musl has no malloc_trim)
        return None
