"""The policy a change is judged by: settings and plan conventions, read from one side (BASE).

A pull request must not choose the rules that judge it: compatibility, `fail_on`, naming
conventions (the registry's and each plan's own), review rules, the release tag template and
notification receivers all come from the base branch. A plan the pull request adds is judged
by BASE's registry settings alone. A change to the policy is reported as a change (rule
`settings-changed`, `plan-conventions-changed`) and takes effect once merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from registry.load.settings import (
    Conventions,
    PolicyRule,
    PolicySettings,
    Settings,
    policy_from_data,
)
from registry.load.waivers import Waiver
from registry.records import field, record

if TYPE_CHECKING:
    from registry.load.model import Plan, Registry

BASE = "base"
HEAD = "head"
SIDES = (BASE, HEAD)
ADDITIVE = "additive"  # how additions count unless the policy says otherwise
# The diff rules that report a change of policy.
POLICY_RULES = ("settings-changed", "plan-conventions-changed", "plan-policy-changed")


@record(frozen=True)
class Policy:
    """Registry settings, each plan's `conventions:` and `policy:`, and the waivers, as one
    side wrote them."""

    settings: Settings = field(default_factory=Settings)
    plan_conventions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    side: str = HEAD
    plan_policies: Mapping[str, PolicySettings] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()

    @classmethod
    def of(cls, registry: Registry, side: str) -> Policy:
        overrides = {
            plan_id: dict(plan.meta["conventions"])
            for plan_id, plan in registry.plans.items()
            if isinstance(plan.meta.get("conventions"), dict)
        }
        policies = {}
        for plan_id, plan in registry.plans.items():
            data = plan.meta.get("policy")
            if isinstance(data, dict):
                file = plan.meta_file or ""

                def line(at: tuple[Any, ...], file: str = file) -> int:
                    return registry.locate(file, at).line

                policies[plan_id] = policy_from_data(data, file, line, ("plan", "policy"))
        return cls(registry.settings, overrides, side, policies, registry.waivers)

    def rules(self, plan: str) -> tuple[PolicyRule, ...]:
        """The policy entries that apply in a plan, in the order they are read: the
        registry's, then the plan's own (so a plan's level override wins)."""
        own = self.plan_policies.get(plan)
        return self.settings.policy.rules + (own.rules if own else ())

    def compatibility(self, plan: str) -> str:
        own = self.plan_policies.get(plan)
        return (own.compatibility if own else None) or self.settings.compatibility

    def additions(self, plan: str) -> str:
        own = self.plan_policies.get(plan)
        return ((own.additions if own else None) or self.settings.policy.additions
                or ADDITIVE)  # fmt: skip

    def privacy(self, plan: str) -> list[tuple[tuple[str, ...], str]]:
        """Who approves personal-data changes in a plan, and where the policy says so."""
        found = [(self.settings.policy.privacy, self.settings.policy.privacy_at)]
        own = self.plan_policies.get(plan)
        if own is not None:
            found.append((own.privacy, own.privacy_at))
        return [(owners, where) for owners, where in found if owners]

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
