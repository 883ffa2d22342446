"""Benchmarks: not pass/fail tests and not part of `make test`.

Each ``tests/bench/bench_<name>.py`` exposes ``run(args: list[str]) -> dict``; ``python -m tests.bench [name]``
(``make bench``) runs them, prints a table and writes ``.local/bench/<name>.json``. Record the figures in
``docs/BENCHMARKS.md``.
"""
