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

SUBSCRIPTION_POST_DATA = seam(
    "moto.sns.models:Subscription.get_post_data", extension="integrations",
    why="moto signs every SQS/HTTP notification envelope with SHA256 and labels it SignatureVersion 2, over a "
        "string to sign without the Subject; AWS signs with SignatureVersion 1 (SHA1withRSA) unless the topic's "
        "SignatureVersion attribute is 2, and signs the Subject when there is one "
        "(serverless_lab.integrations.sns.notifications.signed_envelope).")
