"""Modal for the assessor's note on a suggestion; the note is saved with a decision."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class NoteModal(ModalScreen[tuple[str, str] | None]):
    """Returns (decision, note); enter keeps the current decision or confirms a new one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, row: Any, note: str) -> None:
        super().__init__()
        self.row = row
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Note on suggestion {self.row.rank} for {self.row.code} ({self.row.doc_name})")
            kept = {"confirmed": "keeps it confirmed", "rejected": "keeps it rejected"}
            yield Label(
                f"enter {kept.get(self.row.decision, 'confirms it')} with this note; or choose below",
                classes="hint",
            )
            yield Input(self.note, placeholder="Why you confirmed or rejected it", id="note-input")
            with Horizontal(classes="buttons"):
                yield Button("Confirm with note", id="confirm", variant="success")
                yield Button("Reject with note", id="reject", variant="error")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        # Enter keeps an existing rejection; otherwise a note is evidence the assessor accepts.
        self._finish("reject" if self.row.decision == "rejected" else "confirm")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._finish(event.button.id or "confirm")

    def _finish(self, decision: str) -> None:
        self.dismiss((decision, self.query_one(Input).value.strip()))
