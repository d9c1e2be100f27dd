"""ipywidgets front ends for the quiz and the mock interview (instant feedback, explanation, source).

After the feedback the learner rates the card with one of four buttons (Again, Hard, Good, Easy); the
suggested one is highlighted, and **Next** without a click accepts it (Enter in the terminal). The rating,
not the automatic score, goes to FSRS when the quiz or interview keeps progress.

This module imports nothing from ``interview``: the interview widget takes any object with the
:class:`Interviewing` shape, so ``interview`` → ``widgets`` is the only direction.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .bank import Question, load_bank
from .progress import Progress
from .schedule import RATINGS, Drill, Rating, suggest
from .scoring import Feedback, check


class Interviewing(Protocol):
    """What the interview widget needs from a mock interview."""

    questions: list[Question]
    feedback: list[Feedback]

    @property
    def seconds_left(self) -> float: ...

    @property
    def current(self) -> Question | None: ...

    def answer(self, answer: object) -> Feedback: ...

    def rate(self, rating: Rating) -> None: ...

    def report(self) -> Any: ...


def rating_buttons(on_rate: Callable[[Rating], None]):  # noqa: ANN201
    """Four buttons, 1 Again … 4 Easy; ``show(suggested)`` highlights the suggestion."""
    import ipywidgets as w

    buttons = [w.Button(description=f"{i} {r.name}", layout=w.Layout(width="auto")) for i, r in enumerate(RATINGS, 1)]
    for b, r in zip(buttons, RATINGS):
        b.on_click(lambda _b, r=r: on_rate(r))
    box = w.HBox(buttons, layout=w.Layout(display="none"))

    def show(suggested: Rating | None) -> None:
        box.layout.display = "none" if suggested is None else "flex"
        for b, r in zip(buttons, RATINGS):
            b.button_style = "primary" if r == suggested else ""
            b.tooltip = "suggested by the check" if r == suggested else ""

    box.show = show  # type: ignore[attr-defined]
    box.buttons = buttons  # type: ignore[attr-defined]
    return box


def _feedback_html(f: Feedback) -> str:
    colour = "#1b7f3b" if f.correct else "#b3261e" if f.understood else "#8a6d00"
    hit = "".join(f"<li>✅ {html.escape(p)}</li>" for p in f.hit)
    missed = "".join(f"<li>❌ {html.escape(p)}{' (contradicted: named under a negation)' if p in f.negated else ''}</li>"
                     for p in f.missed)
    wrong = "".join(f"<li>⚠️ misconception: {html.escape(m)}</li>" for m in f.misconceptions)
    return (f"<div style='color:{colour};font-weight:600'>{html.escape(f.message)}</div>"
            f"<ul style='margin:4px 0'>{wrong}{hit}{missed}</ul>"
            f"<div><i>Model answer:</i> {html.escape(f.question.answer)}</div>"
            f"<div style='font-size:90%'><i>Source:</i> <a href='{html.escape(f.question.source)}' target='_blank'>"
            f"{html.escape(f.question.source)}</a> (checked {f.question.date})</div>")


def _input_for(q: Question):  # noqa: ANN202
    import ipywidgets as w

    if q.is_choice:
        return w.RadioButtons(options=[(c, i) for i, c in enumerate(q.choices)], value=None,
                              layout=w.Layout(width="auto"))
    if q.is_numeric:
        return w.Text(placeholder=f"a number{' in ' + q.unit if q.unit else ''}")
    return w.Textarea(placeholder="Answer in a few sentences, as you would in an interview.",
                      layout=w.Layout(width="95%", height="90px"))


class Quiz:
    """A quiz over the bank: one question at a time, instant feedback with the key points."""

    def __init__(self, questions: list[Question] | None = None, *, topics: list[str] | None = None,
                 kinds: list[str] | None = None, progress: str | Path | Progress | None = None) -> None:
        self.questions = questions if questions is not None else load_bank(topics=topics, kinds=kinds)
        self.index = 0
        self.results: list[Feedback] = []
        self.ratings: list[Rating] = []
        self.progress = Progress.load(progress) if isinstance(progress, (str, Path)) else progress
        self.drill = Drill(self.progress) if self.progress is not None else None

    def rate(self, feedback: Feedback, rating: Rating) -> None:
        """Keep the learner's rating of an answer; with progress, FSRS schedules the card with it."""
        self.ratings.append(rating)
        if self.drill is not None and self.progress is not None:
            self.drill.record(feedback, rating=rating)
            self.progress.save()

    def widget(self):  # noqa: ANN201
        import ipywidgets as w

        title, prompt, box = w.HTML(), w.HTML(), w.VBox()
        result, score, rated = w.HTML(), w.HTML(), w.HTML()
        check_btn, next_btn = w.Button(description="Check", button_style="primary"), w.Button(description="Next")
        state: dict[str, Any] = {}

        def show() -> None:
            q = self.questions[self.index % len(self.questions)]
            state.update(q=q, input=_input_for(q), feedback=None, rated=False)
            title.value = f"<b>Question {self.index + 1} of {len(self.questions)}</b> · {q.topic} · {q.kind}"
            prompt.value = f"<p>{html.escape(q.question)}</p>"
            box.children = [state["input"]]
            result.value = rated.value = ""
            ratings.show(None)  # type: ignore[attr-defined]
            check_btn.disabled = False

        def on_rate(rating: Rating) -> None:
            f = state["feedback"]
            if f is None or state["rated"]:
                return
            state["rated"] = True
            self.rate(f, rating)
            rated.value = f"Rated <b>{rating.name}</b> (suggested {suggest(f).name})."
            ratings.show(None)  # type: ignore[attr-defined]

        ratings = rating_buttons(on_rate)

        def on_check(_btn: object) -> None:
            f = check(state["q"], state["input"].value)
            result.value = _feedback_html(f)
            if f.understood:
                self.results.append(f)
                state["feedback"] = f
                check_btn.disabled = True
                score.value = f"Score so far: {sum(r.fraction for r in self.results):.1f} / {len(self.results)}"
                ratings.show(suggest(f))  # type: ignore[attr-defined]
                rated.value = f"How did it go? The check suggests <b>{suggest(f).name}</b>; Next accepts it."

        def on_next(_btn: object) -> None:
            if state["feedback"] is not None and not state["rated"]:
                on_rate(suggest(state["feedback"]))
            self.index += 1
            show()

        check_btn.on_click(on_check)
        next_btn.on_click(on_next)
        show()
        return w.VBox([title, prompt, box, w.HBox([check_btn, next_btn]), result, ratings, rated, score])


def interview_widget(interview: Interviewing):  # noqa: ANN201
    import ipywidgets as w

    header, prompt, box, result, rated = w.HTML(), w.HTML(), w.VBox(), w.HTML(), w.HTML()
    submit = w.Button(description="Submit answer", button_style="primary")
    state: dict[str, Any] = {"feedback": None}

    def on_rate(rating: Rating) -> None:
        f = state["feedback"]
        if f is None:
            return
        state["feedback"] = None
        interview.rate(rating)
        rated.value = f"Rated <b>{rating.name}</b> (suggested {suggest(f).name})."
        ratings.show(None)  # type: ignore[attr-defined]
        submit.disabled = False
        show()

    ratings = rating_buttons(on_rate)

    def show() -> None:
        left = interview.seconds_left
        q = interview.current
        if q is None:
            header.value = "<b>Interview over.</b>"
            prompt.value = ""
            box.children = []
            submit.disabled = True
            result.value += "<pre>" + html.escape(interview.report().text()) + "</pre>"
            return
        header.value = (f"<b>Question {len(interview.feedback) + 1} of {len(interview.questions)}</b> · "
                        f"{q.topic} · ⏱ {int(left // 60)}:{int(left % 60):02d} left")
        prompt.value = f"<p>{html.escape(q.question)}</p>"
        state["input"] = _input_for(q)
        box.children = [state["input"]]

    def on_submit(_btn: object) -> None:
        from ..errors import LabError

        try:
            f = interview.answer(state["input"].value)
        except LabError as err:
            result.value = f"<div style='color:#b3261e'>{html.escape(err.message)}</div>"
            show()
            return
        result.value = _feedback_html(f)
        if f.understood:      # rate before the next question (the clock keeps running, as in an interview)
            state["feedback"] = f
            submit.disabled = True
            ratings.show(suggest(f))  # type: ignore[attr-defined]
            rated.value = f"Rate your answer; the check suggests <b>{suggest(f).name}</b>."

    submit.on_click(on_submit)
    show()
    return w.VBox([header, prompt, box, submit, result, ratings, rated])


def design_widget(design: Any):  # noqa: ANN201 - a DesignRound (imported lazily by it: no cycle)
    """The design round in a notebook: the scenario, one follow-up at a time, feedback with the model's
    number and derivation, then the report of strengths and gaps."""
    import ipywidgets as w

    brief = w.HTML(f"<h4>{html.escape(design.scenario.title)}</h4><p>{html.escape(design.scenario.brief)}</p>")
    prompt, result = w.HTML(), w.HTML()
    box = w.Textarea(placeholder="Answer as you would aloud; numbers with your working.",
                     layout=w.Layout(width="95%", height="90px"))
    submit = w.Button(description="Submit", button_style="primary")

    def show() -> None:
        if design.done:
            prompt.value = "<b>Round over.</b>"
            submit.disabled = True
            box.layout.display = "none"
            result.value += "<pre>" + html.escape(design.report().text()) + "</pre>"
            return
        prompt.value = "<pre style='white-space:pre-wrap'>" + html.escape(design.prompt()) + "</pre>"
        box.value = ""

    def on_submit(_btn: object) -> None:
        r = design.answer(box.value)
        extra = (f"<div><i>Model's number:</i> {html.escape(r.derivation)}</div>" if r.derivation else "")
        result.value = _feedback_html(r.feedback) + extra
        if r.feedback.understood:
            show()

    submit.on_click(on_submit)
    show()
    return w.VBox([brief, prompt, box, submit, result])
