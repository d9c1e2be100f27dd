"""The mocked cloud: ``mock_aws()``, the shared HTTP endpoint, and the backend switch."""

from .credentials import real_credentials_present
from .session import DEFAULT_ACCOUNT, DEFAULT_REGION, MockSession, current_session, mock_aws, start_lab

__all__ = ["mock_aws", "start_lab", "MockSession", "current_session", "real_credentials_present",
           "DEFAULT_REGION", "DEFAULT_ACCOUNT"]
