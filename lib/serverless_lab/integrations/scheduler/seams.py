"""How EventBridge Scheduler plugs into moto: the seams that arm, re-arm and cancel a schedule's
lab-clock timer (``firing``).
"""

from __future__ import annotations

from ...cloud.patching import seam

_SCHEDULER = "moto.scheduler.models:EventBridgeSchedulerBackend"
SCHEDULE_SEAMS = {
    "create_schedule": seam(f"{_SCHEDULER}.create_schedule", extension="integrations",
                            why="moto stores schedules but never runs them: arm a lab-clock timer"),
    "update_schedule": seam(f"{_SCHEDULER}.update_schedule", extension="integrations",
                            why="re-arm the schedule's timer with its new expression or window"),
    "delete_schedule": seam(f"{_SCHEDULER}.delete_schedule", extension="integrations",
                            why="cancel a deleted schedule's timer"),
}
