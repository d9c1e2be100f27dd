"""Real clients behind the gateway: FastAPI through Mangum, Powertools' APIGatewayHttpResolver.

This is how teams build Lambda APIs: one function for the whole API with a router inside.
The frameworks are not part of AWS's Python runtime, so they travel in a layer, exactly as
they would on AWS (serverless_lab.packaging.publish_layer packs the installed distributions
under python/). The handlers run in the local runtime's worker processes.
"""

from __future__ import annotations

import boto3
import pytest
import requests

from lambda_helpers import create, runtime_available
from serverless_lab.packaging import publish_layer
from test_integrations_apigateway import REGION, execute_api, http_api, rest_api

pytestmark = pytest.mark.skipif(not runtime_available(), reason="needs the local Lambda runtime")

FASTAPI_APP = '''
from fastapi import FastAPI, HTTPException, Request
from mangum import Mangum

app = FastAPI()
ITEMS = {1: "tea", 2: "cake"}


@app.get("/items/{item_id}")
def read_item(item_id: int, request: Request):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="no such item")
    auth = request.scope.get("aws.event", {}).get("requestContext", {}).get("authorizer")
    return {"id": item_id, "name": ITEMS[item_id], "authorizer": auth}


@app.post("/items")
def create_item(body: dict):
    return {"created": body}


handler = Mangum(app, lifespan="off")
'''

POWERTOOLS_APP = '''
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

app = APIGatewayHttpResolver()


@app.get("/orders/<order_id>")
def get_order(order_id: str):
    if order_id == "0":
        raise NotFoundError("order 0 does not exist")
    return {"order": order_id, "q": app.current_event.get_query_string_value("expand")}


def handler(event, context):
    return app.resolve(event, context)
'''


@pytest.fixture
def lam(aws):
    return boto3.client("lambda", region_name=REGION)


def test_fastapi_through_mangum_on_http_api_and_rest_api(lam, unique):
    layer = publish_layer(lam, unique("fastapi"), "fastapi", "mangum")
    fn = create(lam, unique("fastapi-app"), FASTAPI_APP, Layers=[layer], Timeout=30)
    api = http_api(fn, ["ANY /{proxy+}"])
    base = execute_api(api, None)
    r = requests.get(f"{base}/items/1", timeout=60)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": 1, "name": "tea", "authorizer": None}
    missing = requests.get(f"{base}/items/9", timeout=60)
    assert missing.status_code == 404 and missing.json() == {"detail": "no such item"}
    invalid = requests.get(f"{base}/items/abc", timeout=60)
    assert invalid.status_code == 422            # FastAPI's validation, not the gateway's
    created = requests.post(f"{base}/items", json={"name": "scone"}, timeout=60)
    assert created.status_code == 200 and created.json() == {"created": {"name": "scone"}}
    # the same function behind a REST API (payload 1.0): Mangum reads both shapes
    rest = rest_api(fn, ["/{proxy+}"])
    r1 = requests.get(f"{execute_api(rest)}/items/2", timeout=60)
    assert r1.status_code == 200 and r1.json()["name"] == "cake"


def test_powertools_http_resolver(lam, unique):
    layer = publish_layer(lam, unique("powertools"), "aws-lambda-powertools")
    fn = create(lam, unique("pt-app"), POWERTOOLS_APP, Layers=[layer], Timeout=30)
    api = http_api(fn, ["GET /orders/{id}"])
    base = execute_api(api, None)
    r = requests.get(f"{base}/orders/42?expand=lines", timeout=60)
    assert r.status_code == 200, r.text
    assert r.json() == {"order": "42", "q": "lines"}
    nf = requests.get(f"{base}/orders/0", timeout=60)
    assert nf.status_code == 404 and "order 0 does not exist" in nf.text
