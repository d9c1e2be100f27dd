"""Capacity provider strategies (FARGATE / FARGATE_SPOT): which strategies a cluster accepts, and on
which provider each new task runs. Used by RunTask (engine.py) and by services (services.py)."""

from __future__ import annotations

from typing import Any

from .validation import _invalid

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


def is_fargate_strategy(strategy: list[dict[str, Any]]) -> bool:
    """A strategy of Fargate capacity providers (a strategy cannot mix them with Auto Scaling groups)."""
    return bool(strategy) and all(s.get("capacityProvider") in FARGATE_PROVIDERS for s in strategy)


def check_strategy(backend: Any, cluster: str, strategy: list[dict[str, Any]]) -> None:
    """AWS: "A capacity provider must be associated with the cluster to be used in a capacity provider
    strategy" (CreateService / RunTask capacityProviderStrategy, Amazon ECS API Reference), with
    CreateCluster(capacityProviders=...) or PutClusterCapacityProviders."""
    cluster_obj = backend._get_cluster(cluster)
    associated = set(cluster_obj.capacity_providers or [])
    missing = [s.get("capacityProvider") for s in strategy if s.get("capacityProvider") not in associated]
    if missing:
        raise _invalid(
            "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
            f"with the cluster. → Associate {', '.join(map(str, missing))} with cluster {cluster_obj.name!r} first: "
            f"ecs.put_cluster_capacity_providers(cluster={cluster_obj.name!r}, capacityProviders=['FARGATE', "
            "'FARGATE_SPOT'], defaultCapacityProviderStrategy=[]) (or create_cluster(..., capacityProviders=[...])).")


def place_on_providers(strategy: list[dict[str, Any]], have: dict[str, int], count: int) -> list[str]:
    """The capacity provider of each of ``count`` new tasks, given the tasks each provider already runs.

    Amazon ECS Developer Guide, "Capacity provider strategies": the ``base`` tasks (one provider may
    have one) run on that provider first; the rest are split by ``weight`` ("if you have a strategy
    that contains two capacity providers and both have a weight of 1, then when the base is
    satisfied, the tasks will be split evenly"; weight 0 takes none once the base is met).
    """
    have = dict(have)
    out: list[str] = []
    for _ in range(count):
        pick = next((str(s["capacityProvider"]) for s in strategy
                     if have.get(str(s["capacityProvider"]), 0) < int(s.get("base", 0) or 0)), None)
        if pick is None:
            weighted = [s for s in strategy if int(s.get("weight", 0) or 0) > 0] or strategy[:1]

            def load(s: dict[str, Any]) -> float:
                name = str(s["capacityProvider"])
                beyond = have.get(name, 0) - int(s.get("base", 0) or 0)
                return (beyond + 1) / max(int(s.get("weight", 0) or 0), 1)
            pick = str(min(weighted, key=load)["capacityProvider"])
        have[pick] = have.get(pick, 0) + 1
        out.append(pick)
    return out
