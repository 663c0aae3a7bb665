"""Modal to rate a code: one of the Standard's three outcomes, or clear the rating."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.widgets import LEVEL_KEYS


class RateModal(ModalScreen[str | None | bool]):
    """Returns an outcome id, None to clear the rating, or False when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, code: str, current: str | None) -> None:
        super().__init__()
        self.code = code
        self.current = current

    def compose(self) -> ComposeResult:
        app: Any = self.app
        options = [
            Option(f"{key}  {app.index.outcome(level).label}", id=level) for key, level in LEVEL_KEYS.items()
        ]
        options.append(Option("0  Clear the rating", id="clear"))
        with Vertical(classes="dialog"):
            yield Label(
                f"Rate {self.code}"
                + (f" (now {app.index.outcome(self.current).label})" if self.current else "")
            )
            yield OptionList(*options)

    def on_key(self, event) -> None:
        if event.key in LEVEL_KEYS:
            event.stop()
            self.dismiss(LEVEL_KEYS[event.key])
        elif event.key == "0":
            event.stop()
            self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if event.option.id == "clear" else event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(False)
