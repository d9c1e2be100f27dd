"""``aws.explorer()`` and ``aws.architecture()`` in a real JupyterLab: the widget shows the world by
service, its Refresh button reads the world again without re-running a cell, and the diagram renders.
Headless Chromium from Debian, driven by Playwright (tests/browser_helpers.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, need
from lambda_helpers import runtime_available
from test_browser_dashboard import jupyterlab  # noqa: F401 - the fixture: JupyterLab on a free port

pytestmark = pytest.mark.browser

CELLS = [
    "import boto3\n"
    "from serverless_lab import start_lab\n"
    "from serverless_lab.packaging import lambda_role, zip_code\n"
    "aws = start_lab()\n"
    "lam, s3, ddb = (boto3.client(s, region_name='us-east-1') for s in ('lambda', 's3', 'dynamodb'))\n"
    "ddb.create_table(TableName='browser-results', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],\n"
    "                 AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')\n"
    "fn = lam.create_function(FunctionName='browser-resize', Runtime='python3.12', Role=lambda_role(),\n"
    "    Handler='app.handler', Environment={'Variables': {'TABLE_NAME': 'browser-results'}},\n"
    "    Code={'ZipFile': zip_code('def handler(event, context):\\n    print(\"resized\")\\n', 'app.py')})['FunctionArn']\n"
    "lam.add_permission(FunctionName=fn, StatementId='s3', Action='lambda:InvokeFunction', Principal='s3.amazonaws.com')\n"
    "s3.create_bucket(Bucket='browser-photos')\n"
    "s3.put_bucket_notification_configuration(Bucket='browser-photos', NotificationConfiguration={\n"
    "    'LambdaFunctionConfigurations': [{'LambdaFunctionArn': fn, 'Events': ['s3:ObjectCreated:*']}]})\n"
    "s3.put_object(Bucket='browser-photos', Key='cat.jpg', Body=b'x')",
    "ex = aws.explorer()\nex",
    "aws.architecture()",
    "boto3.client('sqs', region_name='us-east-1').create_queue(QueueName='browser-later')\nprint('queue created')",
]
NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src} for src in CELLS],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}
TABS = ("() => { const s = document.querySelector('.serverless-lab-explorer select');"
        " return s ? Array.from(s.options).map(o => o.textContent.replace(/\u00a0/g, ' ')) : []; }")


def test_explorer_and_architecture_render_and_refresh_in_jupyterlab(jupyterlab, tmp_path):  # noqa: F811
    need(runtime_available(), "the local Lambda runtime is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright is not installed; run `make setup` (pip install -r requirements.txt).")
    url, token = jupyterlab
    (tmp_path / "lab" / "explorer.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    shot = Path(tmp_path / "explorer.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(f"{url}/lab/tree/explorer.ipynb?token={token}", timeout=60_000)
            page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").first.wait_for(timeout=60_000)
            page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=90_000)
            for _attempt in range(4):   # a run sent while the kernel is still connecting is dropped: try again
                page.locator(".jp-Notebook").first.click()
                page.keyboard.press("Escape")
                page.keyboard.press("Control+a")   # select every cell (command mode), then run them
                page.keyboard.press("Shift+Enter")
                try:
                    page.wait_for_function(
                        "() => { const p = document.querySelector('.jp-Notebook .jp-Cell .jp-InputPrompt');"
                        " return p && /\\[(\\*|\\d+)\\]/.test(p.textContent); }", timeout=8_000)
                    break
                except Exception:  # noqa: BLE001 - not started yet: try again
                    continue
            page.wait_for_function("() => document.body.innerText.includes('queue created')", timeout=120_000)
            page.wait_for_function(f"() => ({TABS})().length === 11", timeout=60_000)
            tabs = page.evaluate(TABS)
            assert {"Lambda functions (1)", "S3 buckets (1)", "DynamoDB tables (1)", "SQS queues (0)"} <= set(tabs), tabs
            explorer = page.locator(".serverless-lab-explorer")
            # the function's pane: its wiring, its S3 invocation and its logs
            explorer.locator("select").first.select_option(index=0)   # Lambda functions (1)
            pane = explorer.locator(".sl-explorer").first
            pane.wait_for(timeout=30_000)
            text = pane.inner_text()
            assert "S3 bucket browser-photos → this (s3:ObjectCreated:*)" in text, text
            assert "resized" in text and "START RequestId" in text, "the function's recent logs"
            assert "TABLE_NAME" in text
            # the diagram inside the widget (inline SVG) and the one the cell displayed (an image)
            assert explorer.locator("svg.serverless-lab-architecture g.sl-node").count() == 3
            assert explorer.locator("svg.serverless-lab-architecture path.sl-link").count() == 2
            image = page.locator(".jp-OutputArea-output img").first
            image.wait_for(timeout=30_000)
            assert page.evaluate("(img) => img.naturalWidth > 100 && img.complete", image.element_handle())
            page.screenshot(path=str(shot), full_page=True)
            image.scroll_into_view_if_needed()
            image.screenshot(path=str(tmp_path / "architecture.png"))   # the diagram as the student sees it
            # the queue was created after the widget was drawn: Refresh shows it, no cell re-run
            explorer.locator("button", has_text="Refresh").click()
            page.wait_for_function(f"() => ({TABS})().includes('SQS queues (1)')", timeout=30_000)
            page.screenshot(path=str(tmp_path / "explorer-refreshed.png"), full_page=True)
        except Exception:
            if page is not None:
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print(f"failure screenshot: {tmp_path / 'failure.png'}")
                print("outputs:", page.evaluate("() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
                                                ".map(e => e.innerText.slice(0, 500))"))
            raise
        finally:
            browser.close()
    print(f"explorer screenshot: {shot}")
    assert shot.stat().st_size > 10_000
