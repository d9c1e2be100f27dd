"""IAM's policy simulator (``simulate_custom_policy``, ``simulate_principal_policy``), which moto lacks.

The decision follows "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) for
one account: an explicit ``Deny`` in any policy wins (``explicitDeny``); otherwise an ``Allow`` in
an identity policy or in the resource policy allows (``allowed``); otherwise the request is
implicitly denied (``implicitDeny``). A statement applies when its ``Action`` (or ``NotAction``)
and ``Resource`` (or ``NotResource``) match — ``*`` and ``?`` wildcards, actions without regard
to case, resources with — and every ``Condition`` holds for the request's context keys
("IAM JSON policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
String*, Arn*, Numeric*, Bool and Null operators, with ``...IfExists`` and the
``ForAnyValue:``/``ForAllValues:`` set qualifiers. A key the context does not give makes a
condition false, except ``...IfExists``, negated operators and ``Null: true`` (as AWS evaluates
them); the answer lists such keys in ``MissingContextValues``.

Not modelled: permissions boundaries, SCPs, session policies, cross-account resource policies
and policy variables (``${aws:username}``); the answer says nothing about them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .cloud.session import MockSession

_R = "moto.iam.responses:IamResponse"
SIMULATE_CUSTOM = seam(f"{_R}.simulate_custom_policy", extension="iam_simulator", create=True,
                       why="moto has no SimulateCustomPolicy: evaluate policies as IAM's policy evaluation logic does")
SIMULATE_PRINCIPAL = seam(f"{_R}.simulate_principal_policy", extension="iam_simulator", create=True,
                          why="moto has no SimulatePrincipalPolicy: evaluate a role's or user's policies as IAM does")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wild(pattern: str, value: str, *, case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _action_matches(patterns: list[str], action: str) -> bool:
    return any(_wild(p, action, case=False) for p in patterns)


def _resource_matches(patterns: list[str], resource: str) -> bool:
    return any(_wild(p, resource, case=True) for p in patterns)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(op: str, have: str, want: str) -> bool:
    """One operator on one context value and one policy value (the positive form)."""
    if op in ("StringEquals", "ArnEquals"):
        return have == want if op == "StringEquals" else _wild(want, have, case=True)
    if op == "StringEqualsIgnoreCase":
        return have.lower() == want.lower()
    if op in ("StringLike", "ArnLike"):
        return _wild(want, have, case=True)
    if op == "Bool":
        return have.lower() == str(want).lower()
    if op.startswith("Numeric"):
        a, b = _number(have), _number(want)
        if a is None or b is None:
            return False
        return {"NumericEquals": a == b, "NumericLessThan": a < b, "NumericLessThanEquals": a <= b,
                "NumericGreaterThan": a > b, "NumericGreaterThanEquals": a >= b}[op]
    raise ValueError(f"condition operator {op!r} is not modelled")


_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
            "NumericNotEquals": "NumericEquals"}


def _condition_holds(raw_op: str, key: str, wanted: list[Any], context: dict[str, list[str]],
                     missing: set[str]) -> bool:
    qualifier, _, op = raw_op.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op[: -len("IfExists")] if if_exists else op
    have = context.get(key.lower())
    wanted_s = [str(w).lower() if isinstance(w, bool) else str(w) for w in wanted]
    if op == "Null":
        return (have is None) == (wanted_s[0].lower() == "true")
    negated = op in _NEGATED
    base = _NEGATED.get(op, op)
    if have is None:
        if not if_exists:
            missing.add(key)
        return if_exists or negated or qualifier == "ForAllValues"

    def one(value: str) -> bool:
        hit = any(_compare(base, value, w) for w in wanted_s)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in have)
    return any(one(v) for v in have)   # ForAnyValue, and a single-valued key


@dataclass
class Statement:
    policy_id: str
    policy_type: str      # IAM Policy, Resource Policy (the SourcePolicyType values)
    index: int
    doc: dict[str, Any]


@dataclass
class Decision:
    action: str
    resource: str
    decision: str                                   # allowed | explicitDeny | implicitDeny
    matched: list[Statement] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _statements(policy_id: str, policy_type: str, document: Any) -> list[Statement]:
    doc = json.loads(document) if isinstance(document, str) else document
    return [Statement(policy_id, policy_type, i, s) for i, s in enumerate(_as_list(doc.get("Statement")))]


def _applies(st: dict[str, Any], action: str, resource: str, context: dict[str, list[str]], missing: set[str],
             resource_policy: bool) -> bool:
    if "Action" in st and not _action_matches(_as_list(st["Action"]), action):
        return False
    if "NotAction" in st and _action_matches(_as_list(st["NotAction"]), action):
        return False
    if not resource_policy or "Resource" in st or "NotResource" in st:
        if "Resource" in st and not _resource_matches(_as_list(st["Resource"]), resource):
            return False
        if "NotResource" in st and _resource_matches(_as_list(st["NotResource"]), resource):
            return False
    for op, keys in (st.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _condition_holds(op, key, _as_list(wanted), context, missing):
                return False
    return True


def evaluate(identity_policies: list[Any], action: str, resource: str = "*",
             context: dict[str, list[str]] | None = None, resource_policy: Any = None) -> Decision:
    """The decision IAM reaches for one action on one resource (module docstring)."""
    ctx = {k.lower(): [str(v) for v in _as_list(vals)] for k, vals in (context or {}).items()}
    statements = [s for i, doc in enumerate(identity_policies)
                  for s in _statements(f"PolicyInputList.{i + 1}", "IAM Policy", doc)]
    if resource_policy is not None:
        statements += _statements("ResourcePolicy", "Resource Policy", resource_policy)
    missing: set[str] = set()
    allows: list[Statement] = []
    denies: list[Statement] = []
    for st in statements:
        if _applies(st.doc, action, resource, ctx, missing, st.policy_type == "Resource Policy"):
            (denies if st.doc.get("Effect") == "Deny" else allows).append(st)
    if denies:
        return Decision(action, resource, "explicitDeny", denies, sorted(missing))
    if allows:
        return Decision(action, resource, "allowed", allows, sorted(missing))
    return Decision(action, resource, "implicitDeny", [], sorted(missing))


def _result(d: Decision) -> dict[str, Any]:
    return {"EvalActionName": d.action, "EvalResourceName": d.resource, "EvalDecision": d.decision,
            "MatchedStatements": [{"SourcePolicyId": s.policy_id, "SourcePolicyType": s.policy_type}
                                  for s in d.matched],
            "MissingContextValues": d.missing}


def _context(entries: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    return {e["ContextKeyName"]: [str(v) for v in e.get("ContextKeyValues") or []] for e in entries or []}


def _principal_policies(account_id: str, arn: str) -> list[str]:
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["global"]
    kind = arn.split(":", 5)[-1].split("/", 1)[0]
    if kind == "role":
        owner = backend.get_role_by_arn(arn)
    elif kind == "user":
        owner = backend.get_user(arn.rsplit("/", 1)[-1])
    else:
        from moto.iam.exceptions import IAMNotFoundException

        raise IAMNotFoundException(f"PolicySourceArn {arn} is not a role or a user.")
    docs = [doc for doc in owner.policies.values()]
    for policy in owner.managed_policies.values():
        docs.append(backend.get_policy_version(policy.arn, policy.default_version_id).document)
    return docs


def _answer(response: Any, policies: list[Any]) -> Any:
    from moto.core.responses import ActionResult

    actions = response._get_param("ActionNames") or []
    resources = response._get_param("ResourceArns") or ["*"]
    context = _context(response._get_param("ContextEntries"))
    resource_policy = response._get_param("ResourcePolicy")
    results = [_result(evaluate(policies, a, r, context, resource_policy)) for a in actions for r in resources]
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


class IamSimulatorHandle:
    def __init__(self) -> None:
        self._patcher = Patcher()

    def start(self) -> IamSimulatorHandle:
        def simulate_custom_policy(response: Any) -> Any:
            return _answer(response, response._get_param("PolicyInputList") or [])

        def simulate_principal_policy(response: Any) -> Any:
            arn = response._get_param("PolicySourceArn")
            extra = response._get_param("PolicyInputList") or []
            return _answer(response, _principal_policies(response.current_account, arn) + extra)

        self._patcher.replace(SIMULATE_CUSTOM, simulate_custom_policy)
        self._patcher.replace(SIMULATE_PRINCIPAL, simulate_principal_policy)
        return self

    def stop(self) -> None:
        self._patcher.undo()

    def __repr__(self) -> str:
        return "<iam_simulator: SimulateCustomPolicy and SimulatePrincipalPolicy>"


def activate(session: MockSession) -> IamSimulatorHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    return IamSimulatorHandle().start()


__all__ = ["evaluate", "Decision"]
