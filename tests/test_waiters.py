"""Real clients wait the way they do on AWS: boto3's own waiters against what the course adds.

A SAM stack created through plain boto3 reaches CREATE_COMPLETE for `stack_create_complete`, its
output URL answers through `requests`, and `stack_delete_complete` sees it go.
"""

from __future__ import annotations

import requests

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(e, c):\\n    return {'statusCode': 200, 'body': 'hi'}\\n"
      Events:
        Api:
          Type: HttpApi
          Properties: {Path: /hi, Method: get}
Outputs:
  Url:
    Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.amazonaws.com/hi"
"""


def test_cloudformation_waiters_on_a_sam_stack(aws, unique):
    cfn = aws.client("cloudformation")
    name = unique("waiters")
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    url = cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"][0]["OutputValue"]
    assert requests.get(url, timeout=30).text == "hi"
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
