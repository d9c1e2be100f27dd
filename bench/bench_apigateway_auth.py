"""Speed of API Gateway access control: what an authorized request costs next to an open one.

Same run, same function, same REST API: ``GET /open`` has no authorizer, ``GET /guarded`` a Lambda
TOKEN authorizer with result caching on (TTL 300 s on the lab clock). After the first request the
token's policy comes from the cache, so the authorized request should cost the open one plus a
dictionary lookup and a policy evaluation: target <= 1.5x. Also reported: a JWT-authorized HTTP
API request (signature check on every request; the key set is fetched once) and a request
through a usage plan's API key check and token bucket.
"""

from __future__ import annotations

from bench.common import Figure, median_time

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""

AUTHORIZER = """
def handler(event, context):
    effect = "Allow" if event["authorizationToken"] == "good" else "Deny"
    return {"principalId": "bench", "context": {"user": "bench"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""


def run() -> list[Figure]:
    import boto3
    import requests

    from serverless_lab import mock_aws
    from serverless_lab.packaging import lambda_role, zip_code

    figures: list[Figure] = []
    with mock_aws(extensions=["lambda", "integrations"]) as aws:
        region = aws.region
        lam = boto3.client("lambda", region_name=region)

        def create(name: str, src: str) -> str:
            return lam.create_function(FunctionName=name, Runtime="python3.12", Role=lambda_role(),
                                       Handler="lambda_function.handler",
                                       Code={"ZipFile": zip_code(src)})["FunctionArn"]

        def uri(arn: str) -> str:
            return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"

        fn, auth_fn = create("bench-auth-fn", HANDLER), create("bench-auth-authorizer", AUTHORIZER)
        apig = boto3.client("apigateway", region_name=region)
        api = apig.create_rest_api(name="bench-auth")["id"]
        root = apig.get_resources(restApiId=api)["items"][0]["id"]
        authorizer = apig.create_authorizer(restApiId=api, name="tok", type="TOKEN", authorizerUri=uri(auth_fn),
                                            identitySource="method.request.header.Authorization",
                                            authorizerResultTtlInSeconds=300)["id"]
        for part, extra in (("open", {"authorizationType": "NONE"}),
                            ("guarded", {"authorizationType": "CUSTOM", "authorizerId": authorizer}),
                            ("keyed", {"authorizationType": "NONE", "apiKeyRequired": True})):
            res = apig.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
            apig.put_method(restApiId=api, resourceId=res, httpMethod="GET", **extra)
            apig.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                                 integrationHttpMethod="POST", uri=uri(fn))
        apig.create_deployment(restApiId=api, stageName="prod")
        plan = apig.create_usage_plan(name="bench", apiStages=[{"apiId": api, "stage": "prod"}],
                                      throttle={"rateLimit": 1e6, "burstLimit": 1_000_000})["id"]
        key = apig.create_api_key(name="bench", enabled=True)
        apig.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")

        gw = aws.extension("integrations")
        base = gw.execute_api_url(api, "prod")
        assert requests.get(f"{base}/guarded", headers={"Authorization": "good"}).status_code == 200
        assert requests.get(f"{base}/guarded", headers={"Authorization": "bad"}).status_code == 403

        open_t = median_time(lambda: requests.get(f"{base}/open"), 60)
        auth_t = median_time(lambda: requests.get(f"{base}/guarded", headers={"Authorization": "good"}), 60)
        key_t = median_time(lambda: requests.get(f"{base}/keyed", headers={"x-api-key": key["value"]}), 60)

        # HTTP API with a JWT authorizer backed by a Cognito user pool
        idp = boto3.client("cognito-idp", region_name=region)
        pool = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="bench",
                                             ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="u", TemporaryPassword="Tmp-pass-1!")
        idp.admin_set_user_password(UserPoolId=pool, Username="u", Password="Bench-pass-1!", Permanent=True)
        token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "u", "PASSWORD": "Bench-pass-1!"}
                                  )["AuthenticationResult"]["IdToken"]
        v2 = boto3.client("apigatewayv2", region_name=region)
        http = v2.create_api(Name="bench-jwt", ProtocolType="HTTP")["ApiId"]
        integ = v2.create_integration(ApiId=http, IntegrationType="AWS_PROXY", IntegrationUri=fn,
                                      PayloadFormatVersion="2.0")["IntegrationId"]
        jwt = v2.create_authorizer(ApiId=http, Name="jwt", AuthorizerType="JWT",
                                   IdentitySource=["$request.header.Authorization"],
                                   JwtConfiguration={"Issuer": f"https://cognito-idp.{region}.amazonaws.com/{pool}",
                                                     "Audience": [client]})["AuthorizerId"]
        v2.create_route(ApiId=http, RouteKey="GET /open", Target=f"integrations/{integ}")
        v2.create_route(ApiId=http, RouteKey="GET /jwt", Target=f"integrations/{integ}",
                        AuthorizationType="JWT", AuthorizerId=jwt)
        v2.create_stage(ApiId=http, StageName="$default", AutoDeploy=True)
        hbase = gw.execute_api_url(http)
        assert requests.get(f"{hbase}/jwt", headers={"Authorization": token}).status_code == 200
        http_open = median_time(lambda: requests.get(f"{hbase}/open"), 60)
        http_jwt = median_time(lambda: requests.get(f"{hbase}/jwt", headers={"Authorization": token}), 60)
        cache = gw.gateway.auth_cache
        figures += [
            Figure("REST GET, no authorizer (same run)", open_t * 1e3, "ms"),
            Figure("REST GET, Lambda TOKEN authorizer, cache on", auth_t * 1e3, "ms",
                   "<= 1.5x unauthorized", auth_t <= 1.5 * open_t),
            Figure("REST GET, API key + usage plan bucket", key_t * 1e3, "ms",
                   "<= 1.5x unauthorized", key_t <= 1.5 * open_t),
            Figure("HTTP API GET, no authorizer", http_open * 1e3, "ms"),
            Figure("HTTP API GET, JWT authorizer (Cognito, RS256)", http_jwt * 1e3, "ms",
                   "<= 1.5x unauthorized", http_jwt <= 1.5 * http_open),
            Figure("authorizer cache hit rate", cache.hits / max(1, cache.hits + cache.misses) * 100, "%"),
        ]
    return figures
