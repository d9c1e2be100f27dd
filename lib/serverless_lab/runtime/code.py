"""A function version's code on disk: its zip in a task root, its layers in an /opt-like dir.

AWS extracts the deployment package to ``/var/task`` and each layer, in order, to ``/opt``;
Python finds layer packages in ``/opt/python`` and ``/opt/python/lib/python3.x/site-packages``
(AWS Lambda Developer Guide, "Layers", packaging-layers.html). We do the same under a
temporary folder, once per version and code hash, and reuse it for every environment.

What a handler can import is exactly what it can import on AWS: its own code, its layers, and
what AWS's Python runtime ships (the standard library, boto3, botocore and their dependencies;
"Lambda runtimes", lambda-runtimes.html, and "Working with .zip file archives for Python",
python-package.html). :func:`runtime_dir` builds that last part as a folder of links to the
installed copies of boto3's distributions only; the worker runs without the virtual
environment's site-packages, so ``import flask`` in a zip without Flask fails as on AWS.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import threading
import warnings
import zipfile
from pathlib import Path


class CodeStore:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._dirs: dict[tuple, tuple[str, str]] = {}
        self._opts: dict[tuple[str, ...], str] = {}    # layer version ARNs → their extracted /opt

    def prepare(self, fn, layer_blobs: list[bytes]) -> tuple[str, str]:
        """Return (task_root, opt_dir) for a moto LambdaFunction, extracting on first use."""
        key = (fn.function_name, str(fn.version), getattr(fn, "code_sha_256", ""),
               tuple(layer["Arn"] for layer in (fn.layers or [])))
        with self._lock:
            found = self._dirs.get(key)
            if found and os.path.isdir(found[0]):
                return found
            base = self.root / _safe(fn.function_name) / f"{_safe(str(fn.version))}-{len(self._dirs)}"
            if base.exists():
                shutil.rmtree(base, ignore_errors=True)
            task = base / "task"
            task.mkdir(parents=True)
            code = getattr(fn, "code_bytes", b"") or b""
            if code:
                _extract(code, task)
            # a layer version is immutable: every version that names the same layers shares one /opt
            # (a large layer such as Powertools is extracted once per session, not once per version)
            arns = key[3]
            opt_dir = self._opts.get(arns)
            if opt_dir is None or not os.path.isdir(opt_dir):
                opt = self.root / ".layers" / str(len(self._opts)) if arns else base / "opt"
                if opt.exists():
                    shutil.rmtree(opt, ignore_errors=True)
                opt.mkdir(parents=True)
                for arn, blob in zip(arns, layer_blobs):
                    if not blob:
                        continue
                    try:
                        _extract(blob, opt)
                    except zipfile.BadZipFile:   # as moto's Docker path: left out, with a warning
                        warnings.warn(f"Error extracting layer to Lambda: {arn} is not a valid .zip file; "
                                      "the function runs without it.", RuntimeWarning, stacklevel=2)
                opt_dir = str(opt)
                if arns:
                    self._opts[arns] = opt_dir
            self._dirs[key] = (str(task), opt_dir)
            return self._dirs[key]

    def clear(self) -> None:
        with self._lock:
            self._dirs.clear()
            self._opts.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def layer_paths(opt: str, lang: str | None = None) -> list[str]:
    """Where Python finds layer content, in AWS's order (site-packages first, then python/): the
    folder of the function's runtime (python3.12 -> python/lib/python3.12/site-packages), which
    may differ from this interpreter's version (packaging-layers.html, "Layer paths")."""
    ver = lang or f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [os.path.join(opt, "python", "lib", ver, "site-packages"), os.path.join(opt, "python")]


# What AWS's Python runtime provides beyond the standard library: boto3 and what it needs.
RUNTIME_DISTRIBUTIONS = ("boto3",)
_runtime_entries: list[tuple[str, str]] | None = None


def runtime_distributions(roots: tuple[str, ...] = RUNTIME_DISTRIBUTIONS) -> dict:
    """{normalised name: importlib.metadata.Distribution} of ``roots`` and their dependencies."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: dict = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = canonicalize_name(dist.metadata["Name"])
        if key in seen:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def runtime_entries() -> list[tuple[str, str]]:
    """(top-level name, installed path) of every module or package AWS's runtime provides."""
    return list(_entries())


def _entries() -> list[tuple[str, str]]:
    """(top-level name, installed path) of every file or package the runtime provides."""
    global _runtime_entries
    if _runtime_entries is None:
        out: dict[str, str] = {}
        for dist in runtime_distributions().values():
            for f in dist.files or []:
                top = f.parts[0]
                if top.startswith("..") or top == "__pycache__" or top in out:
                    continue
                path = str(dist.locate_file(top))
                if os.path.exists(path):
                    out[top] = path
        _runtime_entries = sorted(out.items())
    return _runtime_entries


def runtime_dir(dest: str) -> str:
    """A folder of links to boto3 and its dependencies: the handler's view of the runtime."""
    os.makedirs(dest, exist_ok=True)
    for top, path in _entries():
        link = os.path.join(dest, top)
        if not os.path.lexists(link):
            try:
                os.symlink(path, link)
            except OSError:  # no symlinks (some file systems): copy instead
                (shutil.copytree if os.path.isdir(path) else shutil.copy2)(path, link)
    return dest


def _extract(blob: bytes, dest: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve())):
                continue  # no path traversal out of the task root
            zf.extract(info, dest)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
