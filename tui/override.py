"""Modal to override a section's outcome; it refuses an empty justification."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.widgets import LEVEL_KEYS


class OverrideModal(ModalScreen[tuple[str, str] | None]):
    """Returns (outcome id, justification) or None when cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, section: int, title: str, computed: str) -> None:
        super().__init__()
        self.section = section
        self.section_title = title
        self.computed = computed

    def compose(self) -> ComposeResult:
        app: Any = self.app
        with Vertical(classes="dialog"):
            yield Label(f"Override section {self.section}: {self.section_title}")
            yield Label(f"The rules give: {app.index.outcome(self.computed).label}")
            yield OptionList(
                *[Option(f"{k}  {app.index.outcome(v).label}", id=v) for k, v in LEVEL_KEYS.items()],
                id="override-outcome",
            )
            yield Label("Justification (required; it goes in the report and the audit log)")
            yield Input(placeholder="e.g. Learner interviews showed ...", id="justification")
            yield Label("", id="override-error")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(LEVEL_KEYS.values()).index(self.computed)
        options.focus()

    @on(OptionList.OptionSelected)
    def _outcome_chosen(self) -> None:
        self.query_one(Input).focus()

    def on_key(self, event) -> None:
        # 1/2/3 pick an outcome as they rate a code in the queue; in the text box they are text.
        if event.key in LEVEL_KEYS and not isinstance(self.focused, Input):
            event.stop()
            self.query_one(OptionList).highlighted = list(LEVEL_KEYS).index(event.key)
            self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        justification = event.value.strip()
        options = self.query_one(OptionList)
        if not justification:
            self.query_one("#override-error", Label).update("An override needs a justification.")
            return
        outcome = list(LEVEL_KEYS.values())[options.highlighted or 0]
        self.dismiss((outcome, justification))
