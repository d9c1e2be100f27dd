"""What ``serverless_lab.iac`` supports, as docs/architecture.md shows it, generated from the code.

``python -m serverless_lab.iac.inventory`` prints it; ``--write docs/architecture.md`` replaces the
part between the ``iac:begin`` / ``iac:end`` markers. tests/test_sam_inventory.py fails when the
document and the code disagree (a newly supported type or property must be listed: run the command).
"""

from __future__ import annotations

import sys

from .. import doc_sections
from . import catalog, sam

BEGIN = "<!-- iac:begin (generated: python -m serverless_lab.iac.inventory --write docs/architecture.md) -->"
END = "<!-- iac:end -->"


def _first_line(obj: object) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    return doc[0].replace("|", "/").replace("``", "`") if doc else ""


def _names(items: set[str]) -> str:
    return ", ".join(f"`{i}`" for i in sorted(items))


def markdown() -> str:
    lines = ["SAM resource types (anything else, and any other property, fails the change set by name):", "",
             "| SAM type | properties |", "|---|---|"]
    for kind in sorted(sam.SUPPORTED):
        props = _names(sam.SUPPORTED[kind])
        nested = [f"{prop}: {_names(keys)}" for (rtype, prop), keys in sorted(sam.SUPPORTED_NESTED.items())
                  if rtype == kind]
        lines.append(f"| `{kind}` | {props}" + (f"; inside {'; '.join(nested)}" if nested else "") + " |")
    lines += ["", "Event sources of `AWS::Serverless::Function`:", "", "| event type | properties |", "|---|---|"]
    for etype in sorted(sam.SUPPORTED_EVENT_PROPS):
        nested = [f"{prop}: {_names(keys)}" for (source, prop), keys in sorted(sam.SUPPORTED_EVENT_NESTED.items())
                  if source == etype]
        lines.append(f"| `{etype}` | {_names(sam.SUPPORTED_EVENT_PROPS[etype])}"
                     + (f"; inside {'; '.join(nested)}" if nested else "") + " |")
    lines += ["", "Event sources of `AWS::Serverless::StateMachine` (each starts an execution):", "",
              "| event type | properties |", "|---|---|"]
    for etype in sorted(sam.SUPPORTED_STATE_MACHINE_EVENT_PROPS):
        lines.append(f"| `{etype}` | {_names(sam.SUPPORTED_STATE_MACHINE_EVENT_PROPS[etype])} |")
    lines += ["", f"`DeploymentPreference` types honoured: {_names(sam.DEPLOYMENT_TYPES)}: `AllAtOnce` moves the "
              "alias at once; Canary and Linear shift its weights on the lab clock, roll back when one of "
              f"`Alarms` is in ALARM, and run `Hooks` ({_names(sam.DEPLOYMENT_HOOKS)}) as functions that report "
              "with `PutLifecycleEventHookExecutionStatus` (`iac/traffic.py`). Each such deployment is a CodeDeploy "
              "deployment of the stack's application and the function's deployment group (`get_deployment`, "
              "`list_deployments`, `stop_deployment`; `iac/codedeploy.py`).", "",
              "CloudFormation resource types:", "", "| type | built by | what it does |", "|---|---|---|"]
    for kind in sorted(catalog.SUPPORTED_TYPES):
        cls = catalog.OWN_TYPES.get(kind)
        if cls is not None:
            lines.append(f"| `{kind}` | `iac.{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}` | {_first_line(cls)} |")
        else:
            lines.append(f"| `{kind}` | moto | moto's own model |")
    lines += ["", "Template features: YAML short forms (`!Ref`, `!GetAtt A.B` / `[A, B]`, `!Sub` both forms, "
              "`!If`, `!Condition`, ...), unquoted dates (`AWSTemplateFormatVersion: 2010-09-09`), `AWS::Include` "
              "(S3, or a local file `deploy()` uploads), a `.zip` as `CodeUri`. A plain (non-SAM) template may "
              "also use any other type moto models; a type moto would skip is refused."]
    return "\n".join(lines)


def section(text: str) -> str | None:
    """The generated part of a document, or None if it has no markers."""
    return doc_sections.section(text, BEGIN, END)


def write(path: str) -> None:
    doc_sections.write(path, BEGIN, END, markdown())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write(sys.argv[2])
    else:
        print(markdown())
