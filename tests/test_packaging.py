import io
import zipfile

import boto3

from serverless_lab.packaging import lambda_role, zip_code


def test_zip_code_dedents_and_names_files():
    data = zip_code("""
        def handler(event, context):
            return 1
    """)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["lambda_function.py"]
        assert zf.read("lambda_function.py").decode().startswith("def handler")
    multi = zip_code({"app/main.py": "x = 1\n", "data.bin": b"\x00\x01"})
    with zipfile.ZipFile(io.BytesIO(multi)) as zf:
        assert sorted(zf.namelist()) == ["app/main.py", "data.bin"]
    assert zip_code("x = 1") == zip_code("x = 1"), "same source, same bytes (stable CodeSha256)"


def test_lambda_role_is_created_once(aws):
    iam = boto3.client("iam", region_name="us-east-1")
    arn = lambda_role(iam)
    assert arn == lambda_role(iam)
    assert arn.endswith(":role/serverless-lab-lambda-role")
