"""The policy a change is judged by: settings and plan conventions, read from one side (BASE).

A pull request must not choose the rules that judge it: compatibility, `fail_on`, naming
conventions (the registry's and each plan's own), review rules, the release tag template and
notification receivers all come from the base branch. A plan the pull request adds is judged
by BASE's registry settings alone. A change to the policy is reported as a change (rule
`settings-changed`, `plan-conventions-changed`) and takes effect once merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from registry.load.settings import Conventions, Settings

if TYPE_CHECKING:
    from registry.load.model import Plan, Registry

BASE = "base"
HEAD = "head"
SIDES = (BASE, HEAD)
# The diff rules that report a change of policy.
POLICY_RULES = ("settings-changed", "plan-conventions-changed")


@dataclass(frozen=True)
class Policy:
    """Registry settings and each plan's `conventions:` override, as one side wrote them."""

    settings: Settings = field(default_factory=Settings)
    plan_conventions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    side: str = HEAD

    @classmethod
    def of(cls, registry: Registry, side: str) -> Policy:
        overrides = {
            plan_id: dict(plan.meta["conventions"])
            for plan_id, plan in registry.plans.items()
            if isinstance(plan.meta.get("conventions"), dict)
        }
        return cls(registry.settings, overrides, side)

    def conventions(self, plan: Plan | str) -> Conventions:
        """The registry's conventions with the plan's own laid over them (a plan this policy
        does not know, one a pull request adds, gets the registry's alone)."""
        plan_id = plan if isinstance(plan, str) else plan.id
        base = self.settings.conventions
        override = self.plan_conventions.get(plan_id)
        if not override:
            return base
        fields = {k: v for k, v in override.items() if k in Conventions.__dataclass_fields__}
        return Conventions(**{**base.__dict__, **fields})
