"""The ``netopsbench`` command. Each sub-command lives in its own module with ``register(sub)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import NetopsbenchError

__all__ = ["main"]

# Order is the order of `netopsbench --help`.
_COMMAND_MODULES = (
    "_run",
    "_runtime",
    "_doctor",
    "_fault",
    "_scenario",
    "_benchmark",
    "_report",
    "_trace",
    "_mcp",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netopsbench",
        description="Benchmark AI agents on troubleshooting real emulated leaf-spine networks.",
    )
    parser.add_argument("--version", action="version", version=f"netopsbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except NetopsbenchError as exc:
        print(f"netopsbench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("netopsbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `netopsbench report show ... | head`: the reader left; exit quietly like other CLI tools.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
