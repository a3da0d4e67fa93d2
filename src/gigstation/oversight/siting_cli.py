"""``gigstation plan-stations``: read the CSV files, plan, write the plan as JSON.

Every input problem is reported in Chinese then English with the file and line, and
the command exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import msgspec

from gigstation.oversight.siting import Demand, Site, plan_stations

__all__ = ["PlanFile", "PlanInputError", "add_plan_parser", "read_demand", "read_sites", "run_plan"]

class PlanInputError(Exception):
    """A bad input file or argument, in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class PlanFile(msgspec.Struct, frozen=True):
    """The CLI's output, exactly the documented keys."""

    chosen: list[str]
    covered_before: float | int
    covered_after: float | int
    total: float | int
    optimal: bool


def _rows(path: Path, columns: tuple[str, ...], what_zh: str) -> list[tuple[int, dict[str, str]]]:
    try:
        # utf-8-sig: spreadsheets often save a byte-order mark before the header.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanInputError(f"找不到{what_zh}文件 {path}", f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise PlanInputError(f"{what_zh}文件 {path} 不是 UTF-8 编码", f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise PlanInputError(f"无法读取{what_zh}文件 {path}", f"{path}: cannot read: {exc.strerror}") from None
    try:
        reader = csv.DictReader(text.splitlines())
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in columns if c not in header]
        if missing:
            raise PlanInputError(
                f"{path}: {what_zh}文件缺少列 {', '.join(missing)}（表头应为 {','.join(columns)}）",
                f"{path}: missing column(s) {', '.join(missing)} (the header must be {','.join(columns)})",
            )
        reader.fieldnames = header
        rows = []
        for line_no, row in enumerate(reader, start=2):
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # blank line
            rows.append((line_no, {c: (row.get(c) or "").strip() for c in columns}))
        return rows
    except csv.Error as exc:
        raise PlanInputError(f"{path}: CSV 格式错误：{exc}", f"{path}: malformed CSV: {exc}") from None


def _number(path: Path, line: int, column: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise PlanInputError(
            f"{path} 第 {line} 行：{column} 应为 {low:g} 到 {high:g} 之间的数，实为 {text!r}",
            f"{path} line {line}: {column} must be a number from {low:g} to {high:g}, got {text!r}",
        )
    return value


def read_demand(path: Path) -> list[Demand]:
    """Demand points from a ``lat,lon,weight`` CSV."""
    return [
        Demand(_number(path, n, "lat", r["lat"], -90, 90), _number(path, n, "lon", r["lon"], -180, 180),
               _number(path, n, "weight", r["weight"], 0, 1e12))
        for n, r in _rows(path, ("lat", "lon", "weight"), "需求点")
    ]


def read_sites(path: Path, what_zh: str = "候选点") -> list[Site]:
    """Sites or stations from an ``id,lat,lon`` CSV; ids must be present and unique."""
    sites, seen = [], set()
    for n, r in _rows(path, ("id", "lat", "lon"), what_zh):
        if not r["id"]:
            raise PlanInputError(f"{path} 第 {n} 行：id 为空", f"{path} line {n}: empty id")
        if r["id"] in seen:
            raise PlanInputError(f"{path} 第 {n} 行：id {r['id']!r} 重复",
                                 f"{path} line {n}: duplicate id {r['id']!r}")
        seen.add(r["id"])
        sites.append(Site(r["id"], _number(path, n, "lat", r["lat"], -90, 90),
                          _number(path, n, "lon", r["lon"], -180, 180)))
    return sites


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def run_plan(args: argparse.Namespace) -> int:
    """The command: 0 on success, 2 on bad input."""
    try:
        if args.k < 0:
            raise PlanInputError("k 不能为负数", "k must not be negative")
        if not args.radius_m > 0:
            raise PlanInputError("半径须为正数", "--radius-m must be positive")
        demand = read_demand(args.demand)
        candidates = read_sites(args.candidates)
        existing = read_sites(args.existing, "现有驿站") if args.existing else []
        if args.k > len(candidates):
            raise PlanInputError(f"k={args.k} 超过候选点数量 {len(candidates)}",
                                 f"k={args.k} is more than the {len(candidates)} candidate sites")
    except PlanInputError as exc:
        print(f"gigstation plan-stations: {exc.zh}\n  {exc.en}", file=sys.stderr)
        return 2
    plan = plan_stations(demand, candidates, existing, args.k, args.radius_m, time_limit_s=args.time_limit)
    out = PlanFile(plan.chosen, _whole(plan.covered_before), _whole(plan.covered_after),
                   _whole(plan.total), plan.optimal)
    encoded = msgspec.json.format(msgspec.json.encode(out), indent=2) + b"\n"
    if args.output is None:
        sys.stdout.buffer.write(encoded)
        sys.stdout.buffer.flush()
    else:
        try:
            args.output.write_bytes(encoded)
        except OSError as exc:
            print(f"gigstation plan-stations: 无法写入 {args.output}\n  cannot write {args.output}: "
                  f"{exc.strerror}", file=sys.stderr)
            return 2
    if not plan.optimal:
        print("gigstation plan-stations: 时限内未证明最优 / not proven optimal within the time limit",
              file=sys.stderr)
    return 0


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数 / must be a whole number, got {text!r}") from None


def _metres(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"应为正数（米）/ must be a positive number of metres, got {text!r}")
    return value


def add_plan_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``plan-stations``."""
    p = subparsers.add_parser(
        "plan-stations", help="choose k new station sites covering the most demand (MCLP, proven optimal)")
    p.add_argument("--demand", type=Path, required=True, help="CSV with header lat,lon,weight")
    p.add_argument("--candidates", type=Path, required=True, help="CSV with header id,lat,lon")
    p.add_argument("--existing", type=Path, help="CSV with header id,lat,lon (stations already open)")
    p.add_argument("--k", type=_whole_number, required=True, help="number of new stations")
    p.add_argument("--radius-m", type=_metres, default=1500.0, help="reach in metres (default 1500)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="stop the search after S seconds (then optimal may be false)")
    p.add_argument("-o", "--output", type=Path, help="write the plan here instead of stdout")
    p.set_defaults(func=run_plan)
