"""A modal that shows an error a person should read (worker failures, export problems)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.widgets import literal


class ErrorModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter", "dismiss(None)", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(literal(self.message))
            yield Button("Close", id="close")

    def on_button_pressed(self) -> None:
        self.dismiss(None)
