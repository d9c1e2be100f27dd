"""SQS → Lambda: the event source mapping with AWS's semantics (``mappings``) and dead-letter
queue redrive (``redrive``); moto seams in ``seams``."""
