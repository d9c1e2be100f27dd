"""Deployment packages, layers and roles, the chores before every `create_function`.

On AWS you zip your code (`zip function.zip lambda_function.py`) and give the function an IAM
execution role. Labs do the same in a cell: :func:`zip_code` builds the zip in memory and
:func:`lambda_role` creates (once) a role Lambda can assume.

A handler sees only its zip, its layers and what AWS's Python runtime ships (the standard
library, boto3 and its dependencies). Anything else, such as Powertools for AWS Lambda or
pydantic, goes into a layer: :func:`layer_zip` packs installed distributions (with their
dependencies) under ``python/`` exactly as ``pip install -t python/`` would for a layer, and
:func:`publish_layer` publishes it (AWS Lambda Developer Guide, "Working with layers for Python
Lambda functions", https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html).
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Mapping
from typing import Any

from .errors import LabError

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


def zip_code(source: str | Mapping[str, str | bytes], filename: str = "lambda_function.py") -> bytes:
    """A zip deployment package: one source string (as ``filename``) or {path: content}.

    Source text is dedented, so a lab can write the handler as an indented triple-quoted string.
    """
    files = {filename: source} if isinstance(source, str) else dict(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, content in files.items():
            data = content if isinstance(content, bytes) else textwrap.dedent(content).lstrip("\n")
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def lambda_role(iam: Any = None, name: str = "serverless-lab-lambda-role") -> str:
    """ARN of an execution role Lambda can assume, created on first use (idempotent)."""
    if iam is None:
        import boto3

        iam = boto3.client("iam", region_name="us-east-1")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                               Description="Execution role for Serverless Labs functions")
        # What AWS's managed AWSLambdaBasicExecutionRole grants, inline (moto does not load
        # AWS-managed policies unless asked to).
        iam.put_role_policy(RoleName=name, PolicyName="basic-execution", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
        }))
        return role["Role"]["Arn"]


LAYER_SIZE_LIMIT = 50 * 1024 * 1024   # AWS: 50 MB zipped for a direct upload (Lambda quotas)


def _closure(requirements: tuple[str, ...], skip: set[str]) -> list:
    """The installed distributions ``requirements`` name, with their dependencies (extras honoured)."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, Any] = {}
    todo: list[tuple[str, frozenset[str], str]] = []
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise LabError(f"{text!r} is not a package requirement: {exc}.",
                           "Name installed packages as pip does, e.g. 'aws-lambda-powertools[parser]'.") from None
        todo.append((req.name, frozenset(req.extras), text))
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras, wanted_by = todo.pop()
        key = canonicalize_name(name)
        if key in skip or (key, extras) in done:
            continue
        done.add((key, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise LabError(f"The package {name!r} (needed by {wanted_by!r}) is not installed, so it cannot go "
                           "into a layer.", f"Install it first: python -m pip install {name!r}.") from None
        found.setdefault(key, dist)
        for text in dist.requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            todo.append((req.name, frozenset(req.extras), name))
    return list(found.values())


def layer_zip(*requirements: str, include_runtime: bool = False) -> bytes:
    """A layer .zip holding installed distributions and their dependencies under ``python/``.

    ``layer_zip("aws-lambda-powertools[parser]")`` packs Powertools, pydantic and what they need
    (the copies installed here, as ``pip install -t python/`` would). What AWS's runtime already
    ships (boto3, botocore and their dependencies) is left out unless ``include_runtime=True``.
    """
    if not requirements:
        raise LabError("layer_zip() needs at least one package name.",
                       "For example: layer_zip('aws-lambda-powertools[parser]').")
    key = (tuple(requirements), include_runtime)
    if key not in _layer_cache:   # the installed files do not change while the kernel runs
        _layer_cache[key] = _build_layer(requirements, include_runtime)
    return _layer_cache[key]


_layer_cache: dict[tuple, bytes] = {}


def _build_layer(requirements: tuple[str, ...], include_runtime: bool) -> bytes:
    from packaging.utils import canonicalize_name

    from .runtime.code import runtime_distributions

    skip = set() if include_runtime else set(runtime_distributions())
    skip -= {canonicalize_name(r.split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip())
             for r in requirements}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for dist in _closure(requirements, skip):
            for f in dist.files or []:
                if f.parts[0].startswith("..") or "__pycache__" in f.parts or f.suffix == ".pyc":
                    continue
                path = dist.locate_file(f)
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                info = zipfile.ZipInfo("python/" + "/".join(f.parts), date_time=(2024, 1, 1, 0, 0, 0))
                info.external_attr = 0o755 << 16 if f.suffix == ".so" else 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    blob = buffer.getvalue()
    if len(blob) > LAYER_SIZE_LIMIT:
        raise LabError(f"The layer is {len(blob) / 2**20:.1f} MB zipped; AWS accepts at most 50 MB in a direct "
                       "upload.", "Put fewer packages in it, or split it into several layers (up to 5 per function).")
    return blob


def publish_layer(lam: Any, name: str, *requirements: str, runtimes: tuple[str, ...] = ("python3.12", "python3.13",
                  "python3.14"), description: str | None = None) -> str:
    """Publish a layer of installed packages (see :func:`layer_zip`); return its LayerVersionArn."""
    out = lam.publish_layer_version(
        LayerName=name, Content={"ZipFile": layer_zip(*requirements)}, CompatibleRuntimes=list(runtimes),
        Description=description or ("Packages: " + ", ".join(requirements))[:256])
    return out["LayerVersionArn"]
