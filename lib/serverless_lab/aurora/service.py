"""The Aurora extension: RDS clusters get Serverless v2 capacity, the Data API runs real SQL.

Seams (docs/architecture.md, "Seams"; installed when moto first imports RDS / rds-data, all undone
by :meth:`AuroraEngine.stop`):

* ``RDSBackend.create_db_cluster`` / ``modify_db_cluster``: validate ``ServerlessV2ScalingConfiguration`` as AWS does,
  turns the Data API on when ``EnableHttpEndpoint=True`` (moto only allows it for the retired v1),
  and start the cluster's capacity model (``delete_db_cluster`` drops it);
* moto's rds-data responses: ExecuteStatement, BatchExecuteStatement, BeginTransaction,
  CommitTransaction, RollbackTransaction run through :class:`DataApi` (moto has only a canned
  ExecuteStatement), and the URL routes moto lacks are added.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, private, seam
from .capacity import CapacityModel, ClusterCapacity
from .sqlengines import EngineFactory, Result, SqlError, from_parameter, to_field, to_json_value

if TYPE_CHECKING:
    from ..cloud.session import MockSession

TRANSACTION_IDLE_S = 180         # Data API: a transaction with no call for 3 minutes is rolled back
TRANSACTION_MAX_S = 24 * 3600    # ... and none lives longer than 24 hours
MAX_RESULT_BYTES = 1_000_000     # Data API: a result set may be at most 1 MiB
RESUME_MODES = ("error", "wait", "fast_forward")

_RDS = "moto.rds.models:RDSBackend"
CREATE_DB_CLUSTER = seam(f"{_RDS}.create_db_cluster", extension="aurora", lazy=True,
                         why="validate ServerlessV2ScalingConfiguration, allow the Data API on Aurora v2 "
                             "(moto allows it only for the retired v1), start the capacity model")
MODIFY_DB_CLUSTER = seam(f"{_RDS}.modify_db_cluster", extension="aurora", lazy=True,
                         why="a changed ServerlessV2ScalingConfiguration is validated and drives the capacity model")
DELETE_DB_CLUSTER = seam(f"{_RDS}.delete_db_cluster", extension="aurora", lazy=True,
                         why="a deleted cluster's capacity model, transactions and databases are dropped; "
                             "its automated snapshots go with it, as AWS's DeleteAutomatedBackups default "
                             "does (moto keeps them, so re-creating the cluster within the minute fails)")
CLUSTER_SNAPSHOTS = private("moto.rds.models:RDSBackend", "cluster_snapshots",
                            why="the automated snapshots of a deleted cluster are removed with it")
DATA_API_OPS = ("execute_statement", "batch_execute_statement", "begin_transaction", "commit_transaction",
                "rollback_transaction")
DATA_API_SEAMS = {op: seam(f"moto.rdsdata.responses:RDSDataServiceResponse.{op}", extension="aurora", lazy=True,
                           create=op != "execute_statement",
                           why="moto's rds-data returns canned results; the Data API runs real SQL")
                  for op in DATA_API_OPS}
DATA_API_ROUTES = seam("moto.rdsdata.urls:url_paths", extension="aurora", item=True, lazy=True,
                       why="moto routes only ExecuteStatement; add the transaction and batch routes")


def _data_api_error(code: str, message: str, status: int = 400) -> Exception:
    from moto.core.exceptions import JsonRESTError

    err = JsonRESTError(code, message)
    err.code = status
    return err


def _rds_error(message: str) -> Exception:
    from moto.rds.exceptions import InvalidParameterValue

    return InvalidParameterValue(message)


def check_scaling(config: Any) -> dict[str, float] | None:
    """Validate ServerlessV2ScalingConfiguration as AWS does; return it as a plain dict."""
    if not config:
        return None

    def pick(key: str, snake: str) -> Any:
        try:
            v = config[key]
        except (KeyError, TypeError):
            v = None
        if v is None:
            try:
                v = config[snake]
            except (KeyError, TypeError):
                v = None
        return v

    lo, hi, pause = (pick("MinCapacity", "min_capacity"), pick("MaxCapacity", "max_capacity"),
                     pick("SecondsUntilAutoPause", "seconds_until_auto_pause"))
    if lo is None or hi is None:
        raise _rds_error("ServerlessV2ScalingConfiguration needs both MinCapacity and MaxCapacity. → e.g. "
                         "{'MinCapacity': 0, 'MaxCapacity': 4} (0 lets the cluster auto-pause).")
    lo, hi = float(lo), float(hi)
    for name, v in (("MinCapacity", lo), ("MaxCapacity", hi)):
        if v * 2 != math.floor(v * 2):
            raise _rds_error(f"{name} {v:g} isn't valid: Aurora Serverless v2 capacity moves in steps of 0.5 ACU. "
                             "→ Use a multiple of 0.5.")
    if not 0 <= lo <= 256:
        raise _rds_error(f"Serverless v2 minimum capacity {lo:g} isn't valid. The minimum capacity must be 0 "
                         "(auto-pause) or between 0.5 and 256 ACUs.")
    if not 1 <= hi <= 256:
        raise _rds_error(f"Serverless v2 maximum capacity {hi:g} isn't valid. The maximum capacity must be at "
                         "least 1 ACU and can't exceed 256 ACUs.")
    if lo > hi:
        raise _rds_error(f"Serverless v2 minimum capacity {lo:g} can't be greater than the maximum capacity "
                         f"{hi:g}.")
    out = {"MinCapacity": lo, "MaxCapacity": hi}
    if pause is not None:
        pause = int(pause)
        if not 300 <= pause <= 86400:
            raise _rds_error(f"SecondsUntilAutoPause {pause} isn't valid: it must be between 300 (5 minutes) and "
                             "86400 (24 hours).")
        out["SecondsUntilAutoPause"] = pause
    elif lo == 0:
        out["SecondsUntilAutoPause"] = 300
    return out


@dataclass
class Transaction:
    id: str
    cluster_arn: str
    database: str
    conn: Any
    started: float
    last_used: float
    timer: Any = None


class AuroraEngine:
    """The running extension (``session.extension("aurora")``)."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.clock = session.clock
        self.model = CapacityModel(**(session.options.get("aurora_capacity_model") or {}))
        self.resume_mode = str(session.options.get("aurora_resume", "error"))
        if self.resume_mode not in RESUME_MODES:
            from ..errors import LabError

            raise LabError(f"aurora_resume={self.resume_mode!r} is not one of {', '.join(RESUME_MODES)}.",
                           "Use 'error' (AWS: DatabaseResumingException), 'wait' or 'fast_forward'.")
        self.folder = tempfile.mkdtemp(prefix="serverless-lab-aurora-")
        self.factory = EngineFactory(self.folder, session.options.get("aurora_postgres_dsn"))
        self.capacity: dict[str, ClusterCapacity] = {}
        self.transactions: dict[str, Transaction] = {}
        self._autocommit: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()
        self._patcher = Patcher()
        self._ticker: Any = None
        self._stopped = False

    # -- activation -----------------------------------------------------------------------------
    def start(self) -> AuroraEngine:
        # moto.rds.models costs seconds to import: install when a lab first calls RDS.
        self._patcher.on_import("moto.rds.models", self._install_rds)
        self._patcher.on_import("moto.rdsdata.responses", self._install_data_api)
        self._patcher.on_import("moto.rdsdata.urls", self._install_data_api_routes)
        self._schedule_tick(self.clock.now() + self.model.tick_s)
        return self

    def _install_rds(self, module: Any) -> None:
        if self._stopped:
            return
        engine = self
        original_create = CREATE_DB_CLUSTER.current()

        def create_db_cluster(backend: Any, kwargs: dict[str, Any]) -> Any:
            scaling = check_scaling(kwargs.get("serverless_v2_scaling_configuration"))
            cluster = original_create(backend, kwargs)
            if scaling is not None:
                cluster.serverless_v2_scaling_configuration = scaling
                if str(cluster.engine).startswith("aurora") and kwargs.get("enable_http_endpoint"):
                    cluster._enable_http_endpoint = True
                engine._register(backend, cluster)
            return cluster

        original_modify = MODIFY_DB_CLUSTER.current()
        original_delete = DELETE_DB_CLUSTER.current()

        def modify_db_cluster(backend: Any, kwargs: dict[str, Any]) -> Any:
            scaling = check_scaling(kwargs.get("serverless_v2_scaling_configuration"))
            cluster = original_modify(backend, kwargs)
            if scaling is not None:
                cluster.serverless_v2_scaling_configuration = scaling
                if cluster.db_cluster_arn not in engine.capacity:
                    engine._register(backend, cluster)
            return cluster

        def delete_db_cluster(backend: Any, cluster_identifier: str, *args: Any, **kwargs: Any) -> Any:
            cluster = original_delete(backend, cluster_identifier, *args, **kwargs)
            snapshots = CLUSTER_SNAPSHOTS.read(backend)
            for name in [n for n, snap in snapshots.items() if getattr(snap, "snapshot_type", "") == "automated"
                         and getattr(getattr(snap, "cluster", None), "db_cluster_identifier", None)
                         == cluster.db_cluster_identifier]:
                del snapshots[name]
            engine._forget(cluster.db_cluster_arn)
            engine.factory.drop(cluster.db_cluster_identifier)
            return cluster

        self._patcher.replace(CREATE_DB_CLUSTER, create_db_cluster)
        self._patcher.replace(MODIFY_DB_CLUSTER, modify_db_cluster)
        self._patcher.replace(DELETE_DB_CLUSTER, delete_db_cluster)

    def _install_data_api(self, module: Any) -> None:
        if self._stopped:
            return
        engine = self

        def handler(op: str) -> Any:
            def method(response: Any) -> str:
                body = json.loads(response.body or "{}") if isinstance(response.body, (str, bytes)) else {}
                result = engine.handle(op, response.current_account, response.region, body)
                return json.dumps(result)
            method.__name__ = op
            return method

        for op in DATA_API_OPS:
            self._patcher.replace(DATA_API_SEAMS[op], handler(op))

    def _install_data_api_routes(self, module: Any) -> None:
        if self._stopped:
            return
        dispatch = module.response.dispatch
        self._patcher.replace(DATA_API_ROUTES, {"{0}/BatchExecute$": dispatch, "{0}/BeginTransaction$": dispatch,
                                                "{0}/CommitTransaction$": dispatch,
                                                "{0}/RollbackTransaction$": dispatch})

    def stop(self) -> None:
        """Roll back open transactions, close databases, undo the patches, remove the files."""
        self._stopped = True
        if self._ticker is not None:
            self._ticker.cancel()
        with self._lock:
            for txn in list(self.transactions.values()):
                try:
                    txn.conn.rollback()
                    txn.conn.close()
                except Exception:  # noqa: BLE001 - closing anyway
                    pass
            self.transactions.clear()
            for conn in self._autocommit.values():
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass
            self._autocommit.clear()
        self._patcher.undo()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- capacity -------------------------------------------------------------------------------
    def _register(self, backend: Any, cluster: Any) -> None:
        now = self.clock.now()
        cap = ClusterCapacity(cluster=cluster, account_id=backend.account_id, region=backend.region_name,
                              model=self.model, created=now, last_activity=now)
        cap.acu = cap.floor()
        with self._lock:
            self.capacity[cap.arn] = cap

    def _forget(self, arn: str) -> None:
        """A deleted cluster: drop its capacity model, transactions and database connections."""
        with self._lock:
            self.capacity.pop(arn, None)
            for tid in [t.id for t in self.transactions.values() if t.cluster_arn == arn]:
                txn = self.transactions.pop(tid)
                if txn.timer is not None:
                    txn.timer.cancel()
                try:
                    txn.conn.rollback()
                    txn.conn.close()
                except Exception:  # noqa: BLE001
                    pass
            for key in [k for k in self._autocommit if k[0] == arn]:
                try:
                    self._autocommit.pop(key).close()
                except Exception:  # noqa: BLE001
                    pass

    def _schedule_tick(self, when: float) -> None:
        def fire() -> None:
            if self._stopped:
                return
            self._tick(when)
            self._schedule_tick(when + self.model.tick_s)
        self._ticker = self.clock.call_at(when, fire)

    def _tick(self, t: float) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        with self._lock:
            caps = list(self.capacity.values())
            counts: dict[str, int] = {}
            for txn in self.transactions.values():
                counts[txn.cluster_arn] = counts.get(txn.cluster_arn, 0) + 1
        for cap in caps:
            cap.open_transactions = counts.get(cap.arn, 0)
            sample = cap.tick(t)
            datapoints = cap.minute_metrics(sample)
            if datapoints:
                try:
                    cloudwatch_backends[cap.account_id][cap.region].put_metric_data("AWS/RDS", datapoints)
                except Exception:  # noqa: BLE001 - metrics must never break the database
                    pass

    def cluster(self, cluster: str) -> ClusterCapacity:
        """The capacity state of a Serverless v2 cluster, by identifier or ARN."""
        with self._lock:
            if cluster in self.capacity:
                return self.capacity[cluster]
            for cap in self.capacity.values():
                if cap.identifier == cluster.lower():
                    return cap
        from ..errors import LabError

        raise LabError(f"No Aurora Serverless v2 cluster {cluster!r} in this session.",
                       "Create it with rds.create_db_cluster(..., ServerlessV2ScalingConfiguration={'MinCapacity': "
                       "0, 'MaxCapacity': 4}, EnableHttpEndpoint=True).")

    # -- Data API -------------------------------------------------------------------------------
    def handle(self, op: str, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        return getattr(self, "_" + op)(account, region, body)

    def _resolve(self, account: str, region: str, body: dict[str, Any]) -> tuple[Any, ClusterCapacity | None]:
        from moto.rds.models import rds_backends

        arn = body.get("resourceArn") or ""
        secret = body.get("secretArn")
        if not arn:
            raise _data_api_error("BadRequestException", "resourceArn is required.")
        if not secret:
            raise _data_api_error("BadRequestException", "secretArn is required.")
        backend = rds_backends[account][arn.split(":")[3] if arn.count(":") >= 5 else region]
        cluster = next((c for c in backend.clusters.values() if c.db_cluster_arn == arn), None)
        if cluster is None:
            raise _data_api_error("BadRequestException", f"Invalid cluster arn: {arn} (no such DB cluster). → Pass "
                                  "the DBClusterArn that rds.create_db_cluster returned.")
        if not getattr(cluster, "_enable_http_endpoint", False):
            raise _data_api_error("HttpEndpointNotEnabledException",
                                  f"HttpEndpoint is not enabled for resource {arn}. → Create the cluster with "
                                  "EnableHttpEndpoint=True (Data API) and a ServerlessV2ScalingConfiguration.")
        self._check_secret(account, arn.split(":")[3], secret)
        return cluster, self.capacity.get(arn)

    def _check_secret(self, account: str, region: str, secret: str) -> None:
        from moto.secretsmanager.models import secretsmanager_backends

        try:
            secretsmanager_backends[account][region].describe_secret(secret)
        except Exception:  # noqa: BLE001 - moto raises its ResourceNotFound
            raise _data_api_error(
                "BadRequestException", f"Error fetching secret {secret} : Secrets Manager can't find the specified "
                "secret. → Store the database credentials first: secretsmanager.create_secret(Name=..., "
                "SecretString=json.dumps({'username': ..., 'password': ...})) and pass its ARN.") from None

    def _gate(self, cap: ClusterCapacity | None) -> None:
        """Let the statement through if the cluster is running; otherwise resume it (AWS behaviour)."""
        if cap is None:
            return
        now = self.clock.now()
        if cap.available(now):
            return
        until = cap.begin_resume(now)
        if self.resume_mode == "wait":
            while not cap.available(self.clock.now()):
                self.clock.sleep(min(1.0, max(0.01, until - self.clock.now())))
            return
        if self.resume_mode == "fast_forward":
            self.clock.advance(max(0.0, until - now) + 1e-3)
            cap.available(self.clock.now())
            return
        raise _data_api_error(
            "DatabaseResumingException",
            f"The database is resuming after being auto-paused. Please wait a few seconds and try again. (Aurora "
            f"Serverless v2 resumes in about {self.model.resume_s:g} s: retry after aws.clock.advance("
            f"{self.model.resume_s:g}) or time.sleep; mock_aws(aurora_resume='wait') makes calls wait instead.)")

    def _database(self, cluster: Any, body: dict[str, Any]) -> str:
        db = body.get("database") or getattr(cluster, "database_name", None)
        if not db:
            db = "postgres" if "postgres" in str(cluster.engine) else "mysql"
        return str(db)

    def _open(self, cluster: Any, database: str) -> Any:
        try:
            return self.factory.connect(cluster.db_cluster_identifier, cluster.engine, database)
        except SqlError as exc:
            raise _data_api_error("DatabaseUnavailableException", str(exc), 504) from None

    def _connection(self, cluster: Any, database: str) -> Any:
        key = (cluster.db_cluster_arn, database)
        with self._lock:
            if key not in self._autocommit:
                self._autocommit[key] = self._open(cluster, database)
            return self._autocommit[key]

    def _transaction(self, body: dict[str, Any], cluster: Any) -> Transaction:
        tid = body.get("transactionId")
        with self._lock:
            txn = self.transactions.get(tid or "")
        if txn is None or txn.cluster_arn != cluster.db_cluster_arn:
            raise _data_api_error("TransactionNotFoundException", f"Transaction {tid} is not found", 404)
        self._touch(txn)
        return txn

    def _touch(self, txn: Transaction) -> None:
        txn.last_used = self.clock.now()
        if txn.timer is not None:
            txn.timer.cancel()
        deadline = min(txn.last_used + TRANSACTION_IDLE_S, txn.started + TRANSACTION_MAX_S)
        txn.timer = self.clock.call_at(deadline, lambda: self._expire(txn.id))

    def _expire(self, tid: str) -> None:
        with self._lock:
            txn = self.transactions.pop(tid, None)
        if txn is not None:
            try:
                txn.conn.rollback()
                txn.conn.close()
            except Exception:  # noqa: BLE001
                pass

    def _params(self, cluster: Any, parameters: list[dict[str, Any]] | None) -> dict[str, Any]:
        pg = self.factory.kind(cluster.engine) == "postgresql"
        out = {}
        for p in parameters or []:
            if not p.get("name"):
                raise _data_api_error("BadRequestException", "Parameter names must be given (use :name in the SQL "
                                      "and {'name': 'name', 'value': {...}} in parameters).")
            try:
                out[p["name"]] = from_parameter(p, pg)
            except SqlError as exc:  # a malformed parameter: the Data API rejects the request
                raise _data_api_error("BadRequestException", str(exc)) from None
        return out

    def _run(self, conn: Any, sql: str, params: dict[str, Any]) -> Result:
        try:
            return conn.execute(sql, params)
        except SqlError as exc:  # a database error: DatabaseErrorException with Aurora's message and SQLState
            raise _data_api_error(getattr(exc, "error_code", "BadRequestException"), str(exc)) from None

    def _generated(self, cluster: Any, result: Result) -> list[dict[str, Any]]:
        # Aurora MySQL reports the AUTO_INCREMENT value; Aurora PostgreSQL never fills generatedFields
        # (AWS: "use the RETURNING clause").
        if "postgres" in str(cluster.engine) or result.generated_id is None:
            return []
        return [{"longValue": result.generated_id}]

    def _execute_statement(self, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        cluster, cap = self._resolve(account, region, body)
        sql = body.get("sql") or ""
        if not sql.strip():
            raise _data_api_error("BadRequestException", "sql is required.")
        self._gate(cap)
        params = self._params(cluster, body.get("parameters"))
        if body.get("transactionId"):
            conn = self._transaction(body, cluster).conn
        else:
            conn = self._connection(cluster, self._database(cluster, body))
        result = self._run(conn, sql, params)
        if cap is not None:
            cap.statement(self.clock.now())
        return self._shape(cluster, result, body)

    def _shape(self, cluster: Any, result: Result, body: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"numberOfRecordsUpdated": result.updated}
        if result.columns is None:
            out["generatedFields"] = self._generated(cluster, result)
            return out
        types = [c.type_name for c in result.columns]
        if body.get("includeResultMetadata"):
            out["columnMetadata"] = [c.metadata() for c in result.columns]
        if body.get("formatRecordsAs") == "JSON":
            names = [c.name for c in result.columns]
            records = [{n: to_json_value(v, t) for n, v, t in zip(names, row, types)} for row in result.rows]
            out["formattedRecords"] = json.dumps(records)
            size = len(out["formattedRecords"])
        else:
            options = body.get("resultSetOptions") or None
            out["records"] = [[to_field(v, t, options) for v, t in zip(row, types)] for row in result.rows]
            size = len(json.dumps(out["records"]))
        if size > MAX_RESULT_BYTES:
            raise _data_api_error("BadRequestException", "Database returned more than the allowed response size "
                                  "limit (1 MiB). → Select fewer rows (LIMIT/OFFSET pages) or fewer columns.")
        if result.updated:
            out["generatedFields"] = self._generated(cluster, result)
        return out

    def _batch_execute_statement(self, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        cluster, cap = self._resolve(account, region, body)
        sql = body.get("sql") or ""
        self._gate(cap)
        sets = body.get("parameterSets") or [[]]
        own = not body.get("transactionId")
        if own:
            # A batch outside a transaction is applied as one unit: all parameter sets or none.
            conn = self._open(cluster, self._database(cluster, body))
            conn.begin()
        else:
            conn = self._transaction(body, cluster).conn
        results = []
        try:
            for ps in sets:
                result = self._run(conn, sql, self._params(cluster, ps))
                results.append({"generatedFields": self._generated(cluster, result)})
            if own:
                conn.commit()
        except BaseException:
            if own:
                conn.rollback()
            raise
        finally:
            if own:
                conn.close()
        if cap is not None:
            cap.statement(self.clock.now(), len(sets))
        return {"updateResults": results}

    def _begin_transaction(self, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        cluster, cap = self._resolve(account, region, body)
        self._gate(cap)
        database = self._database(cluster, body)
        conn = self._open(cluster, database)
        try:
            conn.begin()
        except SqlError as exc:
            conn.close()
            raise _data_api_error("BadRequestException", str(exc)) from None
        tid = base64.b64encode(secrets.token_bytes(72)).decode()
        now = self.clock.now()
        txn = Transaction(tid, cluster.db_cluster_arn, database, conn, now, now)
        with self._lock:
            self.transactions[tid] = txn
        self._touch(txn)
        if cap is not None:
            cap.statement(now)
        return {"transactionId": tid}

    def _finish(self, account: str, region: str, body: dict[str, Any], commit: bool) -> dict[str, Any]:
        cluster, cap = self._resolve(account, region, body)
        tid = body.get("transactionId")
        with self._lock:
            txn = self.transactions.pop(tid or "", None)
        if txn is None or txn.cluster_arn != cluster.db_cluster_arn:
            raise _data_api_error("NotFoundException", f"Transaction {tid} is not found", 404)
        if txn.timer is not None:
            txn.timer.cancel()
        try:
            if commit:
                txn.conn.commit()
            else:
                txn.conn.rollback()
        except SqlError as exc:
            raise _data_api_error(getattr(exc, "error_code", "BadRequestException"), str(exc)) from None
        finally:
            txn.conn.close()
        if cap is not None:
            cap.statement(self.clock.now())
        return {"transactionStatus": "Transaction Committed" if commit else "Rollback Complete"}

    def _commit_transaction(self, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._finish(account, region, body, True)

    def _rollback_transaction(self, account: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._finish(account, region, body, False)


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)
