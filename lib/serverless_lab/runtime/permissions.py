"""Lambda resource-based policies, checked the way API Gateway, EventBridge and S3 need them.

A Lambda concept, so it lives with the runtime; the integrations (a layer above) and the
runtime's S3 trigger check both ask it (docs/architecture.md, "Layers").

On AWS, ``lambda.add_permission(Principal="apigateway.amazonaws.com", SourceArn=...)`` is what
lets an API (or ``events.amazonaws.com`` for a rule) invoke a function; without it API
Gateway answers 500 and logs "Invalid permissions on Lambda function", and EventBridge counts
a FailedInvocation. moto stores the policy but never checks it. The check is opt-in
(``mock_aws(enforce_lambda_permissions=True)``) so labs that skip the step keep working,
and a lab about permissions can switch it on.
"""

from __future__ import annotations

import fnmatch
from typing import Any

_ACTIONS = {"lambda:invokefunction", "lambda:*", "*"}


class PermissionDenied(Exception):
    """The function's resource policy does not let this service invoke it."""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allows(fn: Any, principal: str, source_arn: str | None, source_account: str | None = None
           ) -> bool:
    """Whether an Allow statement of ``fn``'s policy admits ``principal`` from ``source_arn``."""
    for st in getattr(getattr(fn, "policy", None), "statements", []) or []:
        if st.get("Effect", "Allow") != "Allow":
            continue
        if not any(str(a).lower() in _ACTIONS for a in _as_list(st.get("Action", ""))):
            continue
        who = st.get("Principal")
        services = _as_list(who.get("Service", [])) if isinstance(who, dict) else _as_list(who)
        if principal not in services and "*" not in services:
            continue
        ok = True
        for op, conds in (st.get("Condition") or {}).items():
            for key, expected in conds.items():
                if key.lower() == "aws:sourcearn":
                    values = _as_list(expected)
                    if op.lower() in ("arnlike", "stringlike"):
                        ok &= source_arn is not None and any(fnmatch.fnmatchcase(source_arn, v)
                                                             for v in values)
                    else:
                        ok &= source_arn in values
                elif key.lower() == "aws:sourceaccount":
                    ok &= source_account in _as_list(expected)
        if ok:
            return True
    return False


def check(fn: Any, principal: str, source_arn: str | None, source_account: str | None) -> None:
    if not allows(fn, principal, source_arn, source_account):
        raise PermissionDenied(
            f"{principal} is not allowed to invoke {fn.function_name} (from {source_arn}): "
            "add it with lambda.add_permission(FunctionName=..., StatementId=..., "
            f"Action='lambda:InvokeFunction', Principal='{principal}', SourceArn=...)")
