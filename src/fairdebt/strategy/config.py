"""The strategy YAML as Pydantic models: buckets, scorecard, ordered segments, treatments, arms.

`load_strategy(path)` reads a file and either returns a `Strategy` or raises `StrategyError`
carrying EVERY problem found (shape errors from Pydantic and cross-references checked here),
each with file:line and field path. The reference is docs/strategy.md.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fairdebt.errors import FairdebtError
from fairdebt.strategy.references import cross_check
from fairdebt.strategy.yamlsource import Problem, YamlSource, dotted, parse, read

DEFAULT_PATH = Path(__file__).with_name("default.yaml")

NUMERIC_FEATURES = (
    "dpd",
    "months_on_book",
    "instalments_overdue",
    "payments_count",
    "days_since_last_payment",
    "days_since_last_contact",
    "failed_contacts",
    "broken_promises",
    "kept_promises",
)
MONEY_FEATURES = ("overdue", "outstanding", "principal")  # written in yuan, computed in cents
CATEGORY_FEATURES = ("product", "lender_type", "region")
FEATURES = NUMERIC_FEATURES + MONEY_FEATURES + CATEGORY_FEATURES
Feature = Literal[
    "dpd",
    "months_on_book",
    "instalments_overdue",
    "payments_count",
    "days_since_last_payment",
    "days_since_last_contact",
    "failed_contacts",
    "broken_promises",
    "kept_promises",
    "overdue",
    "outstanding",
    "principal",
    "product",
    "lender_type",
    "region",
]
Product = Literal["credit_card", "consumer_loan", "micro_loan", "other"]
LenderType = Literal[
    "private", "licensed_bank", "consumer_finance", "microloan", "other_local_financial"
]
Limitation = Literal["not_started", "in_time", "expiring", "expired"]
Roll = Literal["new", "forward", "stay", "back", "cured"]
Channel = Literal[
    "sms",
    "app_push",
    "email",
    "call",
    "letter",
    "agency_placement",
    "field_visit",
    "lawyers_letter",
    "litigation_review",
]
Yuan = Decimal


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bucket(_Strict):
    name: str = Field(min_length=1, max_length=8)
    max_dpd: int | None = Field(
        default=None, ge=0, description="inclusive; omit on the last bucket"
    )


DEFAULT_BUCKETS = (
    Bucket(name="M0", max_dpd=0),
    Bucket(name="M1", max_dpd=30),
    Bucket(name="M2", max_dpd=60),
    Bucket(name="M3", max_dpd=90),
    Bucket(name="M4", max_dpd=120),
    Bucket(name="M5", max_dpd=150),
    Bucket(name="M6", max_dpd=180),
    Bucket(name="M7+", max_dpd=None),
)


class Range(_Strict):
    min: int | None = None
    max: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class MoneyRange(_Strict):
    """Amounts in yuan with at most two decimals (compared in cents)."""

    min: Yuan | None = Field(default=None, ge=0, decimal_places=2)
    max: Yuan | None = Field(default=None, ge=0, decimal_places=2)

    @model_validator(mode="after")
    def _ordered(self) -> MoneyRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Bin(_Strict):
    """Points for a range (`max`, inclusive) or for `values`; a bin with neither is 'the rest'."""

    max: Decimal | None = Field(default=None, decimal_places=2)
    values: list[str] | None = None
    points: int


class Characteristic(_Strict):
    feature: Feature
    bins: list[Bin] = Field(min_length=1)

    @model_validator(mode="after")
    def _bins_fit_feature(self) -> Characteristic:
        categorical = self.feature in CATEGORY_FEATURES
        for i, b in enumerate(self.bins[:-1]):
            if categorical and not b.values:
                raise ValueError(f"bin {i}: a {self.feature} bin needs 'values'")
            if not categorical and b.max is None:
                raise ValueError(f"bin {i}: only the last bin may omit 'max'")
        if any((b.values if not categorical else b.max) is not None for b in self.bins):
            wrong = "max" if categorical else "values"
            raise ValueError(
                f"{self.feature} is {'a category' if categorical else 'a number'}: "
                f"no '{wrong}' in its bins"
            )
        last = self.bins[-1]
        if last.max is not None or last.values is not None:
            raise ValueError(
                "the last bin must have neither max nor values, so every account scores"
            )
        maxima = [b.max for b in self.bins[:-1] if b.max is not None]
        if maxima != sorted(set(maxima)):
            raise ValueError("bin maxima must increase")
        return self


class Band(_Strict):
    name: str = Field(min_length=1)
    max: int | None = Field(default=None, description="inclusive top score; omit on the last band")


class Scorecard(_Strict):
    """Points (`base` + `characteristics`), or a trained model (`model`): one or the other.

    A model's score is its predicted probability of a payment in per mille (0–1000), so
    `bands` and segment `score` ranges are written on that scale (see docs/model.md).
    """

    base: int = 0
    characteristics: list[Characteristic] = Field(default_factory=list)
    model: str | None = Field(
        default=None,
        min_length=1,
        description="model.txt of `fairdebt model train`, relative to the strategy file",
    )
    bands: list[Band] = Field(default_factory=lambda: [Band(name="all", max=None)], min_length=1)

    @model_validator(mode="after")
    def _points_or_model(self) -> Scorecard:
        if self.model is not None and {"base", "characteristics"} & self.model_fields_set:
            raise ValueError(
                "a scorecard is either points (base, characteristics) or a model, not both"
            )
        return self


class Conditions(_Strict):
    """All given conditions must hold (AND); a missing condition does not constrain."""

    bucket: list[str] | None = Field(default=None, min_length=1)
    dpd: Range | None = None
    product: list[Product] | None = Field(default=None, min_length=1)
    lender_type: list[LenderType] | None = Field(default=None, min_length=1)
    overdue: MoneyRange | None = None
    outstanding: MoneyRange | None = None
    score: Range | None = None
    score_band: list[str] | None = Field(default=None, min_length=1)
    region: list[str] | None = Field(default=None, min_length=1)
    holds: Literal["none", "any"] | list[str] | None = None
    days_since_last_contact: Range | None = None
    failed_contacts: Range | None = None
    broken_promises: Range | None = None
    limitation: list[Limitation] | None = Field(default=None, min_length=1)
    roll: list[Roll] | None = Field(default=None, min_length=1)


class Segment(_Strict):
    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    when: Conditions = Field(default_factory=lambda: Conditions())
    treatment: str


class Action(_Strict):
    channel: Channel
    template: str | None = None
    day: int = Field(default=0, ge=0, le=366, description="days after the run date")
    window: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
    )
    priority: int = Field(default=5, ge=1, le=9, description="1 is most urgent")


class Eligibility(_Strict):
    agency_placement: bool = False
    field_visit: bool = False
    lawyers_letter: bool = False
    litigation_review: bool = False


class Treatment(_Strict):
    description: str = ""
    actions: list[Action] = Field(default_factory=list)
    eligible: Eligibility = Field(default_factory=Eligibility)


class Arm(_Strict):
    name: str = Field(min_length=1, max_length=32)
    percent: Decimal = Field(gt=0, le=100, decimal_places=2)
    treatments: dict[str, str] = Field(
        default_factory=dict, description="segment name -> treatment used in this arm instead"
    )


class Experiment(_Strict):
    name: str = Field(min_length=1, description="salts the hash: a new name reshuffles accounts")
    arms: list[Arm] = Field(min_length=1)


_NO_EXPERIMENT = Experiment(name="none", arms=[Arm(name="champion", percent=Decimal(100))])


class Strategy(_Strict):
    name: str = Field(min_length=1)
    version: int | str = 1
    description: str = ""
    buckets: list[Bucket] = Field(default_factory=lambda: list(DEFAULT_BUCKETS), min_length=2)
    scorecard: Scorecard = Field(default_factory=Scorecard)
    segments: list[Segment] = Field(min_length=1)
    treatments: dict[str, Treatment] = Field(min_length=1)
    experiment: Experiment = Field(
        default_factory=lambda: Experiment(
            name="none", arms=[Arm(name="champion", percent=Decimal(100))]
        )
    )


class StrategyError(FairdebtError):
    """A strategy file with problems; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{first}{more}", hint="run `fairdebt strategy check FILE` to see every problem"
        )
        self.problems = problems


class LoadedStrategy(BaseModel):
    """A valid strategy with its source text and digest (stored with each run)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    strategy: Strategy
    source: YamlSource
    sha256: str


def validate_source(
    source: YamlSource, model_base: Path | None = None
) -> tuple[Strategy | None, list[Problem]]:
    """Every problem of a parsed file: its shape first, then its cross-references.

    `model_base` is the folder a `scorecard.model` path is relative to (the strategy file's);
    None (a stored run's copy of the text) leaves the path as written and unchecked.
    """
    if not isinstance(source.data, dict):
        return None, [source.problem((), "a strategy is a mapping with name, segments, treatments")]
    try:
        strategy = Strategy.model_validate(source.data)
    except ValidationError as exc:
        return None, [_problem(source, err) for err in exc.errors()]
    problems = [source.problem(loc, message) for loc, message in cross_check(strategy)]
    if model_base is not None:
        strategy, model_problems = _with_model_path(source, strategy, model_base)
        problems += model_problems
    return (strategy if not problems else None), problems


def _with_model_path(
    source: YamlSource, strategy: Strategy, base: Path
) -> tuple[Strategy, list[Problem]]:
    """Resolve `scorecard.model` against `base` and check that it is a usable model."""
    from fairdebt.strategy.score import model_problem

    card = strategy.scorecard
    if card.model is None:
        return strategy, []
    path = (base / Path(card.model).expanduser()).resolve()
    problem = model_problem(path)
    if problem is not None:
        return strategy, [source.problem(("scorecard", "model"), problem)]
    card = card.model_copy(update={"model": str(path)})
    return strategy.model_copy(update={"scorecard": card}), []


def _problem(source: YamlSource, err: object) -> Problem:
    loc = tuple(p for p in err["loc"] if isinstance(p, int | str))  # type: ignore[index]
    message = str(err["msg"]).removeprefix("Value error, ")  # type: ignore[index]
    if err["type"] == "extra_forbidden":  # type: ignore[index]
        message = "unknown field (a typo?); see docs/strategy.md for the fields"
    return Problem(source.name, source.line_of(loc), dotted(loc), message)


def load_source(source: YamlSource, model_base: Path | None = None) -> LoadedStrategy:
    strategy, problems = validate_source(source, model_base)
    if strategy is None:
        raise StrategyError(problems)
    digest = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
    return LoadedStrategy(strategy=strategy, source=source, sha256=digest)


def load_strategy(path: Path | None = None) -> LoadedStrategy:
    """Read and validate a strategy file (the shipped default when `path` is None)."""
    path = path or DEFAULT_PATH
    return load_source(read(path), path.parent)


def load_text(text: str, name: str = "<strategy>") -> LoadedStrategy:
    return load_source(parse(text, name))
