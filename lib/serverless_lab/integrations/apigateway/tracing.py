"""X-Ray for a REST API stage with tracing enabled: API Gateway's segment and the header it passes on.

"Tracing user requests to REST APIs using X-Ray"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html): when a
stage has ``tracingEnabled``, API Gateway records a segment for each request it samples (origin
``AWS::ApiGateway::Stage``, named ``{api name}/{stage}``), continues the trace of an incoming
``X-Amzn-Trace-Id`` that carries a ``Root``, and calls a Lambda integration with the tracing
header ``Root=...;Parent=<its segment>;Sampled=1``, so the function's segments join the trace
(``runtime/xray.py``). HTTP APIs do not support X-Ray, as on AWS.

What differs from AWS: every request is traced (AWS applies X-Ray's sampling rules, by default
the first request each second and 5% of the others); the segment has the ``http`` block and the
error flags (``error`` 4xx, ``throttle`` 429, ``fault`` 5xx,
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html), not every
field API Gateway adds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from moto.xray.models import xray_backends  # imported once, here: moto.xray's first import is not thread-safe

from ... import xray_segments as X


@dataclass
class StageTrace:
    """The trace of one request through a traced stage."""

    trace_id: str
    segment_id: str
    parent_id: str | None
    name: str
    start: float
    method: str
    url: str
    client_ip: str
    account_id: str
    region: str

    def lambda_header(self) -> str:
        """The tracing header API Gateway sends with its Lambda call."""
        return X.trace_header(self.trace_id, self.segment_id, sampled=True)

    def finish(self, status: int) -> dict[str, Any]:
        """Record API Gateway's segment (into X-Ray, as PutTraceSegments would) and return it."""
        doc: dict[str, Any] = {
            "name": self.name, "id": self.segment_id, "trace_id": self.trace_id, "start_time": self.start,
            "end_time": time.time(), "origin": "AWS::ApiGateway::Stage",
            "http": {"request": {"method": self.method, "url": self.url, "client_ip": self.client_ip},
                     "response": {"status": status}}}
        if self.parent_id:
            doc["parent_id"] = self.parent_id
        if status == 429:
            doc["throttle"] = doc["error"] = True
        elif 400 <= status < 500:
            doc["error"] = True
        elif status >= 500:
            doc["fault"] = True
        xray_backends[self.account_id][self.region].process_segment(json.dumps(doc))
        return doc


def begin(api: Any, stage: Any, stage_name: str, method: str, url: str, incoming: str | None,
          client_ip: str, account_id: str, region: str) -> StageTrace | None:
    """The trace of a request to ``stage`` when the stage has tracing enabled, else None."""
    if stage is None or not getattr(stage, "tracing_enabled", False):
        return None
    up = X.parse_trace_header(incoming or "")
    return StageTrace(up.get("Root") or X.new_trace_id(), X.new_segment_id(), up.get("Parent") or None,
                      f"{api.name}/{stage_name}", time.time(), method, url, client_ip, account_id, region)
