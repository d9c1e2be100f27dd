"""The real-AWS backend: only on explicit opt-in, with a name prefix, tags and a teardown.

Opting in takes two things: the environment variable ``SERVERLESS_LAB_REAL_AWS=1`` and a
typed confirmation (the ``confirm=`` argument or an answer at the prompt) equal to
:data:`CONFIRMATION`. Everything the course creates through :meth:`RealAWS.name` carries
the session's prefix and tags, and :meth:`RealAWS.teardown` deletes what carries them.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..errors import RealAWSNotConfirmedError

OPT_IN_VARIABLE = "SERVERLESS_LAB_REAL_AWS"
CONFIRMATION = "I understand this uses my real AWS account and may cost money"
TAG_KEY = "serverless-lab:session"


@dataclass
class RealAWS:
    region: str
    prefix: str
    session_tag: str
    tags: dict[str, str] = field(default_factory=dict)
    boto_session: Any = None

    @classmethod
    def opt_in(cls, region: str, confirm: str | None = None, prompt: bool = True) -> RealAWS:
        if os.environ.get(OPT_IN_VARIABLE) != "1":
            raise RealAWSNotConfirmedError(
                "The real-AWS backend is off: the course never touches a real account by default.",
                f"To opt in, set {OPT_IN_VARIABLE}=1 in the environment before starting Jupyter, "
                f"then pass confirm={CONFIRMATION!r}.",
            )
        if confirm is None and prompt:
            try:
                confirm = input(f"Type exactly: {CONFIRMATION}\n> ")
            except (EOFError, OSError):
                confirm = None
        if (confirm or "").strip() != CONFIRMATION:
            raise RealAWSNotConfirmedError(
                "The confirmation did not match, so no real AWS resources will be created.",
                f"Pass confirm={CONFIRMATION!r} (typed exactly) to use your account.",
            )
        import boto3

        tag = uuid.uuid4().hex[:8]
        return cls(region=region, prefix=f"sl-{tag}", session_tag=tag,
                   tags={TAG_KEY: tag, "created-by": "serverless-labs"},
                   boto_session=boto3.session.Session(region_name=region))

    def name(self, base: str) -> str:
        """A resource name carrying this session's prefix (so teardown can find it)."""
        return f"{self.prefix}-{base}"

    def client(self, service: str, **kwargs: Any):
        kwargs.setdefault("region_name", self.region)
        return self.boto_session.client(service, **kwargs)

    def teardown(self) -> list[str]:
        """Delete every resource this session created; return what was deleted."""
        deleted: list[str] = []
        deleted += self._delete_lambda()
        deleted += self._delete_buckets()
        deleted += self._delete_tables()
        deleted += self._delete_queues()
        deleted += self._delete_log_groups()
        return deleted

    def _delete_lambda(self) -> list[str]:
        client, out = self.client("lambda"), []
        for page in client.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                if fn["FunctionName"].startswith(self.prefix):
                    client.delete_function(FunctionName=fn["FunctionName"])
                    out.append(f"lambda:{fn['FunctionName']}")
        return out

    def _delete_buckets(self) -> list[str]:
        s3, out = self.client("s3"), []
        for bucket in s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            if not name.startswith(self.prefix):
                continue
            paginator = s3.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=name):
                objs = [{"Key": o["Key"], "VersionId": o["VersionId"]}
                        for o in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                if objs:
                    s3.delete_objects(Bucket=name, Delete={"Objects": objs})
            s3.delete_bucket(Bucket=name)
            out.append(f"s3:{name}")
        return out

    def _delete_tables(self) -> list[str]:
        ddb, out = self.client("dynamodb"), []
        for page in ddb.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                if name.startswith(self.prefix):
                    ddb.delete_table(TableName=name)
                    out.append(f"dynamodb:{name}")
        return out

    def _delete_queues(self) -> list[str]:
        sqs, out = self.client("sqs"), []
        for url in sqs.list_queues(QueueNamePrefix=self.prefix).get("QueueUrls", []):
            sqs.delete_queue(QueueUrl=url)
            out.append(f"sqs:{url.rsplit('/', 1)[-1]}")
        return out

    def _delete_log_groups(self) -> list[str]:
        logs, out = self.client("logs"), []
        for prefix in (f"/aws/lambda/{self.prefix}", f"/ecs/{self.prefix}"):
            for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
                for group in page["logGroups"]:
                    logs.delete_log_group(logGroupName=group["logGroupName"])
                    out.append(f"logs:{group['logGroupName']}")
        return out
