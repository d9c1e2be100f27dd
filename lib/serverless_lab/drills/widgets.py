"""ipywidgets front ends for the quiz and the mock interview (instant feedback, explanation, source)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .bank import Question, load_bank
from .scoring import Feedback, check

if TYPE_CHECKING:
    from .interview import MockInterview


def _feedback_html(f: Feedback) -> str:
    colour = "#1b7f3b" if f.correct else "#b3261e" if f.understood else "#8a6d00"
    hit = "".join(f"<li>✅ {html.escape(p)}</li>" for p in f.hit)
    missed = "".join(f"<li>❌ {html.escape(p)}</li>" for p in f.missed)
    return (f"<div style='color:{colour};font-weight:600'>{html.escape(f.message)}</div>"
            f"<ul style='margin:4px 0'>{hit}{missed}</ul>"
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
                 kinds: list[str] | None = None) -> None:
        self.questions = questions if questions is not None else load_bank(topics=topics, kinds=kinds)
        self.index = 0
        self.results: list[Feedback] = []

    def widget(self):  # noqa: ANN201
        import ipywidgets as w

        title, prompt, box = w.HTML(), w.HTML(), w.VBox()
        result, score = w.HTML(), w.HTML()
        check_btn, next_btn = w.Button(description="Check", button_style="primary"), w.Button(description="Next")
        state: dict[str, object] = {}

        def show() -> None:
            q = self.questions[self.index % len(self.questions)]
            state["q"], state["input"] = q, _input_for(q)
            title.value = f"<b>Question {self.index + 1} of {len(self.questions)}</b> · {q.topic} · {q.kind}"
            prompt.value = f"<p>{html.escape(q.question)}</p>"
            box.children = [state["input"]]
            result.value = ""

        def on_check(_btn: object) -> None:
            f = check(state["q"], state["input"].value)  # type: ignore[arg-type, attr-defined]
            result.value = _feedback_html(f)
            if f.understood:
                self.results.append(f)
                score.value = f"Score so far: {sum(r.fraction for r in self.results):.1f} / {len(self.results)}"

        def on_next(_btn: object) -> None:
            self.index += 1
            show()

        check_btn.on_click(on_check)
        next_btn.on_click(on_next)
        show()
        return w.VBox([title, prompt, box, w.HBox([check_btn, next_btn]), result, score])


def interview_widget(interview: MockInterview):  # noqa: ANN201
    import ipywidgets as w

    header, prompt, box, result = w.HTML(), w.HTML(), w.VBox(), w.HTML()
    submit = w.Button(description="Submit answer", button_style="primary")
    state: dict[str, object] = {}

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
            f = interview.answer(state["input"].value)  # type: ignore[attr-defined]
        except LabError as err:
            result.value = f"<div style='color:#b3261e'>{html.escape(err.message)}</div>"
            show()
            return
        result.value = _feedback_html(f)
        if f.understood:
            show()

    submit.on_click(on_submit)
    show()
    return w.VBox([header, prompt, box, submit, result])
