"""A stack update in CloudFormation's order: resources created and updated after what they use.

CloudFormation updates a stack along the dependency graph the template's ``Ref``, ``Fn::GetAtt``,
``Fn::Sub`` and ``DependsOn`` draw, then deletes what the new template no longer has in a final
clean-up phase, keeping resources whose ``DeletionPolicy`` is ``Retain`` ("Update behaviors of
stack resources", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html;
"DeletionPolicy attribute", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
moto removes first, then adds, then modifies, with no graph: a version SAM publishes for new code
(``AutoPublishAlias``) was published before the function had the new code.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def references(value: Any, names: set[str]) -> set[str]:
    """The logical ids among ``names`` a piece of template refers to."""
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for key, inner in v.items():
                if key == "Ref" and isinstance(inner, str) and inner in names:
                    found.add(inner)
                elif key == "Fn::GetAtt":
                    target = inner[0] if isinstance(inner, list) and inner else \
                        inner.split(".", 1)[0] if isinstance(inner, str) else None
                    if target in names:
                        found.add(target)
                elif key == "Fn::Sub":
                    text = inner[0] if isinstance(inner, list) and inner else inner
                    if isinstance(text, str):
                        found.update(n for n in _SUB_REF.findall(text) if n in names)
                    if isinstance(inner, list) and len(inner) > 1:
                        walk(inner[1])
                    continue
                walk(inner)
        elif isinstance(v, list):
            for inner in v:
                walk(inner)

    walk(value)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids, each after every resource it refers to or DependsOn (template order otherwise)."""
    names = set(resources)
    deps: dict[str, set[str]] = {}
    for name, body in resources.items():
        body = body if isinstance(body, dict) else {}
        depends = body.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else depends
        deps[name] = (references(body.get("Properties"), names) | {d for d in depends if d in names}) - {name}
    order: list[str] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting:
            return  # a cycle: CloudFormation refuses it; moto's lazy references resolve what they can
        visiting.add(name)
        for dep in sorted(deps[name], key=list(resources).index):
            visit(dep)
        visiting.discard(name)
        done.add(name)
        order.append(name)

    for name in resources:
        visit(name)
    return order


def _bare(body: Any) -> Any:
    if isinstance(body, dict) and not body.get("Properties"):
        return {k: v for k, v in body.items() if k != "Properties"}
    return body


def _same(old: Any, new: Any) -> bool:
    return bool(_bare(old) == _bare(new))


def update(resource_map: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    """``ResourceMap.update`` along the dependency graph; removals last, ``Retain`` kept."""
    from moto.cloudformation.parsing import parse_and_update_resource

    diff = resource_map.build_resource_diff(template, parameters)
    old_json = dict(resource_map._resource_json_map)
    resource_map._template = template
    if parameters:
        resource_map.input_parameters = parameters
    resource_map.load_mapping()
    resource_map.load_parameters()
    resource_map.load_conditions()
    resource_map._resource_json_map = template["Resources"]
    add = set(diff["Add"])
    # moto adds "Properties": {} to a resource it created without them: that alone is no change
    # (a resource listed with the very same text is there because a parameter it uses changed)
    modify = {n for n in diff["Modify"] if old_json.get(n) == template["Resources"][n]
              or not _same(old_json.get(n), template["Resources"][n])}
    for name in dependency_order(template["Resources"]):
        if name in add:
            _ = resource_map[name]  # moto's lazy map creates it
        elif name in modify:
            changed = parse_and_update_resource(name, template["Resources"][name], resource_map,
                                                account_id=resource_map._account_id,
                                                region_name=resource_map._region_name)
            if changed is not None:
                resource_map._parsed_resources[name] = changed
    for name in reversed(dependency_order({n: old_json[n] for n in diff["Remove"]})):
        resource = resource_map._parsed_resources.pop(name, None)
        if resource is None or (old_json[name] or {}).get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
            continue
        resource_map._delete_resource(resource, old_json[name])





def delete(resource_map: Any) -> None:
    """``ResourceMap.delete`` in reverse dependency order (an alias before its function, a
    subscription before its topic), keeping ``Retain`` resources, as CloudFormation deletes a stack
    ("Delete a stack", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-console-delete-stack.html).
    A resource that fails is tried again once the others are gone; if it still fails, its error is
    the stack's (``DELETE_FAILED``)."""
    json_map = resource_map._resource_json_map
    pending = [n for n in reversed(dependency_order(json_map))
               if (json_map[n] or {}).get("DeletionPolicy") not in ("Retain", "RetainExceptOnCreate")]
    last: Exception | None = None
    for _ in range(2):
        failed = []
        for name in pending:
            resource = resource_map._parsed_resources.get(name)
            if resource is None or isinstance(resource, str):
                continue
            try:
                resource_map._delete_resource(resource, json_map[name])
            except Exception as exc:  # noqa: BLE001 - kept and raised below if it persists
                failed.append(name)
                last = exc
            else:
                resource_map._parsed_resources.pop(name, None)
        if not failed:
            return
        pending = failed
    assert last is not None
    raise last
__all__ = ["update", "delete", "dependency_order", "references"]
