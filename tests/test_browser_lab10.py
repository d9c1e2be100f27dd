"""Lab 10's web page in a real browser: upload a file, see its result listed.

The capstone template is deployed into the mocked world; headless Chromium (Debian's, driven by
Playwright) opens the page the HTTP API serves at ``GET /``, chooses a file, uploads it through
the presigned URL the API issues, and waits until the list (refreshed every two seconds from
``GET /results``) shows the processed result. Under CI (CI=true) a missing browser fails the
test; elsewhere it skips with the command that installs Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, need
from conftest import ROOT

pytestmark = pytest.mark.browser

LAB = ROOT / "solutions" / "lab10-capstone"


@pytest.fixture
def capstone():
    from serverless_lab import mock_aws
    from serverless_lab.iac import deploy

    with mock_aws(s3_notifications="async") as aws:
        app = deploy(LAB / "template.yaml", stack_name="capstone-browser")
        api_id = app.outputs["ApiUrl"].split("//")[1].split(".")[0]
        yield aws, app, aws.extension("integrations").url_for(api_id) + "/"


def test_upload_a_file_and_see_its_result_listed(capstone, tmp_path):
    need(Path(CHROMIUM).exists(), "Chromium is not installed; install it with `sudo apt-get install chromium` "
                                   "(Debian/Ubuntu) to run the browser test.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright is not installed; run `make setup` (pip install -r requirements.txt).")
    import boto3

    aws, app, page_url = capstone
    upload = tmp_path / "browser-notes.txt"
    upload.write_text("uploaded from a real browser\nthrough a presigned URL\n")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = None
        try:
            page = browser.new_page()
            page.on("console", lambda m: m.type == "error" and print("browser console:", m.text[:300]))
            page.goto(page_url, timeout=60_000)
            page.wait_for_selector("#upload-form", timeout=30_000)
            page.set_input_files("#file", str(upload))
            page.click("#upload")
            page.wait_for_function("() => (document.getElementById('status').dataset.fileId || '') !== ''",
                                   timeout=30_000)
            file_id = page.evaluate("() => document.getElementById('status').dataset.fileId")
            row = page.locator(f"#results tr[data-file-id='{file_id}']")
            row.wait_for(timeout=30_000)       # the page's own refresh lists it once processed
            cells = row.locator("td").all_inner_texts()
            page.screenshot(path=str(tmp_path / "capstone.png"), full_page=True)
        except Exception:
            if page is not None:
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print(f"failure screenshot: {tmp_path / 'failure.png'}")
            raise
        finally:
            browser.close()
    assert cells[0] == "browser-notes.txt" and cells[1] == "txt"
    assert "2 lines" in cells[2] and cells[3] == f"{len(upload.read_bytes())} B"
    # the bytes went to S3 (through the presigned URL) and the result lives in DynamoDB
    key = f"uploads/{file_id}/browser-notes.txt"
    assert boto3.client("s3").get_object(Bucket=app.outputs["UploadsBucketName"], Key=key)["Body"].read() == \
        upload.read_bytes()
    table = boto3.resource("dynamodb").Table(app.outputs["ResultsTableName"])
    assert table.get_item(Key={"file_id": file_id})["Item"]["lines"] == 2
    processed = [r for r in aws.extension("lambda").trace.records()
                 if r.function_name == app.outputs["ProcessFunctionName"]]
    assert processed and all(r.trigger == "s3" and r.invocation_type == "Event" for r in processed)
