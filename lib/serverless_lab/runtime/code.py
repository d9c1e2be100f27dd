"""A function version's code on disk: its zip in a task root, its layers in an /opt-like dir.

AWS extracts the deployment package to ``/var/task`` and each layer, in order, to ``/opt``;
Python finds layer packages in ``/opt/python`` and ``/opt/python/lib/python3.x/site-packages``
(AWS Lambda Developer Guide, "Layers", packaging-layers.html). We do the same under a
temporary folder, once per version and code hash, and reuse it for every environment.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import threading
import zipfile
from pathlib import Path


class CodeStore:
    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._dirs: dict[tuple, tuple[str, str]] = {}

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
            task, opt = base / "task", base / "opt"
            task.mkdir(parents=True)
            opt.mkdir()
            code = getattr(fn, "code_bytes", b"") or b""
            if code:
                _extract(code, task)
            for blob in layer_blobs:
                if blob:
                    _extract(blob, opt)
            self._dirs[key] = (str(task), str(opt))
            return self._dirs[key]

    def clear(self) -> None:
        with self._lock:
            self._dirs.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def layer_paths(opt: str) -> list[str]:
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [os.path.join(opt, "python"), os.path.join(opt, "python", "lib", ver, "site-packages")]


def _extract(blob: bytes, dest: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve())):
                continue  # no path traversal out of the task root
            zf.extract(info, dest)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
