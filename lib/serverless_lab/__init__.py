"""Serverless Labs helper library.

``from serverless_lab import mock_aws`` is the entry point: a moto mock in which Lambda
runs real handler code, plus visualisers, a scaling simulator, prices and grading helpers.
"""

from . import _speedups

_speedups.apply()

from .cloud import current_session, mock_aws, start_lab  # noqa: E402 - after the speed-up, on purpose
from .errors import LabError  # noqa: E402

__version__ = "0.1.0"
__all__ = ["mock_aws", "start_lab", "current_session", "LabError", "__version__"]
