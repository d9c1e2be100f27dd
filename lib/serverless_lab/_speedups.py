"""Start-up costs the course avoids.

``rfc3987_syntax`` builds about forty Earley parsers when it is imported: 2–6 s on a 2-core
machine, paid by every process that imports jsonschema (nbformat, nbclient, nbgrader, moto's
API Gateway). jsonschema imports it optionally, only to check the "iri" formats, which
nothing in the course validates. Marking it absent makes jsonschema skip it.
Set SERVERLESS_LAB_KEEP_RFC3987=1 to keep it.
"""

from __future__ import annotations

import os
import sys


def apply() -> None:
    if os.environ.get("SERVERLESS_LAB_KEEP_RFC3987") != "1" and "jsonschema._format" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
