"""`fairdebt bench routing --instance FILE`: the route planner's solver on a published instance.

Reads a CVRPLIB/VRPLIB instance (`.vrp`, or a `.txt` in that format) or a Solomon VRPTW
instance (`.txt` in Solomon's layout) with `vrplib`, solves it with the solver configuration
the visit planner uses (`fairdebt.visits.routing.solver_config` and `solve`, seed 1), and
compares the cost with the best known one: from a `.sol` file beside the instance (its `Cost`
line), else from an "Optimal value"/"Best value" in the instance's COMMENT, else none.

Rounding conventions follow the literature each set is published with: VRPLIB instances (the
X set of Uchoa et al. 2017, the E set) round every Euclidean distance to the nearest integer,
as their best-known costs do; Solomon instances use the DIMACS convention, distances, times and
windows scaled by 10 and truncated, and the cost is reported divided by 10 again.

The baseline is a nearest-neighbour construction in the same run (`nearest_neighbour`): from
the depot, always drive to the nearest unserved customer that still fits in the vehicle (and,
with time windows, can be reached in its window and still get back in time); when none does,
return to the depot and start a new vehicle. It ignores the instance's vehicle count.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairdebt.errors import InputFileError

DIMACS_SCALE = 10
_BEST_IN_COMMENT = re.compile(
    r"(?:optimal|best)(?:\s+known)?\s+value\s*[:=]?\s*([0-9]+(?:\.[0-9]+)?)", re.IGNORECASE
)


@dataclass(frozen=True)
class Instance:
    """An instance in the solver's integer units (`scale` of them per unit of the literature)."""

    name: str
    distances: list[list[int]]  # location 0 is the depot
    demands: list[int]
    capacity: int
    vehicles: int
    windows: list[tuple[int, int]] | None  # None: no time windows
    service: list[int]
    scale: int
    comment: str

    @property
    def customers(self) -> int:
        return len(self.demands) - 1


def run(instance: Path, seconds: float = 10.0, seed: int = 1) -> dict[str, Any]:
    """Solve `instance` within `seconds`; the figures as one JSON object."""
    from fairdebt.bench._measure import peak_rss_mb
    from fairdebt.visits.routing import solve, solver_config

    config = solver_config(seconds)
    inst = read_instance(instance)
    best_known = find_best_known(instance, inst.comment)
    baseline = nearest_neighbour(inst) / inst.scale
    started = time.perf_counter()
    result = solve(problem_data(inst), config, seed)
    elapsed = time.perf_counter() - started
    feasible = bool(result.best.is_feasible())
    cost = result.best.distance() / inst.scale if feasible else None
    gap = (
        None if cost is None or not best_known else round(100 * (cost - best_known) / best_known, 3)
    )
    return {
        "name": "routing",
        "instance": inst.name,
        "size": inst.customers,
        "cost": _number(cost),
        "best_known": _number(best_known),
        "gap_percent": gap,
        "seconds": round(elapsed, 2),
        "time_limit_seconds": config.seconds,
        "iterations": result.num_iterations,
        "routes": result.best.num_routes(),
        "feasible": feasible,
        "seed": seed,
        "rounding": "DIMACS (x10, truncated)" if inst.scale != 1 else "nearest integer",
        "baselines": {"nearest_neighbour": _number(baseline)},
        "checks": {"within_1_percent": None if gap is None else gap <= 1.0},
        "peak_rss_mb": peak_rss_mb(),
    }


def read_instance(path: Path) -> Instance:
    """A CVRP or VRPTW instance, or an `InputFileError` saying why it cannot be read."""
    import vrplib

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"cannot read {path}: {exc}", "give a .vrp or Solomon .txt file"
        ) from None
    solomon = _is_solomon(text)
    try:
        raw = vrplib.read_instance(path, instance_format="solomon" if solomon else "vrplib")
    except Exception as exc:  # vrplib raises bare ValueError/RuntimeError/IndexError on bad text
        raise InputFileError(
            f"{path.name} is not a VRPLIB or Solomon instance ({type(exc).__name__}: {exc})",
            "give a CVRPLIB .vrp file or a Solomon .txt file",
        ) from None
    return _instance(path, raw, solomon)


def _is_solomon(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) > 5 and "VEHICLE" in lines[1] and "CUSTOMER" in lines[4]


def _instance(path: Path, raw: dict[str, Any], solomon: bool) -> Instance:
    import numpy as np

    unsupported = {"backhaul", "pickup_and_delivery", "prize", "vehicles_depot"} & raw.keys()
    depots = np.atleast_1d(raw.get("depot", np.array([0])))
    if unsupported or len(depots) != 1 or int(depots[0]) != 0 or "edge_weight" not in raw:
        raise InputFileError(
            f"{path.name}: only single-depot CVRP and VRPTW instances are benchmarked",
            "give an instance of the X, E or Solomon sets",
        )
    weights = np.asarray(raw["edge_weight"], dtype=float)
    scale = DIMACS_SCALE if solomon else 1
    if solomon:
        distances = np.floor(weights * scale).astype(np.int64)
    else:
        distances = np.round(weights).astype(np.int64)  # PyVRP's round_func="round"
    n = len(distances)
    demands = [int(x) for x in np.atleast_1d(raw.get("demand", np.zeros(n)))]
    windows = None
    if "time_window" in raw:
        windows = [(int(a) * scale, int(b) * scale) for a, b in np.asarray(raw["time_window"])]
    service_raw = raw.get("service_time", 0)
    service = [int(x) * scale for x in np.broadcast_to(np.asarray(service_raw), (n,))]
    service[0] = 0
    return Instance(
        name=str(raw.get("name", path.stem)).strip(),
        distances=distances.tolist(),
        demands=demands,
        capacity=int(raw.get("capacity", sum(demands))),
        vehicles=int(raw.get("vehicles", n - 1)),
        windows=windows,
        service=service,
        scale=scale,
        comment=str(raw.get("comment", "")),
    )


def problem_data(inst: Instance) -> Any:
    """The instance as PyVRP's ProblemData, distance = duration as the literature takes it."""
    import numpy as np
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    n = len(inst.demands)
    windows = inst.windows or [(0, np.iinfo(np.int64).max)] * n
    matrix: Any = np.asarray(inst.distances, dtype=np.int64)  # PyVRP's stubs: see routing
    return ProblemData(
        locations=[Location(x=0, y=0) for _ in range(n)],
        clients=[
            Client(
                location=i,
                delivery=[inst.demands[i]],
                service_duration=inst.service[i],
                tw_early=windows[i][0],
                tw_late=windows[i][1],
            )
            for i in range(1, n)
        ],
        depots=[Depot(location=0, tw_early=windows[0][0], tw_late=windows[0][1])],
        vehicle_types=[
            VehicleType(
                num_available=inst.vehicles,
                capacity=[inst.capacity],
                tw_early=windows[0][0],
                tw_late=windows[0][1],
            )
        ],
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )


def nearest_neighbour(inst: Instance) -> int:
    """Total distance (solver units) of the nearest-neighbour construction described above."""
    d, unserved, total = inst.distances, set(range(1, len(inst.demands))), 0
    while unserved:
        route = _one_route(inst, unserved)
        if not route:
            raise InputFileError(
                f"{inst.name}: customers {sorted(unserved)[:5]} cannot be served by any vehicle",
                "check their demand against the capacity and their time windows",
            )
        stops = [0, *route, 0]
        total += sum(d[a][b] for a, b in itertools.pairwise(stops))
        unserved.difference_update(route)
    return total


def _one_route(inst: Instance, unserved: set[int]) -> list[int]:
    d, here, load = inst.distances, 0, 0
    route: list[int] = []
    clock = inst.windows[0][0] if inst.windows else 0
    while True:
        reachable = [
            (d[here][c], c)
            for c in unserved
            if c not in route
            and load + inst.demands[c] <= inst.capacity
            and _start(inst, here, c, clock) is not None
        ]
        if not reachable:
            return route
        _, nearest = min(reachable)
        start = _start(inst, here, nearest, clock)
        assert start is not None
        clock = start + inst.service[nearest]
        load += inst.demands[nearest]
        route.append(nearest)
        here = nearest


def _start(inst: Instance, here: int, there: int, clock: int) -> int | None:
    """When service at `there` would start, or None if its window (or the depot's) forbids."""
    if inst.windows is None:
        return clock
    early, late = inst.windows[there]
    start = max(clock + inst.distances[here][there], early)
    back = start + inst.service[there] + inst.distances[there][0]
    return start if start <= late and back <= inst.windows[0][1] else None


def find_best_known(instance: Path, comment: str) -> float | None:
    """The `.sol` file's cost beside the instance, else a value in the COMMENT, else None."""
    import vrplib

    solution = instance.with_suffix(".sol")
    if solution.is_file():
        try:
            cost = vrplib.read_solution(solution).get("cost")
        except (OSError, ValueError, IndexError):
            cost = None
        if isinstance(cost, int | float) and cost > 0:
            return float(cost)
    match = _BEST_IN_COMMENT.search(comment)
    return float(match.group(1)) if match else None


def _number(value: float | None) -> float | int | None:
    """Whole numbers print as integers (costs of the X set are), others with 2 decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)
