"""Start-up timeline of the app, for the opening benchmark (``benchmarks/bench_app_open.py``).

With the environment variable ``FONCIER_BENCH_FIRST_PAINT`` set, the app records named moments
of its start (PySide6 imported, window built, inventory read, views' data computed, map scene
built, first frame painted...), prints them on stdout when the map's first frame with the plots
is painted, one line ``foncier-timeline NAME SECONDS`` each, and quits:

- ``FONCIER_BENCH_FIRST_PAINT=map`` (or ``1``): at the first painted frame of the map with the
  inventory's plots (before the first match's statuses);
- ``FONCIER_BENCH_FIRST_PAINT=result``: at the first painted frame with the first match's
  statuses.

Seconds count from ``FONCIER_BENCH_T0`` (a ``time.time()`` wall-clock stamp the parent takes just
before it starts the process) when given, else from the process's start as the kernel records it
(Linux, 10 ms resolution), else from this module's import. Without the variable, :func:`mark`
does nothing (one dictionary look-up).

Examples
--------
>>> timeline = Timeline(enabled=True, t0=0.0)
>>> timeline.mark("window", at=1.25)
>>> timeline.mark("window", at=2.0)          # the first time counts
>>> timeline.lines()
['foncier-timeline window 1.250']
>>> Timeline(enabled=False).lines()
[]
"""

from __future__ import annotations

import os
import time

__all__ = ["Timeline", "TIMELINE", "mark", "bench_mode", "process_start_time"]

ENV_MODE = "FONCIER_BENCH_FIRST_PAINT"
ENV_T0 = "FONCIER_BENCH_T0"
PREFIX = "foncier-timeline"


def process_start_time() -> float | None:
    """The wall-clock time this process started (Linux ``/proc``), or None elsewhere."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])             # field 22: starttime, in clock ticks
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return time.time() - uptime + start_ticks / ticks


def bench_mode() -> str | None:
    """``map`` or ``result`` when the benchmark hook is on, else None."""
    value = os.environ.get(ENV_MODE, "").strip().lower()
    if value in ("", "0", "no", "false"):
        return None
    return "result" if value == "result" else "map"


class Timeline:
    """Named moments (wall-clock seconds since ``t0``), the first of each name kept."""

    def __init__(self, *, enabled: bool, t0: float | None = None):
        self.enabled = enabled
        self.t0 = t0
        self.marks: dict[str, float] = {}

    def mark(self, name: str, *, at: float | None = None) -> None:
        """Record a moment (now by default) unless one of that name is already recorded."""
        if self.enabled and name not in self.marks:
            self.marks[name] = time.time() if at is None else at

    def lines(self) -> list[str]:
        """One ``foncier-timeline NAME SECONDS`` line per moment, in time order."""
        t0 = self.t0 or 0.0
        return [f"{PREFIX} {name} {at - t0:.3f}"
                for name, at in sorted(self.marks.items(), key=lambda kv: kv[1])]


def _t0() -> float:
    raw = os.environ.get(ENV_T0)
    if raw:
        try:
            return float(raw)
        except ValueError:
            pass
    return process_start_time() or time.time()


TIMELINE = Timeline(enabled=bench_mode() is not None,
                    t0=_t0() if bench_mode() is not None else None)


def mark(name: str) -> None:
    """Record a moment of the start-up (when the benchmark hook is on)."""
    TIMELINE.mark(name)
