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

A permissions boundary (``PermissionsBoundaryPolicyInputList``, or the one attached to the role
``simulate_principal_policy`` names) caps what the identity policies grant: an action is allowed
by them only if the boundary allows it too, and a Deny in the boundary denies. It does not cap a
resource policy ("Permissions boundaries for IAM entities",
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html); each result
then carries ``PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary``
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_PermissionsBoundaryDecisionDetail.html).

Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team}``, with a default as
``${aws:username, 'nobody'}``, and ``${*}``, ``${?}``, ``${$}`` for the literal characters) are
replaced, in ``Resource`` and in condition values, by the request's context value, in policies
of ``Version`` 2012-10-17 only; a variable with no value (and no default) makes that element
match nothing ("IAM policy elements: Variables and tags",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html). The
simulator takes the values from ``ContextEntries``, as the console's simulator asks for them.

Not modelled: SCPs, session policies and cross-account resource policies; the answer says
nothing about them.
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


# a pattern after policy variables: (text, literal) pieces; a literal piece (a variable's value,
# ${*}) matches itself only, the policy's own text keeps its * and ? wildcards
Pattern = list[tuple[str, bool]]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'((?:[^']|'')*)'\s*$")


class Unresolved(Exception):
    """A policy variable with no value in the request and no default."""


def _expand(text: str, context: dict[str, list[str]] | None) -> Pattern:
    """``text`` with its policy variables replaced (``context`` None: a 2008-10-17 policy, no variables)."""
    if context is None or "${" not in text:
        return [(text, False)]
    out: Pattern = []
    last = 0
    for m in _VARIABLE.finditer(text):
        out.append((text[last:m.start()], False))
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            out.append((inner, True))
        else:
            default = _DEFAULT.match(inner)
            key = (default.group(1) if default else inner).strip().lower()
            values = context.get(key)
            if values is not None and len(values) == 1:
                out.append((values[0], True))
            elif default:
                out.append((default.group(2).replace("''", "'"), True))
            else:
                raise Unresolved(key)
        last = m.end()
    out.append((text[last:], False))
    return out


def _joined(pattern: Pattern) -> str:
    return "".join(text for text, _ in pattern)


def _wild(pattern: str | Pattern, value: str, *, case: bool) -> bool:
    pieces = [(pattern, False)] if isinstance(pattern, str) else pattern
    regex = "".join(re.escape(text) if literal else
                    "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
                    for text, literal in pieces)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _action_matches(patterns: list[str], action: str) -> bool:
    return any(_wild(p, action, case=False) for p in patterns)


def _resource_matches(patterns: list[str], resource: str, variables: dict[str, list[str]] | None) -> bool:
    for p in patterns:
        try:
            if _wild(_expand(p, variables), resource, case=True):
                return True
        except Unresolved:
            continue   # a Resource whose variable has no value matches nothing
    return False


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(op: str, have: str, wanted: Pattern) -> bool:
    """One operator on one context value and one policy value (the positive form)."""
    want = _joined(wanted)
    if op in ("StringEquals", "ArnEquals"):
        return have == want if op == "StringEquals" else _wild(wanted, have, case=True)
    if op == "StringEqualsIgnoreCase":
        return have.lower() == want.lower()
    if op in ("StringLike", "ArnLike"):
        return _wild(wanted, have, case=True)
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
                     missing: set[str], variables: dict[str, list[str]] | None = None) -> bool:
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

    patterns: list[Pattern] = []
    for w in wanted_s:
        try:
            patterns.append(_expand(w, variables))
        except Unresolved:
            continue   # a value whose variable has no value matches nothing

    def one(value: str) -> bool:
        hit = any(_compare(base, value, w) for w in patterns)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in have)
    return any(one(v) for v in have)   # ForAnyValue, and a single-valued key


@dataclass
class Statement:
    policy_id: str
    policy_type: str      # IAM Policy, Resource Policy, Permissions Boundary Policy (the SourcePolicyType values)
    index: int
    doc: dict[str, Any]
    variables: bool = True   # Version 2012-10-17: policy variables are replaced


@dataclass
class Decision:
    action: str
    resource: str
    decision: str                                   # allowed | explicitDeny | implicitDeny
    matched: list[Statement] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    allowed_by_boundary: bool | None = None         # None: no permissions boundary simulated


def _statements(policy_id: str, policy_type: str, document: Any) -> list[Statement]:
    doc = json.loads(document) if isinstance(document, str) else document
    variables = doc.get("Version") == "2012-10-17"
    return [Statement(policy_id, policy_type, i, s, variables) for i, s in enumerate(_as_list(doc.get("Statement")))]


def _applies(statement: Statement, action: str, resource: str, context: dict[str, list[str]],
             missing: set[str]) -> bool:
    st = statement.doc
    variables = context if statement.variables else None
    if "Action" in st and not _action_matches(_as_list(st["Action"]), action):
        return False
    if "NotAction" in st and _action_matches(_as_list(st["NotAction"]), action):
        return False
    if statement.policy_type != "Resource Policy" or "Resource" in st or "NotResource" in st:
        if "Resource" in st and not _resource_matches(_as_list(st["Resource"]), resource, variables):
            return False
        if "NotResource" in st and _resource_matches(_as_list(st["NotResource"]), resource, variables):
            return False
    for op, keys in (st.get("Condition") or {}).items():
        for key, wanted in keys.items():
            if not _condition_holds(op, key, _as_list(wanted), context, missing, variables):
                return False
    return True


def evaluate(identity_policies: list[Any], action: str, resource: str = "*",
             context: dict[str, list[str]] | None = None, resource_policy: Any = None,
             boundary: Any = None) -> Decision:
    """The decision IAM reaches for one action on one resource (module docstring); ``boundary``
    is a permissions boundary policy, or None."""
    ctx = {k.lower(): [str(v) for v in _as_list(vals)] for k, vals in (context or {}).items()}
    statements = [s for i, doc in enumerate(identity_policies)
                  for s in _statements(f"PolicyInputList.{i + 1}", "IAM Policy", doc)]
    if resource_policy is not None:
        statements += _statements("ResourcePolicy", "Resource Policy", resource_policy)
    if boundary is not None:
        statements += _statements("PermissionsBoundaryPolicyInputList.1", "Permissions Boundary Policy", boundary)
    missing: set[str] = set()
    allows: list[Statement] = []
    denies: list[Statement] = []
    bounded: list[Statement] = []
    for st in statements:
        if _applies(st, action, resource, ctx, missing):
            if st.doc.get("Effect") == "Deny":
                denies.append(st)
            elif st.policy_type == "Permissions Boundary Policy":
                bounded.append(st)
            else:
                allows.append(st)
    in_boundary = None if boundary is None else bool(bounded) and not any(
        s.policy_type == "Permissions Boundary Policy" for s in denies)
    if denies:
        return Decision(action, resource, "explicitDeny", denies, sorted(missing), in_boundary)
    # the boundary caps what identity policies grant, not what a resource policy grants
    granted = [s for s in allows if s.policy_type == "Resource Policy" or in_boundary is not False]
    if granted:
        return Decision(action, resource, "allowed", granted, sorted(missing), in_boundary)
    return Decision(action, resource, "implicitDeny", [], sorted(missing), in_boundary)


def _result(d: Decision) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EvalActionName": d.action, "EvalResourceName": d.resource, "EvalDecision": d.decision,
        "MatchedStatements": [{"SourcePolicyId": s.policy_id, "SourcePolicyType": s.policy_type} for s in d.matched],
        "MissingContextValues": d.missing}
    if d.allowed_by_boundary is not None:
        out["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": d.allowed_by_boundary}
    return out


def _context(entries: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    return {e["ContextKeyName"]: [str(v) for v in e.get("ContextKeyValues") or []] for e in entries or []}


@dataclass
class Principal:
    """What ``simulate_principal_policy`` evaluates for a role or a user."""

    policies: list[Any]
    boundary: Any = None      # the attached permissions boundary's document, if any


def _managed_document(backend: Any, arn: str) -> Any:
    policy = backend.get_policy(arn)
    return backend.get_policy_version(arn, policy.default_version_id).document


def _principal(account_id: str, arn: str) -> Principal:
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
    out = Principal([])

    def add(holder: Any) -> None:
        out.policies.extend(holder.policies.values())
        for policy in holder.managed_policies.values():
            out.policies.append(backend.get_policy_version(policy.arn, policy.default_version_id).document)

    add(owner)
    if kind == "user":   # a user's groups' policies count too (SimulatePrincipalPolicy)
        for group in backend.get_groups_for_user(owner.name):
            add(group)
    boundary_arn = getattr(owner, "permissions_boundary_arn", None)
    if boundary_arn:
        out.boundary = _managed_document(backend, boundary_arn)
    return out


def _answer(response: Any, policies: list[Any], boundary: Any = None) -> Any:
    from moto.core.responses import ActionResult

    actions = response._get_param("ActionNames") or []
    resources = response._get_param("ResourceArns") or ["*"]
    context = _context(response._get_param("ContextEntries"))
    resource_policy = response._get_param("ResourcePolicy")
    given = response._get_param("PermissionsBoundaryPolicyInputList") or []
    if len(given) > 1:
        raise _invalid_input("You can input only one permissions boundary (PermissionsBoundaryPolicyInputList).")
    if given:
        boundary = given[0]   # a boundary passed in replaces the attached one for the simulation
    results = [_result(evaluate(policies, a, r, context, resource_policy, boundary))
               for a in actions for r in resources]
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def _invalid_input(message: str) -> Exception:
    from moto.iam.exceptions import ValidationError

    return ValidationError(message)


class IamSimulatorHandle:
    def __init__(self) -> None:
        self._patcher = Patcher()

    def start(self) -> IamSimulatorHandle:
        def simulate_custom_policy(response: Any) -> Any:
            return _answer(response, response._get_param("PolicyInputList") or [])

        def simulate_principal_policy(response: Any) -> Any:
            arn = response._get_param("PolicySourceArn")
            extra = response._get_param("PolicyInputList") or []
            who = _principal(response.current_account, arn)
            return _answer(response, who.policies + extra, who.boundary)

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
