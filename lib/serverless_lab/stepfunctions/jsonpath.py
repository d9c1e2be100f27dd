"""JSONPath reads that return what AWS returns.

moto 5.2's ``extract_json`` wraps the value of a path that steps through an array index and then a field
(``$.Containers[0].ExitCode``) in a list (``[0]``): a side effect of its fix for getmoto/moto#7825.
On AWS a definite path — no wildcard, slice, filter, union or deep scan — always yields the single value.
moto already unwraps paths that *end* in an index; the course extends that rule to every definite path.
"""

from __future__ import annotations

import re
from typing import Any

from ..cloud.patching import Patcher, seam

SINGLETON_SEAM = seam(
    "moto.stepfunctions.parser.asl.utils.json_path:_is_singleton_array_access",
    why="moto returns [0] for $.Containers[0].ExitCode (a field after an array index); AWS returns 0: "
        "every definite JSONPath yields one value",
    extension="stepfunctions")

_INDEFINITE = re.compile(r"\*|\.\.|\?\(|\[[^\]]*[:,][^\]]*\]")


def is_definite(path: str) -> bool:
    """True when ``path`` names one location (no ``*``, ``..``, filters, slices or unions)."""
    return not _INDEFINITE.search(path)


def install(patcher: Patcher) -> None:
    original = SINGLETON_SEAM.current()

    def singleton(path: str) -> Any:
        return original(path) or is_definite(path)

    patcher.replace(SINGLETON_SEAM, singleton)
