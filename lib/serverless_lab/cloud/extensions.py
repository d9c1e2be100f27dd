"""How the pieces above the cloud layer plug into ``mock_aws`` (docs/architecture.md, "Extensions").

An extension is a module with ``activate(session) -> handle`` (the handle has ``stop()``), and
one :class:`Extension` line in :data:`REGISTRY` (or a :func:`register` call) — its manifest: the
name a session exposes it under (``aws.extension("lambda")``), the module, the options it reads
(``mock_aws(keep_alive_s=...)``), and the moto services whose first call means a lab uses it.

The cloud layer never imports an extension's module until that moment (dependencies point
downwards, and a lab pays only for what it uses): an extension activates when moto first looks
up the backend of one of its ``activate_on`` services (the ``moto.backends:get_backend`` seam,
which every request goes through, in-process or over the shared endpoint), when the lab asks
for it with ``aws.extension(name)``, when the lab passes one of its options, or at start if it
declares no ``activate_on``. A module that is not installed is skipped.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import LabError
from . import hosts, request_costs
from .patching import Patcher, seam

GET_BACKEND = seam(
    "moto.backends:get_backend", extension="session",
    why="every request (in-process or over the shared endpoint) looks up its service's backend here: "
        "the first lookup of a service activates the extensions that serve it")


class ExtensionHandle(Protocol):
    def stop(self) -> None: ...


class ExtensionHost(Protocol):
    """What this module needs of a session (``cloud.session.MockSession`` is one): its options.

    A protocol rather than an import keeps the dependency one way (session → extensions); each
    extension's ``activate`` receives the real session.
    """

    options: dict[str, Any]


@dataclass(frozen=True)
class Extension:
    """The manifest of one extension (data only: reading it imports nothing)."""

    name: str
    module: str
    options: dict[str, str] = field(default_factory=dict)   # option -> what it sets
    activate_on: tuple[str, ...] = ()                       # moto service names; () = at start


REGISTRY: dict[str, Extension] = {}

# Options the session itself reads (not an extension's).
SESSION_OPTIONS = {"clock_speed": "speed of the lab clock (aws.clock), 1.0 = real time"}


def register(ext: Extension) -> Extension:
    """Add (or replace) an extension's manifest; later sessions see it."""
    REGISTRY[ext.name] = ext
    return ext


for _ext in (
    Extension("lambda", "serverless_lab.runtime",
              {"keep_alive_s": "lab-clock seconds an idle execution environment lives (default 600)",
               "account_concurrency": "account concurrency limit (default 1,000)",
               "enforce_lambda_permissions": "False: S3 accepts notifications to functions that do not allow it"},
              ("awslambda",)),
    Extension("integrations", "serverless_lab.integrations",
              {"apigateway_host": "host of the local API Gateway server (default 127.0.0.1)",
               "apigateway_port": "port of the local API Gateway server (default: a free one)",
               "enforce_lambda_permissions": "API Gateway / EventBridge / function URLs need lambda:AddPermission, as on AWS"},
              ("apigateway", "apigatewayv2", "events", "scheduler", "sqs", "sns", "awslambda", "cognitoidp",
               "dynamodb", "dynamodbstreams")),   # DynamoDB: stream records trimmed after 24 hours
    Extension("fargate", "serverless_lab.fargate",
              {"fargate_timings": "dict of FargateTimings fields (lifecycle durations, lab-clock seconds)"},
              ("ecs",)),
    Extension("aurora", "serverless_lab.aurora",
              {"aurora_capacity_model": "dict of CapacityModel fields (ACU scaling)",
               "aurora_resume": "what a call to a paused cluster does: error | wait | fast_forward",
               "aurora_postgres_dsn": "a real PostgreSQL for aurora-postgresql clusters"},
              ("rds", "rdsdata")),
    Extension("stepfunctions", "serverless_lab.stepfunctions",
              {"stepfunctions_waits": "how Wait states and Retry intervals pass on the lab clock: advance | clock"},
              ("stepfunctions",)),
    Extension("iac", "serverless_lab.iac",
              {"s3_notifications": "sync (default) | async: how S3 invokes Lambda"},
              ("cloudformation", "codedeploy")),   # codedeploy: a deployment hook reports its status
    Extension("emf", "serverless_lab.emf", {}, ("awslambda", "logs", "ecs")),
    Extension("alarms", "serverless_lab.alarms",
              {"enforce_lambda_permissions": "False: an alarm's Lambda action runs without the function's "
                                             "permission for lambda.alarms.cloudwatch.amazonaws.com"},
              ("cloudwatch",)),
    Extension("dynamodb", "serverless_lab.dynamodb_transactions", {}, ("dynamodb",)),   # transaction tokens
    Extension("insights", "serverless_lab.insights", {}, ("logs",)),
    Extension("xray", "serverless_lab.xray", {}, ("xray",)),
    Extension("iam_simulator", "serverless_lab.iam_simulator", {}, ("iam",)),
    # at start: the policies must be in every IAM backend, whichever service creates it first
    Extension("iam", "serverless_lab.iam_policies", {}, ()),
):
    register(_ext)


def known_options(names: list[str] | None = None) -> dict[str, str]:
    """Every option a session accepts (with the extensions ``names``, default all): option -> owner."""
    owners = {k: "session" for k in SESSION_OPTIONS}
    for ext in REGISTRY.values():
        if names is None or ext.name in names:
            owners.update({k: ext.name for k in ext.options})
    return owners


def check(names: list[str] | None, options: dict[str, Any]) -> None:
    """Raise LabError for an unknown extension or an option no selected extension declares."""
    if names is not None:
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            raise LabError(f"Unknown extension(s) {', '.join(map(repr, unknown))}.",
                           f"Known extensions: {', '.join(REGISTRY)}.")
    known = known_options(names)
    unknown = sorted(set(options) - set(known))
    if unknown:
        every = known_options(None)
        hints = [f"{k!r} belongs to the {every[k]!r} extension, which extensions= leaves out"
                 for k in unknown if k in every]
        listing = ", ".join(f"{k} ({owner})" for k, owner in sorted(known.items()))
        raise LabError(f"mock_aws() got unknown option(s) {', '.join(map(repr, unknown))}"
                       + (f" ({'; '.join(hints)})" if hints else "") + ".",
                       f"Known options: {listing}.")


def _import(ext: Extension) -> Any | None:
    try:
        module = importlib.import_module(ext.module)
    except ModuleNotFoundError as exc:
        if exc.name and ext.module.startswith(exc.name):
            return None  # the piece is not part of this installation
        raise
    return module if hasattr(module, "activate") else None


class Extensions:
    """The extensions of one session: pending until used, then active until ``stop_all``."""

    def __init__(self, session: ExtensionHost, names: list[str] | None) -> None:
        self.session = session
        self.selected = [REGISTRY[n] for n in (list(REGISTRY) if names is None else names)]
        self.handles: dict[str, ExtensionHandle] = {}
        self._patcher = Patcher()
        self._waiting: dict[str, list[str]] = {}   # moto service -> extensions it activates
        self._lock = threading.RLock()
        self._locks: dict[str, threading.RLock] = {}
        self._stopped = False

    def start(self) -> None:
        """Activate the extensions that must run from the start; wait for the others' services."""
        opts = set(self.session.options)
        try:
            hosts.install(self._patcher)   # hosts botocore uses that moto's routes lack
            request_costs.install(self._patcher)   # per-request work moto repeats, done once
            for ext in self.selected:
                if not ext.activate_on or opts & set(ext.options):
                    self.activate(ext.name)
                    continue
                for service in ext.activate_on:
                    self._waiting.setdefault(service, []).append(ext.name)
            if self._waiting:
                self._watch_backends()
        except BaseException:
            self.stop_all()
            raise

    def selected_names(self) -> list[str]:
        return [e.name for e in self.selected]

    def activate(self, name: str) -> ExtensionHandle | None:
        """The handle of ``name``, activating it now if it is selected and not yet running."""
        ext = next((e for e in self.selected if e.name == name), None)
        if ext is None:
            return None
        # one lock per extension: activation may run inside another thread's import of a moto
        # module (cloud/lazy.py), and one global lock could then deadlock with import locks
        with self._locks.setdefault(name, threading.RLock()):
            if name in self.handles or self._stopped:
                return self.handles.get(name)
            module = _import(ext)
            if module is None:
                return None
            handle = module.activate(self.session)
            with self._lock:
                self.handles[name] = handle
            return handle

    def stop_all(self) -> list[BaseException]:
        """Stop in reverse order of activation; collect errors rather than leave anything running."""
        with self._lock:
            self._stopped = True
            handles = dict(self.handles)
            self.handles.clear()
            self._waiting.clear()
        errors = stop_all(handles)
        self._patcher.undo()
        return errors

    def _watch_backends(self) -> None:
        original = GET_BACKEND.current()
        waiting = self._waiting

        def get_backend(name):
            names = waiting.get(name)
            if names:
                for ext_name in list(names):   # a concurrent caller waits on the extension's lock
                    self.activate(ext_name)
                waiting.pop(name, None)
            return original(name)

        self._patcher.replace(GET_BACKEND, get_backend)


def stop_all(handles: dict[str, ExtensionHandle]) -> list[BaseException]:
    """Stop in reverse order of start; collect errors rather than leave anything running."""
    errors = []
    for name in reversed(list(handles)):
        try:
            handles[name].stop()
        except BaseException as exc:  # noqa: BLE001 - clean-up must continue
            errors.append(exc)
    handles.clear()
    return errors
