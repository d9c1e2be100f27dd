"""Checks AWS makes and moto skips, raised as the ECS errors AWS returns plus what to do next.

moto lets an invalid Fargate task definition through and then fails deep inside RunTask with a
``TypeError`` or ``KeyError``; a student sees a traceback from moto. These checks run first and
answer with AWS's own error code and wording (so ``err.response["Error"]["Code"]`` is what AWS
would say), followed by the next step.
"""

from __future__ import annotations

from typing import Any

from . import sizes


def _client_error(message: str) -> Exception:
    from moto.ecs.exceptions import EcsClientException

    return EcsClientException(message)


def _invalid(message: str) -> Exception:
    from moto.ecs.exceptions import InvalidParameterException

    return InvalidParameterException(message)


def check_task_definition(container_definitions: list[dict[str, Any]], kwargs: dict[str, Any]) -> None:
    """RegisterTaskDefinition rules for ``requiresCompatibilities=["FARGATE"]``."""
    if "FARGATE" not in (kwargs.get("requires_compatibilities") or []):
        return
    mode = kwargs.get("network_mode")
    if mode and mode != "awsvpc":
        raise _client_error(f"Fargate only supports network mode 'awsvpc' (got {mode!r}). → Pass "
                            "networkMode='awsvpc' or leave it out.")
    cpu_raw, mem_raw = kwargs.get("cpu"), kwargs.get("memory")
    if cpu_raw is None:
        raise _client_error("Fargate requires that 'cpu' be defined at the task level. → Pass cpu='256' "
                            "(0.25 vCPU) or another Fargate size: " + sizes.describe_valid())
    if mem_raw is None:
        raise _client_error("Fargate requires that 'memory' be defined at the task level. → Pass memory='512' "
                            "(MiB) or another size valid for your cpu: " + sizes.describe_valid(sizes.parse_cpu(cpu_raw)))
    cpu, memory = sizes.parse_cpu(cpu_raw), sizes.parse_memory(mem_raw)
    if cpu is None or memory is None or not sizes.is_valid(cpu, memory):
        raise _client_error(
            f"No Fargate configuration exists for given values: {cpu_raw} CPU, {mem_raw} memory. See the Amazon "
            "ECS documentation for the valid values. → Valid pairs: " + sizes.describe_valid(cpu))
    storage = (kwargs.get("ephemeral_storage") or {}).get("sizeInGiB")
    if storage is not None and not 21 <= int(storage) <= 200:
        raise _client_error(f"The ephemeral storage size must be between 21 and 200 GiB (got {storage}). → Leave "
                            "ephemeralStorage out for the free 20 GiB, or ask for 21-200 (billed above 20).")
    arch = (kwargs.get("runtime_platform") or {}).get("cpuArchitecture")
    if arch is not None and arch not in ("X86_64", "ARM64"):
        raise _client_error(f"Invalid cpuArchitecture {arch!r}. → Use runtimePlatform={{'cpuArchitecture': 'ARM64', "
                            "'operatingSystemFamily': 'LINUX'}} (Graviton, about 20% cheaper) or 'X86_64'.")
    for cd in container_definitions:
        logcfg = cd.get("logConfiguration") or {}
        if logcfg.get("logDriver") == "awslogs" and not kwargs.get("execution_role_arn"):
            raise _client_error(
                "Fargate requires task definition to have execution role ARN to support log driver awslogs. "
                "→ Pass executionRoleArn (any role ARN works in the mocked account, e.g. "
                "'arn:aws:iam::123456789012:role/ecsTaskExecutionRole'); on AWS it is the role that lets "
                "Fargate pull images and write logs.")
        if "command" not in cd and "entryPoint" not in cd:
            continue  # may come from containerOverrides at RunTask; reported when the task starts


def check_count(count: int) -> None:
    if not 1 <= int(count) <= 10:
        raise _invalid(f"count must be between 1 and 10 (got {count}). → Call run_task again for more tasks.")


def check_supports_fargate(definition: Any) -> None:
    if "FARGATE" not in (definition.requires_compatibilities or []):
        raise _client_error(
            "Task definition does not support launch_type FARGATE. → Register it with "
            "requiresCompatibilities=['FARGATE'], networkMode='awsvpc' and task-level cpu and memory.")


def check_network(backend: Any, config: dict[str, Any] | None) -> dict[str, Any]:
    """awsvpc needs subnets that exist; a missing security group list means the VPC's default group."""
    hint = ("→ Pass networkConfiguration={'awsvpcConfiguration': {'subnets': [...], 'assignPublicIp': "
            "'ENABLED'}}; serverless_lab.fargate.default_network_configuration() builds one from the "
            "account's default VPC.")
    vpc = (config or {}).get("awsvpcConfiguration")
    if not vpc:
        raise _invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified. " + hint)
    subnets = vpc.get("subnets") or []
    if not subnets:
        raise _invalid("subnets can not be empty. " + hint)
    if len(subnets) > 16:
        raise _invalid("subnets can have at most 16 items.")
    from moto.ec2.exceptions import InvalidSubnetIdError
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[backend.account_id][backend.region_name]
    vpc_ids = []
    for subnet_id in subnets:
        try:
            vpc_ids.append(ec2.get_subnet(subnet_id).vpc_id)
        except InvalidSubnetIdError:
            raise _invalid(f"Error retrieving subnet information for [{subnet_id}]: The subnet ID '{subnet_id}' "
                           f"does not exist (Service: AmazonEC2). {hint}") from None
    out = {**(config or {}), "awsvpcConfiguration": dict(vpc)}
    if not vpc.get("securityGroups"):
        group = ec2.get_default_security_group(vpc_ids[0])
        out["awsvpcConfiguration"]["securityGroups"] = [group.id] if group is not None else []
    return out
