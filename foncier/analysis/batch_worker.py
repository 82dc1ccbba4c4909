"""A batch's briefs matched in a worker process, while the calling process writes the workbook.

:func:`~foncier.analysis.batch.run_batch_to_file` writes each brief's sheets while the next
brief is matched. On a worker thread both share the interpreter's lock, which most of either
holds (pandas, the texts of the reasons and sentences): 200 briefs x 100,000 plots took 14-15 s
against 7 s for the matching and 8 s for the writing alone. In a process of its own (started
with ``spawn``: a forked process would inherit the locks of the parent's threads), the
matching has its own lock.

The worker opens the same inventories again, from the on-disk cache (the checked layers and
the plot geometry the calling process, or an earlier one, stored), checks that their content
keys are those of the calling process's inventories, and sends each brief's
:class:`~foncier.analysis.batch.BriefOutcome` through a pipe, in the briefs' order. When it
cannot (another content, an error, an end before the last brief), the briefs it did not send
are matched in the calling process: a brief's error is then raised there, as without a worker.

Examples
--------
>>> import foncier
>>> inv = foncier.open_inventory()
>>> usable([inv], n_briefs=1)        # one brief: not worth a process
False
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["usable", "matched_in_worker", "PROCESS_FROM", "PROCESS_MAX_PLOTS"]

#: Fewest briefs for which the matching goes to a worker process (starting one costs about
#: 0.5 s: the imports and the inventory from the cache).
PROCESS_FROM = 16

#: Most plots (all inventories) for which a worker process holds a second copy of the
#: inventories (about 400 MB at 100,000 plots).
PROCESS_MAX_PLOTS = 500_000


def _key(inv: Any) -> str | None:
    link = getattr(inv, "_cache", None)
    return None if link is None else link.key


def usable(inventories: Sequence[Any], *, n_briefs: int, force: bool = False) -> bool:
    """Whether a worker process can match these inventories: two cores or more, every
    inventory opened from a GeoPackage with the cache on (so that the worker finds its checked
    layers by their content key), geometries repaired (the worker opens them so), at most
    :data:`PROCESS_MAX_PLOTS` plots; and at least :data:`PROCESS_FROM` briefs unless ``force``.
    """
    if (os.cpu_count() or 1) < 2 or not inventories:
        return False
    if not force and n_briefs < PROCESS_FROM:
        return False
    plots = 0
    for inv in inventories:
        key, location = _key(inv), getattr(inv, "location", None)
        if (key is None or not key.endswith(":repair=True") or not location
                or location.startswith(("postgresql://", "postgres://"))
                or not inv._cache.still_attached(inv)):
            return False
        plots += len(inv.attributes("plots"))
    return plots <= PROCESS_MAX_PLOTS


def _worker(conn, locations: list[str], keys: list[str], cache_dirs: list, names: list[str],
            briefs: list, max_rows: int | None, on: dt.date | None) -> None:
    """The worker process: open, check the keys, send ``("outcome", o)`` per brief, then
    ``("end", None)``; ``("stop", why)`` when it cannot go on."""
    from foncier.analysis.batch import _outcomes
    from foncier.core.inventory import open_inventory

    try:
        inventories = [open_inventory(loc, cache_dir=d)
                       for loc, d in zip(locations, cache_dirs, strict=True)]
        found = [_key(inv) for inv in inventories]
        if found != keys:
            conn.send(("stop", "contenu changé depuis l'ouverture"))
            return
        for outcome in _outcomes(inventories, briefs, names, max_rows=max_rows, on=on,
                                 progress=None):
            conn.send(("outcome", outcome))
        conn.send(("end", None))
    except KeyboardInterrupt:       # Ctrl-C reaches the whole process group: the caller says it
        pass
    except BaseException as exc:  # noqa: BLE001 - said to the caller, which goes on alone
        try:
            conn.send(("stop", f"{type(exc).__name__} : {exc}"))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


def matched_in_worker(inventories: Sequence[Any], briefs: Sequence[Any], names: list[str], *,
                      max_rows: int | None, on: dt.date | None,
                      rest: Callable[[int], Iterator[Any]]) -> Iterator[Any]:
    """Each brief's outcome, in order, matched by a worker process; ``rest(k)`` gives those
    from brief ``k`` on, matched here, when the worker stops before the last one.

    Closing the iterator stops the worker (terminated if it is still running)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receiving, sending = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_worker, name="foncier-batch-worker", daemon=True,
        args=(sending, [inv.location for inv in inventories],
              [_key(inv) for inv in inventories],
              [inv._cache.cache_dir for inv in inventories], list(names), list(briefs),
              max_rows, on))
    process.start()
    sending.close()
    done = 0
    try:
        while done < len(briefs):
            try:
                kind, value = receiving.recv()
            except (EOFError, OSError):     # the worker ended without a word
                break
            if kind != "outcome":
                break
            done += 1
            yield value
        if done < len(briefs):
            yield from rest(done)
    finally:
        receiving.close()
        if process.is_alive():
            process.terminate()
        process.join()
