"""``sam build`` + ``sam package`` for the mocked world: local folders → zips in S3.

A SAM template points ``CodeUri`` (functions) and ``ContentUri`` (layers) at folders beside it.
``sam package`` zips each folder, uploads it to an artifacts bucket and rewrites the template
to ``s3://bucket/key``; CloudFormation only ever sees S3 locations. The course does the same
against the mock. A layer folder that holds only a ``requirements.txt`` (what ``sam build``
would ``pip install`` into ``python/``) is built offline from the distributions installed in
this environment, with the exact pinned versions, leaving out what AWS's Python runtime
already ships (boto3 and its dependencies).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import LabError

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
    info = zipfile.ZipInfo(arcname, date_time=_ZIP_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def zip_folder(folder: Path, prefix: str = "") -> bytes:
    """The folder's files (no caches) in a zip, reproducibly (same bytes for the same files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            _add(zf, prefix + path.relative_to(folder).as_posix(), path.read_bytes())
    return buffer.getvalue()


def _requirements(path: Path) -> list[tuple[str, str | None]]:
    """``(requirement without its pin, pinned version or None)`` per line of a requirements file."""
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*(?:==\s*([^\s;]+))?\s*$", line)
        if not m:
            raise LabError(f"{path}: cannot read the requirement {line!r}.",
                           "Write one `name==version` (or `name[extra]==version`) per line.")
        out.append((m.group(1), m.group(2)))
    return out


def build_layer(requirements: Path) -> bytes:
    """A layer zip (packages under ``python/``) from a requirements file, built offline.

    What ``sam build`` does with ``pip install -r requirements.txt -t python/``, from the
    distributions installed here (:func:`serverless_lab.packaging.layer_zip`): a pinned version
    must be the installed one, and what AWS's runtime ships (boto3 and its dependencies) is left out.
    """
    from ..packaging import layer_zip

    wanted = _requirements(requirements)
    if not wanted:
        raise LabError(f"{requirements} lists no package.", "Add one `name==version` per line.")
    for name, version in wanted:
        base = name.split("[", 1)[0]
        try:
            installed = metadata.version(base)
        except metadata.PackageNotFoundError:
            raise LabError(f"The layer needs {base}, which is not installed here.",
                           "Install the course's pinned environment (`make setup`), or build the "
                           "layer with `sam build` on a machine with network access.") from None
        if version and installed != version:
            raise LabError(f"The layer pins {base}=={version} but {installed} is installed.",
                           "Pin the version the course installs (see requirements.txt).")
    return layer_zip(*(name for name, _ in wanted))


def artifact(folder: Path, *, layer: bool) -> bytes:
    """The zip ``sam build`` would make of a function's or a layer's folder."""
    if not folder.is_dir():
        raise LabError(f"{folder} is not a folder.",
                       "CodeUri / ContentUri must name a folder beside the template (or an s3:// URI).")
    req = folder / "requirements.txt"
    if layer and req.exists() and not any(p for p in folder.iterdir() if p.name != "requirements.txt"):
        return build_layer(req)
    return zip_folder(folder)


def package(template: dict[str, Any], base_dir: Path, s3: Any, bucket: str) -> dict[str, Any]:
    """Upload every local CodeUri / ContentUri to ``bucket``; rewrite them to ``s3://`` URIs."""
    uploaded: dict[tuple[str, bool], str] = {}

    def upload(value: Any, layer: bool) -> Any:
        if not isinstance(value, str) or value.startswith("s3://"):
            return value
        folder = (base_dir / value).resolve()
        if (str(folder), layer) not in uploaded:
            # a .zip (or .jar) file is uploaded as it is, as `sam package` does
            data = folder.read_bytes() if folder.is_file() and folder.suffix in (".zip", ".jar") \
                else artifact(folder, layer=layer)
            key = hashlib.md5(data).hexdigest()  # noqa: S324 - a content name, as sam package does
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            uploaded[(str(folder), layer)] = f"s3://{bucket}/{key}"
        return uploaded[(str(folder), layer)]

    def include(value: Any) -> Any:
        """AWS::Include snippets at a local path are uploaded (`aws cloudformation package` does it)."""
        if isinstance(value, dict):
            spec = value.get("Fn::Transform") if "Fn::Transform" in value else None
            if isinstance(spec, dict) and spec.get("Name") == "AWS::Include":
                location = (spec.get("Parameters") or {}).get("Location")
                if isinstance(location, str) and not location.startswith(("s3://", "http")):
                    path = (base_dir / location).resolve()
                    if not path.is_file():
                        raise LabError(f"The AWS::Include snippet {location} is not a file beside the template.",
                                       "Give Location the path of the snippet (or an s3:// URI).")
                    data = path.read_bytes()
                    key = hashlib.md5(data).hexdigest() + path.suffix  # noqa: S324 - a content name
                    s3.put_object(Bucket=bucket, Key=key, Body=data)
                    spec["Parameters"]["Location"] = f"s3://{bucket}/{key}"
            for inner in value.values():
                include(inner)
        elif isinstance(value, list):
            for inner in value:
                include(inner)
        return value

    include(template)
    transform = template.get("Transform")
    for spec in transform if isinstance(transform, list) else [transform]:
        if isinstance(spec, dict):
            include({"Fn::Transform": spec})
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    if "CodeUri" in globals_fn:
        globals_fn["CodeUri"] = upload(globals_fn["CodeUri"], False)
    for resource in (template.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and "CodeUri" in props:
            props["CodeUri"] = upload(props["CodeUri"], False)
        elif resource.get("Type") == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str) \
                and not props["DefinitionUri"].startswith("s3://"):
            path = (base_dir / props["DefinitionUri"]).resolve()
            if not path.is_file():
                raise LabError(f"The state machine definition {props['DefinitionUri']} is not a file beside "
                               "the template.", "Give DefinitionUri the path of the .asl.json file (or an s3:// URI).")
            data = path.read_bytes()
            key = hashlib.md5(data).hexdigest() + path.suffix  # noqa: S324 - a content name, as sam package does
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            props["DefinitionUri"] = f"s3://{bucket}/{key}"
        elif resource.get("Type") == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = upload(props["ContentUri"], True)
        elif resource.get("Type") == "AWS::Lambda::Function" and isinstance(
                (props.get("Code") or {}), str):
            uri = upload(props["Code"], False)[5:]
            props["Code"] = {"S3Bucket": uri.split("/", 1)[0], "S3Key": uri.split("/", 1)[1]}
    return template


def artifacts_bucket(s3: Any, account_id: str, region: str) -> str:
    """The bucket ``sam deploy --resolve-s3`` would create (one per account and region)."""
    name = f"aws-sam-cli-managed-default-{account_id}-{region}"
    try:
        s3.head_bucket(Bucket=name)
    except Exception:  # noqa: BLE001 - not there yet
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


__all__ = ["package", "build_layer", "zip_folder", "artifact", "artifacts_bucket"]
