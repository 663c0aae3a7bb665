"""Modal: pick one of a few labelled choices (number keys work); used for Gatsby statuses."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

CANCELLED = "__cancelled__"


class ChoiceModal(ModalScreen[str]):
    """Returns the chosen key, or CANCELLED."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (key returned, label shown)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text)
            yield OptionList(
                *[Option(f"{i}  {label}", id=key) for i, (key, label) in enumerate(self.choices, 1)]
            )

    def on_mount(self) -> None:
        keys = [k for k, _ in self.choices]
        self.query_one(OptionList).highlighted = keys.index(self.current) if self.current in keys else 0

    def on_key(self, event) -> None:
        if event.key.isdigit() and 1 <= int(event.key) <= len(self.choices):
            event.stop()
            self.dismiss(self.choices[int(event.key) - 1][0])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or CANCELLED)

    def action_cancel(self) -> None:
        self.dismiss(CANCELLED)
