"""The field-visit route planner on problems small enough to know the answer by hand.

Distances come from a hand-written provider (a line of places, one unit = 1 km, 60 s per km)
where a hand-written answer is needed, else from the default great-circle provider.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from fairdebt.errors import FairdebtError
from fairdebt.visits.routing import (
    Haversine,
    Place,
    RoutePlan,
    Stop,
    Team,
    plan_routes,
    solver_config,
)

HOUR = 3600
DAY = (8 * HOUR, 18 * HOUR)
SHANGHAI = Place(31.2304, 121.4737)
PUDONG = Place(31.2200, 121.5400)


def near(place: Place, north_m: float = 0.0, east_m: float = 0.0) -> Place:
    dlat = north_m / 111_320
    dlon = east_m / (111_320 * math.cos(math.radians(place.lat)))
    return Place(place.lat + dlat, place.lon + dlon)


def stop(key: str, place: Place, window: tuple[int, int] = DAY, service: int = 1200) -> Stop:
    return Stop(key=key, place=place, window=window, service=service)


def team(key: str, base: Place, capacity: int = 10, shift: tuple[int, int] = DAY) -> Team:
    return Team(key=key, base=base, capacity=capacity, shift=shift)


@dataclass(frozen=True)
class Line:
    """Places on a line: distance |lon_a - lon_b| km, 60 s per km, whatever the latitude."""

    def matrix(self, places: Sequence[Place]) -> tuple[list[list[int]], list[list[int]]]:
        metres = [[round(abs(a.lon - b.lon) * 1000) for b in places] for a in places]
        return metres, [[m * 60 // 1000 for m in row] for row in metres]


def served(plan: RoutePlan) -> dict[str, list[str]]:
    return {r.team: [v.stop for v in r.visits] for r in plan.routes}


def test_each_team_takes_the_stops_near_its_own_base() -> None:
    stops = [
        stop("pudong-1", near(PUDONG, 400)),
        stop("puxi-1", near(SHANGHAI, -300, 200)),
        stop("pudong-2", near(PUDONG, -300, 300)),
        stop("puxi-2", near(SHANGHAI, 500)),
    ]
    plan = plan_routes(stops, [team("puxi", SHANGHAI), team("pudong", PUDONG)], seconds=2)
    assert {k: sorted(v) for k, v in served(plan).items()} == {
        "puxi": ["puxi-1", "puxi-2"],
        "pudong": ["pudong-1", "pudong-2"],
    }
    assert plan.unassigned == () and plan.feasible
    assert plan.distance_m == sum(r.distance_m for r in plan.routes) > 0


def test_a_stop_whose_window_cannot_be_met_is_unassigned_and_the_rest_planned() -> None:
    # The shift starts at 08:00 at the base; the door 30 km away (30 min) must be done by 08:10.
    stops = [
        stop("early-far", Place(0, 30), window=(8 * HOUR, 8 * HOUR + 600), service=300),
        stop("ok-1", Place(0, 1)),
        stop("ok-2", Place(0, 2)),
    ]
    plan = plan_routes(stops, [team("t", Place(0, 0))], distances=Line(), seconds=1)
    assert plan.unassigned == ("early-far",)
    assert plan.feasible
    assert sorted(served(plan)["t"]) == ["ok-1", "ok-2"]
    assert plan.distance_m == 4000  # out 2 km along the line and back


def test_a_service_longer_than_its_window_is_unassigned_without_asking_the_solver() -> None:
    stops = [stop("short", Place(0, 1), window=(9 * HOUR, 9 * HOUR + 60), service=600)]
    plan = plan_routes(stops, [team("t", Place(0, 0))], distances=Line(), seconds=1)
    assert plan.unassigned == ("short",) and plan.feasible
    assert plan.routes[0].visits == ()


def test_capacity_is_respected_and_the_stop_beyond_it_unassigned() -> None:
    stops = [stop(f"s{i}", Place(0, i)) for i in range(1, 6)]
    plan = plan_routes(stops, [team("t", Place(0, 0), capacity=3)], distances=Line(), seconds=1)
    assert len(plan.routes[0].visits) == 3
    assert len(plan.unassigned) == 2 and plan.feasible
    # The cheapest three visits are the three nearest doors.
    assert sorted(served(plan)["t"]) == ["s1", "s2", "s3"]


def test_over_long_distances_the_plan_still_keeps_capacity() -> None:
    # Stops 30 km apart make the prize of a stop (> 2 × the longest leg) far larger than
    # PyVRP's default cap on penalties: the cap must follow the prize or capacity is ignored.
    stops = [stop(f"s{i}", Place(0, 30 * i), service=60) for i in range(1, 6)]
    wide = team("t", Place(0, 0), capacity=2, shift=(0, 2 * 86_400))
    plan = plan_routes(stops, [wide], distances=Line(), seconds=1)
    assert plan.feasible and len(plan.routes[0].visits) == 2 and len(plan.unassigned) == 3
    assert sorted(served(plan)["t"]) == ["s1", "s2"]


def test_two_teams_share_what_one_cannot_carry() -> None:
    stops = [stop(f"s{i}", Place(0, i)) for i in range(1, 5)]
    teams = [team("a", Place(0, 0), capacity=2), team("b", Place(0, 0), capacity=2)]
    plan = plan_routes(stops, teams, distances=Line(), seconds=1)
    assert plan.unassigned == ()
    assert all(len(r.visits) == 2 for r in plan.routes)


def test_visits_are_in_order_and_each_inside_its_window_and_the_shift() -> None:
    stops = [
        stop("a", Place(0, 1), window=(10 * HOUR, 11 * HOUR), service=1800),
        stop("b", Place(0, 2), window=(9 * HOUR, 12 * HOUR), service=900),
        stop("c", Place(0, 3), window=(13 * HOUR, 15 * HOUR), service=600),
        stop("d", Place(0, 5), window=(8 * HOUR, 18 * HOUR), service=600),
    ]
    by_key = {s.key: s for s in stops}
    plan = plan_routes(stops, [team("t", Place(0, 0))], distances=Line(), seconds=1)
    assert plan.unassigned == () and plan.feasible
    visits = plan.routes[0].visits
    leave = DAY[0]
    for visit in visits:
        window, service = by_key[visit.stop].window, by_key[visit.stop].service
        assert leave <= visit.arrive <= visit.start  # travel, then wait for the window
        assert window[0] <= visit.start and visit.leave <= window[1]  # the whole visit inside
        assert visit.leave == visit.start + service
        leave = visit.leave
    assert leave <= DAY[1]
    # Arrival = previous departure + travel time of the line (60 s per km).
    first = visits[0]
    assert first.arrive >= DAY[0] + 60 * int(by_key[first.stop].place.lon)


def test_the_whole_visit_fits_the_notice_window() -> None:
    # Open till 10:00, 30 min at the door: must start by 09:30; 1 min from the base.
    s = stop("x", Place(0, 1), window=(9 * HOUR, 10 * HOUR), service=1800)
    on_time = team("t", Place(0, 0), shift=(9 * HOUR + 29 * 60 - 60, 18 * HOUR))
    late = team("t", Place(0, 0), shift=(9 * HOUR + 31 * 60, 18 * HOUR))
    assert plan_routes([s], [on_time], distances=Line(), seconds=1).unassigned == ()
    assert plan_routes([s], [late], distances=Line(), seconds=1).unassigned == ("x",)


def test_the_same_seed_gives_the_same_plan() -> None:
    stops = [
        stop(f"s{i}", near(SHANGHAI, 300 * (i % 5) - 600, 250 * (i // 5) - 500)) for i in range(12)
    ]
    teams = [team("a", SHANGHAI, capacity=6), team("b", near(SHANGHAI, 800, 800), capacity=6)]
    first = plan_routes(stops, teams, seconds=5, seed=7)
    assert plan_routes(stops, teams, seconds=5, seed=7) == first
    assert first.unassigned == ()


def test_no_team_or_no_stop_is_a_plan_not_an_error() -> None:
    assert plan_routes([stop("s", SHANGHAI)], []).unassigned == ("s",)
    plan = plan_routes([], [team("t", SHANGHAI)])
    assert plan.routes[0].visits == () and plan.unassigned == () and plan.feasible


def test_haversine_is_symmetric_and_about_right() -> None:
    # Shanghai People's Square to Lujiazui is about 6.4 km as the crow flies.
    metres, seconds = Haversine(detour=1.0, speed_kmh=36.0).matrix([SHANGHAI, PUDONG])
    assert metres[0][0] == 0 and metres[0][1] == metres[1][0]
    assert 6_000 < metres[0][1] < 6_800
    assert seconds[0][1] == round(metres[0][1] / 10)


GOOD_STOP = stop("s", SHANGHAI)
GOOD_TEAM = team("t", SHANGHAI)


@pytest.mark.parametrize(
    ("stops", "teams", "cause"),
    [
        ([stop("", SHANGHAI)], [GOOD_TEAM], "empty key"),
        ([stop("  ", SHANGHAI)], [GOOD_TEAM], "empty key"),
        ([GOOD_STOP, stop("s", PUDONG)], [GOOD_TEAM], "appears twice"),
        ([GOOD_STOP], [GOOD_TEAM, team("t", PUDONG)], "appears twice"),
        ([stop("s", SHANGHAI, window=(10 * HOUR, 9 * HOUR))], [GOOD_TEAM], "ends"),
        ([GOOD_STOP], [team("t", SHANGHAI, shift=(18 * HOUR, 8 * HOUR))], "ends"),
        ([stop("s", Place(90.5, 0))], [GOOD_TEAM], "latitude"),
        ([stop("s", Place(0, 181))], [GOOD_TEAM], "longitude"),
        ([stop("s", Place(math.nan, 0))], [GOOD_TEAM], "coordinate"),
        ([GOOD_STOP], [team("t", Place(0, math.inf))], "coordinate"),
        ([GOOD_STOP], [team("t", SHANGHAI, capacity=0)], "capacity"),
        ([stop("s", SHANGHAI, window=(0, 10**30))], [GOOD_TEAM], "window end"),
        ([stop("s", SHANGHAI, service=-1)], [GOOD_TEAM], "service"),
        ([stop("s\x00", SHANGHAI)], [GOOD_TEAM], "not a usable key"),
        ([stop("s" * 10_000, SHANGHAI)], [GOOD_TEAM], "not a usable key"),
        ([Stop("s", SHANGHAI, DAY, 60, demand=-1)], [GOOD_TEAM], "demand"),
    ],
)
def test_bad_input_is_refused_with_cause_and_hint(
    stops: list[Stop], teams: list[Team], cause: str
) -> None:
    with pytest.raises(FairdebtError) as refused:
        plan_routes(stops, teams, seconds=1)
    assert cause in refused.value.cause
    assert refused.value.hint


def test_a_plan_too_large_for_one_run_is_refused_before_any_work() -> None:
    many = [stop(f"s{i}", SHANGHAI) for i in range(2_001)]
    with pytest.raises(FairdebtError, match="more than one plan takes"):
        plan_routes(many, [GOOD_TEAM])
    with pytest.raises(FairdebtError, match="more than one plan takes"):
        plan_routes([GOOD_STOP], [team(f"t{i}", SHANGHAI) for i in range(201)])


@pytest.mark.parametrize("seconds", [0, -1, math.nan, math.inf, 10**9])
def test_a_search_time_outside_its_range_is_refused(seconds: float) -> None:
    with pytest.raises(FairdebtError):
        solver_config(seconds)


def test_a_provider_that_answers_nonsense_is_refused() -> None:
    @dataclass(frozen=True)
    class Broken:
        value: object

        def matrix(self, places: Sequence[Place]) -> tuple[list[list[int]], list[list[int]]]:
            row = [self.value] * len(places)
            return [list(row) for _ in places], [list(row) for _ in places]  # type: ignore[misc]

    for value in (-1, math.nan, 10**30, "1"):
        with pytest.raises(FairdebtError, match="distance provider"):
            plan_routes([GOOD_STOP], [GOOD_TEAM], distances=Broken(value), seconds=1)
