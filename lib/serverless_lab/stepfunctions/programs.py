"""Parse each definition, and each JSONPath, once.

moto parses the definition with ANTLR at the start of every execution (several ms for a small
machine, more for a large one): in a lab that starts hundreds of executions, the parser is the
biggest cost after the handlers themselves. The parsed program of a definition never changes, so
the course keeps a pristine copy per definition text and gives each execution its own copy: a
``pickle`` snapshot taken once and loaded per execution (a fifth of the time of ``copy.deepcopy``,
which stays the fallback for a program that cannot be pickled); an execution never sees another
one's state.

JSONPath expressions (``ResultPath``, ``InputPath``, ``$.order.total`` in a Choice...) are parsed by
``jsonpath_ng``, which builds a new yacc parser for every call: a few milliseconds per state. Parsed
paths are immutable, so they are cached by their text.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import pickle
import threading
from collections import OrderedDict
from typing import Any

from ..cloud.patching import Patcher, seam

ENTRYPOINT_SEAM = seam(
    "moto.stepfunctions.parser.backend.execution_worker:ExecutionWorker._get_evaluation_entrypoint",
    why="moto re-parses the definition (ANTLR) at every execution start; the course parses each "
        "definition once and starts executions from a copy",
    extension="stepfunctions")

RESULT_PATH_PARSE_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.common.path.result_path:parse",
    why="jsonpath_ng builds a new parser for every ResultPath of every state; the course caches parsed paths",
    extension="stepfunctions")
JSON_PATH_PARSE_SEAM = seam(
    "moto.stepfunctions.parser.asl.utils.json_path:parse",
    why="jsonpath_ng builds a new parser for every JSONPath read (InputPath, Parameters, Choice); the "
        "course caches parsed paths",
    extension="stepfunctions")

_MAX = 256


def _snapshot(program: Any) -> Any:
    """What each execution's copy is made from: pickled bytes, or the program itself when it
    cannot be pickled (a component holding a lambda, a lock...), to be deep-copied."""
    try:
        return pickle.dumps(program, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - any pickling failure: deepcopy as before
        return program


class ProgramCache:
    def __init__(self) -> None:
        self._programs: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.parses = 0

    def parse(self, definition: str) -> Any:
        """The parsed program of ``definition`` (a fresh copy every call)."""
        with self._lock:
            pristine = self._programs.get(definition)
            if pristine is not None:
                self._programs.move_to_end(definition)
        if pristine is None:
            from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

            with contextlib.redirect_stderr(io.StringIO()):
                program = AmazonStateLanguageParser.parse(definition)[0]
            self.parses += 1
            pristine = _snapshot(program)
            with self._lock:
                self._programs[definition] = pristine
                while len(self._programs) > _MAX:
                    self._programs.popitem(last=False)
        if isinstance(pristine, bytes):
            return pickle.loads(pristine)  # noqa: S301 - bytes the course pickled itself, just above
        return copy.deepcopy(pristine)


def install(patcher: Patcher) -> ProgramCache:
    cache = ProgramCache()
    for path_seam in (RESULT_PATH_PARSE_SEAM, JSON_PATH_PARSE_SEAM):
        patcher.replace(path_seam, functools.lru_cache(maxsize=4096)(path_seam.current()))

    def entrypoint(worker: Any) -> Any:
        return cache.parse(worker._evaluation_details.state_machine_details.definition)

    patcher.replace(ENTRYPOINT_SEAM, entrypoint)
    return cache
