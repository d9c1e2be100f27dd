"""ARN parsing in one place: ``arn:partition:service:region:account:resource``.

AWS's format (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html): six
colon-separated fields, the resource itself may contain colons (``function:name:qualifier``) or
slashes (``table/name/stream/...``). Lambda also accepts a bare name, ``name:qualifier`` and a
partial ARN (``account:function:name``) wherever a function name goes.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Arn", "parse", "is_arn", "function_ref", "FunctionRef"]


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str   # everything after the account field, colons and slashes kept

    @property
    def resource_parts(self) -> list[str]:
        """``resource`` split on ':' (``["function", "name", "qualifier"]``)."""
        return self.resource.split(":")

    @property
    def name(self) -> str:
        """The resource's name: last ':' field, then last '/' field (queue, topic, function, rule)."""
        parts = self.resource_parts
        if self.service == "lambda" and len(parts) >= 2 and parts[0] in ("function", "layer"):
            return parts[1]
        return parts[-1].split("/")[-1]

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def is_arn(text: str) -> bool:
    return isinstance(text, str) and text.startswith("arn:") and text.count(":") >= 5


def parse(arn: str) -> Arn:
    """Split an ARN; ValueError (naming the ARN) if it is not one."""
    if not is_arn(arn):
        raise ValueError(f"not an ARN: {arn!r} (expected arn:partition:service:region:account:resource)")
    _, partition, service, region, account, resource = arn.split(":", 5)
    return Arn(partition, service, region, account, resource)


@dataclass(frozen=True)
class FunctionRef:
    """What a Lambda FunctionName parameter names: the function, and where, and which version."""

    name: str
    qualifier: str | None = None
    account: str | None = None
    region: str | None = None


def function_ref(name_or_arn: str) -> FunctionRef:
    """Read a Lambda ``FunctionName``: ``name``, ``name:qualifier``, a full or partial ARN."""
    if name_or_arn.startswith("arn:"):
        a = parse(name_or_arn)
        parts = a.resource_parts   # function:name[:qualifier]
        return FunctionRef(parts[1] if len(parts) > 1 else parts[0],
                           parts[2] if len(parts) > 2 else None, a.account or None, a.region or None)
    parts = name_or_arn.split(":")
    if len(parts) >= 3 and parts[1] == "function":          # account:function:name[:qualifier]
        return FunctionRef(parts[2], parts[3] if len(parts) > 3 else None, parts[0] or None)
    return FunctionRef(parts[0], parts[1] if len(parts) > 1 and parts[1] else None)
