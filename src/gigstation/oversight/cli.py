"""The oversight sub-commands, registered on the main parser in one call."""

from __future__ import annotations

import argparse

from gigstation.oversight.siting_cli import add_plan_parser

__all__ = ["add_oversight_parsers"]


def add_oversight_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``plan-stations`` and ``purge``."""
    add_plan_parser(subparsers)
