"""``gigstation solve INSTANCE.json [--mode quick|day] [--time-limit S] [-o SOLUTION.json]``."""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import msgspec

from gigstation.solver.api import solve
from gigstation.solver.errors import SolverError
from gigstation.solver.models import Instance

__all__ = ["add_solve_parser", "load_instance", "run_solve"]


def add_solve_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``solve`` sub-command on an ``argparse`` sub-parsers object."""
    parser = subparsers.add_parser("solve", help="match workers to orders in an instance file")
    parser.add_argument("instance", type=Path, help="instance JSON (.json or .json.gz)")
    parser.add_argument("--mode", choices=("quick", "day"), default="quick")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="seconds (day mode)")
    parser.add_argument("-o", "--output", type=Path, help="write the solution here instead of stdout")
    # The main CLI dispatches on `func`; `handler` is kept for callers that use that name.
    parser.set_defaults(func=run_solve, handler=run_solve)


def load_instance(path: Path) -> Instance:
    """Read and validate an instance; ``.gz`` files are decompressed."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return msgspec.json.decode(data, type=Instance)


def run_solve(args: argparse.Namespace) -> int:
    """Solve the instance named in ``args``; 0 on success, 2 on bad input."""
    try:
        instance = load_instance(args.instance)
        solution = solve(instance, args.mode, args.time_limit)
    except OSError as exc:
        print(f"gigstation solve: cannot read {args.instance}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        print(f"gigstation solve: invalid instance {args.instance}: {exc}", file=sys.stderr)
        return 2
    except SolverError as exc:
        print(f"gigstation solve: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    encoded = msgspec.json.format(msgspec.json.encode(solution), indent=2) + b"\n"
    if args.output is None:
        sys.stdout.buffer.write(encoded)
        sys.stdout.buffer.flush()
    else:
        args.output.write_bytes(encoded)
    return 0
