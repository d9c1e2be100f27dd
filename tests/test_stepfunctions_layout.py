"""The Step Functions graph is drawn top-down, as the console draws it
(https://docs.aws.amazon.com/step-functions/latest/dg/workflow-studio.html: the start at the top, states
flowing down, the branches of a Choice or Parallel state side by side), on the course's own state machines.

The machines are read from the solution notebooks (lab06, lab08), so a machine a lab changes or adds is
checked too: each definition literal (a dict with "StartAt") and each ``*_definition(...)`` function.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from conftest import ROOT
from serverless_lab.viz.stepfunctions import CONTAINER_EDGES, plan, stepfunctions_graph

LABS = ("lab06-step-functions", "lab08-fargate", "lab10-capstone")


class _Names(dict):
    """Any name a definition mentions (a function ARN, a queue URL) reads as a placeholder string."""

    def __missing__(self, key: str) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{key}"


ARGS = {"function_arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "limit": 2, "cluster": "c",
        "task_definition": "td", "subnets": ["subnet-1"], "fns": _Names()}


def course_machines() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for lab in LABS:
        nb = json.loads((ROOT / "solutions" / lab / f"{lab}.ipynb").read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] != "code" or "StartAt" not in "".join(cell["source"]):
                continue
            tree = ast.parse("".join(cell["source"]))
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and \
                        any(isinstance(k, ast.Constant) and k.value == "StartAt" for k in node.value.keys):
                    name = ast.unparse(node.targets[0])
                    found[f"{lab}:{name}"] = eval(compile(ast.Expression(node.value), lab, "eval"), {}, _Names())
                elif isinstance(node, ast.FunctionDef) and node.name.endswith("_definition"):
                    space: dict = {}
                    exec(compile(ast.Module([node], []), lab, "exec"), space)
                    found[f"{lab}:{node.name}"] = space[node.name](*[ARGS[a.arg] for a in node.args.args])
    return found


MACHINES = course_machines()


def test_the_course_machines_were_found():
    assert {"lab06-step-functions:order_flow", "lab06-step-functions:ship_flow", "lab06-step-functions:saga_definition",
            "lab06-step-functions:router_definition", "lab08-fargate:batch_job_definition"} <= set(MACHINES)


def crossings(p) -> list[tuple]:
    """Pairs of edges whose legs between two ranks swap sides (legs sharing an end do not count)."""
    legs = []
    for e, pts in p.routes.items():
        if e in p.back:
            continue
        legs += [(e, a, b) for a, b in zip(pts, pts[1:])]
    out = []
    for i, (e1, a1, b1) in enumerate(legs):
        for e2, a2, b2 in legs[i + 1:]:
            if a1[1] != a2[1] or a1 == a2 or b1 == b2:
                continue
            if (a1[0] - a2[0]) * (b1[0] - b2[0]) < 0:
                out.append((e1, e2))
    return out


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_transition_goes_down_and_no_arrows_cross(name):
    p = plan(MACHINES[name])
    rank = p.rank
    start = MACHINES[name]["StartAt"]
    assert rank[start] == 0 and p.pos[start][1] == max(y for _x, y in p.pos.values()), "the start is at the top"
    assert not p.back, "the course's machines have no loops"
    for a, b, kind in p.edges:
        assert rank[b] > rank[a], f"{a} → {b} ({kind}) must go down"
        route = p.routes[(a, b, kind)]
        assert [y for _x, y in route] == sorted((y for _x, y in route), reverse=True), "every leg goes down"
    assert crossings(p) == []
    for n, st in p.types.items():
        if st == "Choice":
            targets = {b for a, b, k in p.edges if a == n and k in ("choice", "default")}
            assert len({rank[t] for t in targets}) == 1, f"the branches of {n} share a rank"
            assert len({p.pos[t][0] for t in targets}) == len(targets), f"the branches of {n} sit side by side"
        if st == "Parallel":
            starts = [b for a, b, k in p.edges if a == n and k in CONTAINER_EDGES]
            assert len({rank[t] for t in starts}) == 1 and len({p.pos[t][0] for t in starts}) == len(starts)
        for a, b, k in p.edges:   # the next state of a Parallel or Map comes after all its branches
            if a == n and k not in CONTAINER_EDGES and n in p.members:
                assert rank[b] > max(rank[m] for m in p.members[n])


def test_ship_flow_puts_the_parallel_branches_side_by_side_and_the_map_below():
    p = plan(MACHINES["lab06-step-functions:ship_flow"])
    assert p.rank == {"Both": 0, "Fraud": 1, "Stock": 1, "ShipAll": 2, "Ship": 3}
    assert p.members == {"Both": ["Fraud", "Stock"], "ShipAll": ["Ship"]}


def test_the_saga_keeps_its_compensations_beside_the_happy_path():
    p = plan(MACHINES["lab06-step-functions:saga_definition"])
    rank = p.rank
    assert [rank[n] for n in ("Reserve", "Charge", "Ship", "Done")] == [0, 1, 2, 3]
    assert rank["Refund"] > rank["Ship"] and rank["Release"] > rank["Refund"] and rank["OrderFailed"] > rank["Release"]


def test_a_loop_is_drawn_back_up_and_the_rest_still_goes_down():
    loop = {"StartAt": "Check", "States": {
        "Check": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:c", "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Finished"}],
                  "Default": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Check"},
        "Finished": {"Type": "Succeed"}}}
    p = plan(loop)
    assert p.back == {("Wait", "Check", "next")}
    assert p.rank["Wait"] == p.rank["Finished"] == 2 and p.rank["Check"] == 0
    assert any(t.name == "back to an earlier state" for t in stepfunctions_graph(loop).data)


def test_a_graph_of_a_parallel_execution_colours_the_branches(tmp_path):
    """Branch states are coloured from the history's StateEntered/Exited events of the branches."""
    t = 1_790_000_000.0

    def ev(i, typ, dt, name=None, entered=True):
        e = {"id": i, "type": typ, "timestamp": t + dt}
        if name:
            e["stateEnteredEventDetails" if entered else "stateExitedEventDetails"] = {"name": name}
        return e
    hist = [ev(1, "ExecutionStarted", 0), ev(2, "ParallelStateEntered", 0.001, "Both"),
            ev(3, "PassStateEntered", 0.002, "Fraud"), ev(4, "PassStateExited", 0.003, "Fraud", False),
            ev(5, "PassStateEntered", 0.002, "Stock"), ev(6, "PassStateExited", 0.003, "Stock", False),
            ev(7, "ParallelStateExited", 0.004, "Both", False), ev(8, "MapStateEntered", 0.005, "ShipAll"),
            ev(9, "MapStateExited", 0.006, "ShipAll", False), ev(10, "ExecutionSucceeded", 0.007)]
    fig = stepfunctions_graph(MACHINES["lab06-step-functions:ship_flow"], hist)
    states = next(tr for tr in fig.data if tr.name == "states")
    colours = dict(zip([h.split(" (")[0] for h in states.hovertext], states.marker.color))
    assert colours["Fraud"] == colours["Stock"] == colours["Both"] == "#54A24B" and colours["Ship"] == "#D9DDE3"
    taken = next(tr for tr in fig.data if tr.name == "path taken")
    assert sum(1 for x in taken.x if x is None) == 3, "Both → Fraud, Both → Stock, Both → ShipAll"


if __name__ == "__main__":   # draw them: python tests/test_stepfunctions_layout.py OUT_DIR
    import sys

    from serverless_lab import viz

    out = Path(sys.argv[1])
    out.mkdir(exist_ok=True)
    for key, d in MACHINES.items():
        viz.save_image(stepfunctions_graph(d, title=key), out / (key.replace(":", "-") + ".png"))
