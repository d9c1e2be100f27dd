"""X-Ray's read side: ``BatchGetTraces`` answers whole segments, as X-Ray assembles them.

moto's X-Ray backend keeps each document ``PutTraceSegments`` (or the course's X-Ray daemon,
``runtime/xray.py``) gave it and returns them as they came: an SDK's *independent subsegments*
(``"type": "subsegment"``, streamed one by one from a Lambda handler) come back as documents of
their own. X-Ray nests each one in the segment its ``parent_id`` names, so ``BatchGetTraces``
returns one document per segment with its subsegments inside ("BatchGetTraces",
https://docs.aws.amazon.com/xray/latest/api/API_BatchGetTraces.html; "Sending subsegments",
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-subsegments),
and a trace's ``Duration`` in seconds with fractions (moto rounds it down to whole seconds).

moto's ``GetServiceGraph`` answers an empty graph; the course draws the service map from the
segments instead (``serverless_lab.viz.traces.service_map``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import xray_segments as X
from .cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .cloud.session import MockSession

GET_TRACES = seam("moto.xray.models:XRayBackend.get_trace_ids", extension="xray",
                  why="moto returns each document as it was put; X-Ray's BatchGetTraces nests independent "
                      "subsegments in their segments and gives the Duration in fractional seconds")


def assembled_traces(result: dict[str, Any]) -> dict[str, Any]:
    """moto's BatchGetTraces answer with each trace's documents assembled into whole segments."""
    traces = []
    for trace in result.get("Traces", []):
        docs = [json.loads(s["Document"]) for s in trace.get("Segments", [])]
        segments = X.assemble(docs)
        starts = [float(d.get("start_time", 0.0)) for d in docs]
        ends = [float(d.get("end_time") or d.get("start_time", 0.0)) for d in docs]
        duration = round(max(ends) - min(starts), 3) if docs else 0.0
        traces.append({"Id": trace.get("Id"), "Duration": duration, "LimitExceeded": False,
                       "Segments": [{"Id": s["id"], "Document": json.dumps(s)} for s in segments]})
    return {"Traces": traces, "UnprocessedTraceIds": result.get("UnprocessedTraceIds", [])}


class XRayHandle:
    def __init__(self) -> None:
        self._patcher = Patcher()

    def start(self) -> XRayHandle:
        original = GET_TRACES.current()

        def get_trace_ids(self: Any, trace_ids: list[str]) -> dict[str, Any]:
            return assembled_traces(original(self, trace_ids))

        self._patcher.replace(GET_TRACES, get_trace_ids)
        return self

    def stop(self) -> None:
        self._patcher.undo()


def activate(session: MockSession) -> XRayHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    return XRayHandle().start()
