"""What an SNS topic hands its subscribers, as AWS sends it.

A Lambda subscriber is invoked asynchronously with one record in AWS's shape (the sample in the
Lambda Developer Guide, https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html)::

    {"Records": [{"EventVersion": "1.0", "EventSubscriptionArn": <subscription arn>,
                  "EventSource": "aws:sns",
                  "Sns": {"Type": "Notification", "MessageId", "TopicArn", "Subject" (null when
                          none was given), "Message", "Timestamp", "SignatureVersion": "1",
                          "Signature", "SigningCertUrl", "UnsubscribeUrl",
                          "MessageAttributes": {name: {"Type", "Value"}}}}]}

The signature is a real SHA1withRSA signature (SignatureVersion 1) over AWS's string to sign
(https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html), made with the
topic's mocked key. A raw-delivered message keeps a ``Binary`` attribute as bytes, so SQS's
ReceiveMessage returns it as AWS does.
"""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING, Any

from ... import sample_events
from ...cloud.patching import Patcher
from ..invoke import invoke_lambda
from .seams import SUBSCRIPTION_POST_DATA, SUBSCRIPTION_PUBLISH

if TYPE_CHECKING:
    from ...cloud.session import MockSession


def string_to_sign(fields: dict[str, Any]) -> str:
    """AWS's string to sign for a Notification: each present field as ``name\\nvalue\\n``."""
    names = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    return "".join(f"{name}\n{fields[name]}\n" for name in names if fields.get(name) is not None)


def signed_envelope(subscription: Any, post_data: dict[str, Any]) -> dict[str, Any]:
    """The notification envelope signed as AWS signs it: SignatureVersion "1" (SHA1withRSA) by default, "2"
    (SHA256withRSA) when the topic's ``SignatureVersion`` attribute is 2, over AWS's string to sign
    (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html). The key is the one whose
    certificate ``SigningCertURL`` serves, so a real verifier accepts the signature."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    topic = subscription.topic   # moto stores topic attributes snake_cased (SetTopicAttributes)
    version = "2" if str(getattr(topic, "signature_version", getattr(topic, "SignatureVersion", "1"))) == "2" else "1"
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()  # noqa: S303 - AWS's version 1
    signature = subscription.private_key().sign(string_to_sign(post_data).encode("utf-8"),
                                                padding.PKCS1v15(), algorithm)
    return {**post_data, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode("ascii")}


def lambda_event(subscription: Any, message: str, message_id: str, subject: str | None,
                 message_attributes: dict[str, Any] | None, now: float) -> dict[str, Any]:
    """The event a Lambda function subscribed to a topic receives (see the module docstring)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    topic = subscription.topic
    region = topic.arn.split(":")[3]
    sns: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic.arn,
        "Subject": subject or None,
        "Message": message,
        "Timestamp": sample_events.iso_time(now, millis=True),
    }
    signature = subscription.private_key().sign(string_to_sign(sns).encode("utf-8"),
                                                padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - AWS's v1
    sns.update({
        "SignatureVersion": "1",
        "Signature": base64.b64encode(signature).decode("ascii"),
        "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                          f"SimpleNotificationService-{uuid.uuid4().hex}.pem",
        "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                          f"&SubscriptionArn={subscription.arn}",
        "MessageAttributes": {name: {"Type": value.get("Type"), "Value": value.get("Value")}
                              for name, value in (message_attributes or {}).items()},
    })
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": subscription.arn, "Sns": sns}]}


def raw_binary_as_bytes(message_attributes: dict[str, Any] | None) -> dict[str, Any] | None:
    """Attributes with each ``Binary`` value decoded to bytes (moto keeps SNS's base64 text)."""
    if not message_attributes:
        return message_attributes
    out = {}
    for name, value in message_attributes.items():
        if str(value.get("Type", "")).startswith("Binary") and isinstance(value.get("Value"), str):
            value = {**value, "Value": base64.b64decode(value["Value"])}
        out[name] = value
    return out


class SnsNotifications:
    """Installs the seam: Lambda subscribers get AWS's record; raw SQS delivery keeps bytes."""

    def __init__(self, session: MockSession, patches: Patcher) -> None:
        self.session = session
        self.patches = patches

    def start(self) -> SnsNotifications:
        original = SUBSCRIPTION_PUBLISH.current()
        clock = self.session.clock
        enforce = bool(self.session.options.get("enforce_lambda_permissions"))

        def publish(subscription: Any, message: str, message_id: str, subject: str | None = None,
                    message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
            if subscription.protocol == "lambda":
                matcher = subscription._filter_policy_matcher
                if matcher is not None and not matcher.matches(message_attributes, message):
                    return
                if kwargs.get("message_structure") == "json":
                    message = subscription._parse_message_structure(message, "lambda")
                event = lambda_event(subscription, message, message_id, subject,
                                     message_attributes, clock.now())
                region = subscription.endpoint.split(":")[3]
                invoke_lambda(subscription.endpoint, event, "sns", account_id=subscription.account_id,
                              region=region, asynchronous=True,
                              permission=("sns.amazonaws.com", subscription.topic.arn) if enforce else None)
                return
            if subscription.protocol == "sqs" and subscription.attributes.get("RawMessageDelivery"):
                message_attributes = raw_binary_as_bytes(message_attributes)
            original(subscription, message, message_id, subject, message_attributes, *args, **kwargs)

        self.patches.replace(SUBSCRIPTION_PUBLISH, publish)
        original_post_data = SUBSCRIPTION_POST_DATA.current()

        def get_post_data(subscription: Any, message: str, message_id: str, subject: str | None,
                          message_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
            return signed_envelope(subscription, original_post_data(subscription, message, message_id, subject,
                                                                    message_attributes))

        self.patches.replace(SUBSCRIPTION_POST_DATA, get_post_data)
        return self
