"""What moto stores but does not run: API Gateway → Lambda proxies, EventBridge → Lambda,
the SQS and DynamoDB stream event source mappings with AWS's semantics, event pattern validation.

One package per service, as moto lays out its services: ``apigateway/``, ``eventbridge/``,
``scheduler/``, ``sqs/``, ``dynamodbstreams/``, ``sns/``, ``s3/``; each holds what it models and, in ``seams.py``,
how it plugs into moto. ``invoke`` is the one shared part (invoking a function). This module is
the extension: it starts and stops them together.

``mock_aws()`` activates this extension after moto and the shared endpoint are up; a lab
reaches it as ``aws.extension("integrations")``::

    with mock_aws() as aws:
        ...create a REST API with an AWS_PROXY integration and a stage "prod"...
        requests.get(f"https://{api_id}.execute-api.us-east-1.amazonaws.com/prod/items/7")
        gw = aws.extension("integrations")
        print(gw.url_for(api_id, "prod"))   # http://127.0.0.1:PORT/<api_id>/prod: curl, browser
        aws.clock.advance(3600)             # schedule rules and Scheduler schedules fire
        gw.sqs.batches                      # SQS batches handed to functions; gw.drain() runs what is due
        gw.streams.batches                  # DynamoDB stream batches (each record once, in order)

Handlers run through moto's ``LambdaFunction.invoke``, which the local runtime
(``serverless_lab.runtime``) makes run real code. ``stop()`` undoes every patch, removes the
execute-api hook, cancels the schedules and closes the local server.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..cloud.patching import Patcher
from .apigateway import ApiGateway, GatewayRequest, GatewayResponse, map_v1_response, map_v2_response
from .apigateway import seams as apigateway_seams
from .apigateway.http_gateway import ExecuteApiHook, LocalGatewayServer
from .awslambda.function_urls import URL_ID_RE, FunctionUrlHook, FunctionUrls
from .cognitoidp.token_endpoint import TokenEndpoint
from .dynamodbstreams.mappings import StreamBatch, StreamMappings
from .eventbridge import seams as eventbridge_seams
from .eventbridge.patterns import matches, target_input
from .eventbridge.rules import Delivery, EventBridgeIntegration
from .eventbridge.schedule_expressions import ScheduleExpressionError, parse_schedule
from .s3.notifications import S3Notifications
from .scheduler.firing import SchedulerIntegration
from .sns.notifications import SnsNotifications
from .sqs.mappings import SqsBatch, SqsMappings

if TYPE_CHECKING:
    from ..cloud.session import MockSession

log = logging.getLogger(__name__)

__all__ = ["activate", "IntegrationsHandle", "ApiGateway", "GatewayRequest", "GatewayResponse",
           "Delivery", "matches", "target_input", "parse_schedule", "ScheduleExpressionError",
           "map_v1_response", "map_v2_response", "SqsBatch", "StreamBatch"]


class IntegrationsHandle:
    """The running integrations of one session (``aws.extension("integrations")``)."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self._patches = Patcher()
        self.gateway = ApiGateway(session)
        self._hook = ExecuteApiHook(self.gateway)
        self._server = LocalGatewayServer(self.gateway, host=session.options.get(
            "apigateway_host", "127.0.0.1"), port=int(session.options.get("apigateway_port", 0)))
        self.function_urls = FunctionUrls(session)      # Lambda function URLs (awslambda/)
        self._url_hook = FunctionUrlHook(self.function_urls)
        self._server.routes.append((URL_ID_RE.match, self.function_urls.handle))
        self.cognito_token = TokenEndpoint(session)       # /oauth2/token (cognitoidp/)
        self.eventbridge = EventBridgeIntegration(session, self._patches)
        self.scheduler = SchedulerIntegration(session, self._patches, self.eventbridge)
        self.sqs = SqsMappings(session)
        self.streams = StreamMappings(session)   # DynamoDB Streams → Lambda (dynamodbstreams/)
        self.sns = SnsNotifications(session, self._patches)   # SNS → Lambda, raw delivery (sns/)
        self.s3 = S3Notifications(session, self._patches)   # S3 notification records (s3/)
        self._rules = Patcher()   # event pattern validation + TestEventPattern (eventbridge/seams)

    def start(self) -> IntegrationsHandle:
        apigateway_seams.install(self._patches)
        self._hook.start()
        self._url_hook.start()
        self.cognito_token.start()
        self.eventbridge.start()
        self.scheduler.start()
        self.sqs.start()
        self.streams.start()
        self.sns.start()
        self.s3.start()
        eventbridge_seams.install_pattern_checks(self._rules)
        return self

    # -- API Gateway ------------------------------------------------------------------------
    def url_for(self, api_id: str, stage: str | None = None) -> str:
        """Local URL of an API stage that a browser or curl can call (starts the server).

        ``stage`` may be left out when the API has one stage (or an HTTP API ``$default``).
        """
        stage = self._pick_stage(api_id, stage)
        self._server.start()
        return self._server.url(api_id, stage)

    def execute_api_url(self, api_id: str, stage: str | None = None) -> str:
        """``https://{api_id}.execute-api.{region}.amazonaws.com/{stage}``: for ``requests``."""
        stage = self._pick_stage(api_id, stage)
        base = f"https://{api_id}.execute-api.{self.session.region}.amazonaws.com"
        return base if stage in (None, "$default") else f"{base}/{stage}"

    def function_url_local(self, function_name: str) -> str:
        """Local URL of a function URL that a browser or curl can call (starts the server):
        ``http://127.0.0.1:PORT/<url-id>`` answers as ``https://<url-id>.lambda-url.<region>.on.aws``."""
        from moto.awslambda.models import lambda_backends

        from ..errors import LabError

        fn = lambda_backends[self.session.account_id][self.session.region].get_function(function_name)
        if getattr(fn, "url_config", None) is None:
            raise LabError(f"{function_name} has no function URL.",
                           "Create one first: lambda.create_function_url_config("
                           f"FunctionName={function_name!r}, AuthType='NONE').")
        url_id = fn.url_config.url.split("//", 1)[1].split(".", 1)[0]
        self._server.start()
        return f"http://{self._server.host}:{self._server.port}/{url_id}"

    @property
    def local_url(self) -> str:
        """Base URL of the local server; ``GET`` it for a list of APIs and their URLs."""
        self._server.start()
        return f"http://{self._server.host}:{self._server.port}"

    def serve_page(self, folder: str) -> str:
        """Serve a static front end (``folder`` with index.html) on its own local origin.

        Returns its base URL. The page and the API have different origins, so the browser
        enforces CORS between them as it would on AWS. Stopped with the session.
        """
        return self._server.serve_folder(folder).url

    def request(self, api_id: str, method: str, path: str, *, query: str = "",
                headers: dict[str, str] | None = None, body: bytes | str = b"") -> GatewayResponse:
        """Call an API without HTTP at all (path includes the stage, as in the URL)."""
        data = body.encode() if isinstance(body, str) else body
        return self.gateway.handle(GatewayRequest(api_id, method, path, query,
                                                  list((headers or {}).items()), data))

    def _pick_stage(self, api_id: str, stage: str | None) -> str | None:
        from ..errors import LabError

        kind = self.gateway.api_type(api_id)
        if kind is None:
            raise LabError(f"There is no REST or HTTP API with id {api_id!r} in this mocked world.",
                           "Create it first (apigateway.create_rest_api or apigatewayv2.create_api) "
                           "and pass the id it returns.")
        stages = self.gateway.stages(api_id)
        if stage is not None:
            if stage not in stages:
                raise LabError(f"API {api_id} has no stage {stage!r} (stages: "
                               f"{', '.join(stages) or 'none'}).",
                               "Deploy it to that stage first: create_deployment(restApiId=..., "
                               "stageName=...) or apigatewayv2.create_stage(...).")
            return stage
        if "$default" in stages:
            return "$default"
        if len(stages) == 1:
            return stages[0]
        raise LabError(f"API {api_id} has {len(stages)} stages ({', '.join(stages) or 'none'}); "
                       "say which one.", "Pass stage='prod' (or the stage you deployed).")

    # -- EventBridge ------------------------------------------------------------------------
    @property
    def deliveries(self) -> list[Delivery]:
        """Every event handed to a Lambda, Step Functions or SQS target so far (oldest first)."""
        return list(self.eventbridge.deliveries)

    def schedules(self) -> dict[str, float]:
        """Armed schedule rules ("bus/rule") and Scheduler schedules ("scheduler:group/name")
        → next firing time on the lab clock (seconds since the epoch)."""
        armed = self.eventbridge.schedules()
        armed.update({f"scheduler:{k}": v for k, v in self.scheduler.armed().items()})
        return armed

    def __repr__(self) -> str:
        server = f"local server {self.local_url}" if self._server.running else \
            "local server not started (url_for() starts it)"
        return (f"<integrations: {len(self.gateway.apis())} API(s), {server}, "
                f"{len(self.schedules())} schedule(s) armed, "
                f"{len(self.eventbridge.deliveries)} EventBridge deliveries>")

    # -- SQS event source mappings ------------------------------------------------------------
    def drain(self, timeout: float = 30.0) -> int:
        """Run every SQS and DynamoDB stream mapping delivery (and lab-clock timer) due now;
        wait for running ones.

        SendMessage and DynamoDB writes already deliver synchronously; call this after changing
        a queue by other means, after writes from several threads, or to be sure a delivery
        running in the clock's thread has finished.
        """
        return self.sqs.drain(timeout) + self.streams.drain(timeout)

    # -- lifecycle --------------------------------------------------------------------------
    def stop(self) -> None:
        errors: list[BaseException] = []
        for step in (self._rules.undo, self.streams.stop, self.sqs.stop, self.scheduler.stop, self.eventbridge.stop,
                     self._server.stop, self.cognito_token.stop, self._url_hook.stop, self._hook.stop, self._patches.undo):
            try:
                step()
            except BaseException as exc:  # noqa: BLE001 - every step must run
                errors.append(exc)
        if errors:
            raise errors[0]


def activate(session: MockSession) -> IntegrationsHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    handle = IntegrationsHandle(session)
    try:
        return handle.start()
    except BaseException:
        handle.stop()
        raise
