"""Layers of another account, and the one AWS publishes for Powertools for AWS Lambda (Python).

A function names a layer by its version ARN, and Lambda reads that layer from the account and
Region the ARN names ("Working with layers", https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html).
moto looks the name up in the function's own account, so a layer published by another account
(the usual case for a public layer) is never found, and one of the same name in the function's
account would be found instead. The seam below reads each ARN where it points.

Powertools is published by AWS as a public layer in account 017000801446 of every commercial
Region, ``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{python_version}-{arch}:{version}``
(``python_version`` as ``python312``, ``arch`` ``x86_64`` or ``arm64``; "Installation", Lambda
Layer, https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/). In the
mocked world that account publishes the layer the first time a function names it: its content
is the installed ``aws-lambda-powertools`` and its dependencies under ``python/``
(:func:`serverless_lab.packaging.layer_zip`), as every version number the ARN names (the course
does not know which Powertools release each of AWS's version numbers holds: it serves the
installed one). Versions are published one after the other up to the one named, as AWS's account
holds them all; a number above :data:`MAX_VERSION` is refused as a version that does not exist.
Without the layer a function's ``import aws_lambda_powertools`` fails with
``Runtime.ImportModuleError``, as on AWS (the runtime ships boto3, not Powertools).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from ..cloud.patching import Patcher, seam

LAYERS_DATA = seam(
    "moto.awslambda.models:LambdaFunction._get_layers_data", extension="lambda",
    why="moto finds a layer version by name in the function's own account; Lambda reads it from the account "
        "and Region its ARN names (a public layer such as AWS's Powertools layer lives in another account)")

POWERTOOLS_ACCOUNT = "017000801446"
POWERTOOLS_NAME = re.compile(r"^AWSLambdaPowertoolsPythonV3-(python3\d+)-(x86_64|arm64)$")
MAX_VERSION = 100


def powertools_arn(region: str, version: int, python: str = "python312", arch: str = "x86_64") -> str:
    """The ARN of AWS's Powertools for AWS Lambda (Python) v3 layer in ``region``."""
    return f"arn:aws:lambda:{region}:{POWERTOOLS_ACCOUNT}:layer:AWSLambdaPowertoolsPythonV3-{python}-{arch}:{version}"


def _split(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, name, version) of a layer version ARN, or None."""
    parts = arn.split(":")
    if len(parts) != 8 or parts[2] != "lambda" or parts[5] != "layer":
        return None
    return parts[3], parts[4], parts[6], parts[7]


def _publish_powertools(region: str, name: str, version: str) -> None:
    """AWS's account publishes the Powertools layer, up to ``version``, if it has not yet."""
    from moto.awslambda.models import lambda_backends

    from ..packaging import layer_zip

    match = POWERTOOLS_NAME.match(name)
    if not match or not version.isdigit() or not 1 <= int(version) <= MAX_VERSION:
        return
    backend = lambda_backends[POWERTOOLS_ACCOUNT][region]
    arn = powertools_arn(region, int(version), match.group(1), match.group(2))
    if backend.layers_versions_by_arn(arn) is not None:
        return
    from importlib import metadata

    content = base64.b64encode(layer_zip("aws-lambda-powertools")).decode()
    python = match.group(1)
    spec = {"LayerName": name, "Content": {"ZipFile": content},
            "CompatibleRuntimes": [f"python{python[6]}.{python[7:]}"],
            "CompatibleArchitectures": [match.group(2)],
            "Description": "Powertools for AWS Lambda (Python): the course serves the installed "
                           f"aws-lambda-powertools {metadata.version('aws-lambda-powertools')}",
            "LicenseInfo": "MIT-0"}
    first = None
    while backend.layers_versions_by_arn(arn) is None:
        lv = backend.publish_layer_version(spec)
        if first is None:
            first = lv
        else:
            lv.code_bytes = first.code_bytes     # one copy of the same content
        if int(lv.version) >= int(version):
            break


def layers_data(fn: Any, layers_versions_arns: list[str]) -> list[dict[str, Any]]:
    """Each layer version read from the account and Region its ARN names."""
    from moto.awslambda.exceptions import UnknownLayerVersionException
    from moto.awslambda.models import lambda_backends

    out = []
    for arn in layers_versions_arns:
        where = _split(arn)
        if where is None:
            raise UnknownLayerVersionException(layers_versions_arns)
        region, account, name, version = where
        if account == POWERTOOLS_ACCOUNT:
            _publish_powertools(region, name, version)
        lv = lambda_backends[account][region].layers_versions_by_arn(arn) if account.isdigit() else None
        if lv is None or lv.account_id != account:
            raise UnknownLayerVersionException(layers_versions_arns)
        out.append({"Arn": lv.arn, "CodeSize": lv.code_size})
    return out


def install(patcher: Patcher) -> None:
    patcher.replace(LAYERS_DATA, layers_data)


__all__ = ["powertools_arn", "POWERTOOLS_ACCOUNT", "install"]
