"""X-Ray trace ids, tracing headers and segment documents as plain data (no moto state).

The shapes follow AWS's documentation:

* trace id ``1-5759e988-bd862e3fe1be46a994272793`` (version, the request's epoch time in 8 hex
  digits, 96 random bits in 24 hex digits) and segment ids of 16 hex digits
  ("AWS X-Ray segment documents", https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html);
* the tracing header ``Root=1-...;Parent=53995c3f42cd8ad8;Sampled=1``
  ("Tracing header", https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader);
* what an X-Ray SDK sends to the daemon over UDP: one datagram per document, the header
  ``{"format": "json", "version": 1}``, a newline, then the segment or *independent subsegment*
  (``"type": "subsegment"`` with ``parent_id`` and ``trace_id``)
  ("Sending segment documents to the X-Ray daemon",
  https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon).

X-Ray assembles a trace from its documents: an independent subsegment is nested in the segment
(or subsegment) its ``parent_id`` names (:func:`assemble`). :func:`service_graph` and
:func:`timeline_rows` read assembled segments; ``viz.traces`` draws them.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

DAEMON_HEADER = {"format": "json", "version": 1}
# Origins of the Lambda service's own segments ("Visualize Lambda function invocations using AWS
# X-Ray", https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)
LAMBDA_SERVICE = "AWS::Lambda"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
# Node types of the AWS services an SDK subsegment calls (namespace "aws")
# (the Python SDK names an ``aws`` subsegment after botocore's service name: "dynamodb", "sqs")
_AWS_NODES = {"dynamodb": ("DynamoDB", "AWS::DynamoDB::Table"), "sqs": ("SQS", "AWS::SQS::Queue"),
              "sns": ("SNS", "AWS::SNS::Topic"), "s3": ("S3", "AWS::S3::Bucket"), "lambda": ("Lambda", "AWS::Lambda")}


def new_trace_id(now: float | None = None) -> str:
    """A trace id in X-Ray's format, stamped with ``now`` (epoch seconds)."""
    return f"1-{int(time.time() if now is None else now):08x}-{secrets.token_hex(12)}"


def new_segment_id() -> str:
    """A segment id: 64 random bits in 16 hex digits."""
    return secrets.token_hex(8)


def trace_header(root: str, parent: str | None = None, sampled: bool = True) -> str:
    """The tracing header (also the value of a Lambda handler's ``_X_AMZN_TRACE_ID``)."""
    parts = [f"Root={root}"]
    if parent:
        parts.append(f"Parent={parent}")
    parts.append(f"Sampled={1 if sampled else 0}")
    return ";".join(parts)


def parse_trace_header(value: str) -> dict[str, str]:
    """``Root=...;Parent=...;Sampled=1`` as a dict (keys as written; unknown keys kept)."""
    out: dict[str, str] = {}
    for part in (value or "").split(";"):
        key, sep, val = part.strip().partition("=")
        if sep:
            out[key] = val
    return out


def parse_datagram(data: bytes) -> dict[str, Any]:
    """The segment document of one daemon datagram; ValueError if it is not header + JSON."""
    head, sep, body = data.partition(b"\n")
    if not sep:
        raise ValueError("an X-Ray daemon datagram is a JSON header line, a newline and a document")
    header = json.loads(head)
    if header.get("format") != "json" or header.get("version") != 1:
        raise ValueError(f"unknown X-Ray daemon header {header!r}")
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError("an X-Ray segment document is a JSON object")
    return doc


def assemble(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Whole segments: each independent subsegment nested in its parent (by ``parent_id``).

    A subsegment whose parent is not (yet) among ``docs`` stays a document of its own, as X-Ray
    shows a partial trace. The input documents are not modified.
    """
    docs = [json.loads(json.dumps(d)) for d in docs]          # deep copies
    by_id: dict[str, dict[str, Any]] = {}

    def index(node: dict[str, Any]) -> None:
        if "id" in node:
            by_id[node["id"]] = node
        for sub in node.get("subsegments") or []:
            index(sub)

    for d in docs:
        index(d)
    out = []
    for d in sorted(docs, key=lambda d: d.get("start_time", 0.0)):
        parent = by_id.get(d.get("parent_id", "")) if d.get("type") == "subsegment" else None
        if parent is not None and parent is not d:
            for key in ("type", "parent_id", "trace_id"):   # inside its parent it is a plain subsegment
                d.pop(key, None)
            parent.setdefault("subsegments", []).append(d)
            parent["subsegments"].sort(key=lambda s: s.get("start_time", 0.0))
        else:
            out.append(d)
    return out


def walk(node: dict[str, Any], depth: int = 0):
    """(depth, node) for a segment and each of its subsegments, depth first."""
    yield depth, node
    for sub in node.get("subsegments") or []:
        yield from walk(sub, depth + 1)


def failed(node: dict[str, Any]) -> bool:
    """True when X-Ray would count the node as an error (4xx), fault (5xx) or throttle."""
    return bool(node.get("error") or node.get("fault") or node.get("throttle"))


@dataclass
class Row:
    """One bar of a per-request timeline."""

    depth: int
    name: str
    start: float
    end: float
    kind: str            # "segment", "subsegment" or "aws" (a call to an AWS service)
    origin: str = ""
    failed: bool = False
    detail: str = ""     # the operation and resource of an AWS call, the annotations of a subsegment


def _resource(aws: dict[str, Any]) -> str:
    if aws.get("table_name"):
        return str(aws["table_name"])
    if aws.get("queue_url"):
        return str(aws["queue_url"]).rstrip("/").rsplit("/", 1)[-1]
    if aws.get("topic_arn"):
        return str(aws["topic_arn"]).rsplit(":", 1)[-1]
    if aws.get("bucket_name"):
        return str(aws["bucket_name"])
    return ""


def timeline_rows(segments: list[dict[str, Any]]) -> list[Row]:
    """The rows of one trace's timeline, in start order, nested by depth (X-Ray's trace view)."""
    rows: list[Row] = []
    for seg in sorted(segments, key=lambda s: s.get("start_time", 0.0)):
        for depth, node in walk(seg):
            start = float(node.get("start_time", 0.0))
            end = float(node.get("end_time") or start)
            aws = node.get("aws") or {}
            if depth == 0:
                kind = "segment"
            elif node.get("namespace") == "aws":
                kind = "aws"
            else:
                kind = "subsegment"
            detail = ""
            if kind == "aws":
                detail = " ".join(x for x in (aws.get("operation", ""), _resource(aws)) if x)
            elif node.get("annotations"):
                detail = ", ".join(f"{k}={v}" for k, v in sorted(node["annotations"].items()))
            rows.append(Row(depth, str(node.get("name", "?")), start, end, kind, str(node.get("origin", "")),
                            failed(node), detail))
    return rows


@dataclass
class Node:
    name: str
    type: str            # origin of a segment (AWS::Lambda, ...), AWS::DynamoDB::Table, ..., or "client"
    count: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.type)


NodeKey = tuple[str, str]
CLIENT: NodeKey = ("client", "client")


@dataclass
class Edge:
    source: NodeKey
    target: NodeKey
    requests: int = 0
    errors: int = 0
    total_s: float = 0.0

    @property
    def average_ms(self) -> float:
        return 1000.0 * self.total_s / self.requests if self.requests else 0.0


def node_key(node: dict[str, Any]) -> NodeKey:
    """(name, type) of the service-map node a segment or an AWS subsegment belongs to."""
    if node.get("namespace") == "aws":
        raw = str(node.get("name", "AWS"))
        service, typ = _AWS_NODES.get(raw.lower(), (raw, f"AWS::{raw}"))
        resource = _resource(node.get("aws") or {})
        return (f"{service} {resource}".strip(), typ)
    return (str(node.get("name", "?")), str(node.get("origin") or "client"))


def service_graph(traces: list[list[dict[str, Any]]]) -> tuple[dict[NodeKey, Node], dict[tuple[NodeKey, NodeKey], Edge]]:
    """Nodes and edges of the service map over assembled traces (one list of segments each).

    A root segment (no ``parent_id``, or a parent outside the trace) is called by the *client*;
    a segment with a parent is called by its parent's node; an ``aws`` subsegment is a call from
    its segment's node to the service and resource it names. Edges count requests, errors
    (error/fault/throttle) and total latency, as X-Ray's service graph does.
    """
    nodes: dict[NodeKey, Node] = {CLIENT: Node(*CLIENT)}
    edges: dict[tuple[NodeKey, NodeKey], Edge] = {}

    def link(src: NodeKey, dst: NodeKey, node: dict[str, Any]) -> None:
        e = edges.setdefault((src, dst), Edge(src, dst))
        e.requests += 1
        e.errors += failed(node)
        start = float(node.get("start_time", 0.0))
        e.total_s += max(0.0, float(node.get("end_time") or start) - start)

    for segments in traces:
        owner: dict[str, NodeKey] = {}
        for seg in segments:
            for _d, node in walk(seg):
                owner[str(node.get("id", ""))] = node_key(seg)
        for seg in segments:
            key = node_key(seg)
            nodes.setdefault(key, Node(*key)).count += 1
            link(owner.get(str(seg.get("parent_id") or ""), CLIENT), key, seg)
            for _d, node in walk(seg):
                if node is not seg and node.get("namespace") == "aws":
                    dst = node_key(node)
                    nodes.setdefault(dst, Node(*dst)).count += 1
                    link(key, dst, node)
    return nodes, edges
