"""Reference data shipped in the package: skill taxonomy and labour rules (minimum wage)."""

from __future__ import annotations

import functools
from datetime import date
from importlib import resources
from pathlib import Path

import msgspec

__all__ = ["MinimumWage", "Skill", "minimum_wage", "minimum_wages", "skill", "skills"]


class Skill(msgspec.Struct, frozen=True):
    """One job type; ``certificate`` names the licence it needs, if any."""

    code: str
    zh: str
    en: str
    certificate: str | None = None


class MinimumWage(msgspec.Struct, frozen=True):
    region: str
    effective_from: date
    hourly_fen: int
    monthly_fen: int
    source: str = ""


class _SkillFile(msgspec.Struct):
    skills: list[Skill]
    about: str = ""


class _RulesFile(msgspec.Struct):
    minimum_wage: list[MinimumWage]


@functools.cache
def skills() -> dict[str, Skill]:
    """The taxonomy by code."""
    raw = resources.files("gigstation.data").joinpath("skills.json").read_bytes()
    return {s.code: s for s in msgspec.json.decode(raw, type=_SkillFile).skills}


def skill(code: str) -> Skill | None:
    """One skill, or None if the code is not in the taxonomy."""
    return skills().get(code)


@functools.cache
def _wage_table(path: str | None) -> tuple[MinimumWage, ...]:
    if path is None:
        raw = resources.files("gigstation.data").joinpath("labour-rules.json").read_bytes()
    else:
        raw = Path(path).read_bytes()
    rules = msgspec.json.decode(raw, type=_RulesFile, strict=False)
    return tuple(sorted(rules.minimum_wage, key=lambda m: (m.region, m.effective_from)))


def minimum_wages(rules_file: str | None = None) -> tuple[MinimumWage, ...]:
    """Every shipped minimum wage entry (the starting data of the office's table)."""
    return _wage_table(rules_file)


def minimum_wage(region: str, on: date, rules_file: str | None = None) -> MinimumWage | None:
    """The minimum wage in force in ``region`` on ``on`` (latest effective_from <= on)."""
    in_force = None
    for rule in _wage_table(rules_file):
        if rule.region == region and rule.effective_from <= on:
            in_force = rule
    return in_force


