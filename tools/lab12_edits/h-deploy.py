"""Lab 12, guided steps 1-4 (deployment) and 6 (security): h-deploy's edits to the solution notebook, idempotently.

Run from the repository root: ``.venv/bin/python tools/lab12_edits/h-deploy.py`` (then ``make release FORCE=1``).

* steps 1-4 (cells ``24e7a42e``, ``39c4609a``, ``d99b1a68``, ``e4277de2``, ``f99c69a8``): the order service gets Powertools
  from AWS's public layer (Logger's JSON lines), the lab reads the deployment through CodeDeploy's API
  (``get_deployment``, ``list_deployments``) and watches the stack update wait for it;
* step 6: new cells ``deploy-step6-*`` after the step's code cell (``75d0bd72``): a permissions boundary in the simulator,
  secrets and parameters read through Powertools Parameters with a cache;
* "On real AWS" (``75000ea9``): the sentences these features made stale.

Each edit replaces a known piece of text only if the new text is not there yet; new cells carry stable ids and are
replaced in place when the script runs again. Other sections' cells are never touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NB = Path("solutions/lab12-production-readiness/lab12-production-readiness.ipynb")

POWERTOOLS_LAYER = "arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:27"

# (cell id, old text, new text): old → new unless new is already there
EDITS: list[tuple[str, str, str]] = [
    ("535eeee3",
     """The template is SAM: one function with `AutoPublishAlias: live` and a `DeploymentPreference` that names an alarm. The first
deployment has nothing to shift from: `live` simply points at version 1.""",
     """The template is SAM: one function with `AutoPublishAlias: live` and a `DeploymentPreference` that names an alarm. The first
deployment has nothing to shift from: `live` simply points at version 1. With the preference, SAM also creates a **CodeDeploy
application** (compute platform `Lambda`) and a **deployment group** for the function, configured with
`CodeDeployDefault.LambdaCanary10Percent5Minutes`, the alarm, and automatic rollback
([SAM: gradual deployments](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html)).

The handler logs with **Powertools Logger**, and Powertools comes from the **layer AWS publishes** in every Region
(`arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:{version}`, from
[Powertools' installation page](https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/); the mocked
account serves the Powertools installed here under every version number). The Lambda runtime ships boto3, not Powertools:
a function without the layer fails before its handler runs, with `Runtime.ImportModuleError`."""),
    ("24e7a42e",
     """secrets = boto3.client("secretsmanager", region_name=REGION)
""",
     """secrets = boto3.client("secretsmanager", region_name=REGION)
ssm = boto3.client("ssm", region_name=REGION)
cd = boto3.client("codedeploy", region_name=REGION)
POWERTOOLS = f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:27"
"""),
    ("24e7a42e",
     '''def order_code(release: str, broken: bool = False) -> str:
    """The order service's handler: a broken release fails one call in two (a bad dependency, say)."""
    fail = "    if random.random() < 0.5:\\n        raise RuntimeError('payment client misconfigured')\\n" if broken else ""
    return ("import json, random, time\\n"
            "def handler(event, context):\\n" + fail +
            f"    print(json.dumps({{'level': 'INFO', 'message': 'order accepted', 'release': {release!r}}}))\\n"
            f"    return {{'release': {release!r}, 'order': event.get('order_id')}}\\n")
''',
     '''def order_code(release: str, broken: bool = False) -> str:
    """The order service's handler: a broken release fails one call in two (a bad dependency, say).
    Powertools Logger writes one JSON line per call, with the cold start and the order id as correlation id."""
    fail = "    if random.random() < 0.5:\\n        raise RuntimeError('payment client misconfigured')\\n" if broken else ""
    return ("import json, random, time\\n"
            "from aws_lambda_powertools import Logger\\n"
            "logger = Logger(service='orders')\\n"
            "@logger.inject_lambda_context(correlation_id_path='order_id')\\n"
            "def handler(event, context):\\n" + fail +
            f"    logger.info('order accepted', extra={{'release': {release!r}}})\\n"
            f"    return {{'release': {release!r}, 'order': event.get('order_id')}}\\n")
'''),
    ("24e7a42e",
     """      AutoPublishAlias: live
      DeploymentPreference: {json.dumps(preference)}
      InlineCode: |""",
     """      AutoPublishAlias: live
      DeploymentPreference: {json.dumps(preference)}
      Layers:
        - {POWERTOOLS}
      InlineCode: |"""),
    ("24e7a42e",
     '''def ship(stack: str, fn_name: str, code: str, preference: dict) -> None:
    """Create the stack, or update it (a code change publishes a new version and starts a deployment)."""''',
     '''def ship(stack: str, fn_name: str, code: str, preference: dict) -> str:
    """Create the stack, or update it (a code change publishes a new version and starts a deployment).
    Returns the stack's status: an update that started a deployment stays UPDATE_IN_PROGRESS until it ends."""'''),
    ("24e7a42e",
     """    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), status
""",
     """    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"), status
    return status
"""),
    ("24e7a42e",
     """show_alias(FN)""",
     """show_alias(FN)


def deployment_group(stack: str) -> tuple:
    \"\"\"The CodeDeploy application SAM made for the stack, and the function's deployment group.\"\"\"
    app = next(a for a in cd.list_applications()["applications"]
               if a.startswith(f"{stack}-ServerlessDeploymentApplication-"))
    return app, cd.list_deployment_groups(applicationName=app)["deploymentGroups"][0]


def latest_deployment(stack: str) -> dict:
    \"\"\"The newest deployment the stack's updates started (not a rollback CodeDeploy made).\"\"\"
    app, group = deployment_group(stack)
    ids = cd.list_deployments(applicationName=app, deploymentGroupName=group)["deployments"]
    infos = cd.batch_get_deployments(deploymentIds=ids)["deploymentsInfo"]
    return max((d for d in infos if d["creator"] != "codeDeployRollback"), key=lambda d: d["createTime"])


app, group = deployment_group(STACK)
print(app, "/", group)
print(cd.get_deployment_group(applicationName=app, deploymentGroupName=group)["deploymentGroupInfo"]["deploymentConfigName"])

# the same code without the layer: Powertools is not in the runtime
bare = f"lab12-bare-{RUN}"
lam.create_function(FunctionName=bare, Runtime="python3.12", Handler="index.handler", Role=lambda_role(),
                    Code={"ZipFile": zip_code({"index.py": order_code("v0")})})
print(json.loads(lam.invoke(FunctionName=bare, Payload=b"{}")["Payload"].read())["errorType"])"""),
    ("24e7a42e",
     """from serverless_lab import start_lab, pricing
from serverless_lab.iac import traffic_shifts
""",
     """from serverless_lab import start_lab, pricing
from serverless_lab.iac import traffic_shifts
from serverless_lab.packaging import lambda_role, zip_code
"""),
    ("39c4609a",
     """which version ran. Then a minute passes on the lab clock: the alarm evaluates the minute, finds errors on version 2, goes to
`ALARM`; the deployment, which reads its alarms every few seconds, stops and rolls `live` back to version 1 alone.""",
     """which version ran. Then a minute passes on the lab clock: the alarm evaluates the minute, finds errors on version 2, goes to
`ALARM`; the deployment, which reads its alarms every few seconds, stops and rolls `live` back to version 1 alone.

Watch it as CodeDeploy and CloudFormation report it: `get_deployment` says `InProgress`, then `Stopped` with
`errorInformation.code` `ALARM_ACTIVE` and a `rollbackInfo` naming the rollback deployment
([GetDeployment](https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeployment.html)). The stack update waits
for the deployment — `UPDATE_IN_PROGRESS` while traffic shifts — and fails with it: `UPDATE_ROLLBACK_COMPLETE`."""),
    ("d99b1a68",
     """ship(STACK, FN, order_code("v2", broken=True), PREFERENCE)
show_alias(FN)
""",
     """print("stack:", ship(STACK, FN, order_code("v2", broken=True), PREFERENCE))
show_alias(FN)
deployment = latest_deployment(STACK)
print(deployment["deploymentId"], deployment["status"], deployment["deploymentConfigName"])
"""),
    ("d99b1a68",
     """aws.clock.advance(70)                       # one alarm period passes, then the deployment's next alarm check
print(traffic_shifts(FN)[-1].summary())
show_alias(FN)""",
     """aws.clock.advance(70)                       # one alarm period passes, then the deployment's next alarm check
d = cd.get_deployment(deploymentId=deployment["deploymentId"])["deploymentInfo"]
print(d["status"], d["errorInformation"], "\\n", d["rollbackInfo"])
print("stack:", cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"])
print(traffic_shifts(FN)[-1].summary())     # the course's timeline of the same deployment
show_alias(FN)"""),
    ("e4277de2",
     """pass on the lab clock, and all traffic moves. Note what rolled back: **only the alias**. Version 2 still exists (versions are
immutable), and on AWS the CloudFormation stack update would also have rolled back.""",
     """pass on the lab clock, and all traffic moves; the stack update completes when the deployment does. Note what rolled back in
step 3: the alias (CodeDeploy) and the stack update (CloudFormation). Version 2 still exists: versions are immutable.

Each call wrote one JSON line through Powertools Logger: `cold_start`, the `correlation_id` taken from the event, the
function's name and memory, and your own keys ([Logger](https://docs.aws.amazon.com/powertools/python/latest/core/logger/))."""),
    ("f99c69a8",
     """ship(STACK, FN, order_code("v3"), {"Type": "Canary10Percent5Minutes", "Alarms": [GOOD_ALARM]})
for _ in range(50):
    lam.invoke(FunctionName=FN, Qualifier="live", Payload=b"{}")
aws.clock.advance(301)
print(traffic_shifts(FN)[-1].summary())
print(json.loads(lam.invoke(FunctionName=FN, Qualifier="live", Payload=b"{}")["Payload"].read()))""",
     """print("stack:", ship(STACK, FN, order_code("v3"), {"Type": "Canary10Percent5Minutes", "Alarms": [GOOD_ALARM]}))
for i in range(50):
    lam.invoke(FunctionName=FN, Qualifier="live", Payload=json.dumps({"order_id": f"o3-{i}"}))
aws.clock.advance(301)
d = cd.get_deployment(deploymentId=latest_deployment(STACK)["deploymentId"])["deploymentInfo"]
print(d["status"], d["deploymentOverview"], "in", d["completeTime"] - d["startTime"])
print("stack:", cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"])
app, group = deployment_group(STACK)
for info in cd.batch_get_deployments(deploymentIds=cd.list_deployments(
        applicationName=app, deploymentGroupName=group)["deployments"])["deploymentsInfo"]:
    print(" ", info["deploymentId"], info["creator"], info["status"])
print(json.loads(lam.invoke(FunctionName=FN, Qualifier="live", Payload=b"{}")["Payload"].read()))
line = next(json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{FN}")["events"]
            if e["message"].startswith("{") and '"o3-' in e["message"])
print({k: line[k] for k in ("level", "message", "cold_start", "correlation_id", "release", "function_name")})"""),
    ("75000ea9",
     """> - **What differs from the mock.** CloudFormation's stack update stays `UPDATE_IN_PROGRESS` until CodeDeploy finishes, and a
>   rolled-back deployment rolls the whole stack back (`UPDATE_ROLLBACK_COMPLETE`); here the stack update completes at once and
>   `serverless_lab.iac.traffic_shifts()` shows the deployment (CodeDeploy's `get_deployment` on AWS).""",
     """> - **What differs from the mock.** The stack update waits for CodeDeploy and fails with it, as on AWS, but the mock's
>   rollback only resets the alias and the stack's status (on AWS CloudFormation also puts the previous template's resources
>   back); the CodeDeploy application and deployment group are not listed among the stack's resources."""),
    ("75000ea9",
     """The simulator does not model permissions boundaries, SCPs or
>   session policies.""",
     """The simulator models permissions boundaries and policy variables, not SCPs or
>   session policies."""),
]

BOUNDARY_MD = """#### A permissions boundary: the most a role's policies may grant
A team may write its own roles if each carries the **permissions boundary** the platform team set: the role can then do only
what both its policies **and** the boundary allow (a boundary grants nothing by itself, and it does not limit what a resource
policy grants) ([permissions boundaries](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)).
The simulator takes a boundary to try (`PermissionsBoundaryPolicyInputList`) and says, per action, whether the boundary allowed it.
Policies can also name the caller with **policy variables**: `${aws:username}` or `${aws:PrincipalTag/team}` in a `Resource`
or a condition is replaced by the request's value ([policy variables](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html))."""

BOUNDARY_CODE = """boundary = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["logs:*", "dynamodb:*", "sqs:*", "secretsmanager:GetSecretValue", "ssm:GetParameter*"],
     "Resource": "*"}]}
admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
out = iam.simulate_custom_policy(PolicyInputList=[json.dumps(admin)],
                                 PermissionsBoundaryPolicyInputList=[json.dumps(boundary)],
                                 ActionNames=["dynamodb:PutItem", "iam:CreateUser", "s3:DeleteBucket"])
for r in out["EvaluationResults"]:
    print(f'{r["EvalActionName"]:<18} {r["EvalDecision"]:<13} boundary allows: '
          f'{r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]}')

home = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::lab12-reports/${aws:username}/*"}]}
out = iam.simulate_custom_policy(PolicyInputList=[json.dumps(home)], ActionNames=["s3:GetObject"],
                                 ResourceArns=["arn:aws:s3:::lab12-reports/akua/q3.csv", "arn:aws:s3:::lab12-reports/sam/q3.csv"],
                                 ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["akua"],
                                                  "ContextKeyType": "string"}])
print({r["EvalResourceName"].rsplit("/", 2)[-2]: r["EvalDecision"] for r in out["EvaluationResults"]})"""

PARAMS_MD = """#### Secrets and parameters through Powertools Parameters, with a cache
A secret does not go in the environment (exercise 3 shows why); the function reads it from Secrets Manager, and its
configuration from Parameter Store. Each read is an API call that costs money (Secrets Manager: \\\\$0.05 per 10,000 calls) and
time, so Powertools' **Parameters** utility caches each value for `max_age` seconds
([Parameters](https://docs.aws.amazon.com/powertools/python/latest/utilities/parameters/)). The handler below counts the API
calls its clients really make: the second invocation, in the same warm environment and within `max_age`, makes none."""

PARAMS_CODE = '''secrets.create_secret(Name=f"lab12/payments-{RUN}", SecretString="pk_live_" + uuid.uuid4().hex)
ssm.put_parameter(Name=f"/lab12/{RUN}/payments-url", Value="https://payments.example.com/v2", Type="String")
PARAMS_SRC = """
import os, boto3
from aws_lambda_powertools.utilities import parameters

api_calls = {"GetSecretValue": 0, "GetParameter": 0}
sm, ssm = boto3.client("secretsmanager"), boto3.client("ssm")
for client, op in ((sm, "secrets-manager.GetSecretValue"), (ssm, "ssm.GetParameter")):
    client.meta.events.register(f"before-call.{op}", lambda model, **kw: api_calls.__setitem__(model.name, api_calls[model.name] + 1))
secrets = parameters.SecretsProvider(boto3_client=sm)
params = parameters.SSMProvider(boto3_client=ssm)

def handler(event, context):
    key = secrets.get(os.environ["SECRET_ID"], max_age=300)        # cached for 5 minutes
    url = params.get(os.environ["PAYMENTS_URL_PARAM"], max_age=300)
    return {"key_starts": key[:8], "url": url, "api_calls": dict(api_calls)}
"""
PARAMS_FN = f"lab12-params-{RUN}"
lam.create_function(FunctionName=PARAMS_FN, Runtime="python3.12", Handler="index.handler", Role=lambda_role(),
                    Code={"ZipFile": zip_code({"index.py": PARAMS_SRC})}, Layers=[POWERTOOLS],
                    Environment={"Variables": {"SECRET_ID": f"lab12/payments-{RUN}",
                                               "PAYMENTS_URL_PARAM": f"/lab12/{RUN}/payments-url"}})
for call in (1, 2):
    print(call, json.loads(lam.invoke(FunctionName=PARAMS_FN, Payload=b"{}")["Payload"].read()))'''

NEW_CELLS: list[tuple[str, str, str]] = [      # (id, type, source), inserted in order after the step's code cell
    ("deploy-step6-boundary-md", "markdown", BOUNDARY_MD),
    ("deploy-step6-boundary", "code", BOUNDARY_CODE),
    ("deploy-step6-params-md", "markdown", PARAMS_MD),
    ("deploy-step6-params", "code", PARAMS_CODE),
]
STEP6_CODE = "75d0bd72"


def main() -> int:
    nb = nbformat.read(NB, as_version=4)
    by_id = {c.id: c for c in nb.cells}
    for cell_id, old, new in EDITS:
        cell = by_id.get(cell_id)
        if cell is None:
            print(f"h-deploy: no cell {cell_id}", file=sys.stderr)
            return 1
        if new in cell.source:
            continue
        if old not in cell.source:
            print(f"h-deploy: cell {cell_id} no longer has the text this script replaces:\n{old[:200]}", file=sys.stderr)
            return 1
        cell.source = cell.source.replace(old, new, 1)
    anchor = next(i for i, c in enumerate(nb.cells) if c.id == STEP6_CODE)
    for offset, (cell_id, kind, source) in enumerate(NEW_CELLS, start=1):
        if cell_id in by_id:
            by_id[cell_id].source = source
            continue
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.id = cell_id
        nb.cells.insert(anchor + offset, cell)
    nbformat.write(nb, NB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
