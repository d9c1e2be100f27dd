"""Two doors into the same API Gateway: the execute-api URL inside the mock, and a real port.

1. ``requests.get("https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/items")`` in the
   notebook: moto intercepts every ``requests`` call to an AWS host with the ``responses``
   library; we register one callback for all execute-api hosts (moto's own callbacks only know
   exact resource paths and no Lambda proxy, so its per-stage registration is switched off).
2. ``http://127.0.0.1:PORT/{api_id}/{stage}/items`` from a browser, curl or another process: a
   small threaded HTTP server, started the first time a lab asks for a URL. For an HTTP API's
   ``$default`` stage the stage segment is left out, exactly as in the execute-api URL.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .gateway import ApiGateway, GatewayRequest, GatewayResponse, _own_length

EXECUTE_API_RE = re.compile(
    r"^https?://(?P<api>[A-Za-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?::\d+)?"
    r"(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class ExecuteApiHook:
    """The ``responses`` callback that sends execute-api requests to :class:`ApiGateway`."""

    def __init__(self, gateway: ApiGateway) -> None:
        self.gateway = gateway
        self._registered: list[Any] = []

    def start(self) -> None:
        import responses
        from moto.core.models import responses_mock

        pattern = re.compile(r"https?://[A-Za-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com(:\d+)?(/.*)?$")
        for method in METHODS:
            cb = responses.CallbackResponse(method=method, url=pattern, callback=self._callback,
                                            content_type=None)
            responses_mock.add(cb)
            self._registered.append(cb)

    def stop(self) -> None:
        from moto.core.models import responses_mock

        for cb in self._registered:
            responses_mock.remove(cb)   # a no-op if moto already reset its registry
        self._registered.clear()

    def _callback(self, prepared: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        match = EXECUTE_API_RE.match(prepared.url)
        if match is None:  # pragma: no cover - the registered pattern guarantees a match
            return 404, [("Content-Type", "application/json")], b'{"message":"Not Found"}'
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray)):
            body = b"".join(body) if body else b""  # a generator / file-like upload
        scheme = urlsplit(prepared.url).scheme
        request = GatewayRequest(
            api_id=match["api"], method=prepared.method, path=match["path"] or "/",
            query=match["query"] or "", headers=list(prepared.headers.items()), body=bytes(body),
            region=match["region"], scheme=scheme, port=443 if scheme == "https" else 80)
        response = self.gateway.handle(request)
        return response.status, response.headers, response.body


class _ServerThread:
    """One ``ThreadingHTTPServer`` on a daemon thread: what the gateway's URL and a page's origin share."""

    def __init__(self) -> None:
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def start(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], name: str) -> int:
        """Serve ``handler`` on ``host:port`` (0: any free port); return the port."""
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                       name=name, daemon=True)
        self.thread.start()
        return server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.server = None
        self.thread = None


class LocalGatewayServer:
    """``http://127.0.0.1:PORT/{api_id}/{stage}/...`` served by a daemon thread pool."""

    def __init__(self, gateway: ApiGateway, host: str = "127.0.0.1", port: int = 0) -> None:
        self.gateway = gateway
        self.host = host
        self.port = port
        self._http = _ServerThread()
        self._lock = threading.Lock()
        self.sites: list[StaticSite] = []
        # other services served on this port: (matches the first path segment, handler)
        self.routes: list[tuple[Callable[[str], Any], Callable[[GatewayRequest], GatewayResponse]]] = []

    @property
    def running(self) -> bool:
        return self._http.server is not None

    def start(self) -> LocalGatewayServer:
        with self._lock:
            if self._http.server is not None:
                return self
            gateway = self.gateway
            outer = self

            class Handler(BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                server_version = "serverless-lab-apigateway"

                def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                    pass  # a notebook must not fill with access logs

                def _serve(self) -> None:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else b""
                    split = urlsplit(self.path)
                    path = split.path or "/"
                    if path in ("/", "/_apis"):
                        return self._send(outer.index())
                    api_id, _, rest = path.lstrip("/").partition("/")
                    request = GatewayRequest(
                        api_id=api_id, method=self.command, path="/" + rest, query=split.query,
                        headers=[(k, v) for k, v in self.headers.items()], body=body,
                        source_ip=self.client_address[0], scheme="http", port=outer.port)
                    for matches, serve in outer.routes:
                        if matches(api_id):
                            return self._send(_own_length(serve(request)))
                    self._send(gateway.handle(request))

                def _send(self, response: GatewayResponse) -> None:
                    self.send_response(response.status)
                    for k, v in response.headers:
                        if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(response.body)

                do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            self.port = self._http.start(self.host, self.port, Handler, "serverless-lab-apigateway")
            return self

    def index(self) -> GatewayResponse:
        """``GET /``: the APIs this server answers for, with their local URLs."""
        apis = []
        for api in self.gateway.apis():
            stages = api["stages"]
            urls = [self.url(api["id"], s) for s in stages]
            apis.append({**api, "urls": urls})
        body = json.dumps({"apis": apis}, indent=2).encode()
        return GatewayResponse(200, [("Content-Type", "application/json")], body)

    def url(self, api_id: str, stage: str | None) -> str:
        base = f"http://{self.host}:{self.port}/{api_id}"
        return base if stage in (None, "", "$default") else f"{base}/{stage}"

    def serve_folder(self, folder: str) -> StaticSite:
        """Serve ``folder`` on a port of its own (another origin); stopped with this server."""
        site = StaticSite(folder, host=self.host).start()
        self.sites.append(site)
        return site

    def stop(self) -> None:
        for site in self.sites:
            site.stop()
        self.sites.clear()
        with self._lock:
            self._http.stop()


class StaticSite:
    """A folder served on its own port: a front end with an origin of its own.

    A page at ``http://127.0.0.1:PORT_A/index.html`` calling an API at
    ``http://127.0.0.1:PORT_B/...`` is a cross-origin request (the ports differ), so the browser
    applies CORS exactly as it would to a site on S3/CloudFront calling an execute-api URL.
    Files are served read-only, with no directory listing, and never outside the folder.
    """

    def __init__(self, folder: str, host: str = "127.0.0.1", port: int = 0) -> None:
        from pathlib import Path

        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            from ...errors import LabError

            raise LabError(f"{folder} is not a folder, so there is no page to serve.",
                           "Pass the folder that holds index.html (the lab's own folder).")
        self.host = host
        self.port = port
        self._http = _ServerThread()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> StaticSite:
        if self._http.server is not None:
            return self
        root = self.folder
        types = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".json": "application/json",
                 ".svg": "image/svg+xml", ".png": "image/png"}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "serverless-lab-static"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                rel = urlsplit(self.path).path.lstrip("/") or "index.html"
                target = (root / rel).resolve()
                if root not in target.parents or not target.is_file() or \
                        target.suffix not in types:
                    body, status, ctype = b"Not Found", 404, "text/plain"
                else:
                    body, status, ctype = target.read_bytes(), 200, types[target.suffix]
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.port = self._http.start(self.host, self.port, Handler, "serverless-lab-static")
        return self

    def stop(self) -> None:
        self._http.stop()
