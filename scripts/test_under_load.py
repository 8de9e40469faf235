"""`make test-under-load`: the suite, several runs in a row, with CPU-bound processes beside it.

A suite that passes only on an idle machine stops work landing on shared CI. This runs
`make test` `--runs` times (5 by default) while `--burners` processes (2 by default, as many as
this machine's cores) spin the CPU for the whole time, and fails if any run fails. Each burner
stops by itself after `--limit` seconds, and all are killed when the runs end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from scripts.project import ROOT

# A busy loop that ends by itself: no process outlives a forgotten run.
_BURN = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burners", type=int, default=2)
    parser.add_argument("--limit", type=float, default=3600.0, help="a burner's lifetime (s)")
    args = parser.parse_args(argv)
    code = _BURN.format(limit=args.limit)
    burners = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(args.burners)]
    results: list[tuple[int, float]] = []
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            status = subprocess.call(["make", "--no-print-directory", "test"], cwd=ROOT)
            results.append((status, time.monotonic() - started))
            print(
                f"test-under-load: run {run}/{args.runs}: "
                f"{'passed' if status == 0 else f'FAILED (exit {status})'} "
                f"in {results[-1][1]:.0f} s, {args.burners} CPU-bound processes beside it",
                flush=True,
            )
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    failed = sum(1 for status, _ in results if status != 0)
    print(f"test-under-load: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
