"""Lab 05's front end in a real browser: the page is blocked by CORS, then works once the HTTP API
has a CORS configuration. Headless Chromium from Debian, driven by Playwright with the system browser.

Under CI (CI=true) this test must run: a missing browser is a failure, not a skip. Elsewhere it skips
with the command that installs Chromium.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, need
from conftest import ROOT
from lambda_helpers import runtime_available
from serverless_lab.packaging import lambda_role, zip_code

pytestmark = pytest.mark.browser

PAGE_DIR = ROOT / "solutions" / "lab05-api-gateway" / "web"
REGION = "us-east-1"

CAFE_SRC = '''
import json, uuid
MENU = [{"name": "tea", "price": 2.5}, {"name": "coffee", "price": 3.0}, {"name": "scone", "price": 2.75}]

def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}

def handler(event, context):
    if event["routeKey"] == "GET /menu":
        return reply(200, {"items": MENU})
    if event["routeKey"] == "POST /orders":
        return reply(201, {"order_id": uuid.uuid4().hex[:8], "item": json.loads(event["body"])["item"]})
    return reply(404, {"message": "no such route"})
'''


@pytest.fixture
def cafe():
    """A mocked world with the café HTTP API (no CORS yet) and the lab's page served on its own origin."""
    need(Path(CHROMIUM).exists(), "Chromium is not installed; install it with `sudo apt-get install chromium` "
                                   "(Debian/Ubuntu) and re-run.")
    need(runtime_available(), "the local Lambda runtime is not installed")
    from serverless_lab import mock_aws

    with mock_aws(extensions=["lambda", "integrations"]) as aws:
        lam = boto3.client("lambda", region_name=REGION)
        fn = lam.create_function(FunctionName="lab05-browser-cafe", Runtime="python3.12", Role=lambda_role(),
                                 Handler="lambda_function.handler",
                                 Code={"ZipFile": zip_code(CAFE_SRC)})["FunctionArn"]
        gw = boto3.client("apigatewayv2", region_name=REGION)
        api = gw.create_api(Name="cafe", ProtocolType="HTTP")["ApiId"]
        integ = gw.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=fn,
                                      PayloadFormatVersion="2.0")["IntegrationId"]
        for key in ("GET /menu", "POST /orders"):
            gw.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integ}")
        gw.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
        handle = aws.extension("integrations")
        origin = handle.serve_page(str(PAGE_DIR))
        page_url = f"{origin}/index.html?api={handle.url_for(api)}"
        yield gw, api, origin, page_url


def _calls() -> int:
    from serverless_lab.trace import TRACE

    return len(TRACE.filter(function_name="lab05-browser-cafe").records())


def test_page_is_blocked_by_cors_then_works_with_the_apis_cors_configuration(cafe):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright is not installed; run `make setup` (pip install -r requirements.txt).")
    gw, api, origin, page_url = cafe
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda msg: console.append(msg.text))
            page.goto(page_url)
            status = page.locator("#status")
            before = _calls()
            page.click("#order")
            page.wait_for_function("document.getElementById('status').className !== ''", timeout=20_000)
            assert "Blocked by the browser (CORS)" in status.inner_text()
            assert _calls() == before, "the preflight failed, so the POST never reached the function"
            assert any("CORS" in line for line in console), console

            gw.update_api(ApiId=api, CorsConfiguration={"AllowOrigins": [origin], "AllowMethods": ["GET", "POST"],
                                                        "AllowHeaders": ["content-type"], "MaxAge": 600})
            page.reload()
            page.click("#order")
            page.wait_for_function("document.getElementById('status').className === 'ok'", timeout=20_000)
            assert "confirmed: tea" in status.inner_text()
            assert _calls() == before + 1, "the gateway answered the preflight; only the POST ran the function"
            page.click("#menu")
            page.wait_for_function("document.querySelectorAll('#items li').length === 3", timeout=20_000)
            assert page.locator("#items li").first.inner_text().startswith("tea")
        finally:
            browser.close()
