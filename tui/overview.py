"""Pack overview: documents with type, pages, status and errors; progress while triaging."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static

from tui.widgets import StatusLine, literal

STATUS_STYLE = {"ok": "$success", "warning": "$warning", "error": "$error", "skipped": "$text-muted"}


class OverviewScreen(Screen[None]):
    BINDINGS = [Binding("enter", "open_document", "Open document", id="open_document")]

    def __init__(self) -> None:
        super().__init__()
        self.bars: dict[str, ProgressBar] = {}
        self.docs: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Vertical(id="progress-box"):
            yield Static(id="progress-note")
        yield DataTable(id="documents", cursor_type="row")
        yield Static(id="doc-message")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Document", key="name")
        table.add_column("Type", key="type", width=5)
        table.add_column("Pages", key="pages", width=5)
        table.add_column("Words", key="words", width=7)
        table.add_column("Status", key="status", width=8)
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def on_resize(self) -> None:
        self.refresh_view()

    def show_progress(self, progress: dict[str, tuple[int, int]]) -> None:
        box = self.query_one("#progress-box", Vertical)
        for stage, (done, total) in progress.items():
            bar = self.bars.get(stage)
            if bar is None:
                bar = self.bars[stage] = ProgressBar(show_eta=False)
                box.mount(Horizontal(Label(f"{stage:<10}", classes="stage"), bar, classes="stage-row"))
            bar.update(total=max(total, 1), progress=done)

    def refresh_view(self) -> None:
        app: Any = self.app
        note = self.query_one("#progress-note", Static)
        if app.triage_running:
            from tui.app import triage_activity

            note.update(
                f"Triage in the background: {triage_activity(app.progress)}. "
                "The board fills in when it is done; you can quit at any time."
            )
        elif app.triage_error:
            note.update(Content.assemble(("Triage failed: ", "bold $error"), literal(app.triage_error)))
        else:
            note.update("Pack triaged. b: criteria board · g: missing evidence · o: outcomes")
        self.show_progress(app.progress)
        if not app.triage_running and not app.triage_error:
            for bar in self.bars.values():
                bar.update(progress=bar.total or 1, total=bar.total or 1)
        table = self.query_one(DataTable)
        table.clear()
        table.columns["name"].width = max(20, self.size.width - 40)  # type: ignore[index]
        table.columns["name"].auto_width = False  # type: ignore[index]
        docs = app.all_documents() if not app.triage_running else []
        self.docs = docs
        for d in docs:
            table.add_row(
                literal(d.name),
                d.type,
                str(d.page_count or "-"),
                str(d.word_count),
                Content.styled(d.status, STATUS_STYLE.get(d.status, "")),
                key=d.id,
            )
        self._show_message()
        table.focus()

    def on_data_table_row_highlighted(self) -> None:
        self._show_message()

    def _show_message(self) -> None:
        table = self.query_one(DataTable)
        out = self.query_one("#doc-message", Static)
        if not self.docs or table.cursor_row >= len(self.docs):
            out.update("")
            return
        d = self.docs[table.cursor_row]
        out.update(
            Content.assemble((d.status + ": ", STATUS_STYLE.get(d.status, "")), literal(d.message))
            if d.message
            else ""
        )

    def on_data_table_row_selected(self) -> None:
        self.action_open_document()

    def action_open_document(self) -> None:
        table = self.query_one(DataTable)
        if not self.docs or table.cursor_row >= len(self.docs):
            return
        d = self.docs[table.cursor_row]
        if d.text:
            self.app.open_source(d.id, 0, 0)  # type: ignore[attr-defined]
        else:
            self.notify(f"{d.name} has no text ({d.status}).", severity="warning")
