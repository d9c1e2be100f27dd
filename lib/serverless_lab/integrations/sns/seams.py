"""How SNS plugs into moto: the seam through which a topic's subscriptions are delivered.

moto hands a subscribed Lambda function a canned sample event (``arn:aws:sns:EXAMPLE``, a
``TestString`` attribute) and passes a raw-delivered binary attribute to SQS as text, which
ReceiveMessage then cannot encode; ``notifications`` delivers both as AWS does.
"""

from __future__ import annotations

from ...cloud.patching import seam

SUBSCRIPTION_PUBLISH = seam(
    "moto.sns.models:Subscription.publish", extension="integrations",
    why="moto invokes a Lambda subscriber with a canned sample event and crashes ReceiveMessage on a "
        "raw-delivered binary attribute: the course builds AWS's notification record and passes "
        "binary attributes as bytes (serverless_lab.integrations.sns.notifications).")
