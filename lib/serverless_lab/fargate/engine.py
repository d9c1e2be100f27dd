"""The Fargate engine: ECS ``RunTask`` with ``launchType="FARGATE"`` runs the task for real.

moto keeps Fargate tasks as metadata (they sit in RUNNING, then flip to STOPPED with exit code 0).
This engine patches moto's ECS backend so that a Fargate task

* walks AWS's lifecycle on the lab clock: PROVISIONING → PENDING → ACTIVATING → RUNNING →
  DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED (``FargateTimings`` holds the delays);
* runs each container's command as a local process (see :mod:`.process`) with the task
  definition's environment plus ``containerOverrides``, and the session's fake credentials and
  endpoint, so the task's own boto3 calls reach the same mocked world as the notebook;
* sends stdout/stderr to CloudWatch Logs as the ``awslogs`` driver does (group from
  ``awslogs-group``, stream ``<awslogs-stream-prefix>/<container name>/<task id>``);
* reports exit codes, ``stoppedReason`` and ``stopCode`` in DescribeTasks as ECS does;
* on StopTask sends SIGTERM, then SIGKILL after the container's ``stopTimeout`` (30 s default)
  of lab time; the command runs as the container's PID 1, so SIGTERM reaches it only if it has a
  handler or ``linuxParameters.initProcessEnabled`` is set (:func:`.process.deliver_stop_signal`).

The patches are undone and every process group is killed by :meth:`FargateEngine.stop`.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam
from . import sizes, taskclock
from .capacity_providers import check_strategy, is_fargate_strategy, place_on_providers
from .process import CannotStartContainer, deliver_stop_signal, exit_code, resolve_argv, signal_group, spawn

if TYPE_CHECKING:
    from ..cloud.session import MockSession

log = logging.getLogger(__name__)

_ECS = "moto.ecs.models"
REGISTER_TASK_DEFINITION = seam(
    f"{_ECS}:EC2ContainerServiceBackend.register_task_definition", extension="fargate", lazy=True,
    why="AWS validates Fargate task definitions (sizes, awsvpc, image); moto accepts anything")
RUN_TASK = seam(
    f"{_ECS}:EC2ContainerServiceBackend.run_task", extension="fargate", lazy=True,
    why="moto's Fargate tasks are metadata only; the engine runs the containers' commands with a lifecycle")
STOP_TASK = seam(
    f"{_ECS}:EC2ContainerServiceBackend.stop_task", extension="fargate", lazy=True,
    why="StopTask sends SIGTERM, waits stopTimeout, then SIGKILL, through the lifecycle states")
TASK_RESOURCE_REQUIREMENTS = seam(
    f"{_ECS}:EC2ContainerServiceBackend._calculate_task_resource_requirements", extension="fargate", lazy=True,
    why="moto adds up container memory and fails with a TypeError when a Fargate container has none")

DEFAULT_STOP_TIMEOUT_S = 30    # ECS: Fargate containers get 30 s between SIGTERM and SIGKILL by default
MAX_STOP_TIMEOUT_S = 120       # ECS: the most a container may ask for on Fargate
MAX_OUTPUT_LINES = 10_000      # lines kept in memory per task (all of them go to CloudWatch Logs)
CLOCK_POLL_S = 0.01            # while a task process lives: how soon a jump of the lab clock reaches it


@dataclass
class FargateTimings:
    """Lab-clock seconds each lifecycle phase takes (a simulation; AWS publishes no figures).

    Typical small-image Fargate tasks reach RUNNING 30-60 s after RunTask: the network
    interface is attached while PROVISIONING, the image is pulled while PENDING (the biggest and
    most variable part: it grows with image size), and the agent starts containers while
    ACTIVATING. Stopping is quicker, then the interface is detached while DEPROVISIONING.
    Override with ``mock_aws(fargate_timings={"pending_s": 5})``.
    """

    provisioning_s: float = 10.0
    pending_s: float = 20.0
    activating_s: float = 5.0
    deactivating_s: float = 1.0
    deprovisioning_s: float = 10.0


def _availability_zone(backend: Any, task: Any) -> str:
    """The Availability Zone of the subnet the task's network interface is in (its first subnet)."""
    subnets = ((getattr(task, "network_configuration", None) or {}).get("awsvpcConfiguration") or {}).get("subnets")
    if subnets:
        from moto.ec2.exceptions import InvalidSubnetIdError
        from moto.ec2.models import ec2_backends

        try:
            return str(ec2_backends[backend.account_id][backend.region_name].get_subnet(subnets[0]).availability_zone)
        except InvalidSubnetIdError:   # deleted since check_network looked: AWS would still report the zone
            pass
    return f"{backend.region_name}a"


def _dt(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, tz=timezone.utc)


class ContainerView:
    """What DescribeTasks shows for one container (moto serialises these attributes)."""

    def __init__(self, task_arn: str, definition: dict[str, Any]) -> None:
        self.container_arn = task_arn.replace(":task/", ":container/") + "/" + str(uuid.uuid4())
        self.task_arn = task_arn
        self.name = definition.get("name")
        self.image = definition.get("image")
        self.runtime_id: str | None = None
        self.last_status = "PENDING"
        self.exit_code: int | None = None
        self.reason: str | None = None
        self.network_interfaces: list[dict[str, Any]] = []
        self.health_status = "UNKNOWN"
        self.cpu = str(definition.get("cpu", 0))
        self.memory = str(definition["memory"]) if definition.get("memory") else None
        self.memory_reservation = (str(definition["memoryReservation"])
                                   if definition.get("memoryReservation") else None)


@dataclass
class ContainerRun:
    """One container of a running task: its command, process, logs."""

    view: ContainerView
    essential: bool
    argv: list[str] | None
    start_error: str | None
    env: dict[str, str]
    cwd: str
    stop_timeout_s: float
    init_process: bool = False          # linuxParameters.initProcessEnabled: an init forwards SIGTERM
    sigterm_dropped: bool = False       # StopTask's SIGTERM never reached the command (PID 1, no handler)
    log_group: str | None = None
    log_region: str | None = None
    log_stream: str | None = None
    create_group: bool = False
    sleep_file: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    pumps: list[threading.Thread] = field(default_factory=list)
    exited_at: float | None = None

    @property
    def name(self) -> str:
        return str(self.view.name)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.exited_at is None


@dataclass
class TaskRun:
    """The engine's record of one Fargate task (the moto ``Task`` is what boto3 sees)."""

    arn: str
    task: Any
    account_id: str
    region: str
    cpu: int
    memory: int
    containers: list[ContainerRun]
    timers: list[Any] = field(default_factory=list)
    stopping: bool = False
    started: bool = False
    output: list[tuple[int, str, str]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def task_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    def set(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self.task, key, value)


class FargateEngine:
    """The running extension (``session.extension("fargate")``)."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.clock = session.clock
        self.timings = FargateTimings(**(session.options.get("fargate_timings") or {}))
        self.runs: dict[str, TaskRun] = {}
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._launcher: threading.Thread | None = None
        self._patcher = Patcher()
        self._stopped = False
        self.folder = tempfile.mkdtemp(prefix="serverless-lab-fargate-")
        self.clock_file = os.path.join(self.folder, "clock.json")
        self._publisher: threading.Thread | None = None
        self._publish_stop = threading.Event()
        self._task_started = threading.Event()
        self._published: tuple[float, float, float] | None = None
        self._publish_lock = threading.Lock()   # the launcher and the publisher thread both write
        self.clock_writes = 0   # how often the clock file was written (tests, benchmarks)
        # fn(run, event) (e.g. services.py): "running"; "stopping" (desired STOPPED); "signalled" (lastStatus
        # STOPPING: containers got SIGTERM); "stopped"
        self.listeners: list[Any] = []

    # -- activation ---------------------------------------------------------------------------
    def start(self) -> FargateEngine:
        # Patch ECS when moto first loads it (importing it here would cost seconds per start).
        self._patcher.on_import(_ECS, self._patch_ecs)
        self._launcher = threading.Thread(target=self._launch_loop, name="serverless-lab-fargate", daemon=True)
        self._launcher.start()
        self._publish_clock()
        self._publisher = threading.Thread(target=self._publish_loop, name="serverless-lab-fargate-clock",
                                           daemon=True)
        self._publisher.start()
        return self

    def _patch_ecs(self, module: Any) -> None:
        if self._stopped:
            return
        engine = self
        original_register = REGISTER_TASK_DEFINITION.current()
        original_run = RUN_TASK.current()
        original_stop = STOP_TASK.current()
        original_requirements = TASK_RESOURCE_REQUIREMENTS.current()

        def register_task_definition(backend: Any, family: str, container_definitions: list[dict[str, Any]],
                                     *args: Any, **kwargs: Any) -> Any:
            from .validation import check_task_definition

            check_task_definition(container_definitions, kwargs)
            return original_register(backend, family, container_definitions, *args, **kwargs)

        def run_task(backend: Any, cluster_str: str, task_definition_str: str, count: int,
                     overrides: dict[str, Any] | None, started_by: str, tags: Any, launch_type: str | None,
                     networking_configuration: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> Any:
            from .validation import check_count, check_network, check_supports_fargate

            strategy = kwargs.get("capacity_provider_strategy") or (args[2] if len(args) > 2 else None)
            if not launch_type and not strategy:   # AWS (and moto): the cluster's default strategy
                strategy = getattr(backend._get_cluster(cluster_str), "default_capacity_provider_strategy", None)
            fargate = launch_type == "FARGATE" or is_fargate_strategy(strategy or [])
            if not fargate:
                return original_run(backend, cluster_str, task_definition_str, count, overrides, started_by, tags,
                                    launch_type, networking_configuration, *args, **kwargs)
            check_count(count)
            backend._get_cluster(cluster_str)
            if strategy:
                check_strategy(backend, cluster_str, strategy)
            definition = backend.describe_task_definition(task_definition_str)
            check_supports_fargate(definition)
            networking_configuration = check_network(backend, networking_configuration)
            tasks = original_run(backend, cluster_str, task_definition_str, count, overrides, started_by, tags,
                                 launch_type, networking_configuration, *args, **kwargs)
            providers = place_on_providers(strategy, {}, len(tasks)) if strategy else [None] * len(tasks)
            for task, provider in zip(tasks, providers):
                if provider is not None:   # RunTask splits count over the strategy as a service does
                    task.capacity_provider_name = provider
                engine._launch(backend, task, definition, overrides or {})
            return tasks

        def stop_task(backend: Any, cluster_str: str, task_str: str, reason: str) -> Any:
            run = engine.find(task_str)
            if run is None:
                return original_stop(backend, cluster_str, task_str, reason)
            backend._get_cluster(cluster_str)
            with engine._lock:
                if not run.stopping:
                    engine._begin_stop(run, reason or "Task stopped by user", "UserInitiated")
            return run.task

        def requirements(task_definition: Any) -> dict[str, Any]:
            # moto adds up container memory and fails with a TypeError when a Fargate container
            # has none (AWS allows that: the task-level size is what counts).
            if "FARGATE" in (task_definition.requires_compatibilities or []):
                return {"CPU": sizes.parse_cpu(task_definition.cpu) or 0,
                        "MEMORY": sizes.parse_memory(task_definition.memory) or 0,
                        "PORTS": [], "PORTS_UDP": []}
            return original_requirements(task_definition)

        self._patcher.replace(REGISTER_TASK_DEFINITION, register_task_definition)
        self._patcher.replace(RUN_TASK, run_task)
        self._patcher.replace(STOP_TASK, stop_task)
        self._patcher.replace(TASK_RESOURCE_REQUIREMENTS, staticmethod(requirements))

    def _clock_anchor(self) -> tuple[float, float, float]:
        """(lab time at monotonic 0, speed, uncertainty): what stays constant while the clock just runs.

        The lab clock is linear between changes (``advance``, ``set_speed``): lab = anchor + speed x
        monotonic. ``LabClock.anchor()`` gives it exactly; another clock is read between two
        monotonic readings, which bound the error of the anchor. (A measured error let a busy machine
        hide real jumps inside it: a task then slept through a fast-forward and was SIGKILLed.)
        """
        exact = getattr(self.clock, "anchor", None)
        if exact is not None:   # the lab clock's own state: no error, so no jump can hide in one
            anchor, speed = exact()
            return anchor, speed, 0.0
        speed = self.clock.speed
        m0 = time.monotonic()
        lab = self.clock.now()
        m1 = time.monotonic()
        return lab - speed * (m0 + m1) / 2, speed, speed * (m1 - m0) / 2

    def _publish_clock(self, only_if_changed: bool = False) -> None:
        """Write the lab clock where task processes read it (see :mod:`.taskclock`).

        One line per change of the clock: the tasks extrapolate from it at ``speed`` (CLOCK_MONOTONIC
        is the same in every process of the machine), so the file is not rewritten while the clock runs.
        """
        with self._publish_lock:
            if not only_if_changed or self._clock_changed():
                self._write_clock()

    def _write_clock(self) -> None:
        anchor = self._clock_anchor()
        mono, wall = time.monotonic(), time.time()
        lab = anchor[0] + anchor[1] * mono
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"lab": lab, "mono": mono, "wall": wall, "speed": anchor[1]}, f)
        self.clock_writes += 1
        # the modification time is the generation number: a reader's cache key that changes with every
        # line, whatever the filesystem's time granularity or reuse of inode numbers
        os.utime(tmp, (self.clock_writes, self.clock_writes))
        os.replace(tmp, self.clock_file)
        self._published = anchor

    def _clock_changed(self) -> bool:
        if self._published is None:
            return True
        anchor, speed, error = self._clock_anchor()
        old_anchor, old_speed, old_error = self._published
        return speed != old_speed or abs(anchor - old_anchor) > error + old_error + 1e-6

    def _tasks_alive(self) -> bool:
        with self._lock:
            return any(c.alive for r in self.runs.values() for c in r.containers)

    def _publish_loop(self) -> None:
        # Nothing reads the clock file while no task process lives: sleep until one starts. While one
        # does, look for a change of the clock (a fast-forward, a new speed) every CLOCK_POLL_S: a
        # computation, not a write; the file is rewritten only when the clock jumped.
        while not self._publish_stop.is_set():
            if not self._tasks_alive():
                self._task_started.wait()
                self._task_started.clear()
                continue
            try:
                self._publish_clock(only_if_changed=True)
            except OSError:
                pass
            self._publish_stop.wait(CLOCK_POLL_S)

    def stop(self) -> None:
        """Kill every task process group, stop the threads, undo the patches."""
        self._stopped = True
        with self._lock:
            runs = list(self.runs.values())
            for run in runs:
                for timer in run.timers:
                    timer.cancel()
        for run in runs:
            for c in run.containers:
                if c.proc is not None and c.proc.poll() is None:
                    signal_group(c.proc, 9)
        for run in runs:
            for c in run.containers:
                if c.proc is not None:
                    try:
                        c.proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        log.warning("fargate task process %s did not die", c.proc.pid)
                for t in c.pumps:
                    t.join(timeout=2)
        self._jobs.put(None)
        if self._launcher is not None:
            self._launcher.join(timeout=5)
        self._publish_stop.set()
        self._task_started.set()
        if self._publisher is not None:
            self._publisher.join(timeout=2)
        shutil.rmtree(self.folder, ignore_errors=True)
        self._patcher.undo()

    # -- queries --------------------------------------------------------------------------------
    def find(self, task: str) -> TaskRun | None:
        """The run for a task ARN or id (None for tasks this engine did not start)."""
        with self._lock:
            if task in self.runs:
                return self.runs[task]
            tid = task.rsplit("/", 1)[-1]
            for run in self.runs.values():
                if run.task_id == tid:
                    return run
        return None

    def require(self, task: str) -> TaskRun:
        run = self.find(task)
        if run is None:
            from ..errors import LabError

            raise LabError(f"No Fargate task {task!r} was started in this session.",
                           "Pass the taskArn returned by ecs.run_task(launchType='FARGATE', ...).")
        return run

    def output(self, task: str) -> list[str]:
        """Every line the task's containers printed, as ``"container: line"``."""
        return [f"{name}: {line}" for _, name, line in self.require(task).output]

    def processes(self) -> list[int]:
        """PIDs of container processes still alive (for tests and clean-up checks)."""
        with self._lock:
            return [c.proc.pid for r in self.runs.values() for c in r.containers
                    if c.proc is not None and c.proc.poll() is None]

    def _sleeping_until(self, c: ContainerRun) -> float | None:
        """Lab time a container sleeps until with :func:`.taskclock.sleep` (None: it is working)."""
        if not c.alive or not c.sleep_file:
            return None
        try:
            with open(c.sleep_file, encoding="utf-8") as f:
                until = float(json.load(f)["until"])
        except (OSError, ValueError, KeyError):
            return None
        return until if until > self.clock.now() else None

    def next_event(self, task: str) -> float | None:
        """Lab time of the task's next scheduled step or lab-clock wake-up (None when none is pending)."""
        run = self.require(task)
        with self._lock:
            pending = [t.when for t in run.timers if not t.cancelled]
            pending += [u for u in (self._sleeping_until(c) for c in run.containers) if u is not None]
        return min(pending) if pending else None

    def waiting_on_clock(self, task: str) -> bool:
        """True when only lab time (not a working process) stands between the task and its next step."""
        run = self.require(task)
        with self._lock:
            if run.done.is_set() or self.next_event(task) is None:
                return False
            alive = [c for c in run.containers if c.alive]
            if not alive or run.stopping:
                return True
            return all(self._sleeping_until(c) is not None for c in alive)

    # -- lifecycle ------------------------------------------------------------------------------
    def _at(self, run: TaskRun, delay: float, fn: Any) -> None:
        holder: list[Any] = []

        def fire() -> None:
            with self._lock:
                if holder and holder[0] in run.timers:
                    run.timers.remove(holder[0])
                if not self._stopped:
                    fn()
        timer = self.clock.call_later(delay, fire)
        holder.append(timer)
        run.timers.append(timer)

    def _launch(self, backend: Any, task: Any, definition: Any, overrides: dict[str, Any]) -> None:
        now = self.clock.now()
        cpu = sizes.parse_cpu(overrides.get("cpu") or definition.cpu) or 256
        memory = sizes.parse_memory(overrides.get("memory") or definition.memory) or 512
        by_name = {o.get("name"): o for o in overrides.get("containerOverrides", []) or []}
        base_env = {**os.environ, **self.session.env(), "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE"}
        base_env.setdefault("PYTHONUNBUFFERED", "1")
        containers = []
        for cd in definition.container_definitions:
            view = ContainerView(task.task_arn, cd)
            o = by_name.get(cd.get("name"), {})
            env = dict(base_env)
            env.update({e["name"]: str(e.get("value", "")) for e in cd.get("environment") or []})
            env.update({e["name"]: str(e.get("value", "")) for e in o.get("environment") or []})
            command = o.get("command") if o.get("command") is not None else cd.get("command")
            try:
                argv, error = resolve_argv(cd.get("entryPoint"), command), None
            except CannotStartContainer as exc:
                argv, error = None, str(exc)
            env[taskclock.CLOCK_ENV] = self.clock_file
            env[taskclock.SLEEP_ENV] = os.path.join(self.folder, f"sleep-{task.id}-{uuid.uuid4().hex[:8]}.json")
            workdir = cd.get("workingDirectory")
            run_c = ContainerRun(
                view=view, essential=bool(cd.get("essential", True)), argv=argv, start_error=error, env=env,
                cwd=workdir if workdir and os.path.isdir(workdir) else os.getcwd(),
                stop_timeout_s=min(float(cd.get("stopTimeout") or DEFAULT_STOP_TIMEOUT_S), MAX_STOP_TIMEOUT_S),
                init_process=bool((cd.get("linuxParameters") or {}).get("initProcessEnabled")))
            logcfg = cd.get("logConfiguration") or {}
            if logcfg.get("logDriver") == "awslogs":
                opts = logcfg.get("options") or {}
                prefix = opts.get("awslogs-stream-prefix")
                run_c.log_group = opts.get("awslogs-group")
                run_c.log_region = opts.get("awslogs-region") or self.session.region
                run_c.log_stream = f"{prefix}/{view.name}/{task.id}" if prefix else task.id
                run_c.create_group = str(opts.get("awslogs-create-group", "")).lower() == "true"
            run_c.sleep_file = env[taskclock.SLEEP_ENV]
            containers.append(run_c)
        run = TaskRun(arn=task.task_arn, task=task, account_id=backend.account_id, region=backend.region_name,
                      cpu=cpu, memory=memory, containers=containers)
        task._transitions = []  # moto's ManagedState must not move the status: the engine does
        run.set(last_status="PROVISIONING", desired_status="RUNNING", created_at=_dt(now), cpu=str(cpu),
                memory=str(memory), containers=[c.view for c in containers], platform_version="1.4.0",
                platform_family="Linux", availability_zone=_availability_zone(backend, task), version=1,
                launch_type=task.launch_type or "FARGATE", stopped_reason=None, health_status="UNKNOWN",
                ephemeral_storage=getattr(definition, "ephemeral_storage", None) or {"sizeInGiB": 20})
        with self._lock:
            self.runs[run.arn] = run
            self._at(run, self.timings.provisioning_s, lambda: self._pending(run))

    def _pending(self, run: TaskRun) -> None:
        if run.stopping:
            return
        run.set(last_status="PENDING", pull_started_at=_dt(self.clock.now()), connectivity="CONNECTED",
                connectivity_at=_dt(self.clock.now()))
        self._at(run, self.timings.pending_s, lambda: self._activating(run))

    def _activating(self, run: TaskRun) -> None:
        if run.stopping:
            return
        run.set(last_status="ACTIVATING", pull_stopped_at=_dt(self.clock.now()))
        problem = self._check_logging(run)
        if problem:
            self._fail_to_start(run, problem)
            return
        failed = next((c for c in run.containers if c.start_error), None)
        if failed:
            failed.view.reason = failed.start_error
            self._fail_to_start(run, failed.start_error or "")
            return
        self._at(run, self.timings.activating_s, lambda: self._jobs.put(run))

    def _check_logging(self, run: TaskRun) -> str | None:
        from ..cloud import logs as cloud_logs

        for c in run.containers:
            if not c.log_group:
                continue
            region = c.log_region or run.region
            if not cloud_logs.has_group(run.account_id, region, c.log_group):
                if c.create_group:
                    cloud_logs.create_group(run.account_id, region, c.log_group)
                else:
                    return ("ResourceInitializationError: failed to validate logger args: create stream has been "
                            "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: "
                            f"The specified log group does not exist. (log group {c.log_group!r} in "
                            f"{c.log_region}: create it first with logs.create_log_group, or set the awslogs option "
                            "\"awslogs-create-group\": \"true\")")
            cloud_logs.backend(run.account_id, region).ensure_log_stream(c.log_group, c.log_stream)
        return None

    def _fail_to_start(self, run: TaskRun, reason: str) -> None:
        run.stopping = True
        now = self.clock.now()
        run.set(desired_status="STOPPED", stopped_reason=reason, stop_code="TaskFailedToStart",
                stopping_at=_dt(now), execution_stopped_at=_dt(now), last_status="DEPROVISIONING")
        for c in run.containers:
            c.view.last_status = "STOPPED"
        self._emit(run, "stopping")
        self._at(run, self.timings.deprovisioning_s, lambda: self._stopped_state(run))

    def _launch_loop(self) -> None:
        # Processes are started from this one long-lived thread: PR_SET_PDEATHSIG is tied to the
        # thread that forks, so a short-lived (timer) thread would take its children with it.
        while True:
            run = self._jobs.get()
            if run is None:
                return
            with self._lock:
                if run.stopping or self._stopped:
                    continue
                self._start_containers(run)

    def _start_containers(self, run: TaskRun) -> None:
        try:  # the clock file is up to date before a process can read it
            self._publish_clock(only_if_changed=True)
        except OSError as exc:
            log.warning("fargate: cannot write the lab clock file: %r", exc)
        try:
            self._start_processes(run)
        finally:
            self._task_started.set()

    def _start_processes(self, run: TaskRun) -> None:
        for c in run.containers:
            try:
                c.proc = spawn(c.argv or [], c.env, c.cwd)
            except OSError as exc:
                c.view.reason = f"CannotStartContainerError: {exc}"
                c.exited_at = self.clock.now()
                c.view.last_status = "STOPPED"
                self._begin_stop(run, c.view.reason, "TaskFailedToStart")
                return
            c.view.runtime_id = f"{run.task_id}-{c.proc.pid}"
            c.view.last_status = "RUNNING"
            for stream, name in ((c.proc.stdout, "stdout"), (c.proc.stderr, "stderr")):
                t = threading.Thread(target=self._pump, args=(run, c, stream), daemon=True,
                                     name=f"fargate-{run.task_id[:8]}-{c.name}-{name}")
                t.start()
                c.pumps.append(t)
            threading.Thread(target=self._wait, args=(run, c), daemon=True,
                             name=f"fargate-{run.task_id[:8]}-{c.name}-wait").start()
        run.started = True
        run.set(last_status="RUNNING", started_at=_dt(self.clock.now()))
        self._emit(run, "running")

    def _pump(self, run: TaskRun, c: ContainerRun, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            ts = int(self.clock.now() * 1000)
            with self._log_lock:
                if len(run.output) < MAX_OUTPUT_LINES:
                    run.output.append((ts, c.name, line))
                if c.log_group:
                    self._put_log(run, c, ts, line)
        stream.close()

    def _put_log(self, run: TaskRun, c: ContainerRun, ts: int, line: str) -> None:
        from ..cloud import logs as cloud_logs  # the one CloudWatch Logs writer

        # a log group deleted while the task runs drops the line (it must not kill the task)
        cloud_logs.append(run.account_id, c.log_region or run.region, str(c.log_group), str(c.log_stream),
                          [{"timestamp": ts, "message": line}], create_group=False)

    def _wait(self, run: TaskRun, c: ContainerRun) -> None:
        assert c.proc is not None
        rc = c.proc.wait()
        for t in c.pumps:
            t.join(timeout=2)
        with self._lock:
            c.exited_at = self.clock.now()
            c.view.exit_code = exit_code(rc)
            c.view.last_status = "STOPPED"
            if self._stopped:
                return
            if c.essential and not run.stopping:
                self._begin_stop(run, "Essential container in task exited", "EssentialContainerExited")
            elif run.task.last_status == "STOPPING" and not any(x.alive for x in run.containers):
                self._deprovision(run)

    def _begin_stop(self, run: TaskRun, reason: str, code: str) -> None:
        run.stopping = True
        for timer in run.timers:
            timer.cancel()
        run.timers = []
        run.set(desired_status="STOPPED", stopped_reason=reason, stop_code=code,
                stopping_at=_dt(self.clock.now()))
        self._emit(run, "stopping")
        if not run.started:
            for c in run.containers:
                c.view.last_status = "STOPPED"
            run.set(last_status="DEPROVISIONING", execution_stopped_at=_dt(self.clock.now()))
            self._at(run, self.timings.deprovisioning_s, lambda: self._stopped_state(run))
            return
        run.set(last_status="DEACTIVATING")
        self._at(run, self.timings.deactivating_s, lambda: self._stopping(run))

    def _stopping(self, run: TaskRun) -> None:
        run.set(last_status="STOPPING")
        self._emit(run, "signalled")
        alive = [c for c in run.containers if c.alive]
        if not alive:
            self._deprovision(run)
            return
        for c in alive:
            assert c.proc is not None
            c.sigterm_dropped = not deliver_stop_signal(c.proc, c.init_process)
            self._at(run, c.stop_timeout_s, lambda c=c: self._kill(c))

    def _kill(self, c: ContainerRun) -> None:
        if c.proc is not None and c.proc.poll() is None:
            signal_group(c.proc, 9)

    def _deprovision(self, run: TaskRun) -> None:
        last_exit = max((c.exited_at for c in run.containers if c.exited_at), default=self.clock.now())
        run.set(last_status="DEPROVISIONING", execution_stopped_at=_dt(last_exit))
        self._at(run, self.timings.deprovisioning_s, lambda: self._stopped_state(run))

    def _stopped_state(self, run: TaskRun) -> None:
        run.set(last_status="STOPPED", stopped_at=_dt(self.clock.now()))
        run.done.set()
        self._emit(run, "stopped")

    def _emit(self, run: TaskRun, event: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(run, event)
            except Exception as exc:  # noqa: BLE001 - a listener must not break the lifecycle
                log.warning("fargate listener failed on %s: %r", event, exc)

    # -- cost ---------------------------------------------------------------------------------
    def billed_seconds(self, task: str) -> float:
        """Seconds AWS bills: from the start of the image pull until the task stopped (or now)."""
        run = self.require(task)
        start = getattr(run.task, "pull_started_at", None)
        if start is None:
            return 0.0
        end = getattr(run.task, "stopped_at", None)
        end_t = end.timestamp() if end else self.clock.now()
        return max(0.0, end_t - start.timestamp())
