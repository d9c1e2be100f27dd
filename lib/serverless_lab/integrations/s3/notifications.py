"""S3 event notification records as S3 sends them.

The S3 User Guide's "Event message structure"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html) shows
each record with ``userIdentity.principalId``, ``requestParameters.sourceIPAddress``,
``responseElements`` (``x-amz-request-id``, ``x-amz-id-2``), the bucket's ``ownerIdentity`` and the
object's ``sequencer``: "a string representation of a hexadecimal value used to determine event
sequence, only used with PUTs and DELETEs"; of two notifications on one key, the greater sequencer
is the later event. moto's record has none of these and gives ObjectRemoved records the ``eTag``
and ``size`` S3 leaves out (the object is gone). CompleteMultipartUpload reports
``ObjectCreated:CompleteMultipartUpload`` only (moto also sends ``ObjectCreated:Put``), CopyObject
``ObjectCreated:Copy``.

What the lab fills in: the request came from this machine (``sourceIPAddress`` 127.0.0.1); the
principal and the bucket owner are the sample ids of ``serverless_lab.sample_events`` (a lab's
sample event and the real trigger look the same); the request ids are fresh ones in S3's format
(not the ids of the HTTP response). The key stays URL-encoded as moto writes it (``quote_plus``,
which the page's "red flower.jpg" -> "red+flower.jpg" example agrees with).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ... import sample_events
from ...cloud.patching import Patcher
from .seams import COMPLETE_MULTIPART, S3_EVENT, SEND_EVENT

if TYPE_CHECKING:
    from ...cloud.session import MockSession

SOURCE_IP = "127.0.0.1"
PRINCIPAL_ID = "AWS:AIDAEXAMPLEPRINCIPAL"     # as in sample_events.s3_put


class Sequencer:
    """Hexadecimal sequencers that increase with every event (so per key too): 18 digits, the
    length of the S3 User Guide's example ("0055AED6DCD90281E5")."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self, now: float) -> str:
        with self._lock:
            self._last = max(self._last + 1, int(now * 1_000_000))
            return f"{self._last:018X}"


def s3_record(event_name: str, bucket: Any, key: Any, configuration_id: str, *, sequencer: str,
              event_time: float) -> dict[str, Any]:
    """One notification record for ``key`` (moto's FakeKey) in ``bucket`` (FakeBucket)."""
    short = event_name[3:] if event_name.startswith("s3:") else event_name
    removed = short.startswith("ObjectRemoved")
    builder = sample_events.s3_delete if removed else sample_events.s3_put
    kwargs: dict[str, Any] = {"region": bucket.region_name, "event_name": short, "event_time": event_time,
                              "configuration_id": configuration_id, "source_ip": SOURCE_IP,
                              "principal_id": PRINCIPAL_ID}
    version = getattr(key, "version_id", None)
    if version and version != "null":
        kwargs["version_id"] = version
    if not removed:
        kwargs.update(size=key.size, etag=key.etag.replace('"', ""))
    event = builder(bucket.name, key.name, **kwargs)
    record = event["Records"][0]
    record["s3"]["bucket"]["arn"] = bucket.arn
    record["s3"]["object"]["sequencer"] = sequencer
    return event


class S3Notifications:
    """Installs the record builder and the multipart fix for one session."""

    def __init__(self, session: MockSession, patches: Patcher) -> None:
        self.clock = session.clock
        self.patches = patches
        self.sequencer = Sequencer()
        self._local = threading.local()

    def start(self) -> S3Notifications:
        original_send = SEND_EVENT.current()
        me = self

        def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
            now = me.clock.now()
            return s3_record(str(getattr(event_name, "value", event_name)), bucket, key, notification_id,
                             sequencer=me.sequencer.next(now), event_time=now)

        def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
            name = str(getattr(event_name, "value", event_name))
            if getattr(me._local, "completing", False) and name == "s3:ObjectCreated:Put":
                return   # moto's inner PutObject of CompleteMultipartUpload
            original_send(account_id, event_name, bucket, key)

        self.patches.replace(S3_EVENT, get_s3_event)
        self.patches.replace(SEND_EVENT, send_event)

        def install(_module: Any) -> None:
            original_complete = COMPLETE_MULTIPART.current()

            def complete_multipart_upload(backend: Any, *args: Any, **kwargs: Any) -> Any:
                outer = getattr(me._local, "completing", False)
                me._local.completing = True
                try:
                    return original_complete(backend, *args, **kwargs)
                finally:
                    me._local.completing = outer

            self.patches.replace(COMPLETE_MULTIPART, complete_multipart_upload)

        self.patches.on_import("moto.s3.models", install)
        return self
