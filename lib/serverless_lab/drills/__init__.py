"""Interview drills: a question bank, open scoring against key points, spaced repetition.

``load_bank()`` reads the shipped bank (``questions.toml``); ``check(question, answer)`` scores a
free-text, multiple-choice or numeric answer and says which key points were hit and missed;
``Quiz`` and ``MockInterview`` are the notebook's widgets; ``serverless-lab drill`` is the
terminal drill, scheduled by FSRS (the ``fsrs`` package) with progress kept per user.
"""

from .bank import Question, load_bank, topics
from .scoring import Feedback, check

__all__ = ["Question", "load_bank", "topics", "Feedback", "check"]
