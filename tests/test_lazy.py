"""cloud.lazy: callbacks on first import, at once when already imported, cancellable."""

import sys
import types

from serverless_lab.cloud.lazy import when_imported


def test_callback_runs_on_first_import_and_at_once_after(tmp_path, monkeypatch):
    (tmp_path / "lazy_demo_mod.py").write_text("VALUE = 41\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[int] = []
    cancelled = when_imported("lazy_demo_mod", lambda m: seen.append(-1))
    cancelled.cancel()
    when_imported("lazy_demo_mod", lambda m: seen.append(m.VALUE + 1))
    assert seen == []
    import lazy_demo_mod  # noqa: F401

    assert seen == [42]
    when_imported("lazy_demo_mod", lambda m: seen.append(m.VALUE))
    assert seen == [42, 41]
    sys.modules.pop("lazy_demo_mod", None)


def test_a_failing_callback_is_loud_and_stays_pending(tmp_path, monkeypatch):
    """A patch that fails when moto imports its module must not leave moto silently unpatched
    (docs/architecture.md, "Seams"): the import raises, and so does the next one."""
    import pytest

    (tmp_path / "lazy_demo_bad.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    hook = when_imported("lazy_demo_bad", lambda m: 1 / 0)
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            import lazy_demo_bad  # noqa: F401
    assert isinstance(hook.error, ZeroDivisionError)
    hook.cancel()
    import lazy_demo_bad

    assert isinstance(lazy_demo_bad, types.ModuleType) and lazy_demo_bad.X == 1
    sys.modules.pop("lazy_demo_bad", None)


def test_a_seam_failing_on_import_is_a_seam_error_naming_the_module():
    import pytest

    from serverless_lab.cloud.patching import Patcher, SeamError

    patcher = Patcher()
    with pytest.raises(SeamError, match="json.*AttributeError") as err:
        patcher.on_import("json", lambda m: m.no_such_attribute)
    assert "requirements.txt" in err.value.next_step
    patcher.undo()
