"""The day's routes for the field teams: which team visits which door, in what order, when.

Each team is one vehicle of its own type in a vehicle-routing problem solved by PyVRP: its base
is its own depot, its `capacity` is the number of visits it can make in the day, its `shift` is
the time window of that depot and vehicle (leave the base no earlier than the start, be back by
the end). Each stop is a client with the time window the visit notice gave and the time spent at
the door. The whole visit must fit in the notice's window — it starts no earlier than the window
opens and ends (start + service) no later than it closes — so a visit announced for 10:00–12:00
never runs past 12:00 (the latest start PyVRP is given is `end - service`).

Every stop is an *optional* client with a large prize (a prize larger than any detour it can
cost), so the solver serves every stop it can, and a stop no team can reach in its window, or
that no team has room for, ends up in `unassigned` instead of making the whole plan fail. Among
plans serving the same stops, the shortest total distance wins.

The solver's configuration — its parameters and when it stops — comes from `solver_config`,
which `fairdebt bench routing` uses too, so the benchmark measures what the product runs.
The search stops after a number of iterations without a better plan (`NO_IMPROVEMENT_MIN`, or
`NO_IMPROVEMENT_PER_CLIENT` per stop when that is more), or after `seconds`, whichever comes
first (its clock starts with the solve). With the same input and seed the plan is the same
whenever the iteration limit ends the search (always for a day's stops of one office on an
ordinary machine); when `seconds` cuts a large problem short, a slower machine may stop at an
earlier plan. PyVRP is imported only when a plan is computed, so importing this module stays
cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fairdebt.errors import FairdebtError

if TYPE_CHECKING:
    from pyvrp import ProblemData, Result, SolveParams
    from pyvrp.stop import StoppingCriterion

NO_IMPROVEMENT_MIN = 2_000
NO_IMPROVEMENT_PER_CLIENT = 100
MAX_SECONDS = 3_600.0
MAX_CLOCK = 2 * 86_400  # seconds after midnight: a window or shift may run into the next day
MAX_SERVICE = 86_400
MAX_DEMAND = 1_000_000
MAX_CAPACITY = 1_000_000
MAX_KEY_LENGTH = 200
MAX_STOPS = 2_000  # a day's visits of one plan; the matrix grows with the square
MAX_TEAMS = 200
MAX_EDGE = 10**9  # metres or seconds; PyVRP accepts up to 2**44, far beyond any city
NEIGHBOURS = 20  # granular neighbourhood of the local search (PyVRP's default: 50)
PENALTY_PER_PRIZE = 10  # the largest penalty per unit of violation, in prizes
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Stop:
    key: str
    place: Place
    window: tuple[int, int]  # seconds after local midnight of the day: the window the notice gave
    service: int  # seconds spent at the door
    demand: int = 1


@dataclass(frozen=True, slots=True)
class Team:
    key: str
    base: Place
    capacity: int  # visits per day
    shift: tuple[int, int]  # seconds after midnight: working hours


@dataclass(frozen=True, slots=True)
class Visit:
    stop: str
    arrive: int  # seconds after midnight
    start: int
    leave: int


@dataclass(frozen=True, slots=True)
class Route:
    team: str
    visits: tuple[Visit, ...]
    distance_m: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class RoutePlan:
    routes: tuple[Route, ...]  # one per team, in the order the teams were given (maybe empty)
    unassigned: tuple[str, ...]  # stop keys no team serves, in the order the stops were given
    distance_m: int
    feasible: bool  # False: no plan keeping every window and capacity was found; don't dispatch


class DistanceProvider(Protocol):
    """Travel between places: a road-network service in production, `Haversine` by default."""

    def matrix(self, places: Sequence[Place]) -> tuple[list[list[int]], list[list[int]]]:
        """(metres, seconds) from each place (row) to each place (column)."""
        ...


@dataclass(frozen=True)
class Haversine:
    """Great-circle distance times a detour factor, at a constant speed: no network, no data.

    1.3 is a usual ratio of road to straight-line distance in a city; 25 km/h an average speed
    of city traffic including parking. Good enough to order a day's visits; a real deployment
    plugs a road-network provider with the same `matrix` method.
    """

    detour: float = 1.3
    speed_kmh: float = 25.0

    def matrix(self, places: Sequence[Place]) -> tuple[list[list[int]], list[list[int]]]:
        if not (math.isfinite(self.detour) and self.detour >= 1.0):
            raise FairdebtError(f"detour factor {self.detour!r}", "use a number ≥ 1, e.g. 1.3")
        if not (math.isfinite(self.speed_kmh) and 0 < self.speed_kmh <= 300):
            raise FairdebtError(f"speed {self.speed_kmh!r} km/h", "use a speed in (0, 300]")
        metres_per_second = self.speed_kmh / 3.6
        metres = [[round(self.detour * _great_circle_m(a, b)) for b in places] for a in places]
        seconds = [[round(m / metres_per_second) for m in row] for row in metres]
        return metres, seconds


def _great_circle_m(a: Place, b: Place) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class SolverConfig:
    """How PyVRP searches: the one configuration the product and the benchmark both use."""

    seconds: float

    def params(self, data: ProblemData) -> SolveParams:
        """PyVRP's default parameters with two changes.

        The local search looks at the `NEIGHBOURS` nearest clients of each client instead of
        50: each iteration is cheaper, so a time-limited search does about 1.5× the iterations,
        and on the benchmark's X instances it ended closer to the best-known cost in the same
        CPU time (docs/visits.md). A day's plan has fewer stops than that anyway.

        The largest penalty for breaking a capacity or a window must exceed the largest prize:
        if one unit over capacity or one second late cost less than a dropped stop, the search
        would keep every stop and never reach a plan that can be carried out. Instances
        without prizes (the benchmark's) keep the default cap.
        """
        from pyvrp import PenaltyParams, SolveParams
        from pyvrp.search import NeighbourhoodParams

        largest_prize = max((client.prize for client in data.clients()), default=0)
        default = PenaltyParams()
        max_penalty = max(default.max_penalty, PENALTY_PER_PRIZE * largest_prize)
        return SolveParams(
            penalty=PenaltyParams(max_penalty=max_penalty),
            neighbourhood=NeighbourhoodParams(num_neighbours=NEIGHBOURS),
        )

    def no_improvement(self, num_clients: int) -> int:
        """Iterations without a better plan after which the search ends: enough for a small
        day's plan to settle in well under a second, growing with the problem."""
        return max(NO_IMPROVEMENT_MIN, NO_IMPROVEMENT_PER_CLIENT * num_clients)

    def stop(self, num_clients: int) -> StoppingCriterion:
        """A fresh criterion (they count, so one per solve): no better plan for
        `no_improvement(num_clients)` iterations, or `seconds` of search, whichever first."""
        from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

        deadline = MaxRuntime(self.seconds)
        deadline(0)  # its clock starts now, so `seconds` covers the first construction too
        limit = self.no_improvement(num_clients)
        return MultipleCriteria([NoImprovement(limit), deadline])


def solver_config(seconds: float = 2.0) -> SolverConfig:
    """The solver configuration for a search of at most `seconds`."""
    if not (isinstance(seconds, int | float) and math.isfinite(seconds)):
        raise FairdebtError(f"search time {seconds!r}", f"give seconds in (0, {MAX_SECONDS:g}]")
    if not 0 < seconds <= MAX_SECONDS:
        raise FairdebtError(f"search time {seconds!r} s", f"give seconds in (0, {MAX_SECONDS:g}]")
    return SolverConfig(seconds=float(seconds))


def solve(data: ProblemData, config: SolverConfig, seed: int) -> Result:
    """Solve a PyVRP problem with `config`: the single place both callers go through."""
    import pyvrp

    _check_seed(seed)
    return pyvrp.solve(
        data,
        config.stop(data.num_clients),
        seed=seed,
        collect_stats=False,
        display=False,
        params=config.params(data),
    )


def plan_routes(
    stops: Sequence[Stop],
    teams: Sequence[Team],
    *,
    distances: DistanceProvider | None = None,
    seconds: float = 2.0,
    seed: int = 1,
) -> RoutePlan:
    """The day's routes: every stop some team can serve in its window, the rest `unassigned`.

    Refuses bad input with a `FairdebtError` before any work: an empty or duplicate key, a
    window or shift that ends before it starts, a coordinate that is not a place on Earth, a
    team with no capacity. A stop whose service is longer than its window can never be served
    and is `unassigned` without asking the solver.
    """
    config = solver_config(seconds)
    _check_seed(seed)
    _check_size(len(stops), len(teams))
    _check_stops(stops)
    _check_teams(teams)
    servable = [s for s in stops if s.window[1] - s.window[0] >= s.service]
    if not teams or not servable:
        return _empty_plan(stops, teams)
    provider = distances if distances is not None else Haversine()
    places = [t.base for t in teams] + [s.place for s in servable]
    metres, travel = _checked_matrices(provider.matrix(places), len(places))
    data = _problem(servable, teams, metres, travel)
    result = solve(data, config, seed)
    return _plan(result.best, stops, servable, teams)


def _problem(
    stops: Sequence[Stop], teams: Sequence[Team], metres: list[list[int]], travel: list[list[int]]
) -> ProblemData:
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    n_teams = len(teams)
    prize = 2 * max(max(row) for row in metres) + 1  # more than any detour a stop can cost
    locations = [Location(x=t.base.lon, y=t.base.lat) for t in teams]
    locations += [Location(x=s.place.lon, y=s.place.lat) for s in stops]
    depots = [
        Depot(location=i, tw_early=t.shift[0], tw_late=t.shift[1]) for i, t in enumerate(teams)
    ]
    clients = [
        Client(
            location=n_teams + j,
            delivery=[s.demand],
            service_duration=s.service,
            tw_early=s.window[0],
            tw_late=s.window[1] - s.service,
            prize=prize,
            required=False,
        )
        for j, s in enumerate(stops)
    ]
    vehicle_types = [
        VehicleType(
            num_available=1,
            capacity=[t.capacity],
            start_depot=i,
            end_depot=i,
            tw_early=t.shift[0],
            tw_late=t.shift[1],
        )
        for i, t in enumerate(teams)
    ]
    return ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[_int_matrix(metres)],
        duration_matrices=[_int_matrix(travel)],
    )


def _int_matrix(rows: list[list[int]]) -> Any:
    """An int64 array; `Any` because PyVRP's stubs name the array type in a way NumPy's own
    annotations do not match."""
    import numpy as np

    return np.asarray(rows, dtype=np.int64)


def _plan(
    best: object, stops: Sequence[Stop], servable: Sequence[Stop], teams: Sequence[Team]
) -> RoutePlan:
    from pyvrp import Solution

    assert isinstance(best, Solution)
    by_team: dict[int, Route] = {}
    served: set[str] = set()
    for route in best.routes():
        visits = tuple(
            Visit(
                stop=servable[act.idx].key,
                arrive=int(act.start_time - act.wait_duration),
                start=int(act.start_time),
                leave=int(act.end_time),
            )
            for act in route.schedule()
            if act.is_client()
        )
        served.update(v.stop for v in visits)
        team = teams[route.vehicle_type()]
        by_team[route.vehicle_type()] = Route(
            team=team.key,
            visits=visits,
            distance_m=int(route.distance()),
            duration_s=int(route.duration()),
        )
    routes = tuple(by_team.get(i, Route(t.key, (), 0, 0)) for i, t in enumerate(teams))
    return RoutePlan(
        routes=routes,
        unassigned=tuple(s.key for s in stops if s.key not in served),
        distance_m=sum(r.distance_m for r in routes),
        feasible=bool(best.is_feasible()),
    )


def _empty_plan(stops: Sequence[Stop], teams: Sequence[Team]) -> RoutePlan:
    return RoutePlan(
        routes=tuple(Route(t.key, (), 0, 0) for t in teams),
        unassigned=tuple(s.key for s in stops),
        distance_m=0,
        feasible=True,
    )


def _checked_matrices(
    answer: tuple[list[list[int]], list[list[int]]], n: int
) -> tuple[list[list[int]], list[list[int]]]:
    """The provider's matrices as whole non-negative numbers of the right shape, or a refusal:
    a provider's fault must not reach the solver as a crash or a silent nonsense plan."""
    try:
        metres, seconds = answer
    except (TypeError, ValueError):
        raise FairdebtError(
            "the distance provider did not answer (metres, seconds)",
            "its matrix() must return two square matrices",
        ) from None
    return _checked_matrix(metres, n, "metres"), _checked_matrix(seconds, n, "seconds")


def _checked_matrix(matrix: list[list[int]], n: int, unit: str) -> list[list[int]]:
    hint = f"each of the {n} rows must hold {n} whole numbers in [0, {MAX_EDGE:,}]"
    if len(matrix) != n or any(len(row) != n for row in matrix):
        raise FairdebtError(f"the distance provider's {unit} matrix is not {n}×{n}", hint)
    checked: list[list[int]] = []
    for row in matrix:
        out: list[int] = []
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FairdebtError(f"the distance provider gave {value!r} {unit}", hint)
            if not (math.isfinite(value) and 0 <= value <= MAX_EDGE):
                raise FairdebtError(f"the distance provider gave {value!r} {unit}", hint)
            out.append(round(value))
        checked.append(out)
    return checked


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise FairdebtError(f"random seed {seed!r}", "give a whole number in [0, 2**32)")


def _check_size(stops: int, teams: int) -> None:
    if stops > MAX_STOPS or teams > MAX_TEAMS:
        raise FairdebtError(
            f"{stops:,} stops for {teams:,} teams is more than one plan takes",
            f"plan at most {MAX_STOPS:,} stops and {MAX_TEAMS:,} teams at a time, "
            "e.g. one plan per office and day",
        )


def _check_stops(stops: Sequence[Stop]) -> None:
    seen: set[str] = set()
    for stop in stops:
        what = f"stop {stop.key!r}"
        _check_key(stop.key, "stop", seen)
        _check_place(stop.place, what)
        _check_span(stop.window, what, "window")
        _check_whole(stop.service, what, "service time (seconds)", 0, MAX_SERVICE)
        _check_whole(stop.demand, what, "demand", 0, MAX_DEMAND)


def _check_teams(teams: Sequence[Team]) -> None:
    seen: set[str] = set()
    for team in teams:
        what = f"team {team.key!r}"
        _check_key(team.key, "team", seen)
        _check_place(team.base, what + " base")
        _check_whole(team.capacity, what, "capacity (visits per day)", 1, MAX_CAPACITY)
        _check_span(team.shift, what, "shift")


def _check_key(key: str, kind: str, seen: set[str]) -> None:
    if not isinstance(key, str) or not key.strip():
        raise FairdebtError(f"a {kind} has an empty key", f"give every {kind} a unique key")
    if len(key) > MAX_KEY_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise FairdebtError(
            f"{kind} key {key[:40]!r} is not a usable key",
            f"use at most {MAX_KEY_LENGTH} printable characters",
        )
    if key in seen:
        raise FairdebtError(f"{kind} key {key!r} appears twice", f"give every {kind} its own key")
    seen.add(key)


def _check_place(place: Place, what: str) -> None:
    lat, lon = place.lat, place.lon
    for value in (lat, lon):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FairdebtError(f"{what}: coordinate {value!r}", "give latitude and longitude")
        if not math.isfinite(value):
            raise FairdebtError(f"{what}: coordinate {value!r}", "give finite decimal degrees")
    if not -90 <= lat <= 90:
        raise FairdebtError(f"{what}: latitude {lat!r}", "latitude is in [-90, 90]")
    if not -180 <= lon <= 180:
        raise FairdebtError(f"{what}: longitude {lon!r}", "longitude is in [-180, 180]")


def _check_span(span: tuple[int, int], what: str, name: str) -> None:
    if not isinstance(span, tuple) or len(span) != 2:
        raise FairdebtError(f"{what}: {name} {span!r}", "give (start, end) in seconds")
    start, end = span
    _check_whole(start, what, f"{name} start", 0, MAX_CLOCK)
    _check_whole(end, what, f"{name} end", 0, MAX_CLOCK)
    if end < start:
        raise FairdebtError(
            f"{what}: {name} ends ({end}) before it starts ({start})",
            "give (start, end) in seconds after midnight with start ≤ end",
        )


def _check_whole(value: int, what: str, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FairdebtError(
            f"{what}: {name} {value!r}", f"give a whole number in [{low:,}, {high:,}]"
        )
