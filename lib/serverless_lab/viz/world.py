"""What exists in a mocked world, read the way a student would read it: through boto3.

:func:`survey` asks each service's read-only APIs (``list_*``, ``describe_*``, ``get_*``) through the
session's own clients, so the same code reads a classroom server or, with the real-AWS backend, an
account. It returns a :class:`World`: the resources by service, each with its configuration, and
the *links* between them (what triggers what), found where AWS keeps them:

======================  ==============================================================
S3 → function/queue     ``GetBucketNotificationConfiguration``
queue/stream → function ``ListEventSourceMappings``
rule → target           ``ListRules`` + ``ListTargetsByRule`` (every event bus)
topic → subscriber      ``ListSubscriptionsByTopic``
API → function          REST: ``GetResources`` + ``GetIntegration``; HTTP: ``GetIntegrations``
state machine → task    the ``Resource`` of every Task state (branches and Map states too)
function → queue/topic  ``DeadLetterConfig``, ``GetFunctionEventInvokeConfig`` destinations
queue → queue           the ``RedrivePolicy`` attribute (dead-letter queue)
function → anything     an environment variable whose value names a resource (dashed)
======================  ==============================================================

A service that answers with an error (a permission missing on a real account, a call moto does
not implement) gets a note instead of its resources; the other services are still read.
ECS and RDS are read only once moto has loaded them (a lab that never used them has none, and
loading them costs seconds). On the in-process moto backend every other service is read only once
moto has loaded its models too: a service never called holds nothing, and a read would start its
extension (the Lambda runtime, the Step Functions interpreter: about a second of CPU) to list nothing.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..arn import is_arn, parse

# (key, title) in the order the explorer shows them
SERVICES: tuple[tuple[str, str], ...] = (
    ("lambda", "Lambda functions"), ("s3", "S3 buckets"), ("dynamodb", "DynamoDB tables"),
    ("sqs", "SQS queues"), ("sns", "SNS topics"), ("events", "EventBridge rules"),
    ("apigateway", "API Gateway REST APIs"), ("apigatewayv2", "API Gateway HTTP APIs"),
    ("stepfunctions", "Step Functions state machines"), ("ecs", "ECS clusters"), ("rds", "Aurora clusters"),
)
# moto modules that must already be loaded before the explorer reads a service (see module doc)
_LOADED_ONLY = {"ecs": "moto.ecs.models", "rds": "moto.rds.models"}
# on the in-process moto backend (see module doc): each service's models, loaded at its first call
_MOTO_MODELS = {"lambda": "moto.awslambda.models", "s3": "moto.s3.models", "dynamodb": "moto.dynamodb.models",
                "sqs": "moto.sqs.models", "sns": "moto.sns.models", "events": "moto.events.models",
                "apigateway": "moto.apigateway.models", "apigatewayv2": "moto.apigatewayv2.models",
                "stepfunctions": "moto.stepfunctions.models", **_LOADED_ONLY}
# the trace's `trigger` for invocations a source makes (runtime/headers.py names them)
TRIGGERS = {"s3": ("s3",), "sqs": ("sqs",), "dynamodb": ("dynamodb",), "sns": ("sns",),
            "events": ("events", "schedule"), "apigateway": ("apigateway",), "apigatewayv2": ("apigateway",),
            "stepfunctions": ("stepfunctions",)}
# the errors a read may answer with: shown as a note, never a traceback
READ_ERRORS: tuple[type[BaseException], ...] = (ClientError, BotoCoreError, NotImplementedError)


@dataclass
class Resource:
    """One thing in the world: ``node`` is its id in the diagram (``"lambda:resize"``)."""

    service: str
    name: str
    node: str
    arn: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True)
class Link:
    """``source`` triggers (or sends to) ``target``; ``how`` says through what; ``named`` marks a
    link found only because an environment variable names the target."""

    source: str
    target: str
    how: str
    named: bool = False


@dataclass
class World:
    resources: dict[str, list[Resource]] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    read_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def all(self) -> list[Resource]:
        return [r for key, _ in SERVICES for r in self.resources.get(key, [])]

    def find(self, node: str) -> Resource | None:
        return next((r for r in self.all() if r.node == node), None)

    def links_of(self, node: str) -> tuple[list[Link], list[Link]]:
        """(links into ``node``, links out of it)."""
        return ([lk for lk in self.links if lk.target == node], [lk for lk in self.links if lk.source == node])

    def count(self) -> int:
        return sum(len(v) for v in self.resources.values())


def node_of_arn(arn: str) -> str | None:
    """The diagram node an ARN names (``arn:aws:sqs:...:jobs`` → ``sqs:jobs``), or None."""
    if not is_arn(arn):
        return None
    a = parse(arn)
    res = a.resource
    if a.service == "lambda" and res.startswith("function:"):
        return f"lambda:{res.split(':')[1]}"
    if a.service in ("sqs", "sns"):
        return f"{a.service}:{res}"
    if a.service == "s3":
        return f"s3:{res.split('/')[0]}"
    if a.service == "dynamodb" and res.startswith("table/"):
        return f"dynamodb:{res.split('/')[1]}"
    if a.service == "states" and res.startswith("stateMachine:"):
        return f"stepfunctions:{res.split(':')[1]}"
    if a.service == "events" and res.startswith("rule/"):
        return f"events:{res.split('/')[-1]}"
    if a.service == "ecs" and res.startswith("cluster/"):
        return f"ecs:{res.split('/')[1]}"
    if a.service == "rds" and res.startswith("cluster:"):
        return f"rds:{res.split(':')[1]}"
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


class _Reader:
    def __init__(self, session: Any, endpoint_url: str | None = None) -> None:
        self.session = session
        self.world = World()
        self.endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            kw = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
            self._clients[service] = self.session.client(service, **kw)
        return self._clients[service]

    def add(self, res: Resource) -> None:
        res.config = _jsonable(res.config)
        self.world.resources.setdefault(res.service, []).append(res)

    def link(self, source: str, target: str | None, how: str, named: bool = False) -> None:
        if target and source != target:
            lk = Link(source, target, how, named)
            if lk not in self.world.links:
                self.world.links.append(lk)

    def run(self) -> World:
        in_process = getattr(self.session, "backend", None) == "moto"
        for key, _title in SERVICES:
            module = (_MOTO_MODELS if in_process else _LOADED_ONLY).get(key)
            if module and module not in sys.modules:
                self.world.resources[key] = []
                continue
            try:
                getattr(self, f"_{key}")()
            except READ_ERRORS as exc:
                self.world.notes[key] = _note(exc)
            self.world.resources.setdefault(key, [])
        self._named_links()
        return self.world

    # -- one method per service ----------------------------------------------------------------
    def _lambda(self) -> None:
        lam = self.client("lambda")
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                node = f"lambda:{fn['FunctionName']}"
                cfg = dict(fn)
                try:
                    eic = lam.get_function_event_invoke_config(FunctionName=fn["FunctionName"])
                    cfg["EventInvokeConfig"] = {k: eic[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                                                                    "DestinationConfig") if k in eic}
                    for outcome, dest in eic.get("DestinationConfig", {}).items():
                        self.link(node, node_of_arn(dest.get("Destination", "")), outcome)
                except ClientError as exc:
                    if _code(exc) != "ResourceNotFoundException":
                        raise   # the usual case is no event invoke config at all; anything else gets a note

                dlq = fn.get("DeadLetterConfig", {}).get("TargetArn", "")
                self.link(node, node_of_arn(dlq), "dead-letter queue")
                self.add(Resource("lambda", fn["FunctionName"], node, fn["FunctionArn"], cfg,
                                  f"{fn.get('Runtime', 'image')} · {fn.get('MemorySize')} MB · {fn.get('Timeout')} s"))
        for page in lam.get_paginator("list_event_source_mappings").paginate():
            for m in page["EventSourceMappings"]:
                target = node_of_arn(m.get("FunctionArn", ""))
                source = node_of_arn(m.get("EventSourceArn", ""))
                if target and source:
                    self.link(source, target, f"mapping (batch {m.get('BatchSize', '?')}, {m.get('State', '?')})")

    def _s3(self) -> None:
        s3 = self.client("s3")
        for b in s3.list_buckets().get("Buckets", []):
            name = b["Name"]
            node = f"s3:{name}"
            notif = s3.get_bucket_notification_configuration(Bucket=name)
            listing = s3.list_objects_v2(Bucket=name, MaxKeys=1000)
            keys = listing.get("KeyCount", 0)
            count = f"{keys}+" if listing.get("IsTruncated") else str(keys)
            cfg = {"CreationDate": b.get("CreationDate"), "Objects": count,
                   "NotificationConfiguration": {k: v for k, v in notif.items() if k.endswith("Configurations")}}
            for key, arn_key in (("LambdaFunctionConfigurations", "LambdaFunctionArn"),
                                 ("QueueConfigurations", "QueueArn"), ("TopicConfigurations", "TopicArn")):
                for c in notif.get(key, []):
                    self.link(node, node_of_arn(c.get(arn_key, "")), ", ".join(c.get("Events", [])) or "notification")
            self.add(Resource("s3", name, node, f"arn:aws:s3:::{name}", cfg, f"{count} objects"))

    def _dynamodb(self) -> None:
        ddb = self.client("dynamodb")
        for page in ddb.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                t = ddb.describe_table(TableName=name)["Table"]
                keys = ", ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in t.get("KeySchema", []))
                mode = t.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
                self.add(Resource("dynamodb", name, f"dynamodb:{name}", t.get("TableArn", ""), t,
                                  f"{keys} · {mode} · {t.get('ItemCount', 0)} items"))

    def _sqs(self) -> None:
        sqs = self.client("sqs")
        for url in sqs.list_queues().get("QueueUrls", []):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
            arn = attrs.get("QueueArn", "")
            name = url.rstrip("/").rsplit("/", 1)[-1]
            node = f"sqs:{name}"
            if "RedrivePolicy" in attrs:
                policy = json.loads(attrs["RedrivePolicy"])
                self.link(node, node_of_arn(policy.get("deadLetterTargetArn", "")),
                          f"redrive after {policy.get('maxReceiveCount')} receives")
            self.add(Resource("sqs", name, node, arn, {"QueueUrl": url, **attrs},
                              f"{attrs.get('ApproximateNumberOfMessages', '?')} messages waiting"))

    def _sns(self) -> None:
        sns = self.client("sns")
        for page in sns.get_paginator("list_topics").paginate():
            for t in page.get("Topics", []):
                arn = t["TopicArn"]
                node = node_of_arn(arn) or f"sns:{arn}"
                subs = []
                for sp in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn):
                    subs += sp.get("Subscriptions", [])
                for s in subs:
                    self.link(node, node_of_arn(s.get("Endpoint", "")), f"subscription ({s.get('Protocol')})")
                self.add(Resource("sns", parse(arn).name, node, arn, {"TopicArn": arn, "Subscriptions": subs},
                                  f"{len(subs)} subscriptions"))

    def _events(self) -> None:
        ev = self.client("events")
        buses = [b["Name"] for b in ev.list_event_buses().get("EventBuses", [])] or ["default"]
        for bus in buses:
            for page in ev.get_paginator("list_rules").paginate(EventBusName=bus):
                for r in page.get("Rules", []):
                    node = f"events:{r['Name']}"
                    targets = ev.list_targets_by_rule(Rule=r["Name"], EventBusName=bus).get("Targets", [])
                    for t in targets:
                        self.link(node, node_of_arn(t.get("Arn", "")), "target")
                    what = r.get("ScheduleExpression") or "pattern"
                    self.add(Resource("events", r["Name"], node, r.get("Arn", ""), {**r, "Targets": targets},
                                      f"{what} · {r.get('State', '?')} · bus {bus}"))

    def _apigateway(self) -> None:
        gw = self.client("apigateway")
        for api in gw.get_rest_apis().get("items", []):
            node = f"apigateway:{api['id']}"
            routes = []
            for res in gw.get_resources(restApiId=api["id"]).get("items", []):
                for method in res.get("resourceMethods", {}) or {}:
                    try:
                        integ = gw.get_integration(restApiId=api["id"], resourceId=res["id"], httpMethod=method)
                    except ClientError as exc:
                        if _code(exc) != "NotFoundException":
                            raise
                        integ = {}   # a method without an integration yet
                    uri = integ.get("uri", "")
                    routes.append({"route": f"{method} {res.get('path')}", "integration": integ.get("type"), "uri": uri})
                    self.link(node, _function_in_uri(uri), f"{method} {res.get('path')}")
            self.add(Resource("apigateway", api.get("name", api["id"]), node, api["id"], {**api, "Routes": routes},
                              f"REST API {api['id']} · {len(routes)} methods"))

    def _apigatewayv2(self) -> None:
        gw = self.client("apigatewayv2")
        for api in gw.get_apis().get("Items", []):
            node = f"apigatewayv2:{api['ApiId']}"
            integrations = {i["IntegrationId"]: i for i in gw.get_integrations(ApiId=api["ApiId"]).get("Items", [])}
            routes = gw.get_routes(ApiId=api["ApiId"]).get("Items", [])
            for rt in routes:
                integ = integrations.get(rt.get("Target", "").removeprefix("integrations/"), {})
                self.link(node, _function_in_uri(integ.get("IntegrationUri", "")), rt.get("RouteKey", "route"))
            self.add(Resource("apigatewayv2", api.get("Name", api["ApiId"]), node, api["ApiId"],
                              {**api, "Routes": [r.get("RouteKey") for r in routes],
                               "Integrations": list(integrations.values())},
                              f"{api.get('ProtocolType')} API {api['ApiId']} · {len(routes)} routes"))

    def _stepfunctions(self) -> None:
        sfn = self.client("stepfunctions")
        for page in sfn.get_paginator("list_state_machines").paginate():
            for sm in page["stateMachines"]:
                d = sfn.describe_state_machine(stateMachineArn=sm["stateMachineArn"])
                node = f"stepfunctions:{sm['name']}"
                try:
                    definition = json.loads(d.get("definition", "{}"))
                except ValueError:
                    definition = {}
                for state, target in task_targets(definition):
                    self.link(node, target, state)
                cfg = {k: v for k, v in d.items() if k != "definition"}
                cfg["definition"] = definition
                self.add(Resource("stepfunctions", sm["name"], node, sm["stateMachineArn"], cfg,
                                  f"{d.get('type', '?')} · {len(definition.get('States', {}))} states"))

    def _ecs(self) -> None:
        ecs = self.client("ecs")
        arns = ecs.list_clusters().get("clusterArns", [])
        for c in ecs.describe_clusters(clusters=arns).get("clusters", []) if arns else []:
            name = c["clusterName"]
            services: list[dict] = []
            s_arns = ecs.list_services(cluster=name).get("serviceArns", [])
            if s_arns:
                services = ecs.describe_services(cluster=name, services=s_arns[:10]).get("services", [])
            t_arns = ecs.list_tasks(cluster=name, desiredStatus="RUNNING").get("taskArns", [])
            t_arns += ecs.list_tasks(cluster=name, desiredStatus="STOPPED").get("taskArns", [])
            tasks = ecs.describe_tasks(cluster=name, tasks=t_arns[-100:]).get("tasks", []) if t_arns else []
            cfg = {**c, "services": [{k: s.get(k) for k in ("serviceName", "status", "desiredCount", "runningCount",
                                                             "taskDefinition", "launchType")} for s in services],
                   "tasks": [{k: t.get(k) for k in ("taskArn", "lastStatus", "desiredStatus", "taskDefinitionArn",
                                                     "startedAt", "stoppedAt", "stopCode")} for t in tasks]}
            running = sum(1 for t in tasks if t.get("lastStatus") == "RUNNING")
            self.add(Resource("ecs", name, f"ecs:{name}", c.get("clusterArn", ""), cfg,
                              f"{len(services)} services · {running} running tasks of {len(tasks)} listed"))

    def _rds(self) -> None:
        rds = self.client("rds")
        for c in rds.describe_db_clusters().get("DBClusters", []):
            name = c["DBClusterIdentifier"]
            scaling = c.get("ServerlessV2ScalingConfiguration", {})
            acu = f" · {scaling.get('MinCapacity')}–{scaling.get('MaxCapacity')} ACU" if scaling else ""
            self.add(Resource("rds", name, f"rds:{name}", c.get("DBClusterArn", ""), c,
                              f"{c.get('Engine')} · {c.get('Status')}{acu}"))

    def _named_links(self) -> None:
        """A function whose environment names a table, queue, topic, bucket or state machine
        probably uses it (AWS records no such link: the diagram draws it dashed)."""
        by_name: dict[str, str] = {}
        for r in self.world.all():
            if r.service in ("dynamodb", "sqs", "sns", "s3", "stepfunctions"):
                by_name[r.name] = r.node
                if r.arn:
                    by_name[r.arn] = r.node
                if r.service == "sqs":
                    by_name[r.config.get("QueueUrl", "")] = r.node
        for fn in self.world.resources.get("lambda", []):
            env = (fn.config.get("Environment") or {}).get("Variables") or {}
            for var, value in env.items():
                target = by_name.get(value)
                if target:
                    self.link(fn.node, target, var, named=True)


def _function_in_uri(uri: str) -> str | None:
    """The function an API integration calls: a function ARN, or REST's
    ``arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations``."""
    if "/functions/" in uri:
        uri = uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0]
    return node_of_arn(uri)


def task_targets(definition: dict) -> list[tuple[str, str]]:
    """(state name, node) for every Task state's target, in branches and Map states too.

    A Lambda Task names its function in ``Resource`` (an ARN) or, with the optimized
    ``arn:aws:states:::lambda:invoke``, in ``Parameters.FunctionName``; service integrations
    (``arn:aws:states:::dynamodb:putItem``, ``sqs:sendMessage``, ``sns:publish``,
    ``ecs:runTask.sync``, ``states:startExecution``) name theirs in ``Parameters`` (or, in JSONata
    machines, ``Arguments``): https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html"""
    out: list[tuple[str, str]] = []
    for name, st in (definition.get("States") or {}).items():
        for branch in st.get("Branches", []):
            out += task_targets(branch)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(st.get(key), dict):
                out += task_targets(st[key])
        if st.get("Type") != "Task":
            continue
        res = st.get("Resource", "")
        params = st.get("Parameters") or st.get("Arguments") or {}
        target = node_of_arn(res)
        if target is None and res.startswith("arn:aws:states:::"):
            service = res.split(":::", 1)[1].split(":", 1)[0]
            value = _param(params, {"lambda": "FunctionName", "dynamodb": "TableName", "sqs": "QueueUrl",
                                    "sns": "TopicArn", "ecs": "Cluster", "states": "StateMachineArn"}.get(service, ""))
            if isinstance(value, str):
                if service == "lambda":
                    target = node_of_arn(value) or f"lambda:{value.split(':')[0]}"
                elif service == "dynamodb":
                    target = f"dynamodb:{value}"
                elif service == "sqs":
                    target = f"sqs:{value.rstrip('/').rsplit('/', 1)[-1]}"
                elif service == "ecs":
                    target = node_of_arn(value) or f"ecs:{value}"
                else:
                    target = node_of_arn(value)
        if target:
            out.append((name, target))
    return out


def _param(params: dict, key: str) -> Any:
    """A Task parameter, static (``Key``) or not (``Key.$`` is a path: no static target)."""
    return params.get(key) if key else None


def _code(exc: BaseException) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _note(exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return f"The mock does not implement a call the explorer uses ({exc or 'not implemented'})."
    code = _code(exc)
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return f"Not allowed to read this service ({code}): your credentials lack its List/Describe permissions."
    return f"Could not read this service: {type(exc).__name__}: {exc}"


def survey(session: Any, endpoint_url: str | None = None) -> World:
    """Read the whole world once (see the module's doc for where each link comes from).

    ``endpoint_url`` sends the reads to the session's HTTP endpoint instead (a background timer
    does: if the session stops mid-read, the calls fail on a closed port rather than go to AWS)."""
    return _Reader(session, endpoint_url).run()


# -- per resource, on demand ------------------------------------------------------------------

def recent_logs(session: Any, res: Resource, limit: int = 30) -> list[str]:
    """The last ``limit`` lines CloudWatch Logs holds for a function (its log group's newest
    streams) or a state machine with logging; [] when it has none."""
    group = None
    if res.service == "lambda":
        group = (res.config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{res.name}"
    elif res.service == "stepfunctions":
        dests = (res.config.get("loggingConfiguration") or {}).get("destinations") or []
        arn = (dests[0].get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "") if dests else ""
        group = arn.split(":log-group:", 1)[1].split(":", 1)[0] if ":log-group:" in arn else None
    if not group:
        return []
    logs = session.client("logs")
    try:
        streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True,
                                            limit=3).get("logStreams", [])
    except READ_ERRORS:
        return []   # no log group yet (ResourceNotFoundException): nothing has run
    events: list[dict] = []
    for s in streams:
        events += logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], limit=limit,
                                      startFromHead=False).get("events", [])
    events.sort(key=lambda e: e["timestamp"])
    return [f"{datetime.fromtimestamp(e['timestamp'] / 1000, timezone.utc):%H:%M:%S.%f}"[:-3] + "  "
            + e["message"].rstrip("\n") for e in events[-limit:]]


def invocations(world: World, res: Resource, trace: Any = None, limit: int = 20) -> list[dict[str, Any]]:
    """What ran for this resource, from the course's trace (``serverless_lab.trace.TRACE``): a
    function's own invocations; for a source (bucket, queue, rule, API, topic, state machine) the
    invocations it caused in the functions it is linked to."""
    if trace is None:
        from ..trace import TRACE as trace
    if res.service == "lambda":
        records = [r for r in trace.records() if r.function_name == res.name]
    else:
        triggers = TRIGGERS.get(res.service, ())
        targets = {lk.target.split(":", 1)[1] for lk in world.links_of(res.node)[1]
                   if lk.target.startswith("lambda:") and not lk.named}
        records = [r for r in trace.records() if r.function_name in targets and r.trigger in triggers]
    return [{"at": datetime.fromtimestamp(r.arrival, timezone.utc).strftime("%H:%M:%S.%f")[:-3],
             "function": r.function_name, "trigger": r.trigger, "outcome": r.outcome, "cold": r.cold,
             "duration_ms": round(r.duration_ms, 1), "request_id": r.request_id}
            for r in records[-limit:]]


def executions(session: Any, res: Resource, limit: int = 10) -> list[dict[str, Any]]:
    """A state machine's latest executions (ListExecutions)."""
    if res.service != "stepfunctions":
        return []
    try:
        items = session.client("stepfunctions").list_executions(stateMachineArn=res.arn,
                                                               maxResults=limit).get("executions", [])
    except READ_ERRORS:
        return []
    return [{"name": e["name"], "status": e["status"], "started": _jsonable(e.get("startDate")),
             "stopped": _jsonable(e.get("stopDate"))} for e in items]


__all__ = ["SERVICES", "Resource", "Link", "World", "survey", "recent_logs", "invocations", "executions",
           "task_targets", "node_of_arn"]
