"""The shared HTTP endpoint: moto's Flask app on 127.0.0.1, serving the same in-memory state.

Worker processes (Lambda environments, Fargate tasks), terminals and browsers reach the
notebook's mocked world through it. We start werkzeug ourselves rather than through
``ThreadedMotoServer`` because that class waits forever when its port is taken.
"""

from __future__ import annotations

import errno
import threading
from typing import Any

from ..errors import PortInUseError


class SharedEndpoint:
    """A threaded HTTP server for moto's backends, in this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.requested_port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the endpoint is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SharedEndpoint:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: object, **kwargs: object) -> None:  # no access log in notebooks
                pass

        app = DomainDispatcherApplication(create_backend_app)
        try:
            self._server = make_server(self.host, self.requested_port, app, threaded=True,
                                       request_handler=QuietHandler)
        except (OSError, SystemExit) as exc:  # werkzeug exits on a taken port in some versions
            if isinstance(exc, SystemExit) or getattr(exc, "errno", None) in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(
                    f"Port {self.requested_port} on {self.host} is already in use, so the shared "
                    "moto endpoint could not start.",
                    "Use port=0 (the default) to pick a free port, or stop the program holding it "
                    f"(`lsof -i :{self.requested_port}` shows which).",
                ) from None
            raise
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="serverless-lab-endpoint",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
