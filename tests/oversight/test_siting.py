"""The station planner against brute force, its reductions, and the CLI's inputs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.cli import main
from gigstation.oversight.siting import Demand, Site, coarsen, coverage_of, plan_stations


def _covered(demand: list[Demand], stations: list[Site], radius: float) -> float:
    return sum(d.weight for d in demand
               if any(great_circle((d.lat, d.lon), (s.lat, s.lon)).meters <= radius for s in stations))


def brute_force(demand: list[Demand], candidates: list[Site], existing: list[Site], k: int,
                radius: float) -> float:
    return max(_covered(demand, existing + list(combo), radius)
               for combo in itertools.combinations(candidates, k))


# A 0.04-degree box (about 4 km): radii of 500 to 3000 m leave every case non-trivial.
_lat = st.floats(31.10, 31.14)
_lon = st.floats(121.10, 121.14)
_weight = st.one_of(st.integers(0, 9).map(float), st.sampled_from([0.5, 1.25, 2.001]))
_demand = st.lists(st.builds(Demand, _lat, _lon, _weight), max_size=9)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Demand], list[Site], list[Site], int, float]:
    demand = draw(_demand)
    # Duplicate points and sites are drawn on purpose: they exercise the merging.
    if demand and draw(st.booleans()):
        demand.append(draw(st.sampled_from(demand)))
    n = draw(st.integers(0, 6))
    candidates = [Site(f"c{i}", draw(_lat), draw(_lon)) for i in range(n)]
    if candidates and draw(st.booleans()):
        twin = draw(st.sampled_from(candidates))
        candidates.append(Site(f"c{n}", twin.lat, twin.lon))
    existing = [Site(f"e{i}", draw(_lat), draw(_lon)) for i in range(draw(st.integers(0, 2)))]
    k = draw(st.integers(0, len(candidates)))
    radius = draw(st.sampled_from([500.0, 1000.0, 1500.0, 3000.0]))
    return demand, candidates, existing, k, radius


@settings(max_examples=150, deadline=None)
@given(cases())
def test_planner_equals_brute_force(case: tuple[list[Demand], list[Site], list[Site], int, float]) -> None:
    demand, candidates, existing, k, radius = case
    plan = plan_stations(demand, candidates, existing, k, radius)
    assert plan.optimal
    assert len(plan.chosen) == len(set(plan.chosen)) == k
    chosen = [s for s in candidates if s.id in plan.chosen]
    assert plan.covered_after == pytest.approx(_covered(demand, existing + chosen, radius), abs=1e-6)
    assert plan.covered_after == pytest.approx(brute_force(demand, candidates, existing, k, radius), abs=1e-6)
    assert plan.covered_before == pytest.approx(_covered(demand, existing, radius), abs=1e-6)
    assert plan.total == pytest.approx(sum(d.weight for d in demand), abs=1e-6)


def test_a_known_answer_and_its_reductions() -> None:
    # Three clusters 5 km apart; the existing station covers the first. With k=1 the best
    # site is the one over the heavier uncovered cluster, not the one duplicating cover.
    a, b, c = (31.10, 121.10), (31.145, 121.10), (31.19, 121.10)
    demand = [Demand(*a, 5), Demand(*a, 5), Demand(*b, 3), Demand(*c, 4), Demand(*c, 4)]
    candidates = [Site("over_a", *a), Site("over_b", *b), Site("over_c", *c), Site("copy_c", *c)]
    plan = plan_stations(demand, candidates, [Site("old", *a)], 1, 1500)
    assert (plan.chosen, plan.covered_before, plan.covered_after, plan.total, plan.optimal) == (
        ["over_c"], 10.0, 18.0, 21.0, True)
    # Identical points merged, the covered cluster and the duplicate site dropped.
    assert (plan.stats.demand_groups, plan.stats.sites_kept) == (2, 2)
    two = plan_stations(demand, candidates, [Site("old", *a)], 2, 1500)
    assert sorted(two.chosen) == ["over_b", "over_c"] and two.covered_after == 21.0
    # More sites than useful ones: padded in input order, nothing more covered.
    four = plan_stations(demand, candidates, [Site("old", *a)], 4, 1500)
    assert len(four.chosen) == 4 and four.covered_after == 21.0


def test_the_boundary_is_geopys() -> None:
    site = Site("s", 31.1, 121.1)
    point = Demand(31.1 + 0.0134, 121.1, 1)
    exact = great_circle((point.lat, point.lon), (site.lat, site.lon)).meters
    assert coverage_of([point], [site], exact)[0, 0]
    assert not coverage_of([point], [site], exact - 1e-7)[0, 0]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="k must be"):
        plan_stations([], [Site("a", 0, 0)], [], 2, 1500)
    with pytest.raises(ValueError, match="non-negative"):
        plan_stations([Demand(0, 0, -1)], [Site("a", 0, 0)], [], 1, 1500)


def test_coarsen_is_a_500_m_grid() -> None:
    lat, lon = coarsen(31.1234, 121.1234)
    # The cell centre is within half a cell diagonal of the point, and nearby points share it.
    assert great_circle((lat, lon), (31.1234, 121.1234)).meters <= 360
    assert coarsen(lat + 0.0001, lon + 0.0001) == (lat, lon)
    far = coarsen(31.1234 + 0.01, 121.1234)
    assert far != (lat, lon)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_writes_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = _write(tmp_path / "d.csv", "lat,lon,weight\n31.10,121.10,5\n31.19,121.10,4\n\n")
    sites = _write(tmp_path / "s.csv", "\ufeffid,lat,lon\nA,31.10,121.10\nB,31.19,121.10\n")
    old = _write(tmp_path / "e.csv", "id,lat,lon\nX,31.10,121.101\n")
    out = tmp_path / "plan.json"
    args = ["plan-stations", "--demand", str(demand), "--candidates", str(sites), "--existing", str(old),
            "--k", "1", "--radius-m", "1500"]
    assert main([*args, "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == {"chosen": ["B"], "covered_before": 5, "covered_after": 9,
                                           "total": 9, "optimal": True}
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["chosen"] == ["B"]


@pytest.mark.parametrize(("demand", "sites", "k", "zh", "en"), [
    ("lat,lon\n1,2\n", "id,lat,lon\nA,1,2\n", "1", "缺少列 weight", "missing column(s) weight"),
    ("lat,lon,weight\n1,x,2\n", "id,lat,lon\nA,1,2\n", "1", "第 2 行：lon", "line 2: lon must be a number"),
    ("lat,lon,weight\n91,1,2\n", "id,lat,lon\nA,1,2\n", "1", "lat 应为", "lat must be a number from -90 to 90"),
    ("lat,lon,weight\n1,1,-2\n", "id,lat,lon\nA,1,2\n", "1", "weight 应为", "weight must be a number from 0"),
    ("lat,lon,weight\n1,1,nan\n", "id,lat,lon\nA,1,2\n", "1", "weight 应为", "weight must be"),
    ("lat,lon,weight\n1,1,2\n", "id,lat,lon\nA,1,2\n", "2", "超过候选点数量", "more than the 1 candidate"),
    ("lat,lon,weight\n1,1,2\n", "id,lat,lon\nA,1,2\nA,1,3\n", "1", "id 'A' 重复", "line 3: duplicate id"),
    ("lat,lon,weight\n1,1,2\n", "id,lat,lon\n,1,2\n", "1", "id 为空", "line 2: empty id"),
    ("lat,lon,weight\n1,1,2\n", "id,lat,lon\nA,1,2\n", "-1", "不能为负数", "must not be negative"),
    ("lat,lon,weight\n1,1,2\n", "name,lat,lon\nA,1,2\n", "1", "缺少列 id", "missing column(s) id"),
])
def test_cli_explains_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], demand: str, sites: str,
                                k: str, zh: str, en: str) -> None:
    d = _write(tmp_path / "d.csv", demand)
    s = _write(tmp_path / "s.csv", sites)
    assert main(["plan-stations", "--demand", str(d), "--candidates", str(s), "--k", k,
                 "--radius-m", "1500"]) == 2
    err = capsys.readouterr().err
    assert zh in err and en in err, err
    assert "Traceback" not in err


def test_cli_explains_missing_and_binary_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = _write(tmp_path / "s.csv", "id,lat,lon\nA,1,2\n")
    assert main(["plan-stations", "--demand", str(tmp_path / "nope.csv"), "--candidates", str(s),
                 "--k", "1", "--radius-m", "1500"]) == 2
    assert "找不到" in capsys.readouterr().err
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00garbage")
    assert main(["plan-stations", "--demand", str(tmp_path / "b.csv"), "--candidates", str(s),
                 "--k", "1", "--radius-m", "1500"]) == 2
    assert "UTF-8" in capsys.readouterr().err


_any_lat = st.floats(-90, 90)
_any_lon = st.floats(-180, 180)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_any_lat, _any_lon), min_size=1, max_size=12),
       st.lists(st.tuples(_any_lat, _any_lon), min_size=1, max_size=4),
       st.sampled_from([1.0, 1500.0, 50_000.0, 2_000_000.0, 19_000_000.0]),
       st.floats(-0.02, 0.02))
def test_coverage_equals_geopy_anywhere(points: list[tuple[float, float]], places: list[tuple[float, float]],
                                        radius: float, jitter: float) -> None:
    # Points near each site too, so the boundary and the box edges are exercised: poles,
    # the antimeridian and caps larger than a hemisphere included.
    near = [(max(-90.0, min(90.0, lat + jitter)), ((lon + jitter * 50 + 180) % 360) - 180) for lat, lon in places]
    demand = [Demand(lat, lon, 1) for lat, lon in points + near]
    sites = [Site(str(i), lat, lon) for i, (lat, lon) in enumerate(places)]
    got = coverage_of(demand, sites, radius)
    for i, d in enumerate(demand):
        for j, s in enumerate(sites):
            assert got[i, j] == (great_circle((d.lat, d.lon), (s.lat, s.lon)).meters <= radius), (d, s)


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--k", "two", "应为整数 / must be a whole number"),
    ("--radius-m", "-5", "应为正数（米）/ must be a positive number of metres"),
    ("--radius-m", "inf", "must be a positive number"),
])
def test_cli_explains_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str,
                                  words: str) -> None:
    d = _write(tmp_path / "d.csv", "lat,lon,weight\n1,1,1\n")
    s = _write(tmp_path / "s.csv", "id,lat,lon\nA,1,1\n")
    args = {"--k": "1", "--radius-m": "1500", option: value}
    with pytest.raises(SystemExit) as stopped:
        main(["plan-stations", "--demand", str(d), "--candidates", str(s), *[x for kv in args.items() for x in kv]])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
