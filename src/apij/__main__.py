"""The ``apij`` script (and ``python -m apij``): the CLI, or one line naming the extra it needs."""

from __future__ import annotations

import sys

CLI_EXTRA_MISSING = "apij: the command-line tool needs the cli extra: pip install 'apij[cli]'"
# What `apij[cli]` brings (click comes with typer): a service installing plain `apij` has none.
_CLI_STACK = ("typer", "rich", "click")


def main() -> None:
    """Console-script entry point: run the CLI when its extra is installed."""
    try:
        from apij.cli import main as cli_main
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _CLI_STACK:
            raise
        print(CLI_EXTRA_MISSING, file=sys.stderr)
        sys.exit(2)
    cli_main()


if __name__ == "__main__":
    main()
