"""How S3 notifications plug into moto: the record moto builds for every destination, and the
event a completed multipart upload reports (``notifications``)."""

from __future__ import annotations

from ...cloud.patching import seam

_EXT = "integrations"
S3_EVENT = seam(
    "moto.s3.notifications:_get_s3_event", extension=_EXT,
    why="moto's records lack userIdentity, requestParameters, responseElements and the object's "
        "sequencer, and give ObjectRemoved records an eTag and size: build them as the S3 User Guide's "
        "'Event message structure' shows (serverless_lab.integrations.s3.notifications)")
SEND_EVENT = seam(
    "moto.s3.notifications:send_event", extension=_EXT,
    why="moto's CompleteMultipartUpload stores the object with PutObject's code, which notifies "
        "ObjectCreated:Put before ObjectCreated:CompleteMultipartUpload; S3 sends only the latter")
COMPLETE_MULTIPART = seam(
    "moto.s3.models:S3Backend.complete_multipart_upload", extension=_EXT, lazy=True,
    why="marks the call so the ObjectCreated:Put that moto's inner PutObject sends is dropped")
