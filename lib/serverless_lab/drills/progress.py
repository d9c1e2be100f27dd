"""A user's drill progress on disk: FSRS cards per question and a review history.

The file is JSON, written atomically (temporary file, then rename), so an interrupted drill never leaves
half a file. A file that cannot be read (corrupted, edited by hand, another program's) is kept aside as
``<name>.corrupt-<time>`` and a new one is started, with a message naming both: progress is never
silently lost.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_VAR = "SERVERLESS_LAB_DRILL_PROGRESS"
VERSION = 1


def default_path() -> Path:
    """``$SERVERLESS_LAB_DRILL_PROGRESS``, else ``~/.serverless-lab/drill-progress.json`` (one per user)."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path.home() / ".serverless-lab" / "drill-progress.json"


@dataclass
class Progress:
    path: Path
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)     # question id -> fsrs Card.to_dict()
    history: list[dict[str, Any]] = field(default_factory=list)        # one row per answer
    notice: str = ""                                                   # set when a bad file was kept aside

    @classmethod
    def load(cls, path: str | Path | None = None) -> Progress:
        path = Path(path) if path else default_path()
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("not a drill progress file of this version")
            cards, history = data["cards"], data["history"]
            if not isinstance(cards, dict) or not isinstance(history, list):
                raise ValueError("cards or history have the wrong shape")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            path.rename(aside)
            return cls(path, notice=f"Your progress file {path} could not be read ({exc}); it was kept as "
                                    f"{aside} and a new one was started.")
        return cls(path, cards, history)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "cards": self.cards, "history": self.history}
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def weak_topics(self, last: int = 200) -> list[tuple[str, float, int]]:
        """(topic, mean score, answers) over the last ``last`` answers, weakest first."""
        by_topic: dict[str, list[float]] = {}
        for row in self.history[-last:]:
            by_topic.setdefault(row["topic"], []).append(float(row["score"]))
        rows = [(t, sum(s) / len(s), len(s)) for t, s in by_topic.items()]
        return sorted(rows, key=lambda r: (r[1], -r[2]))
