"""The repayment plan policy file: YAML, checked by a Pydantic model, as a domain PlanPolicy.

The default is `plan_policy.yaml` beside this module; an operator passes another with
`--policy`. A mistake is one readable line naming the field (`escalation[1].limits.max_discount:
Input should be less than or equal to 1`), never a traceback.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fairdebt.domain.plan_policy import Limits, PlanPolicy, Tier
from fairdebt.errors import InputFileError
from fairdebt.yamltext import safe_load

DEFAULT_POLICY = "plan_policy.yaml"
AUTO_ACTOR = "policy"  # who approved, when no person did
# the staff roles that may approve a plan (services/users.py names the same words)
ApproverRole = Literal["supervisor", "compliance", "admin"]


class LimitsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_instalments: int = Field(ge=1, le=600)
    max_term_months: int = Field(ge=0, le=600)
    max_fee_waiver: Decimal = Field(Decimal(0), ge=0, le=1)
    max_interest_waiver: Decimal = Field(Decimal(0), ge=0, le=1)
    max_discount: Decimal = Field(Decimal(0), ge=0, le=1)
    max_shift_months: int = Field(0, ge=0, le=600)

    def to_domain(self) -> Limits:
        return Limits(**self.model_dump())


class AutoModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limits: LimitsModel
    hardship: LimitsModel | None = None


class TierModel(AutoModel):
    role: ApproverRole


class PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    auto: AutoModel
    escalation: list[TierModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _roles_once(self) -> PolicyModel:
        roles = [t.role for t in self.escalation]
        if len(set(roles)) != len(roles):
            raise ValueError(f"each role may appear once in escalation, got {roles}")
        return self

    def to_domain(self) -> PlanPolicy:
        def tier(role: str, model: AutoModel) -> Tier:
            hardship = model.hardship.to_domain() if model.hardship else None
            return Tier(role, model.limits.to_domain(), hardship)

        return PlanPolicy(
            version=self.version,
            auto=tier(AUTO_ACTOR, self.auto),
            escalation=tuple(tier(t.role, t) for t in self.escalation),
        )


def load_policy(path: Path | None = None) -> PlanPolicy:
    """The policy in `path`, or the packaged default."""
    if path is None:
        text = resources.files("fairdebt.services").joinpath(DEFAULT_POLICY).read_text("utf-8")
        return parse_policy(text, DEFAULT_POLICY)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot read plan policy {path}: {exc.strerror}") from None
    return parse_policy(text, str(path))


def parse_policy(text: str, name: str) -> PlanPolicy:
    try:
        data: Any = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputFileError(f"plan policy {name} is not valid YAML{where}") from None
    try:
        return PolicyModel.model_validate(data).to_domain()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputFileError(
            f"plan policy {name}: {_dotted(first['loc'])}: {first['msg']}",
            hint=f"{exc.error_count()} problem(s); see docs/repayment.md for the policy format",
        ) from None


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"
