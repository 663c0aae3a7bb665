"""Modal: choose the code a marked passage is evidence for, with an optional note."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.widgets import literal


class EvidenceModal(ModalScreen[tuple[str, str] | None]):
    """Returns (code, note) or None. Type the code (e.g. 3.4), a space and an optional note."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, code: str | None, passage: str) -> None:
        super().__init__()
        self.code = code
        self.passage = passage

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Mark as evidence for code (then an optional note), e.g. 3.4 seen in tutor log")
            yield Static(literal(" ".join(self.passage.split())[:300]), classes="quote")
            yield Input(f"{self.code} " if self.code else "", id="code-input", select_on_focus=False)
            yield Label("", id="code-error")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        code = event.value.strip().split(" ", 1)[0]
        app: Any = self.app
        known = {c.code: c for c in app.index.codes}
        label = self.query_one("#code-error", Label)
        label.update(literal(known[code].description[:200]) if code in known else "")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        code, _, note = event.value.strip().partition(" ")
        app: Any = self.app
        if code not in {c.code for c in app.index.codes}:
            self.query_one("#code-error", Label).update(f"{code or 'Nothing'} is not a code (1.1 to 8.4).")
            return
        self.dismiss((code, note.strip()))
