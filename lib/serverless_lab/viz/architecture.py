"""The live wiring of a mocked world as a diagram: S3 → function → table, API → function, ...

``architecture(session)`` reads the world through boto3 (:func:`.world.survey`) and returns an
:class:`Architecture`: it displays as SVG (drawn here, so it renders in JupyterLab, in an nbconvert
HTML export such as nbgrader's feedback, and offline: Mermaid would need mermaid.js, which an
exported page loads from a CDN), and its ``mermaid`` text can be pasted into a Markdown cell or a
README. Flow goes left to right; a link found only through an environment variable is dashed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

from .world import SERVICES, Link, Resource, World, survey

SHORT = {"lambda": "λ function", "s3": "S3 bucket", "dynamodb": "DynamoDB table", "sqs": "SQS queue",
         "sns": "SNS topic", "events": "EventBridge rule", "apigateway": "REST API", "apigatewayv2": "HTTP API",
         "stepfunctions": "state machine", "ecs": "ECS cluster", "rds": "Aurora cluster"}
COLORS = {"lambda": "#E7821B", "s3": "#3F8624", "dynamodb": "#3B48CC", "sqs": "#CC2264", "sns": "#CC2264",
          "events": "#CC2264", "apigateway": "#8C4FFF", "apigatewayv2": "#8C4FFF", "stepfunctions": "#CC2264",
          "ecs": "#E7821B", "rds": "#3B48CC", "other": "#687078"}
BOX_W, BOX_H, GAP_X, GAP_Y = 210, 48, 140, 26


@dataclass
class Architecture:
    """Nodes (``"lambda:resize"`` → its resource) and the links between them, with a layout."""

    nodes: dict[str, Resource | None]
    links: list[Link]
    notes: dict[str, str] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def edges(self) -> list[tuple[str, str, str]]:
        """(source node, target node, how) for every link."""
        return [(lk.source, lk.target, lk.how) for lk in self.links]

    @property
    def mermaid(self) -> str:
        """The diagram as Mermaid text (``flowchart LR``)."""
        ids = {n: f"n{i}" for i, n in enumerate(self.nodes)}
        lines = ["flowchart LR"]
        for n in self.nodes:
            service, name = n.split(":", 1)
            res = self.nodes[n]
            label = f"{SHORT.get(service, service)}<br/>{res.name if res else name}".replace('"', "#quot;")
            open_, close = ("[(", ")]") if service in ("s3", "dynamodb", "rds") else ("[", "]")
            lines.append(f'  {ids[n]}{open_}"{label}"{close}')
        for lk in self.links:
            how = lk.how.replace('"', "#quot;").replace("|", "/")
            arrow = "-.->" if lk.named else "-->"
            lines.append(f'  {ids[lk.source]} {arrow}|"{how}"| {ids[lk.target]}')
        return "\n".join(lines)

    def svg(self) -> str:
        if not self.nodes:
            return ('<svg xmlns="http://www.w3.org/2000/svg" width="520" height="60" class="serverless-lab-architecture">'
                    '<text x="10" y="35" font-family="sans-serif" font-size="14" fill="#555">Nothing in this world yet: '
                    'create a function, a bucket or a table and draw again.</text></svg>')
        pos = self.positions
        width = max(x for x, _ in pos.values()) + BOX_W + GAP_X * 0.75   # room for a same-column link and its label
        height = max(y for _, y in pos.values()) + BOX_H + 20
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="serverless-lab-architecture" width="{width:.0f}" '
               f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif">',
               '<defs><marker id="sl-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
               'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
        for lk in self.links:
            (x1, y1), (x2, y2) = pos[lk.source], pos[lk.target]
            if x2 > x1:   # forward: right side to left side
                ax, ay, bx, by = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
                mid = (ax + bx) / 2
                path = f"M {ax:.0f} {ay:.0f} C {mid:.0f} {ay:.0f}, {mid:.0f} {by:.0f}, {bx:.0f} {by:.0f}"
                # the label sits near the source, where the arrows of different sources are apart
                _x, ly = _bezier(0.3, (ax, ay), (mid, ay), (mid, by), (bx, by))
                lx, ly, anchor = ax + 6, ly - 3, "start"
            elif x2 == x1:  # same column: out of the right side and back in, bulging right
                ax, ay, bx, by = x1 + BOX_W, y1 + BOX_H / 2, x2 + BOX_W, y2 + BOX_H / 2
                out_x = ax + GAP_X / 3
                path = f"M {ax:.0f} {ay:.0f} C {out_x:.0f} {ay:.0f}, {out_x:.0f} {by:.0f}, {bx:.0f} {by:.0f}"
                lx, ly, anchor = ax + GAP_X / 4 + 4, (ay + by) / 2, "start"
            else:          # backwards: loop below the boxes
                ax, ay, bx, by = x1 + BOX_W / 2, y1 + BOX_H, x2 + BOX_W / 2, y2 + BOX_H
                low = max(ay, by) + GAP_Y * 0.8
                path = f"M {ax:.0f} {ay:.0f} C {ax:.0f} {low:.0f}, {bx:.0f} {low:.0f}, {bx:.0f} {by:.0f}"
                lx, ly, anchor = (ax + bx) / 2, low - 2, "middle"
            dash = ' stroke-dasharray="5 4"' if lk.named else ""
            out.append(f'<path class="sl-link" data-source="{escape(lk.source)}" data-target="{escape(lk.target)}" '
                       f'd="{path}" fill="none" stroke="#555" stroke-width="1.4"{dash} marker-end="url(#sl-arrow)"/>')
            how = lk.how if len(lk.how) <= 30 else lk.how[:29] + "…"
            out.append(f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="10" fill="#333" text-anchor="{anchor}" '
                       f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(how)}</text>')
        for n, (x, y) in pos.items():
            service, name = n.split(":", 1)
            color = COLORS.get(service, COLORS["other"])
            res = self.nodes.get(n)
            shown = _short(res.name if res else name)
            title = escape(f"{SHORT.get(service, service)} {res.name if res else name}"
                           + (f" — {res.summary}" if res and res.summary else "")
                           + ("" if res else " (not in this world: named by a link)"))
            dash = "" if res else ' stroke-dasharray="4 3"'
            out.append(f'<g class="sl-node" data-node="{escape(n)}"><title>{title}</title>'
                       f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="7" fill="#fff" '
                       f'stroke="{color}" stroke-width="2"{dash}/>'
                       f'<rect x="{x:.0f}" y="{y:.0f}" width="6" height="{BOX_H}" rx="3" fill="{color}"/>'
                       f'<text x="{x + 14:.0f}" y="{y + 18:.0f}" font-size="11" fill="{color}">'
                       f'{escape(SHORT.get(service, service))}</text>'
                       f'<text x="{x + 14:.0f}" y="{y + 36:.0f}" font-size="13" fill="#16191f">{escape(shown)}</text></g>')
        out.append("</svg>")
        return "".join(out)

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        return f"<Architecture {len(self.nodes)} resources, {len(self.links)} links>\n{self.mermaid}"


def _short(name: str, width: int = 27) -> str:
    """A name that fits its box: CloudFormation's ``stack-LogicalId-RANDOM12345`` loses its random
    tail first, then the start (the full name is in the box's tooltip)."""
    if len(name) <= width:
        return name
    parts = name.split("-")
    if len(parts) >= 3 and len(parts[-1]) >= 8 and parts[-1].isalnum() and parts[-1].upper() == parts[-1]:
        name = "-".join(parts[:-1]) + "-…"
    return name if len(name) <= width else "…" + name[-(width - 1):]


def _merge(links: list[Link]) -> list[Link]:
    """One arrow per pair of resources: an API's routes to one function share it."""
    groups: dict[tuple[str, str, bool], list[str]] = {}
    for lk in links:
        groups.setdefault((lk.source, lk.target, lk.named), []).append(lk.how)
    out = []
    for (a, b, named), hows in groups.items():
        what = {"apigateway": "routes", "apigatewayv2": "routes", "stepfunctions": "Task states"}.get(a.split(":")[0], "links")
        how = hows[0] if len(hows) == 1 else (", ".join(hows) if len(", ".join(hows)) <= 28 else f"{len(hows)} {what}")
        out.append(Link(a, b, how, named))
    return out


def _bezier(t: float, *pts: tuple[float, float]) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
    a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def layout(nodes: list[str], links: list[Link]) -> dict[str, tuple[float, float]]:
    """Columns by longest path from the sources (a cycle is cut where the walk first closes it; a
    link named only by an environment variable counts only for a target nothing else places),
    rows ordered by the mean row of each node's sources, so that few arrows cross."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for lk in links:   # a link guessed from an environment variable does not set the columns...
        if not lk.named:
            succ[lk.source].append(lk.target)
    # cut cycles: depth-first, an edge back to a node on the stack is ignored for ranking
    forward: dict[str, list[str]] = {n: [] for n in nodes}
    state: dict[str, int] = {}

    def visit(n: str) -> None:
        state[n] = 1
        for m in succ[n]:
            if state.get(m) == 1:
                continue
            forward[n].append(m)
            if m not in state:
                visit(m)
        state[n] = 2

    has_pred = {m for n in nodes for m in succ[n]}
    for n in [n for n in nodes if n not in has_pred] + nodes:
        if n not in state:
            visit(n)
    rank: dict[str, int] = {}

    def depth(n: str, seen: frozenset[str] = frozenset()) -> int:
        if n not in rank:
            preds = [p for p in nodes if n in forward[p] and p not in seen]
            rank[n] = max((depth(p, seen | {n}) + 1 for p in preds), default=0)
        return rank[n]

    for n in nodes:
        depth(n)
    placed = {x for lk in links if not lk.named for x in (lk.source, lk.target)}
    for lk in links:   # ...unless nothing else places its target: then it goes one column after the source
        if lk.named and lk.target not in placed and rank[lk.target] <= rank[lk.source]:
            rank[lk.target] = rank[lk.source] + 1
            forward[lk.source].append(lk.target)
    linked = {lk.source for lk in links} | {lk.target for lk in links}
    columns: dict[int, list[str]] = {}
    for n in nodes:   # resources without links go in a last row of their own, after the linked ones
        columns.setdefault(rank[n] if n in linked else -1, []).append(n)
    row: dict[str, float] = {}
    ranks = sorted(k for k in columns if k >= 0)

    def sweep(order: list[int], neighbours: Any) -> None:
        for c in order:
            col = columns[c]

            def key(n: str) -> float:
                rows = [row[m] for m in neighbours(n) if m in row]
                return sum(rows) / len(rows) if rows else row.get(n, 1e9)
            col.sort(key=key)
            for i, n in enumerate(col):
                row[n] = float(i)

    def preds(n: str) -> list[str]:
        return [p for p in nodes if n in forward[p]]

    # down the columns by the rows of each node's sources, back up by its targets', down again
    sweep(ranks, preds)
    sweep(ranks[::-1][1:], lambda n: forward[n])
    sweep(ranks[1:], preds)
    pos: dict[str, tuple[float, float]] = {n: (20.0 + rank[n] * (BOX_W + GAP_X), 10 + row[n] * (BOX_H + GAP_Y))
                                           for n in row}
    loose = columns.get(-1, [])
    if loose:
        top = max((y for _, y in pos.values()), default=-BOX_H - GAP_Y) + BOX_H + GAP_Y * 1.5
        per_row = max(1, (max(columns) + 1) if max(columns) >= 0 else 4)
        per_row = max(per_row, 4)
        for i, n in enumerate(loose):
            pos[n] = (20 + (i % per_row) * (BOX_W + GAP_X / 3), top + (i // per_row) * (BOX_H + GAP_Y))
    return pos


def from_world(world: World) -> Architecture:
    nodes: dict[str, Resource | None] = {}
    for key, _ in SERVICES:
        for r in world.resources.get(key, []):
            nodes[r.node] = r
    for lk in world.links:   # a link to something that is not (or no longer) there still shows
        nodes.setdefault(lk.source, None)
        nodes.setdefault(lk.target, None)
    arch = Architecture(nodes, _merge(world.links), dict(world.notes))
    arch.positions = layout(list(nodes), arch.links)
    return arch


def architecture(session: Any = None) -> Architecture:
    """Draw the running world's wiring (``aws.architecture()`` in a lab)."""
    if session is None:
        from ..cloud import current_session

        session = current_session()
        if session is None:
            from ..errors import LabError

            raise LabError("No mocked world is running.", "Start one first: aws = start_lab().")
    return from_world(survey(session))


__all__ = ["Architecture", "architecture", "from_world", "layout"]
