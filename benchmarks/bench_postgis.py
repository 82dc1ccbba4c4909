"""PostGIS against GeoPackage: the same 100 000-plot inventory opened from each, then matched.

The synthetic inventory of :mod:`synthetic` (built in ``benchmarks/out/`` when missing) is loaded
into a fresh schema ``bench_speed_<random>`` of the server named by ``FONCIER_BENCH_PG`` (or
``FONCIER_TEST_PG``), the schema is dropped at the end (even on error), and no other schema is
touched. Then, medians of ``--repeats`` runs in this process, each without the cache
(``cache=False``):

- ``open``: ``foncier.open_inventory(source, cache=False)`` (read and check the layers);
- ``geometry``: ``inventory.geometry`` (the same work for both sources);
- ``match + table``: the bundled ``batteries.toml`` brief and its full result table.

Target: the PostGIS total within 2x of the GeoPackage total.

Usage::

    FONCIER_BENCH_PG=postgresql://user:pass@host:port/db python benchmarks/bench_postgis.py
    python benchmarks/bench_postgis.py --plots 20000 --repeats 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
BRIEF = HERE.parent / "sample_data" / "briefs" / "batteries.toml"


def _inventory(plots: int) -> Path:
    n_cons, n_infra = plots // 5, max(plots // 50, 50)
    path = OUT_DIR / f"synthetic_{plots}p_{n_cons}c_{n_infra}i_s0.gpkg"
    if not path.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(path), "--plots",
                        str(plots), "--constraints", str(n_cons), "--infra", str(n_infra)],
                       check=True)
    return path


def _once(source: str, schema: str | None) -> dict[str, float]:
    import foncier

    out: dict[str, float] = {}
    t = time.perf_counter()
    inv = foncier.open_inventory(source, schema=schema, cache=False)
    out["open"] = time.perf_counter() - t
    t = time.perf_counter()
    _ = inv.geometry
    out["geometry"] = time.perf_counter() - t
    t = time.perf_counter()
    res = foncier.match(inv, foncier.read_brief(BRIEF), on=dt.date(2026, 1, 1))
    _ = res.table
    out["match + table"] = time.perf_counter() - t
    out["total"] = sum(out.values())
    out["plots"] = len(inv.plots)
    return out


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("FONCIER_BENCH_PG") or os.environ.get("FONCIER_TEST_PG")
    if not url:
        sys.exit("set FONCIER_BENCH_PG (or FONCIER_TEST_PG) to a PostGIS server's URL")
    import psycopg
    from psycopg import sql

    import foncier

    gpkg = _inventory(args.plots)
    schema = f"bench_speed_{secrets.token_hex(4)}"
    try:
        t = time.perf_counter()
        foncier.write_inventory(foncier.open_inventory(gpkg, cache=False), url, schema=schema)
        print(f"inventory {gpkg.name} loaded into schema {schema} in "
              f"{time.perf_counter() - t:.1f} s; medians of {args.repeats}\n", flush=True)
        res = {"GeoPackage": [], "PostGIS": []}
        for _ in range(args.repeats):          # alternate, so that load changes hit both
            res["GeoPackage"].append(_once(str(gpkg), None))
            res["PostGIS"].append(_once(url, schema))
        med = {k: _median(v) for k, v in res.items()}
        phases = ["open", "geometry", "match + table", "total"]
        print(f"{'source':<12}" + "".join(f"{p:>15}" for p in phases) + f"{'plots':>9}")
        for name, m in med.items():
            print(f"{name:<12}" + "".join(f"{m[p]:>13.2f} s" for p in phases)
                  + f"{int(m['plots']):>9}")
        ratio = med["PostGIS"]["total"] / med["GeoPackage"]["total"]
        read = med["PostGIS"]["open"] / med["GeoPackage"]["open"]
        print(f"\nPostGIS / GeoPackage: total {ratio:.2f} (target <= 2: "
              f"{'PASS' if ratio <= 2 else 'MISS'}), open alone {read:.2f}")
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(schema)))
        print(f"schema {schema} dropped")


if __name__ == "__main__":
    main()
