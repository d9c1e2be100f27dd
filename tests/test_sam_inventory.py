"""docs/architecture.md lists what serverless_lab.iac supports, generated from the code."""

from __future__ import annotations

from pathlib import Path

from serverless_lab.iac import catalog, inventory, sam


def test_architecture_doc_lists_what_iac_supports():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert inventory.section(doc) == inventory.markdown(), (
        "docs/architecture.md's iac list is out of date: run "
        "`python -m serverless_lab.iac.inventory --write docs/architecture.md`")


def test_the_list_names_every_supported_type_and_event():
    text = inventory.markdown()
    for kind in [*catalog.SUPPORTED_TYPES, *sam.SUPPORTED, *sam.SUPPORTED_EVENT_PROPS]:
        assert f"`{kind}`" in text
