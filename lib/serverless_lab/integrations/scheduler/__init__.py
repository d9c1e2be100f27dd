"""EventBridge Scheduler: schedules firing on the lab clock (``firing``); moto seams in ``seams``.

Schedule expressions are parsed by ``integrations.eventbridge.schedule_expressions``.
"""
