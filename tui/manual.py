"""Modal: the evidence the assessor added by hand for one code; add from the visit, or remove."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from tui.widgets import literal

# What an assessor records from the visit itself; "document" passages are marked in the source viewer.
VISIT_KINDS = ("learner_voice", "staff_interview", "partner_statement", "observation", "other")


class ManualEvidenceModal(ModalScreen[bool]):
    """Returns True when something was added or removed."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("delete", "remove", "Remove selected", id="remove_evidence"),
    ]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.changed = False
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Evidence you added for {self.code} (delete removes the highlighted one)")
            yield OptionList(id="manual-list")
            yield Label("Add evidence from the visit: choose its kind, type a summary, enter")
            yield Select(
                [(k.replace("_", " "), k) for k in VISIT_KINDS],
                value="learner_voice",
                allow_blank=False,
                id="manual-kind",
            )
            yield Input(
                placeholder="e.g. Year 10 group could name three local employers they met", id="manual-text"
            )

    def on_mount(self) -> None:
        self._reload()
        self.query_one(Input).focus()

    def _reload(self) -> None:
        app: Any = self.app
        self.rows = app.session.manual_evidence(self.code)
        options = self.query_one(OptionList)
        options.clear_options()
        for row in self.rows:
            where = ""
            if row.doc_id:
                where = app.document(row.doc_id).name + " · "
            options.add_option(
                Option(
                    Content.assemble(
                        (f"{row.kind.replace('_', ' ')}: ", "bold"),
                        where,
                        literal(" ".join(row.text.split())[:160]),
                        (f"  ({row.note})" if row.note else "", "$text-muted"),
                    ),
                    id=str(row.id),
                )
            )
        if self.rows:
            options.highlighted = 0
        else:
            options.add_option(Option("Nothing added yet.", disabled=True))

    @on(Input.Submitted)
    def _add(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        app: Any = self.app
        kind = str(self.query_one(Select).value)
        app.session.add_manual_evidence(self.code, kind=kind, text=text)
        event.input.value = ""
        self.changed = True
        self._reload()

    def action_remove(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or not self.rows or index >= len(self.rows):
            return
        app: Any = self.app
        app.session.remove_manual_evidence(self.rows[index].id)
        self.changed = True
        self._reload()

    def action_close(self) -> None:
        self.dismiss(self.changed)
