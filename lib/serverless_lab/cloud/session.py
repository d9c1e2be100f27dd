"""``mock_aws()``: moto's mock plus everything the course adds to it.

One world at a time per process. It sets fake credentials and a region, starts moto
in-process, serves the same state over HTTP for worker processes, enables real Step
Functions execution, and activates the extensions (the local Lambda runtime, the API
Gateway / EventBridge integrations, Fargate and Aurora engines).

Nesting works as in moto: a ``mock_aws()`` started while one runs *joins* the running world
(same state, same extensions) and leaves it running when it stops, so helpers that open
``with mock_aws():`` inside a test keep working. Only what cannot share one world is refused
with :class:`MockAlreadyActiveError`: another backend, another moto ``config``, or extensions
the running world does not have.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..clock import LabClock
from ..errors import LabError, MockAlreadyActiveError
from . import extensions as _extensions
from .credentials import mock_environment, patched_environ, real_credentials_present
from .endpoint import SharedEndpoint

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
BACKENDS = ("moto", "server", "aws")

_lock = threading.RLock()
_active: MockSession | None = None


def current_session() -> MockSession | None:
    """The running session in this process, if any."""
    return _active


def _merge(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


_boto_sessions: dict[str, Any] = {}


def _reuse_boto3_session(region: str) -> None:
    """Give boto3 a default session shared by every mocked world of this process.

    moto empties ``boto3.DEFAULT_SESSION`` at each start, so the first client of every new world
    re-reads the service models (about a second). Inside a mock the credentials are always the
    same fake ones, so one session per region is safe to share; moto puts the user's own default
    session back when it stops.
    """
    import boto3

    if region not in _boto_sessions:
        _boto_sessions[region] = boto3.session.Session(region_name=region)
    boto3.DEFAULT_SESSION = _boto_sessions[region]


class MockSession:
    """A mocked AWS world: use as a context manager, a decorator, or with start()/stop().

    Parameters
    ----------
    config: moto's ``config`` dict, merged over the course defaults.
    backend: ``"moto"`` (in-process, the default); ``"server"`` (use a standalone endpoint
        given by ``endpoint_url``, e.g. a classroom's shared ``serverless-lab server``);
        ``"aws"`` (a real account: see :mod:`serverless_lab.cloud.real_aws`).
    region: the region clients default to.
    host, port: where the shared HTTP endpoint listens (port 0 picks a free port).
    extensions: names of extensions to activate (default: all that are installed).
    options: settings read by extensions, e.g. ``keep_alive_s=300`` for the Lambda runtime;
        ``clock_speed`` sets the lab clock (``aws.clock``: virtual time for schedules, Fargate
        start-up, Aurora pauses; ``aws.clock.advance(600)`` fast-forwards ten minutes).
    """

    def __init__(self, config: dict[str, Any] | None = None, *, backend: str = "moto",
                 region: str = DEFAULT_REGION, host: str = "127.0.0.1", port: int = 0,
                 endpoint_url: str | None = None, extensions: list[str] | None = None,
                 confirm: str | None = None, **options: Any) -> None:
        if backend not in BACKENDS:
            raise LabError(f"Unknown backend {backend!r}.", f"Choose one of {', '.join(BACKENDS)}.")
        if backend == "server" and not endpoint_url:
            raise LabError("backend='server' needs the URL of a running moto server.",
                           "Start one with `serverless-lab server --port 5000` and pass "
                           "endpoint_url='http://127.0.0.1:5000'.")
        _extensions.check(extensions, options)   # unknown option or extension: LabError naming the known ones
        self.backend = backend
        self.region = region
        self.account_id = DEFAULT_ACCOUNT
        self.options = options
        self.moto_config = _merge({"stepfunctions": {"execute_state_machine": True}}, config)
        self._host, self._port = host, port
        self._endpoint_url = endpoint_url
        self._extension_names = extensions
        self._confirm = confirm
        self._moto: Any = None
        self._endpoint: SharedEndpoint | None = None
        self._env_patch: Any = None
        self._ext: _extensions.Extensions | None = None
        self.real_aws: Any = None  # a RealAWS when backend == "aws"
        self.clock = LabClock(speed=float(options.get("clock_speed", 1.0)))
        self.started = False
        self._config_given = config is not None
        self._joined: MockSession | None = None   # the running world this nested session joined

    # -- public surface -------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        """URL of the HTTP endpoint serving this session's state."""
        if self._endpoint is not None:
            return self._endpoint.url
        if self._endpoint_url:
            return self._endpoint_url
        raise LabError("This session has no HTTP endpoint (it is not started, or it uses real AWS).",
                       "Start it first: `with mock_aws() as aws: ...`.")

    def env(self) -> dict[str, str]:
        """Environment variables that point a subprocess (worker, terminal) at this world."""
        env = mock_environment(self.region)
        env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    def extension(self, name: str) -> Any:
        """The running extension ``name`` (e.g. ``"lambda"`` for the local Lambda runtime)."""
        handle = self._ext.activate(name) if self._ext is not None else None
        if handle is None:
            selected = self._ext.selected_names() if self._ext is not None else []
            raise LabError(f"The {name!r} extension is not running in this session.",
                           f"Selected: {', '.join(selected) or 'none'}. Start mock_aws() without "
                           "an `extensions=` list to get them all.")
        return handle

    @property
    def extensions(self) -> dict[str, Any]:
        """The extensions active so far (an extension activates when a lab first uses its service)."""
        return dict(self._ext.handles) if self._ext is not None else {}

    def client(self, service: str, **kwargs: Any):
        """A boto3 client for this world (region preset)."""
        import boto3

        kwargs.setdefault("region_name", self.region)
        if self.backend == "server":
            kwargs.setdefault("endpoint_url", self._endpoint_url)
        if self.real_aws is not None:
            return self.real_aws.client(service, **kwargs)
        return boto3.client(service, **kwargs)

    def explorer(self, auto_refresh: bool = False, interval_s: float = 3.0) -> Any:
        """A widget showing what exists in this world, by service, with each resource's configuration,
        wiring, invocations and logs; its Refresh button (or auto-refresh) reads the world again."""
        # imported here, not at the top: viz is the analysis layer, above this one
        # (docs/architecture.md, "Layers"); importing it also costs ipywidgets and plotly
        from ..viz.explorer import Explorer

        return Explorer(self, auto_refresh=auto_refresh, interval_s=interval_s)

    def architecture(self) -> Any:
        """This world's wiring as a diagram (S3 → function → table, API → function, rule → target...),
        discovered through boto3; ``.mermaid`` holds it as Mermaid text."""
        # lazy for the same reason as explorer(): the cloud layer never imports viz at module level
        from ..viz.architecture import architecture

        return architecture(self)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> MockSession:
        global _active
        with _lock:
            if self.started:
                return self
            if _active is not None:
                self._join(_active)
                return self
            try:
                if self.backend == "aws":
                    self._start_real()
                else:
                    self._start_mocked()
            except BaseException:
                self._teardown()
                raise
            _active = self
            self.started = True
        return self

    def _join(self, outer: MockSession) -> None:
        """Share the running world (as moto's nested mocks do), or say why that cannot work."""
        problem = None
        if self.backend != outer.backend:
            problem = f"it runs backend={outer.backend!r} and this one asks for backend={self.backend!r}"
        elif self._config_given and self.moto_config != outer.moto_config:
            problem = f"it runs with moto config {outer.moto_config!r}, this one asks for {self.moto_config!r}"
        elif self._extension_names is not None and set(self._extension_names) - set(outer._selected()):
            missing = sorted(set(self._extension_names) - set(outer._selected()))
            problem = f"it has no {', '.join(missing)} extension (it runs: {', '.join(outer._selected()) or 'none'})"
        if problem:
            raise MockAlreadyActiveError(
                f"A serverless_lab.mock_aws() world is already running in this kernel, and {problem}.",
                "A nested mock_aws() joins the running world, so it must ask for the same backend and "
                "config. Use the running one (`serverless_lab.current_session()`), or stop it first with "
                "`.stop()`; restarting the kernel also clears it.")
        depth = getattr(outer, "_nested", 0)
        outer._nested = depth + 1  # type: ignore[attr-defined]
        self._joined = outer
        self.account_id, self.clock = outer.account_id, outer.clock
        self._endpoint, self._ext, self.real_aws = outer._endpoint, outer._ext, outer.real_aws
        self._endpoint_url = outer._endpoint_url
        self.started = True

    def _selected(self) -> list[str]:
        return self._ext.selected_names() if self._ext is not None else []

    def _start_mocked(self) -> None:
        import moto

        from .patching import check_moto_version

        check_moto_version()   # outside the supported range: one LabError saying what to do
        values = mock_environment(self.region)
        if self.backend == "server":
            values["AWS_ENDPOINT_URL"] = self._endpoint_url  # type: ignore[assignment]
        self._env_patch = patched_environ(values)
        self._env_patch.__enter__()
        if self.backend == "server":
            return  # the standalone server runs moto and the extensions itself
        self._moto = moto.mock_aws(config=self.moto_config)  # type: ignore[arg-type]
        self._moto.start()
        _reuse_boto3_session(self.region)
        self._endpoint = SharedEndpoint(self._host, self._port).start()
        self._ext = _extensions.Extensions(self, self._extension_names)
        self._ext.start()

    def _start_real(self) -> None:
        from .real_aws import RealAWS

        self.real_aws = RealAWS.opt_in(region=self.region, confirm=self._confirm)

    def stop(self) -> None:
        global _active
        with _lock:
            if not self.started:
                return
            if self._joined is not None:   # a nested session: the world it joined keeps running
                outer, self._joined = self._joined, None
                outer._nested = max(getattr(outer, "_nested", 1) - 1, 0)  # type: ignore[attr-defined]
                self._endpoint, self._ext = None, None
                self.started = False
                return
            errors = self._teardown()
            if _active is self:
                _active = None
            self.started = False
        if errors:
            raise errors[0]

    def _teardown(self) -> list[BaseException]:
        errors = self._ext.stop_all() if self._ext is not None else []
        self._ext = None
        self.clock.stop()
        for step in (self._stop_endpoint, self._stop_moto, self._restore_env):
            try:
                step()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
        return errors

    def _stop_endpoint(self) -> None:
        if self._endpoint is not None:
            self._endpoint.stop()
            self._endpoint = None

    def _stop_moto(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def _restore_env(self) -> None:
        if self._env_patch is not None:
            self._env_patch.__exit__(None, None, None)
            self._env_patch = None

    def __enter__(self) -> MockSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Decorate a function (or coroutine) so it runs inside this mocked world."""
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        state = "running" if self.started else "stopped"
        where = self._endpoint.url if self._endpoint else (self._endpoint_url or "-")
        return f"<mock_aws backend={self.backend} region={self.region} endpoint={where} {state}>"


def mock_aws(func: Callable[..., Any] | None = None, /, config: dict[str, Any] | None = None,
             **kwargs: Any) -> Any:
    """Start a mocked AWS world: ``with mock_aws() as aws:``, ``@mock_aws``, or ``.start()``.

    A superset of :func:`moto.mock_aws`: same ``config``; additionally fake credentials, a
    shared HTTP endpoint (``aws.endpoint_url``), real Step Functions execution, and the local
    Lambda runtime that runs handler code for every trigger.
    """
    session = MockSession(config, **kwargs)
    if func is not None:
        return session(func)
    return session


def start_lab(**kwargs: Any) -> MockSession:
    """The lab's mocked world: the session already running in this kernel, or a new one.

    Labs call this in their first code cell so that re-running the cell is safe.
    """
    running = current_session()
    if running is not None:
        return running
    return MockSession(**kwargs).start()


def _stop_at_exit() -> None:
    if _active is not None:
        try:
            _active.stop()
        except BaseException:  # noqa: BLE001 - the interpreter is going away
            pass


atexit.register(_stop_at_exit)


def warn_about_real_credentials() -> str | None:
    found = real_credentials_present()
    if not found:
        return None
    return ("Real AWS credentials were found (" + ", ".join(found) + "). The course never uses "
            "them: mock_aws() hides them while it runs. Keep it that way unless you opted in to "
            "the real-AWS backend on purpose.")


__all__ = ["MockSession", "mock_aws", "current_session", "start_lab", "warn_about_real_credentials",
           "DEFAULT_REGION", "DEFAULT_ACCOUNT"]
