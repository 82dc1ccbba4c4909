"""A batch's briefs matched in a worker process, while the calling process writes the workbook.

:func:`~foncier.analysis.batch.run_batch_to_file` writes each brief's sheets while the next
brief is matched. On a worker thread both share the interpreter's lock, which most of either
holds (pandas, the texts of the reasons and sentences): 200 briefs x 100,000 plots took 14-15 s
against 7 s for the matching and 8 s for the writing alone. In a process of its own (a new
interpreter: a forked process would inherit the locks of the parent's threads), the matching
has its own lock.

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
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["usable", "matched_in_worker", "PROCESS_FROM", "PROCESS_MAX_PLOTS"]

#: Fewest briefs for which the matching goes to a worker process (starting one costs about
#: 0.5 s: the imports and the inventory from the cache).
PROCESS_FROM = 16

#: Most plots (all inventories) for which a worker process holds a second copy of the
#: inventories (about 400 MB at 100,000 plots).
PROCESS_MAX_PLOTS = 500_000


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
        key, location = inv.cache_key, inv.location
        if (key is None or not key.endswith(":repair=True") or not location
                or location.startswith(("postgresql://", "postgres://"))):
            return False
        plots += len(inv.attributes("plots"))
    return plots <= PROCESS_MAX_PLOTS


def _send(out, kind: str, value: Any = None) -> None:
    pickle.dump((kind, value), out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _work(job: dict, out) -> None:
    """Open, check the keys, send ``("outcome", o)`` per brief, then ``("end", None)``;
    ``("stop", why)`` when it cannot go on."""
    from foncier.analysis.batch import _outcomes
    from foncier.core.inventory import open_inventory
    from foncier.io.fingerprint import fingerprint_file

    places = list(zip(job["locations"], job["cache_dirs"], job["keys"], strict=True))
    # A file changed since the caller opened it is refused on its fingerprint (the memo's, or
    # its bytes hashed: 0.07 s at 100,000 plots), before its layers would be read and checked.
    if any(fingerprint_file(loc, cache_dir=d) != key.removesuffix(":repair=True")
           for loc, d, key in places):
        _send(out, "stop", "contenu changé depuis l'ouverture")
        return
    inventories = [open_inventory(loc, cache_dir=d) for loc, d, _ in places]
    if [inv.cache_key for inv in inventories] != job["keys"]:
        _send(out, "stop", "contenu changé depuis l'ouverture")
        return
    for outcome in _outcomes(inventories, job["briefs"], job["names"],
                             max_rows=job["max_rows"], on=job["on"], progress=None):
        _send(out, "outcome", outcome)
    _send(out, "end")


def main() -> int:
    """The worker process (started by :func:`matched_in_worker`): its job, pickled, on
    standard input; its messages, pickled, on what was its standard output (which is then
    the standard error, so that nothing else printed reaches the pipe)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        job = pickle.load(sys.stdin.buffer)
        _work(job, out)
    except KeyboardInterrupt:       # Ctrl-C reaches the whole process group: the caller says it
        return 130
    except BrokenPipeError:         # the caller stopped reading: it has gone on without us
        return 1
    except BaseException as exc:  # noqa: BLE001 - said to the caller, which goes on alone
        try:
            _send(out, "stop", f"{type(exc).__name__} : {exc}")
        except OSError:
            pass
        return 1
    finally:
        try:
            out.close()
        except OSError:
            pass
    return 0


def matched_in_worker(inventories: Sequence[Any], briefs: Sequence[Any], names: list[str], *,
                      max_rows: int | None, on: dt.date | None,
                      rest: Callable[[int], Iterator[Any]]) -> Iterator[Any]:
    """Each brief's outcome, in order, matched by a worker process; ``rest(k)`` gives those
    from brief ``k`` on, matched here, when the worker stops before the last one.

    The worker is this interpreter running this module (not :mod:`multiprocessing`, which
    would run the calling script again in it when the script has no ``__main__`` guard).
    Closing the iterator stops the worker (terminated if it is still running)."""
    import subprocess
    from pathlib import Path

    import foncier

    home = str(Path(foncier.__file__).resolve().parent.parent)
    job = {"locations": [inv.location for inv in inventories],
           "keys": [inv.cache_key for inv in inventories],
           "cache_dirs": [inv.cache_dir for inv in inventories],
           "names": list(names), "briefs": list(briefs), "max_rows": max_rows, "on": on}
    process = subprocess.Popen([sys.executable, "-c", _BOOT, home],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    done = 0
    try:
        try:
            pickle.dump(job, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.close()
        except OSError:                 # the worker ended at once
            pass
        while done < len(briefs):
            try:
                kind, value = pickle.load(process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):   # ended without a word
                break
            if kind != "outcome":
                break
            done += 1
            yield value
        if done < len(briefs):
            yield from rest(done)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait()
        process.stdout.close()



#: The worker's first lines: the foncier this process imported (from ``sys.argv[1]``, its
#: folder), not one the current folder would hold, and without the user's folders put first.
_BOOT = ("import sys; home = sys.argv[1]; "
         "sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
         "home in sys.path or sys.path.insert(0, home); "
         "from foncier.analysis.batch_worker import main; sys.exit(main())")
