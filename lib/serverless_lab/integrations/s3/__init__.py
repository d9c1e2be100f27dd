"""S3 event notifications: the records S3 sends to Lambda, SQS and SNS (``notifications``); moto
seams in ``seams``."""
