"""Determinism, time-limited day solves, input validation and the CLI."""

from __future__ import annotations

import argparse
import gzip
import random
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from gigstation.solver import Instance, Pair, Solution, solve
from gigstation.solver.cli import add_solve_parser, run_solve
from gigstation.solver.models import Mode
from gigstation.solver.reference import check_solution

MakeInstance = Callable[..., Instance]


def _without_time(solution: Solution) -> bytes:
    return msgspec.json.encode(msgspec.structs.replace(solution, solve_ms=0.0))


@pytest.mark.parametrize("mode", ["quick", "day"])
def test_same_instance_in_any_order_gives_the_identical_solution(
    mode: Mode, make_random_instance: MakeInstance
) -> None:
    instance = make_random_instance(7, 80, 25)
    rng = random.Random(0)
    workers, orders = list(instance.workers), list(instance.orders)
    rng.shuffle(workers)
    rng.shuffle(orders)
    shuffled = Instance(workers, orders, instance.params, instance.pinned, list(reversed(instance.forbidden)))
    first = solve(instance, mode)
    assert check_solution(instance, first, mode) == []
    assert _without_time(first) == _without_time(solve(instance, mode))
    assert _without_time(first) == _without_time(solve(shuffled, mode))


def test_time_limited_day_solve_reports_a_bound(make_random_instance: MakeInstance) -> None:
    instance = make_random_instance(11, 400, 120)
    solution = solve(instance, "day", time_limit_s=0.001)
    assert check_solution(instance, solution, "day") == []
    if not solution.optimal:
        assert solution.bound is not None
        assert solution.bound.key() >= solution.objective.key()


@pytest.mark.parametrize(
    "patch",
    [
        {"lat": 91.0},
        {"available_from": "2026-11-22T07:00:00"},  # no offset
        {"available_until": "2026-11-22T06:00:00+08:00"},  # before available_from
        {"colour": "red"},  # unknown field
        {"priority": -1},
    ],
)
def test_invalid_workers_are_rejected(patch: dict[str, object]) -> None:
    worker = {
        "id": "w1", "lat": 31.15, "lon": 121.12, "skills": ["moving"],
        "available_from": "2026-11-22T07:00:00+08:00", "available_until": "2026-11-22T18:00:00+08:00",
        "max_distance_m": 8000,
    }  # fmt: skip
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"workers": [{**worker, **patch}], "orders": []}, type=Instance)


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="duplicate worker ids: w1"):
        msgspec.json.decode(b'{"workers": [%s, %s], "orders": []}' % (_W, _W), type=Instance)


_W = (
    b'{"id": "w1", "lat": 31.15, "lon": 121.12, "skills": ["moving"], "available_from": "2026-11-22T07:00:00+08:00",'
    b' "available_until": "2026-11-22T18:00:00+08:00", "max_distance_m": 8000}'
)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="gigstation")
    add_solve_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["solve", *argv])


def test_cli_writes_a_solution(tmp_path: Path, make_random_instance: MakeInstance) -> None:
    instance = make_random_instance(5, 30, 10)
    source = tmp_path / "instance.json.gz"
    source.write_bytes(gzip.compress(msgspec.json.encode(instance)))
    target = tmp_path / "solution.json"
    assert run_solve(_args(str(source), "--mode", "day", "--time-limit", "5", "-o", str(target))) == 0
    written = msgspec.json.decode(target.read_bytes(), type=Solution)
    assert written.mode == "day"
    assert check_solution(instance, written, "day") == []


def test_cli_reports_invalid_pins_and_bad_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_random_instance: MakeInstance
) -> None:
    instance = make_random_instance(5, 30, 10)
    bad = Instance(instance.workers, instance.orders, pinned=[Pair("ghost", instance.orders[0].id)])
    source = tmp_path / "bad.json"
    source.write_bytes(msgspec.json.encode(bad))
    assert run_solve(_args(str(source))) == 2
    assert "InvalidPin" in capsys.readouterr().err
    source.write_bytes(b'{"workers": [], "orders": [], "extra": 1}')
    assert run_solve(_args(str(source))) == 2
    assert "invalid instance" in capsys.readouterr().err
    assert run_solve(_args(str(tmp_path / "missing.json"))) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_prints_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "empty.json"
    source.write_bytes(b'{"workers": [], "orders": []}')
    assert run_solve(_args(str(source))) == 0
    assert msgspec.json.decode(capsys.readouterr().out, type=Solution).optimal
