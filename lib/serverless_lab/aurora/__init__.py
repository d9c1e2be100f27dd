"""Aurora Serverless v2 that behaves: real SQL through the Data API, capacity that scales and pauses.

``mock_aws()`` activates this extension. ``rds.create_db_cluster`` with a
``ServerlessV2ScalingConfiguration`` (MinCapacity 0 or 0.5 … MaxCapacity 256, steps of 0.5) and
``EnableHttpEndpoint=True`` gives a cluster whose Data API (``rds-data``: execute_statement,
batch_execute_statement, begin/commit/rollback_transaction) runs SQL on a real engine and answers
in the Data API's shapes (``records`` of typed fields, ``columnMetadata``,
``numberOfRecordsUpdated``, ``generatedFields``, ``formattedRecords`` with formatRecordsAs="JSON").

Engines (:mod:`.sqlengines`): embedded SQLite by default, nothing to install; SQL the stand-in
cannot run faithfully is refused with a DatabaseErrorException naming the dialect difference
(:mod:`.dialect` lists what is translated and what is refused). SQL errors come back as Aurora
PostgreSQL (or MySQL) gives them: ``DatabaseErrorException`` with ``ERROR: …; Position: n;
SQLState: xxxxx``, and ``columnMetadata.typeName`` uses PostgreSQL's type names (``int4``, ``float8``,
``bool``, ``timestamp`` …), so the ``aurora-data-api`` driver and SQLAlchemy's
``postgresql+auroradataapi`` dialect work unchanged (:mod:`.pgcompat`). For real PostgreSQL, start a server
and pass ``mock_aws(aurora_postgres_dsn="postgresql://user:password@127.0.0.1:5432/postgres")`` or
set ``SERVERLESS_LAB_AURORA_POSTGRES_DSN``; aurora-postgresql clusters then run on it (one schema
per cluster and database).

Capacity (:mod:`.capacity`, a documented simulation): ACUs follow the statements per second and
open transactions, auto-pause after ``SecondsUntilAutoPause`` (default 300) idle when MinCapacity
is 0, resume in ~15 s of lab time. While resuming, calls fail with ``DatabaseResumingException`` as
on AWS; ``mock_aws(aurora_resume="wait")`` makes them wait on the lab clock instead, and
``"fast_forward"`` jumps the lab clock through the resume. ``ServerlessDatabaseCapacity`` and
``ACUUtilization`` are put into CloudWatch once per lab minute (namespace ``AWS/RDS``, dimension
``DBClusterIdentifier``). Cost at $0.12 per ACU-hour comes from :mod:`serverless_lab.pricing`.

Example::

    import json
    from serverless_lab import mock_aws
    from serverless_lab.aurora import plot_capacity, cluster_cost

    with mock_aws() as aws:
        rds, data, sm = aws.client("rds"), aws.client("rds-data"), aws.client("secretsmanager")
        arn = rds.create_db_cluster(
            DBClusterIdentifier="shop", Engine="aurora-postgresql", DatabaseName="shop",
            MasterUsername="postgres", MasterUserPassword="secret-password",
            ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 4},
            EnableHttpEndpoint=True)["DBCluster"]["DBClusterArn"]
        secret = sm.create_secret(Name="shop-db", SecretString=json.dumps(
            {"username": "postgres", "password": "secret-password"}))["ARN"]
        sql = lambda s, **kw: data.execute_statement(resourceArn=arn, secretArn=secret, sql=s, **kw)
        sql("CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(8,2))")
        sql("INSERT INTO items (name, price) VALUES (:name, :price)", parameters=[
            {"name": "name", "value": {"stringValue": "pen"}},
            {"name": "price", "value": {"stringValue": "1.50"}, "typeHint": "DECIMAL"}])
        sql("SELECT * FROM items", formatRecordsAs="JSON")["formattedRecords"]
        aws.clock.advance(600)                 # idle for 10 minutes: the cluster pauses (0 ACU)
        plot_capacity("shop").show()
        print(cluster_cost("shop"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import LabError
from .capacity import CapacityModel, ClusterCapacity, DayPlan, plan_day
from .service import AuroraEngine, check_scaling

if TYPE_CHECKING:
    from ..cloud.session import MockSession


def activate(session: MockSession) -> AuroraEngine:
    """Start the engine for ``session`` (called by ``mock_aws``)."""
    return AuroraEngine(session).start()


def _engine() -> AuroraEngine:
    from ..cloud.session import current_session

    session = current_session()
    if session is None:
        raise LabError("No mock_aws() session is running.", "Start one first: `with mock_aws() as aws: ...`.")
    return session.extension("aurora")


def current_capacity(cluster: str) -> dict[str, Any]:
    """Now: ``{"acu", "state" (running/paused/resuming), "min", "max", "seconds_until_auto_pause"}``."""
    cap = _engine().cluster(cluster)
    last = cap.history[-1].acu if cap.history else cap.acu
    return {"acu": 0.0 if cap.state != "running" else last, "state": cap.state, "min": cap.min_capacity,
            "max": cap.max_capacity, "seconds_until_auto_pause": cap.seconds_until_auto_pause}


def capacity_history(cluster: str) -> dict[str, Any]:
    """The model's samples as columns (numpy arrays): t (lab epoch s), acu, statements_per_s, transactions, paused."""
    import numpy as np

    cap = _engine().cluster(cluster)
    with cap.lock:
        h = list(cap.history)
    return {
        "t": np.array([s.t for s in h], dtype=float),
        "acu": np.array([s.acu for s in h], dtype=float),
        "statements_per_s": np.array([s.statements_per_s for s in h], dtype=float),
        "transactions": np.array([s.transactions for s in h], dtype=int),
        "paused": np.array([s.paused for s in h], dtype=bool),
    }


def cluster_cost(cluster: str) -> Any:
    """ACU-hours used so far, priced with :func:`serverless_lab.pricing.aurora_serverless_v2_cost`."""
    from .. import pricing

    engine = _engine()
    cap = engine.cluster(cluster)
    return pricing.aurora_serverless_v2_cost(cap.acu_hours(until=engine.clock.now()))


def plot_capacity(cluster: str, title: str | None = None) -> Any:
    """A plotly figure: capacity (ACU, steps) against load (statements per second) over lab time."""
    from datetime import datetime, timezone

    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cap = _engine().cluster(cluster)
    h = capacity_history(cluster)
    x = [datetime.fromtimestamp(t, tz=timezone.utc) for t in h["t"]]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=h["statements_per_s"], name="load (statements/s)", fill="tozeroy",
                             line={"color": "rgba(99,110,250,0.5)"}), secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=h["acu"], name="capacity (ACU)", line={"shape": "hv", "color": "#EF553B",
                                                                          "width": 3}), secondary_y=False)
    for level, label in ((cap.max_capacity, "MaxCapacity"), (cap.min_capacity, "MinCapacity")):
        fig.add_hline(y=level, line_dash="dot", annotation_text=f"{label} {level:g}", secondary_y=False)
    fig.update_yaxes(title_text="ACU", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="statements per second", rangemode="tozero", secondary_y=True)
    fig.update_layout(title=title or f"Aurora Serverless v2 '{cap.identifier}': capacity follows load "
                      "(simulated model)", xaxis_title="lab time (UTC)", hovermode="x unified")
    return fig


__all__ = ["activate", "AuroraEngine", "CapacityModel", "ClusterCapacity", "DayPlan", "plan_day", "check_scaling",
           "current_capacity",
           "capacity_history", "cluster_cost", "plot_capacity"]
