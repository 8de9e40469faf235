"""Run every benchmark of the project and print one table (`make bench`).

Each benchmark module exposes `measure() -> list[dict[str, str]]`, rows with the keys
benchmark, subject, figure and value; ratios are against a baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import time

from rich.console import Console
from rich.table import Table

MODULES = (
    "scripts.bench.bench_face",
    "scripts.bench.bench_double",
    "scripts.bench.bench_proxy",
    "scripts.bench.bench_journey",
)


def main() -> int:
    # Wide enough for one row per line when the output is piped or saved.
    console = Console(width=140)
    table = Table(title="apij benchmarks (this machine, one run)")
    for column in ("benchmark", "subject", "figure", "value"):
        table.add_column(column, justify="right" if column == "value" else "left")
    started = time.perf_counter()
    for name in MODULES:
        console.print(f"[bold]running {name}…[/bold]")
        module = importlib.import_module(name)
        for row in module.measure():
            table.add_row(row["benchmark"], row["subject"], row["figure"], row["value"])
        table.add_section()
    console.print(table)
    console.print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
