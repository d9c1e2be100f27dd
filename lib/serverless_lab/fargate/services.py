"""ECS services on Fargate: keep ``desiredCount`` tasks running, replace the ones that stop.

moto keeps a service as metadata: CreateService starts no task and ``runningCount`` is whatever
the ``MOTO_ECS_SERVICE_RUNNING`` variable says. Here a Fargate service (``launchType="FARGATE"``)
has a scheduler, as on AWS (Amazon ECS Developer Guide, "Amazon ECS services"):

* CreateService starts ``desiredCount`` tasks at once (``startedBy`` is the deployment id,
  ``group`` is ``service:<name>``), each a real :mod:`.engine` task on the lab clock;
* when a service task stops for any reason (its process crashed, StopTask, a Spot interruption),
  the scheduler starts a replacement, and says so in the service's ``events``;
* UpdateService with a new ``desiredCount`` starts or stops tasks (scaling, by hand or by a
  policy that reads a metric); DeleteService (``force=True`` or after scaling to 0) stops them,
  and the service is ``DRAINING`` until every task is STOPPING or STOPPED, then ``INACTIVE``;
* ``runningCount``/``pendingCount`` and the deployment's counts follow the tasks, and
  "has reached a steady state." is written once the running tasks match the desired count;
* ListServices lists only ACTIVE services (DescribeServices still shows DRAINING and INACTIVE
  ones, as AWS does; see DeleteService in the Amazon ECS API Reference);
* ListTasks(serviceName=...) lists the service's tasks (moto ignores that filter), and ListTasks
  lists only tasks whose desired status is RUNNING unless ``desiredStatus`` says otherwise (as AWS).

:func:`wait_for_service` waits for a steady state and fast-forwards the lab clock through
simulated start-up and shut-down, as :func:`serverless_lab.fargate.wait_for_task` does for one
task; boto3's ``services_stable`` and ``services_inactive`` waiters do the same in their sleeps
(:mod:`.waiters`), and return as their acceptors say (``services_stable``: ``runningCount ==
desiredCount``, so after a scale-in it does not wait for the surplus tasks to reach STOPPED).
:func:`crash_task` kills a task's processes (an out-of-memory kill, a segfault) and
:func:`interrupt_spot_task` simulates Fargate Spot's two-minute warning.

A service's tasks are spread over the Availability Zones of its subnets (each new task goes to the
zone with the fewest) and scale-in stops a task in the zone with the most, newest first within it;
a ``capacityProviderStrategy`` of FARGATE / FARGATE_SPOT places tasks by ``base`` and ``weight``
(:func:`place_on_providers`), and CreateService refuses the name of an ACTIVE or DRAINING service.

Not modelled: deployments that replace tasks of an old task definition (rolling updates,
circuit breaker), load balancer health checks, placement strategies and constraints, and
Application Auto Scaling policies (a lab computes the desired count from a metric and calls
UpdateService, which is what a target-tracking policy does for you).
"""

from __future__ import annotations

import inspect
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam
from ..errors import LabError
from .capacity_providers import check_strategy, is_fargate_strategy, place_on_providers
from .validation import _invalid

if TYPE_CHECKING:
    from .engine import FargateEngine, TaskRun

CREATE_SERVICE = seam("moto.ecs.models:EC2ContainerServiceBackend.create_service", extension="fargate", lazy=True,
                      why="moto records a service but starts no task; a Fargate service starts desiredCount tasks")
UPDATE_SERVICE = seam("moto.ecs.models:EC2ContainerServiceBackend.update_service", extension="fargate", lazy=True,
                      why="moto copies desiredCount into runningCount; the scheduler starts or stops tasks instead")
DELETE_SERVICE = seam("moto.ecs.models:EC2ContainerServiceBackend.delete_service", extension="fargate", lazy=True,
                      why="deleting a Fargate service stops its tasks; as on AWS it is DRAINING until they are STOPPING "
                          "or STOPPED, then INACTIVE (moto marks it INACTIVE at once)")
CREATE_SERVICE_REQUEST = seam(
    "moto.ecs.responses:EC2ContainerServiceResponse.create_service", extension="fargate", lazy=True,
    why="moto's CreateService drops capacityProviderStrategy (the service becomes an EC2 one that starts nothing, "
        "and one without securityGroups fails with a KeyError); the scheduler places a Fargate service's tasks on "
        "FARGATE / FARGATE_SPOT by base and weight")
LIST_SERVICES = seam("moto.ecs.models:EC2ContainerServiceBackend.list_services", extension="fargate", lazy=True,
                     why="AWS lists only ACTIVE services (a deleted one is DRAINING, then INACTIVE: DescribeServices "
                         "still shows it, ListServices does not); moto lists every service it keeps, and a cluster "
                         "named c also lists the services of cluster abc")
LIST_TASKS = seam("moto.ecs.models:EC2ContainerServiceBackend.list_tasks", extension="fargate", lazy=True,
                  why="moto ignores ListTasks(serviceName=...) and lists stopped tasks by default; the course filters on "
                      "the service's group and, as AWS does, on desiredStatus RUNNING unless asked otherwise")

REPLACE_DELAY_S = 0.0      # lab seconds between a task stopping and the scheduler reacting
MAX_EVENTS = 100
SPOT_REASON = "Your Spot Task was interrupted."
SIGNALLED = ("STOPPING", "DEPROVISIONING", "STOPPED")   # a DRAINING service turns INACTIVE once all its tasks are here


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


@dataclass
class ServiceState:
    """The scheduler's view of one Fargate service."""

    service: Any                       # moto's Service (what DescribeServices serialises)
    backend: Any
    tasks: list[str] = field(default_factory=list)
    steady: bool = False
    timer: Any = None
    strategy: list[dict[str, Any]] | None = None   # capacityProviderStrategy (None: launchType FARGATE)

    @property
    def name(self) -> str:
        return str(self.service.name)

    @property
    def key(self) -> str:
        return f"{self.service.cluster_name}:{self.service.name}"


def check_not_a_duplicate(backend: Any, cluster: str, name: str) -> None:
    """CreateService refuses the name of a service that is still ACTIVE or DRAINING in the cluster
    (AWS answers InvalidParameterException "Creation of service was not idempotent."); an INACTIVE
    one's name can be used again."""
    try:
        cluster_name = backend._get_cluster(cluster).name
    except Exception:  # noqa: BLE001 - moto raises ClusterNotFoundException itself, from create_service
        return
    old = backend.services.get(f"{cluster_name}:{name}")
    if old is not None and old.status in ("ACTIVE", "DRAINING"):
        raise _invalid(f"Creation of service was not idempotent. → Service {name!r} is {old.status} in cluster "
                       f"{cluster_name!r}: change it with update_service, or delete it (scale to 0, delete_service) "
                       "and wait until it is INACTIVE (waiter 'services_inactive') before creating it again.")


class ServiceScheduler:
    """Keeps every Fargate service at its desired count (``engine.services``)."""

    def __init__(self, engine: FargateEngine) -> None:
        self.engine = engine
        self.clock = engine.clock
        self.services: dict[str, ServiceState] = {}
        self._lock = threading.RLock()
        self._patcher = Patcher()
        self._stopped = False
        self._request = threading.local()   # the CreateService request's capacityProviderStrategy

    # -- activation -----------------------------------------------------------------------------
    def start(self) -> ServiceScheduler:
        self.engine.listeners.append(self._on_task)
        self._patcher.on_import(CREATE_SERVICE.module, self._install)  # ECS is slow to import: wait for moto
        return self

    def stop(self) -> None:
        self._stopped = True
        with self._lock:
            for state in self.services.values():
                if state.timer is not None:
                    state.timer.cancel()
        if self._on_task in self.engine.listeners:
            self.engine.listeners.remove(self._on_task)
        self._patcher.undo()

    def _install(self, module: Any) -> None:
        if self._stopped:
            return
        sched = self
        create = CREATE_SERVICE.current()
        signature = inspect.signature(create)

        def create_service(backend: Any, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(backend, *args, **kwargs)
            bound.apply_defaults()
            a = dict(bound.arguments)
            a.pop("self", None)
            strategy = getattr(sched._request, "strategy", None)
            sched._request.strategy = None
            check_not_a_duplicate(backend, a.get("cluster_str") or "default", str(a.get("service_name")))
            if strategy is not None:
                if a.get("launch_type"):
                    raise _invalid("Specifying both a launch type and capacity provider strategy is not supported. "
                                   "Remove one and try again.")
            elif not a.get("launch_type"):   # AWS: no launchType and no strategy: the cluster's default strategy
                strategy = backend._get_cluster(a.get("cluster_str") or "default").default_capacity_provider_strategy
            if strategy:
                check_strategy(backend, a.get("cluster_str") or "default", strategy)
                if not is_fargate_strategy(strategy):
                    return create(backend, *args, **kwargs)
                return sched._create(backend, create, a, strategy)
            if a.get("launch_type") != "FARGATE":
                return create(backend, *args, **kwargs)
            return sched._create(backend, create, a)

        create_request = CREATE_SERVICE_REQUEST.current()

        def create_service_request(response: Any) -> Any:
            # moto's response handler does not pass capacityProviderStrategy on: hand it to create_service
            strategy = response._get_param("capacityProviderStrategy")
            sched._request.strategy = list(strategy) if strategy else None
            try:
                return create_request(response)
            finally:
                sched._request.strategy = None

        update = UPDATE_SERVICE.current()

        def update_service(backend: Any, service_properties: dict[str, Any]) -> Any:
            state = sched._find(backend, service_properties.get("cluster", "default"),
                                str(service_properties.get("service", "")))
            result = update(backend, dict(service_properties))
            if state is not None:
                sched._after_update(state)
            return result

        delete = DELETE_SERVICE.current()

        def delete_service(backend: Any, cluster_name: str, service_name: str, force: bool) -> Any:
            state = sched._find(backend, cluster_name, service_name)
            result = delete(backend, cluster_name, service_name, force)
            if state is not None:
                state.service.desired_count = 0
                if any(not r.done.is_set() for r in sched._runs(state)):
                    state.service.status = "DRAINING"   # INACTIVE once every task is STOPPING or STOPPED
                sched._reconcile(state)
            return result

        list_services = LIST_SERVICES.current()

        def list_active_services(backend: Any, cluster_str: str, *args: Any, **kwargs: Any) -> Any:
            # Every service, not only Fargate ones: ListServices behaves so whatever the launch type.
            arns = list_services(backend, cluster_str, *args, **kwargs)
            cluster = backend._get_cluster(cluster_str).name
            active = {svc.arn for key, svc in backend.services.items()
                      if key.split(":", 1)[0] == cluster and svc.status == "ACTIVE"}
            return [arn for arn in arns if arn in active]

        list_tasks = LIST_TASKS.current()

        def list_tasks_filtered(backend: Any, *args: Any, **kwargs: Any) -> Any:
            tasks = list_tasks(backend, *args, **kwargs)
            name = kwargs.get("service_name") or (args[4] if len(args) > 4 else None)
            status = kwargs.get("desiredStatus") or (args[5] if len(args) > 5 else None)
            if status is None:  # AWS: "The default status filter is RUNNING" (moto returns every task)
                tasks = [t for t in tasks if getattr(t, "desired_status", "RUNNING") != "STOPPED"]
            if name:
                group = "service:" + str(name).rsplit("/", 1)[-1]
                tasks = [t for t in tasks if getattr(t, "group", None) == group]
            return tasks

        self._patcher.replace(CREATE_SERVICE, create_service)
        self._patcher.replace(CREATE_SERVICE_REQUEST, create_service_request)
        self._patcher.replace(UPDATE_SERVICE, update_service)
        self._patcher.replace(DELETE_SERVICE, delete_service)
        self._patcher.replace(LIST_SERVICES, list_active_services)
        self._patcher.replace(LIST_TASKS, list_tasks_filtered)

    # -- the moto side --------------------------------------------------------------------------
    def _find(self, backend: Any, cluster: str, service: str) -> ServiceState | None:
        try:
            cluster_name = backend._get_cluster(cluster or "default").name
        except Exception:  # noqa: BLE001 - moto raises its own not-found error later
            return None
        with self._lock:
            return self.services.get(f"{cluster_name}:{service.rsplit('/', 1)[-1]}")

    def _create(self, backend: Any, create: Any, a: dict[str, Any],
                strategy: list[dict[str, Any]] | None = None) -> Any:
        from .validation import check_network, check_supports_fargate

        if a.get("task_definition_str"):
            check_supports_fargate(backend.describe_task_definition(a["task_definition_str"]))
        else:
            from .validation import _client_error

            raise _client_error("A Fargate service needs a taskDefinition. → Pass taskDefinition='<family>'.")
        a["network_configuration"] = check_network(backend, a.get("network_configuration"))
        if strategy:
            a["launch_type"] = "FARGATE"   # moto's Service knows launch types only; the strategy replaces it below
        service = create(backend, **a)
        if strategy:
            service.launch_type = None
            service.capacity_provider_strategy = [
                {"capacityProvider": s["capacityProvider"], "weight": int(s.get("weight", 0)), "base": int(s.get("base", 0))}
                for s in strategy]
            for d in getattr(service, "deployments", None) or []:
                d.pop("launchType", None)
                d["capacityProviderStrategy"] = service.capacity_provider_strategy
        state = ServiceState(service=service, backend=backend, strategy=strategy)
        with self._lock:
            old = self.services.get(state.key)
            if old is not None and old.timer is not None:
                old.timer.cancel()
            self.services[state.key] = state
        self._reconcile(state)
        return service

    def _after_update(self, state: ServiceState) -> None:
        self._reconcile(state)

    # -- the scheduler --------------------------------------------------------------------------
    def _on_task(self, run: TaskRun, event: str) -> None:
        group = getattr(run.task, "group", None) or ""
        if not group.startswith("service:"):
            return
        with self._lock:
            state = next((s for s in self.services.values() if run.arn in s.tasks), None)
            if state is None:
                return
            if event == "stopping":
                self._event(state, f"(service {state.name}) has stopped 1 running tasks: (task {run.task_id}).")
                if state.timer is None:  # react on the lab clock (the clock thread or the next advance)
                    state.timer = self.clock.call_later(REPLACE_DELAY_S, lambda: self._reconcile(state))
            self._refresh(state)

    def _runs(self, state: ServiceState) -> list[TaskRun]:
        runs = [self.engine.find(arn) for arn in state.tasks]
        return [r for r in runs if r is not None]

    def _live(self, state: ServiceState) -> list[TaskRun]:
        return [r for r in self._runs(state) if not r.stopping]

    def _reconcile(self, state: ServiceState) -> None:
        """Start or stop tasks until the service has ``desiredCount`` live tasks."""
        if self._stopped or self.engine._stopped:
            return
        with self._lock:
            state.timer = None
            svc = state.service
            desired = int(svc.desired_count or 0) if svc.status == "ACTIVE" else 0
            live = self._live(state)
            if len(live) < desired:
                started = self._start_tasks(state, desired - len(live))
                if started:
                    ids = " ".join(f"(task {arn.rsplit('/', 1)[-1]})" for arn in started)
                    self._event(state, f"(service {state.name}) has started {len(started)} tasks: {ids}.")
            elif len(live) > desired:
                extra = self._scale_in_order(live, len(live) - desired)
                deployment = self._deployment_id(state)
                with self.engine._lock:
                    for run in extra:
                        if not run.stopping:
                            self.engine._begin_stop(run, f"Scaling activity initiated by (deployment {deployment})",
                                                    "ServiceSchedulerInitiated")
            self._refresh(state)

    def _start_tasks(self, state: ServiceState, count: int) -> list[str]:
        """Start ``count`` tasks one by one, each in the Availability Zone with the fewest of the service's
        live tasks (and, with a capacity provider strategy, on the provider its base and weights choose)."""
        svc = state.service
        live = self._live(state)
        providers: list[str | None] = [None] * count
        if state.strategy:
            have: dict[str, int] = {}
            for r in live:
                name = str(getattr(r.task, "capacity_provider_name", None) or "")
                have[name] = have.get(name, 0) + 1
            providers = list(place_on_providers(state.strategy, have, count))
        zones: dict[str, int] = {}
        for r in live:
            zones[str(r.task.availability_zone)] = zones.get(str(r.task.availability_zone), 0) + 1
        started: list[str] = []
        for provider in providers:
            network = self._in_emptiest_zone(state, zones)
            if provider is None:
                tasks = state.backend.run_task(svc.cluster_name, svc.task_definition, 1, None,
                                               self._deployment_id(state), None, "FARGATE", network,
                                               group=f"service:{svc.name}")
            else:
                tasks = state.backend.run_task(svc.cluster_name, svc.task_definition, 1, None,
                                               self._deployment_id(state), None, None, network,
                                               group=f"service:{svc.name}",
                                               capacity_provider_strategy=[{"capacityProvider": provider}])
            for t in tasks:
                zones[str(t.availability_zone)] = zones.get(str(t.availability_zone), 0) + 1
            started += [t.task_arn for t in tasks]
        state.tasks += started
        return started

    def _in_emptiest_zone(self, state: ServiceState, zones: dict[str, int]) -> dict[str, Any] | None:
        """The service's network configuration with, first, a subnet of the zone that runs the fewest of its
        tasks (Fargate spreads a service's tasks across the Availability Zones of its subnets)."""
        network = state.service.network_configuration or None
        vpc = (network or {}).get("awsvpcConfiguration") or {}
        subnets = list(vpc.get("subnets") or [])
        if len(subnets) < 2:
            return network
        from moto.ec2.models import ec2_backends

        ec2 = ec2_backends[state.backend.account_id][state.backend.region_name]
        by_zone = [(zones.get(str(ec2.get_subnet(sn).availability_zone), 0), i, sn) for i, sn in enumerate(subnets)]
        first = min(by_zone)[2]
        return {**network, "awsvpcConfiguration": {**vpc, "subnets": [first] + [sn for sn in subnets if sn != first]}}

    @staticmethod
    def _scale_in_order(live: list[TaskRun], surplus: int) -> list[TaskRun]:
        """The tasks a scale-in stops: each from the Availability Zone that runs the most of the service's tasks
        (Amazon ECS Developer Guide, "Update Amazon ECS service parameters": the scheduler "attempts to maintain
        balance across the Availability Zones"); within a zone the mock stops the newest first."""
        left = sorted(live, key=lambda r: r.task.created_at or _dt(0), reverse=True)
        chosen: list[TaskRun] = []
        for _ in range(min(surplus, len(left))):
            zones: dict[str, int] = {}
            for r in left:
                zones[str(r.task.availability_zone)] = zones.get(str(r.task.availability_zone), 0) + 1
            fullest = max(zones.values())
            victim = next(r for r in left if zones[str(r.task.availability_zone)] == fullest)
            left.remove(victim)
            chosen.append(victim)
        return chosen

    def _deployment_id(self, state: ServiceState) -> str:
        deployments = getattr(state.service, "deployments", None) or []
        return str(deployments[0]["id"]) if deployments else f"ecs-svc/{uuid.uuid4().int % 10**19}"

    def _refresh(self, state: ServiceState) -> None:
        """Counts DescribeServices shows, from the tasks' states."""
        live = self._live(state)
        running = sum(1 for r in live if r.task.last_status == "RUNNING")
        pending = len(live) - running
        svc = state.service
        svc.running_count, svc.pending_count = running, pending
        desired = int(svc.desired_count or 0)
        for d in getattr(svc, "deployments", None) or []:
            d.update(runningCount=running, pendingCount=pending, desiredCount=desired, updatedAt=_dt(self.clock.now()))
            done = running == desired and pending == 0
            d["rolloutState"] = "COMPLETED" if done else "IN_PROGRESS"
            d["rolloutStateReason"] = f"ECS deployment {d['id']} {'completed' if done else 'in progress'}."
        steady = running == desired and pending == 0 and svc.status == "ACTIVE"
        if steady and not state.steady:
            self._event(state, f"(service {state.name}) has reached a steady state.")
        state.steady = steady
        if svc.status == "DRAINING" and all(r.task.last_status in SIGNALLED for r in self._runs(state)):
            svc.status = "INACTIVE"

    def _event(self, state: ServiceState, message: str) -> None:
        events = state.service.events
        events.insert(0, {"id": str(uuid.uuid4()), "createdAt": _dt(self.clock.now()), "message": message})
        del events[MAX_EVENTS:]

    # -- queries ----------------------------------------------------------------------------------
    def state(self, cluster: str, service: str) -> ServiceState:
        with self._lock:
            for s in self.services.values():
                if s.name == service.rsplit("/", 1)[-1] and cluster.rsplit("/", 1)[-1] in (s.service.cluster_name,):
                    return s
        raise LabError(f"No Fargate service {service!r} in cluster {cluster!r} was created in this session.",
                       "Create it with ecs.create_service(..., launchType='FARGATE', networkConfiguration=...).")

    def transitioning(self, state: ServiceState) -> list[TaskRun]:
        """The service's tasks that are starting or stopping (not yet RUNNING, or not yet STOPPED)."""
        runs = [self.engine.find(arn) for arn in state.tasks]
        return [r for r in runs if r is not None and not r.done.is_set()
                and (r.stopping or r.task.last_status != "RUNNING")]


def _engine() -> tuple[Any, FargateEngine]:
    from . import _session

    session = _session()
    return session, session.extension("fargate")


def wait_for_service(cluster: str, service: str, timeout: float | None = 3600, fast_forward: bool = True,
                     poll_s: float = 0.02) -> dict[str, Any]:
    """Wait until the service is steady (``runningCount == desiredCount``, nothing pending, no
    task still stopping); return DescribeServices' service.

    ``timeout`` is in lab seconds. With ``fast_forward`` the lab clock jumps over simulated
    start-up and shut-down whenever every starting or stopping task waits only on AWS time.
    """
    session, engine = _engine()
    sched: ServiceScheduler = engine.services
    state = sched.state(cluster, service)
    ecs = session.client("ecs")
    start = session.clock.now()
    grace_since: float | None = None
    while True:
        svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
        moving = sched.transitioning(state)
        if (svc["runningCount"] == svc["desiredCount"] and svc["pendingCount"] == 0 and not moving
                and state.timer is None):
            return svc
        if timeout is not None and session.clock.now() - start > timeout:
            raise LabError(f"Service {service!r} is not steady after {timeout:g} s of lab time "
                           f"(running {svc['runningCount']}, pending {svc['pendingCount']}, desired {svc['desiredCount']}).",
                           "Look at its events (describe_services) and its tasks' stoppedReason (describe_tasks).")
        if fast_forward and moving and all(engine.waiting_on_clock(r.arn) or engine.next_event(r.arn) is None
                                           for r in moving):
            from . import STOP_GRACE_S, working_after_sigterm

            if any(working_after_sigterm(engine, r) for r in moving):

                grace_since = grace_since or time.monotonic()
                if time.monotonic() - grace_since < STOP_GRACE_S:  # a SIGTERM grace period: real time to exit
                    time.sleep(poll_s)
                    continue
            else:
                grace_since = None
            events = [e for e in (engine.next_event(r.arn) for r in moving) if e is not None]
            if events:
                session.clock.advance(max(0.0, min(events) - session.clock.now()) + 1e-3)
                grace_since = None
                continue
        time.sleep(poll_s)


def service_tasks(cluster: str, service: str, include_stopped: bool = False) -> list[str]:
    """ARNs of the tasks the service started (live ones unless ``include_stopped``)."""
    _session, engine = _engine()
    state = engine.services.state(cluster, service)
    runs = [engine.find(a) for a in state.tasks]
    return [r.arn for r in runs if r is not None and (include_stopped or not r.stopping)]


def crash_task(task_arn: str) -> None:
    """Kill the task's container processes with SIGKILL, as an out-of-memory kill or a crash would.

    The container exits with 137; an essential container's exit stops the task
    ("Essential container in task exited"), and a service starts a replacement.
    """
    from .process import signal_group

    _session, engine = _engine()
    run = engine.require(task_arn)
    killed = False
    for c in run.containers:
        if c.proc is not None and c.proc.poll() is None:
            signal_group(c.proc, 9)
            killed = True
    deadline = time.monotonic() + 5
    while killed and not run.stopping and time.monotonic() < deadline:  # until ECS has noticed the exit
        time.sleep(0.005)


def interrupt_spot_task(task_arn: str) -> dict[str, Any]:
    """Simulate Fargate Spot reclaiming the task: the two-minute warning, then the stop.

    On AWS the warning is a "ECS Task State Change" event (stopCode ``SpotInterruption``) on the
    default EventBridge bus and a SIGTERM to the task; SIGKILL follows after the container's
    ``stopTimeout`` (at most 120 s: the two minutes). The event is put on the mocked default bus,
    so a rule matching it (and the integrations' rule-to-Lambda delivery) sees it.
    """
    import json

    session, engine = _engine()
    run = engine.require(task_arn)
    provider = getattr(run.task, "capacity_provider_name", None)
    if provider != "FARGATE_SPOT":
        raise LabError(f"Task {task_arn} does not run on Fargate Spot (capacity provider {provider!r}).",
                       "Run it with capacityProviderStrategy=[{'capacityProvider': 'FARGATE_SPOT', 'weight': 1}] "
                       "(and no launchType) on a cluster that has the FARGATE_SPOT capacity provider.")
    with engine._lock:
        if not run.stopping:
            engine._begin_stop(run, SPOT_REASON, "SpotInterruption")
    detail = {"taskArn": run.arn, "clusterArn": run.task.cluster_arn, "lastStatus": run.task.last_status,
              "desiredStatus": "STOPPED", "stopCode": "SpotInterruption", "stoppedReason": SPOT_REASON,
              "capacityProviderName": "FARGATE_SPOT"}
    try:
        session.client("events").put_events(Entries=[{
            "Source": "aws.ecs", "DetailType": "ECS Task State Change", "Detail": json.dumps(detail),
            "Resources": [run.arn]}])
    except Exception:  # noqa: BLE001 - the stop matters; the event is a courtesy of the mock
        pass
    return detail
