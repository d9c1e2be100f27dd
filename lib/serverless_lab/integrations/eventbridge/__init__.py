"""EventBridge → Lambda / Step Functions: rules on events and on schedules.

What it models: ``rules`` (rule matching, targets, schedule rules on the lab clock),
``patterns`` (event pattern matching and target input), ``pattern_rules`` (pattern validation as
EventBridge does it), ``schedule_expressions`` (``rate()`` / ``cron()`` / ``at()``, shared with
Scheduler). How it plugs in: ``seams``.
"""
