"""Tests of foncier.io.threads: work beside the caller, memory given back, Arrow's pool."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from foncier.io.threads import ARROW_POOL_ENV, prefer_arrow_pool, started

linux_jemalloc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or "jemalloc" not in pa.supported_memory_backends(),
    reason="jemalloc is chosen on Linux, where Arrow's wheels have it")


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter, without ``ARROW_DEFAULT_MEMORY_POOL`` unless given."""
    base = {k: v for k, v in os.environ.items() if k != ARROW_POOL_ENV}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=base | env,
                          capture_output=True, text=True, check=True, timeout=120)


def test_started_gives_the_value_and_the_exception():
    assert started(sum, [1, 2]).result() == 3
    with pytest.raises(ValueError, match="invalid literal"):
        started(int, "x").result()


@linux_jemalloc
def test_prefer_arrow_pool_makes_arrow_allocate_with_jemalloc():
    done = _python("""
        import os, sys
        from foncier.io.threads import prefer_arrow_pool
        print(prefer_arrow_pool(), os.environ["ARROW_DEFAULT_MEMORY_POOL"])
        import pyarrow as pa
        pa.array(["a", "b"])
        print(pa.default_memory_pool().backend_name)
    """)
    assert done.stdout.split() == ["jemalloc", "jemalloc", "jemalloc"]
    assert done.stderr == ""


def test_prefer_arrow_pool_keeps_the_users_pool():
    done = _python("""
        from foncier.io.threads import prefer_arrow_pool
        print(prefer_arrow_pool())
        import pyarrow as pa
        pa.array([1])
        print(pa.default_memory_pool().backend_name)
    """, ARROW_DEFAULT_MEMORY_POOL="system")
    assert done.stdout.split() == ["None", "system"]


def test_prefer_arrow_pool_leaves_a_loaded_arrow_alone(monkeypatch):
    monkeypatch.delenv(ARROW_POOL_ENV, raising=False)
    assert "pyarrow" in sys.modules
    assert prefer_arrow_pool() is None
    assert ARROW_POOL_ENV not in os.environ


@linux_jemalloc
def test_foncier_match_and_its_children_allocate_with_jemalloc(tmp_path):
    # The match command's own process (run() ends it with os._exit, after the exit handlers), and a
    # process it starts inherits the choice.
    brief = tmp_path / "b.toml"
    brief.write_text('name = "x"\n[land]\nmin_area_ha = 1\n', encoding="utf-8")
    done = _python(f"""
        import atexit, subprocess, sys
        def said():
            import pyarrow as pa
            child = subprocess.run([sys.executable, "-c", "import pyarrow as pa; "
                                    "print(pa.default_memory_pool().backend_name)"],
                                   capture_output=True, text=True)
            print("pool", pa.default_memory_pool().backend_name, child.stdout.strip())
        atexit.register(said)
        sys.argv = ["foncier", "match", "--project", {str(brief)!r}]
        from foncier.cli.main import run
        run()
    """)
    assert done.stdout.splitlines()[-1] == "pool jemalloc jemalloc"
    assert "Unsupported" not in done.stderr
