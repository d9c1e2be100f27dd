"""Imported INSIDE the kernel that runs a student's notebook for grading.

Tests run in the same Python process as the student's code, so a student can (by accident
or on purpose) redefine what the tests rely on: `math.isclose = lambda *a, **k: True`,
`builtins.len`, `sys.exit`, `AssertionError`, IPython's traceback display, or an input
transformer that wraps every cell in `try: … except: pass`. The grader therefore

* takes a snapshot of those objects before any student cell runs (`snapshot()`),
* puts them back at the start of every graded cell and records what had changed (`restore()`),
* ends every graded cell with a per-run marker (`done()`): a cell whose errors were
  swallowed never reaches its last line, so it cannot look like a pass.

This defeats generic tampering. It is not a security boundary: code in the same process can
always find and defeat a guard written for it; see "Limits" in the README.
"""

from __future__ import annotations

import importlib
import json
import sys

_MISSING = object()
# the kernel itself swaps these per request (ipykernel's input() forwarding)
_VOLATILE = {"builtins.input", "builtins.raw_input", "builtins.getpass"}
# module -> names to watch (None: every public name, plus builtins' __import__/__build_class__)
WATCH: dict[str, tuple[str, ...] | None] = {
    "builtins": None,
    "math": None,
    "cmath": None,
    "operator": None,
    "json": None,
    "uuid": None,
    "sys": ("exit", "displayhook", "stdout", "stderr", "breakpointhook"),
    "os": ("_exit", "kill", "abort"),
    "numpy": ("isclose", "allclose", "array_equal", "array_equiv", "all", "any", "testing"),
    "numpy.testing": None,
    "unittest": None,
}
_snap: dict[str, tuple[object, dict[str, object]]] = {}
_ip_snap: dict[str, object] = {}
_tampered: list[str] = []
_limit = {"chars": 0, "cap": 0, "noted": False}
_raw: dict[str, object] = {}


def _names(mod: object, wanted: tuple[str, ...] | None) -> dict[str, object]:
    if wanted is None:
        return {k: v for k, v in vars(mod).items()
                if not k.startswith("_") or k in ("__import__", "__build_class__")}
    return {k: getattr(mod, k, _MISSING) for k in wanted}


def _cap_streams(*_args: object) -> None:
    """Bound what the kernel sends: gigabytes of print() would otherwise flood the grader.

    IPython wraps each stream's `write` for the duration of every cell (and puts the old one
    back after), so the cap is re-applied on top of it before each cell (pre_run_cell).
    """
    for stream in (sys.stdout, sys.stderr):
        write = stream.write
        if getattr(write, "_serverless_lab_capped", False):
            continue

        def capped(text, *args, _write=write, **kwargs):  # noqa: ANN001
            n = len(text)
            if _limit["chars"] + n <= _limit["cap"]:
                _limit["chars"] += n
                return _write(text, *args, **kwargs)
            if not _limit["noted"]:
                _limit["noted"] = True
                _write(f"\n[output truncated by the grader after {_limit['cap']:,} characters]\n")
            return n

        capped._serverless_lab_capped = True  # type: ignore[attr-defined]
        try:
            stream.write = capped
        except (AttributeError, TypeError):
            pass


def snapshot(output_cap: int = 10_000_000) -> None:
    """Record the pristine objects (and cap stdout/stderr) before any student cell runs."""
    _limit["cap"] = output_cap
    _raw["stdout"], _raw["flush"] = sys.stdout.write, sys.stdout.flush
    _cap_streams()
    for name, wanted in WATCH.items():
        try:
            mod = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional modules (numpy) may be absent
            continue
        _snap[name] = (mod, _names(mod, wanted))
    try:
        ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821
    except NameError:
        ip = None
    if ip is not None:
        ip.events.register("pre_run_cell", _cap_streams)
        _ip_snap["ip"] = ip
        _ip_snap["dict"] = set(vars(ip))
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            _ip_snap[attr] = list(getattr(ip, attr, []))


def restore(marker: str = "") -> list[str]:
    """Put back every watched object a student replaced; return (and report) their names."""
    changed: list[str] = []
    for name, (mod, saved) in _snap.items():
        current = vars(mod)
        for key, value in saved.items():
            if f"{name}.{key}" in _VOLATILE:
                continue
            if current.get(key, _MISSING) is not value:
                changed.append(f"{name}.{key}")
                if value is _MISSING:
                    current.pop(key, None)
                else:
                    current[key] = value
    ip = _ip_snap.get("ip")
    if ip is not None:
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            lst = getattr(ip, attr, None)
            if isinstance(lst, list) and lst != _ip_snap[attr]:
                changed.append(f"IPython.{attr}")
                lst[:] = _ip_snap[attr]
        for key in set(vars(ip)) - _ip_snap["dict"]:  # type: ignore[operator]
            if callable(getattr(type(ip), key, None)):
                changed.append(f"IPython.{key}")
                delattr(ip, key)
    if sys.gettrace() is not None:
        changed.append("sys.settrace")
        sys.settrace(None)
    for item in changed:
        if item not in _tampered:
            _tampered.append(item)
    if changed and marker:  # reported at once: the rest of the cell may never run
        write = _raw.get("stdout") or sys.stdout.write
        write("\n" + marker + "T:" + json.dumps(changed) + "\n")  # type: ignore[operator]
    return changed


def done(marker: str) -> None:
    """The last line of a graded cell: proof that the cell ran to its end."""
    write = _raw.get("stdout") or sys.stdout.write
    write("\n" + marker + "D:" + json.dumps(_tampered) + "\n")  # type: ignore[operator]
    flush = _raw.get("flush") or sys.stdout.flush
    flush()  # type: ignore[operator]
