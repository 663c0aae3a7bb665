"""LLM help in the review queue: explain a suggestion and draft a key-evidence sentence.

The model's words are drafts for the assessor. Nothing here writes a decision, a rating or an
override; the only write the assessor makes is accepting a key-evidence sentence they have read and
edited, stored as an ``accepted_key_evidence`` draft. Calls run in thread workers owned by the modal,
so closing the modal (escape) cancels the wait and the reply is dropped.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, LoadingIndicator, Static, TextArea
from textual.worker import Worker, WorkerState

from tui.widgets import literal

NO_LLM = "no language model configured — see docs/llm.md"
ACCEPTED_KEY_EVIDENCE = "accepted_key_evidence"


def llm_failure(error: BaseException | None) -> str:
    """An LLMError's message is written for the assessor; anything else is named plainly."""
    from triage.llm import LLMError

    if isinstance(error, LLMError | ValueError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class ExplainModal(ModalScreen[None]):
    """Why the model thinks a passage does or does not evidence the code; escape closes (and cancels)."""

    BINDINGS = [Binding("escape,q,w", "dismiss(None)", "Close")]

    def __init__(self, row: Any, llm: Any) -> None:
        super().__init__()
        self.row = row
        self.llm = llm
        self.result: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog assist"):
            yield Label(
                f"Why {self.row.code}? #{self.row.rank} · {self.row.doc_name} p{self.row.page}",
                classes="dialog-title",
            )
            yield Static(Content.styled(f"Asking {self.llm.model}… (escape cancels)", "$text-muted"),
                         id="assist-status")
            yield LoadingIndicator(id="assist-wait")
            with VerticalScroll(id="assist-scroll"):
                yield Static(id="assist-text")
            yield Static(
                Content.styled("A draft from a language model: it decides nothing. Stored as a note.",
                               "$text-muted"),
                classes="assist-foot",
            )

    def on_mount(self) -> None:
        self.explain()

    @work(thread=True, exclusive=True, exit_on_error=False, group="llm-explain")
    def explain(self) -> Any:
        from triage.llm.assist import explain_suggestion

        app: Any = self.app
        with app.busy_thread():  # quitting does not wait for the model's reply
            return explain_suggestion(app.session, self.row, self.row.code, llm=self.llm)

    @on(Worker.StateChanged)
    def _finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "llm-explain" or event.worker.is_cancelled:
            return
        status = self.query_one("#assist-status", Static)
        if event.state == WorkerState.SUCCESS:
            self.result = event.worker.result
            self.query_one("#assist-wait").display = False
            parts: list[Any] = [literal(self.result.text)]
            for warning in self.result.warnings:
                parts += ["\n\n", (f"note: {warning}", "$warning")]
            self.query_one("#assist-text", Static).update(Content.assemble(*parts))
            status.update(Content.styled(f"{self.result.model} · {self.result.at}", "$text-muted"))
        elif event.state == WorkerState.ERROR:
            self.query_one("#assist-wait").display = False
            status.update(Content.styled("The language model did not answer.", "$error"))
            self.notify(llm_failure(event.worker.error), title="Language model", severity="error")
            self.dismiss(None)


class KeyEvidenceModal(ModalScreen[str | None]):
    """The model drafts one sentence; the assessor edits it and accepts (ctrl+s) or cancels (escape).

    Returns the accepted text, already stored as an ``accepted_key_evidence`` draft for the code.
    ``previous`` holds the sentences accepted before for the code; the report prints each of them.
    """

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "accept", "Accept", priority=True),
    ]

    def __init__(self, code: str, llm: Any, previous: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.code = code
        self.llm = llm
        self.previous = previous
        self.draft: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog assist"):
            yield Label(f"Key evidence for {self.code}", classes="dialog-title")
            yield Static(Content.styled(f"Drafting with {self.llm.model}… (escape cancels)", "$text-muted"),
                         id="assist-status")
            yield LoadingIndicator(id="assist-wait")
            if self.previous:
                lines = [Content.styled("Already accepted for the report:", "bold")]
                lines += [Content("• ") + literal(text) for text in self.previous]
                yield Static(Content("\n").join(lines), classes="assist-previous")
            area = TextArea("", id="key-evidence", soft_wrap=True, show_line_numbers=False)
            area.disabled = True  # until the draft arrives, so typing is not overwritten
            yield area
            with Horizontal(classes="buttons"):
                yield Button("Accept (ctrl+s)", id="accept", variant="success", disabled=True)
                yield Button("Cancel", id="cancel")
            yield Static(
                Content.styled("Edit the sentence before accepting it: the report prints what you accept.",
                               "$text-muted"),
                classes="assist-foot",
            )

    def on_mount(self) -> None:
        self.draft_sentence()

    @work(thread=True, exclusive=True, exit_on_error=False, group="llm-key-evidence")
    def draft_sentence(self) -> Any:
        from triage.llm.assist import draft_key_evidence

        app: Any = self.app
        with app.busy_thread():
            return draft_key_evidence(self.code, session=app.session, llm=self.llm)

    @on(Worker.StateChanged)
    def _finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "llm-key-evidence" or event.worker.is_cancelled:
            return
        if event.state == WorkerState.SUCCESS:
            self.draft = event.worker.result
            self.query_one("#assist-wait").display = False
            area = self.query_one(TextArea)
            area.text = self.draft.text
            area.disabled = False
            area.focus()
            area.move_cursor(area.document.end)
            self.query_one("#accept", Button).disabled = False
            self.query_one("#assist-status", Static).update(
                Content.styled(f"Draft by {self.draft.model}: edit it, then ctrl+s to accept.", "$text-muted")
            )
        elif event.state == WorkerState.ERROR:
            self.notify(llm_failure(event.worker.error), title="Language model", severity="error")
            self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "accept":
            self.action_accept()
        else:
            self.dismiss(None)

    def action_accept(self) -> None:
        area = self.query_one(TextArea)
        if area.disabled:
            return
        text = " ".join(area.text.split())
        if not text:
            self.notify("The key evidence is empty: write a sentence or press escape.", severity="warning")
            return
        app: Any = self.app
        model = getattr(self.draft, "model", "")
        # Committed before the modal closes, so what the assessor sees as accepted is on disk.
        app.session.add_draft(ACCEPTED_KEY_EVIDENCE, text, code=self.code, model=model)
        self.dismiss(text)
