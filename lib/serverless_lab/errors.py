"""Errors a student can act on.

Every error the course raises on purpose derives from :class:`LabError` and carries a
``next_step``: what to do about it. The message reads as one short paragraph, never as a
traceback from deep inside moto.
"""

from __future__ import annotations


class LabError(RuntimeError):
    """An error with a plain explanation and the next thing to try."""

    def __init__(self, message: str, next_step: str = "") -> None:
        self.message = message
        self.next_step = next_step
        super().__init__(f"{message}\n  → {next_step}" if next_step else message)


class MockAlreadyActiveError(LabError):
    """A second ``mock_aws()`` was started while one is running."""


class PortInUseError(LabError):
    """The shared HTTP endpoint could not bind its port."""


class MissingDependencyError(LabError):
    """An optional package is not installed."""


class RealAWSNotConfirmedError(LabError):
    """The real-AWS backend was asked for without the explicit opt-in."""


def require(module: str, purpose: str, package: str | None = None):
    """Import ``module`` or explain how to install it (``purpose`` says what needs it)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pkg = package or module.split(".")[0]
        raise MissingDependencyError(
            f"{purpose} needs the Python package '{pkg}', which is not installed ({exc}).",
            "Run `make setup` from the course folder (it installs everything in requirements.txt), "
            f"or `pip install {pkg}` in this environment, then restart the kernel.",
        ) from None
