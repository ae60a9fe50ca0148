"""Apply rules to resources: every rule x resource gives a check, and failures give findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from lslint.engine.logic import Assumed, Env, Outcome
from lslint.engine.rule import Rule, RuleTest
from lslint.engine.truth import TruthFunction, full_function, truth_function
from lslint.findings import AppliedOverride, Check, Finding, ScanResult, Status, fingerprint
from lslint.inventory import Inventory, Resource
from lslint.models import RESOURCE_KINDS, LightsailModel


@dataclass(frozen=True)
class RuleVariant:
    """A rule bound with other parameters for some resources, and the override that says so."""

    rule: Rule
    override: AppliedOverride


# The variant of a rule to evaluate on one resource, or None for the rule as configured.
RuleVariants = Callable[[Rule, Resource], RuleVariant | None]


@dataclass(frozen=True)
class Verdict:
    """A rule's result for one resource, before it becomes a check and maybe a finding."""

    status: Status
    message: str = ""
    evidence: dict[str, Any] | None = None
    # What the rule captured, to fill remediation commands; derived, so not compared.
    captures: dict[str, list[Any]] | None = field(default=None, compare=False)


PASS = Verdict("pass")
SKIP = Verdict("skip")


def judge(rule: Rule, model: LightsailModel, now: datetime | None = None) -> Verdict:
    """Evaluate ``rule`` on one resource model at scan time ``now`` (without it, conditions
    about time are unknown)."""
    applies, fails = rule_truths(rule)
    if applies is not None:
        truth = applies(model, rule.operands, now)
        if truth is False:
            return SKIP
        if truth is None:
            return judged(rule, model, now)
    if fails(model, rule.operands, now) is False:
        return PASS
    return judged(rule, model, now)


def rule_truths(rule: Rule) -> tuple[TruthFunction | None, TruthFunction]:
    """The truth functions of the rule's ``applies_if`` (if it has one) and ``fail_if``: they
    settle passes and skips without building what only a finding needs."""
    root = RESOURCE_KINDS[rule.resource].model
    applies = truth_function(rule.applies_if, root) if rule.applies_if is not None else None
    return applies, truth_function(rule.fail_if, root)


def judged(rule: Rule, model: LightsailModel, now: datetime | None = None) -> Verdict:
    """``judge`` with the full outcomes of the conditions: the message, evidence and captures
    of a failure, the reasons of an indeterminate result."""
    env = Env(model, rule.operands, now=now)
    root = RESOURCE_KINDS[rule.resource].model
    applies_captures: tuple[tuple[str, Any], ...] = ()
    if rule.applies_if is not None:
        applies = full_function(rule.applies_if, root)(env)
        if applies.truth is False:
            return SKIP
        if applies.truth is None:
            return _indeterminate("applies_if", applies)
        applies_captures = applies.captures
    outcome = full_function(rule.fail_if, root)(env)
    if outcome.truth is None:
        return _indeterminate("fail_if", outcome)
    if not outcome.truth:
        return PASS
    captures = merge_captures((*applies_captures, *outcome.captures))
    message = rule.message.render(model, rule.param_values, captures)
    return Verdict("fail", message, evidence_of(outcome), captures)


def remediation_commands(rule: Rule, model: LightsailModel, verdict: Verdict) -> list[str]:
    """The rule's remediation commands for one resource, filled from what the rule captured.

    An indeterminate result has none: lslint cannot say what to change before it can see the
    value it is missing."""
    if rule.remediation_cli is None or verdict.status == "error":
        return []
    return rule.remediation_cli.render(model, rule.param_values, verdict.captures or {})


def run_case(rule: Rule, case: RuleTest) -> tuple[Verdict, list[str]]:
    """What ``rule`` says about an embedded test case's resource: the verdict and the
    remediation commands."""
    bound = rule.bind(case.params)
    verdict = judge(bound, case.resource, case.now)
    return verdict, remediation_commands(bound, case.resource, verdict)


def case_failure(rule: Rule, case: RuleTest) -> str | None:
    """Why an embedded test case fails (``expected fail, got pass: ...``), or None if it passes."""
    verdict, commands = run_case(rule, case)
    if verdict.status != case.expect:
        detail = f": {verdict.message}" if verdict.message else ""
        return f"expected {case.expect}, got {verdict.status}{detail}"
    if case.commands is not None and commands != list(case.commands):
        return f"expected commands {list(case.commands)}, got {commands}"
    return None


def _indeterminate(part: str, outcome: Outcome) -> Verdict:
    reasons = sorted(set(outcome.reasons)) or ["a value is unknown"]
    message = f"indeterminate: {'; '.join(reasons)}"
    return Verdict("error", message, {"indeterminate": reasons, "condition": part})


def merge_captures(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    """Captures by name; a name captured several times (or as a list) collects every value."""
    merged: dict[str, list[Any]] = {}
    for name, value in pairs:
        bucket = merged.setdefault(name, [])
        if isinstance(value, list):
            bucket.extend(value)
        else:
            bucket.append(value)
    return merged


def evidence_of(outcome: Outcome) -> dict[str, Any]:
    if len(outcome.evidence) == 1:  # most failures quote one value: nothing to merge or sort
        ((path, value),) = outcome.evidence
        return {path: to_json(value)}
    evidence: dict[str, Any] = {}
    for path, value in outcome.evidence:
        shown = to_json(value)
        if path in evidence and evidence[path] != shown:
            previous = evidence[path]
            evidence[path] = [*previous, shown] if isinstance(previous, list) else [previous, shown]
        else:
            evidence[path] = shown
    return dict(sorted(evidence.items()))


def to_json(value: Any) -> Any:
    """Evidence as plain JSON values; an assumed default says so."""
    kind = type(value)
    if kind is str or kind is int:  # the common cases first
        return value
    if isinstance(value, Assumed):
        return {"absent": True, "assumed": to_json(value.value)}
    if isinstance(value, LightsailModel):
        return _dumped(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):  # e.g. an entry of a dated_pattern_list parameter
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# The evidence of the last models shown, by identity: several rules quote the same firewall
# entry of a resource, and each rule's findings then share one dictionary for it (evidence is
# never changed) instead of dumping the model again. A resource's rules run one after another.
_DUMPED: dict[int, tuple[LightsailModel, dict[str, Any]]] = {}
_DUMPED_AT_MOST = 256


def _dumped(model: LightsailModel) -> dict[str, Any]:
    known = _DUMPED.get(id(model))
    if known is not None and known[0] is model:
        return known[1]
    dumped = model.model_dump(mode="json", exclude_none=True)
    if len(_DUMPED) >= _DUMPED_AT_MOST:
        _DUMPED.clear()
    _DUMPED[id(model)] = (model, dumped)
    return dumped


class _Plan(NamedTuple):
    """What ``run`` needs of one rule for each resource, looked up once."""

    rule: Rule
    applies: TruthFunction | None
    fails: TruthFunction
    operands: tuple[Any, ...]
    varied: bool  # per-resource overrides may give it other parameters


def _plan(rule: Rule, variants: RuleVariants | None) -> _Plan:
    applies, fails = rule_truths(rule)
    varied = variants is not None and _may_vary(variants, rule)
    return _Plan(rule, applies, fails, rule.operands, varied)


def _may_vary(variants: RuleVariants, rule: Rule) -> bool:
    """Whether ``variants`` may give ``rule`` other parameters; asked once per rule, so that
    resources are not looked up in a table with no entry for it."""
    varied: Callable[[Rule], bool] | None = getattr(variants, "varies", None)
    return varied is None or varied(rule)


def run(
    rules: Sequence[Rule],
    inventory: Inventory,
    variants: RuleVariants | None = None,
    *,
    now: datetime | None = None,
) -> ScanResult:
    """Evaluate every rule on every resource of its kind; source errors carry over to the result.

    ``now`` is the scan time that conditions about time compare with; the caller takes it
    once per run (the engine never reads the clock). Without it they are indeterminate.

    ``variants`` gives a rule other parameters for some resources (per-resource overrides);
    findings evaluated with a variant carry its override. Accepting findings (suppressions,
    baselines) is not the engine's job: it happens after ``run``.
    """
    result = ScanResult(
        rules=[rule.info() for rule in rules],
        errors=list(inventory.errors),
        warnings=list(inventory.warnings),
        resource_count=len(inventory.resources),
    )
    by_kind: dict[str, list[Rule]] = {}
    for rule in sorted(rules, key=lambda rule: rule.id):
        by_kind.setdefault(rule.resource, []).append(rule)
    # Planned when a kind is first met: rules of kinds the inventory lacks are never compiled.
    plans_by_kind: dict[str, list[_Plan]] = {}
    checks, findings = result.checks, result.findings
    # Resources in the order of the checks, rules by id: the checks are made in their sorted
    # order, so sorting them at the end costs one comparison each.
    located = sorted(
        (r.region, r.kind.name, r.name, r.arn, index, r)
        for index, r in enumerate(inventory.resources)
    )
    for region, kind, name, arn, _, resource in located:
        plans = plans_by_kind.get(kind)
        if plans is None:
            plans = plans_by_kind[kind] = [_plan(rule, variants) for rule in by_kind.get(kind, ())]
        if not plans:
            continue
        model = resource.model
        for rule, applies, fails, operands, varied in plans:
            variant = variants(rule, resource) if varied and variants is not None else None
            if variant is not None:
                verdict = judge(variant.rule, model, now)
                status = verdict.status
            else:
                # The truth functions settle most checks; a failure or an unknown is judged
                # again in full, for its message, evidence and reasons.
                truth = True if applies is None else applies(model, operands, now)
                if truth is True and fails(model, operands, now) is False:
                    status = "pass"
                elif truth is False:
                    status = "skip"
                else:
                    verdict = judged(rule, model, now)
                    status = verdict.status
            checks.append(
                Check(rule.id, rule.resource, arn, name, region, status, variant is not None)
            )
            if status in ("fail", "error"):
                applied = variant.rule if variant is not None else rule
                override = variant.override if variant is not None else None
                findings.append(_finding(applied, resource, verdict, override))
    result.sort()
    return result


def _finding(
    rule: Rule, resource: Resource, verdict: Verdict, override: AppliedOverride | None = None
) -> Finding:
    evidence = verdict.evidence or {}
    commands = remediation_commands(rule, resource.model, verdict)
    return Finding(
        rule_id=rule.id,
        rule_name=rule.name,
        severity=rule.severity,
        status="fail" if verdict.status == "fail" else "error",
        resource_kind=rule.resource,
        resource_arn=resource.arn,
        resource_name=resource.name,
        region=resource.region,
        message=verdict.message,
        evidence=evidence,
        remediation_text=rule.remediation_text,
        fingerprint=fingerprint(rule.id, resource.arn or resource.name, evidence),
        source_path=resource.origin.path if resource.origin else "",
        source_line=resource.origin.line if resource.origin else 0,
        override=override,
        remediation_commands=tuple(commands),
    )
