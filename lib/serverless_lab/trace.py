"""The record of every invocation, shared by the runtime (what really ran) and the simulator.

One :class:`Invocation` per request. Times are seconds on one clock per trace
(``time.time()`` for the runtime; simulated seconds from 0 for the simulator). Charts and
statistics read a :class:`Trace` through :meth:`Trace.columns`, so a million simulated
invocations never become a million Python objects unless someone asks for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any

OUTCOMES = ("success", "error", "timeout", "throttled", "crash", "oom")


@dataclass(slots=True)
class Invocation:
    request_id: str
    function_name: str
    version: str = "$LATEST"
    environment_id: str = ""          # empty when throttled (no environment was given)
    cold: bool = False                # this invocation paid an INIT phase
    provisioned: bool = False         # served by a provisioned-concurrency environment
    trigger: str = "invoke"           # invoke, s3, sqs, dynamodb, sns, events, schedule, apigateway, stepfunctions, ...
    invocation_type: str = "RequestResponse"  # or Event
    arrival: float = 0.0              # when the request reached the service
    init_start: float | None = None   # INIT phase (cold starts only)
    init_end: float | None = None
    invoke_start: float | None = None  # INVOKE phase
    invoke_end: float | None = None
    duration_ms: float = 0.0          # handler time, as the REPORT line's Duration
    billed_ms: int = 0                # rounded up to 1 ms (init included since 2025-08-01 for on-demand)
    init_duration_ms: float | None = None
    memory_mb: int = 128
    max_memory_used_mb: int = 0
    outcome: str = "success"          # one of OUTCOMES
    error_type: str | None = None
    attempt: int = 1                  # async retries count up
    simulated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Invocation))


class Trace:
    """An append-only, thread-safe list of invocations with a columnar view."""

    def __init__(self, records: Iterable[Invocation] = (), *, columns: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._records: list[Invocation] = list(records)
        self._columns = columns  # set by the simulator; materialised to records only on demand
        self._listeners: list[Any] = []

    # writing ----------------------------------------------------------------------------
    def add(self, record: Invocation) -> None:
        with self._lock:
            self._materialise()
            self._records.append(record)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(record)

    def subscribe(self, listener) -> None:
        """Call ``listener(record)`` for each new record (live dashboards)."""
        self._listeners.append(listener)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._columns = None

    # reading ----------------------------------------------------------------------------
    def __len__(self) -> int:
        if self._columns is not None:
            return len(next(iter(self._columns.values()), ()))
        return len(self._records)

    def __iter__(self) -> Iterator[Invocation]:
        return iter(self.records())

    def __getitem__(self, index: int) -> Invocation:
        return self.records()[index]

    def records(self) -> list[Invocation]:
        with self._lock:
            self._materialise()
            return list(self._records)

    def columns(self) -> dict[str, Any]:
        """Column name -> numpy array (object arrays for strings; NaN for missing times)."""
        import numpy as np

        with self._lock:
            if self._columns is not None:
                return dict(self._columns)
            recs = list(self._records)
        out: dict[str, Any] = {}
        for name in FIELDS:
            values = [getattr(r, name) for r in recs]
            if name in ("init_start", "init_end", "invoke_start", "invoke_end", "init_duration_ms"):
                out[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
            elif name in ("arrival", "duration_ms"):
                out[name] = np.array(values, dtype=float)
            elif name in ("billed_ms", "memory_mb", "max_memory_used_mb", "attempt"):
                out[name] = np.array(values, dtype=np.int64)
            elif name in ("cold", "provisioned", "simulated"):
                out[name] = np.array(values, dtype=bool)
            else:
                out[name] = np.array(values, dtype=object)
        return out

    def filter(self, **equals: Any) -> Trace:
        """A new trace with the records whose fields equal the given values."""
        return Trace(r for r in self.records() if all(getattr(r, k) == v for k, v in equals.items()))

    def _materialise(self) -> None:
        if self._columns is None:
            return
        cols = self._columns
        n = len(next(iter(cols.values()), ()))
        self._records = [
            Invocation(**{k: _py(cols[k][i]) for k in FIELDS if k in cols}) for i in range(n)
        ]
        self._columns = None

    def __repr__(self) -> str:
        return f"<Trace {len(self)} invocations>"


def _py(value: Any) -> Any:
    """numpy scalar -> Python value; NaN -> None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


# The runtime writes here; labs read it (and may clear it).
TRACE = Trace()
