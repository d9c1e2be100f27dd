"""CloudWatch Logs Insights over the lab's log groups (``logs.start_query`` and friends).

moto 5.2.5 answers ``StartQuery`` with a parser that knows ``fields``, ``sort`` and ``limit``
and ignores everything else (a ``filter`` or ``stats`` query returns every event), has no
``StopQuery``, and its ``GetQueryResults`` has no statistics. This extension runs the query
language in :mod:`.query` over the fields of :mod:`.fields`, through the seams in
:mod:`.service` (docs/architecture.md, "Seams").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .service import InsightsHandle

if TYPE_CHECKING:
    from ..cloud.session import MockSession

__all__ = ["InsightsHandle", "activate"]


def activate(session: MockSession) -> InsightsHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    return InsightsHandle(session.clock).start()
