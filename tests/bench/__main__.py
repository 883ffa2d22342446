"""Benchmark runner: ``python -m tests.bench [name ...] [-- bench args]``.

Without names every ``bench_*.py`` in this folder runs. Arguments after ``--`` go to each bench's
``run(args)``. Results are printed as a table and saved to ``.local/bench/<name>.json`` (with the host
and the time of the run) so numbers can be compared and copied into docs/BENCHMARKS.md.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent.parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def _flatten(result: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in result.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def main(argv: list[str]) -> int:
    if "--" in argv:
        split = argv.index("--")
        names, bench_args = argv[:split], argv[split + 1 :]
    else:
        names, bench_args = argv, []
    if any(n in ("-h", "--help") for n in names):
        print(__doc__)
        print("available:", ", ".join(available()))
        return 0
    names = names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    console = Console()
    out_dir = Path(os.environ.get("PERPDEX_LOCAL_DIR", ROOT / ".local")) / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        module = importlib.import_module(f"tests.bench.bench_{name}")
        console.print(f"[bold]bench {name}[/] …")
        started = time.perf_counter()
        result = module.run(list(bench_args))
        elapsed = time.perf_counter() - started
        record = {
            "bench": name,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "wall_s": round(elapsed, 2),
            "result": result,
        }
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(record, indent=2, default=str) + "\n")
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        table = Table(title=f"bench {name} ({elapsed:.1f} s) → {shown}")
        table.add_column("metric", no_wrap=True)
        table.add_column("value", justify="right")
        for key, value in _flatten(result):
            table.add_row(key, _fmt(value))
        console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
