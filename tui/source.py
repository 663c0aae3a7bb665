"""The source viewer: the whole document, scrolled to the passage; select and mark evidence."""

from __future__ import annotations

import re
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea
from textual.widgets.text_area import Selection

from tui.pick_code import EvidenceModal
from tui.widgets import StatusLine

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")


def viewer_text(text: str) -> str:
    """Text for the TextArea with one newline style so its locations map back to offsets."""
    return text.replace("\r", " ")


def next_sentence_end(text: str, offset: int) -> int:
    m = _SENTENCE_END.search(text, offset + 1)
    return min(len(text), m.end()) if m else len(text)


def next_paragraph_end(text: str, offset: int) -> int:
    # Skip the newline we may be sitting on, then stop at the end of the next non-empty line.
    i = offset
    while i < len(text) and text[i] in "\n ":
        i += 1
    nl = text.find("\n", i)
    return len(text) if nl == -1 else nl


class SourceScreen(Screen[None]):
    BINDINGS = [
        Binding("e", "mark", "Mark as evidence", id="mark"),
        Binding("s", "extend('sentence')", "+Sentence", id="extend_sentence"),
        Binding("a", "extend('paragraph')", "+Paragraph", id="extend_paragraph"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self, doc_id: str, start: int, end: int, code: str | None = None) -> None:
        super().__init__()
        self.doc_id = doc_id
        self.start = start
        self.end = end
        self.code = code

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(id="source-head")
        yield TextArea(
            "", read_only=True, show_cursor=True, soft_wrap=True, show_line_numbers=False, id="source-text"
        )
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        self.doc = app.document(self.doc_id)
        area = self.query_one(TextArea)
        area.load_text(viewer_text(self.doc.text))
        self.select_offsets(self.start, self.end)
        area.focus()

    def select_offsets(self, start: int, end: int) -> None:
        area = self.query_one(TextArea)
        doc: Any = area.document
        first = doc.get_location_from_index(start)
        area.selection = Selection(first, doc.get_location_from_index(end))
        self.call_after_refresh(self._show_selection_start, first)
        self._show_head()

    def _show_selection_start(self, location: tuple[int, int]) -> None:
        """Show the start of the selection near the top (the cursor sits at its end)."""
        area = self.query_one(TextArea)
        y = area.wrapped_document.location_to_offset(location).y
        area.scroll_to(y=max(0, y - 2), animate=False)

    def selected_offsets(self) -> tuple[int, int]:
        area = self.query_one(TextArea)
        a, b = area.selection
        doc: Any = area.document
        i, j = doc.get_index_from_location(a), doc.get_index_from_location(b)
        return (i, j) if i <= j else (j, i)

    def _show_head(self) -> None:
        start, end = self.selected_offsets()
        pages = f"{self.doc.page_count} pages" if self.doc.page_count else "no pages"
        where = (
            f"selected {end - start} chars on page {self.doc.page_at(start)}"
            if end > start
            else "no selection"
        )
        self.query_one("#source-head", Static).update(
            Content.assemble((self.doc.name, "bold"), f" · {self.doc.type} · {pages} · {where}")
        )

    def on_text_area_selection_changed(self) -> None:
        self._show_head()

    def action_extend(self, unit: str) -> None:
        start, end = self.selected_offsets()
        text = self.doc.text
        new_end = next_sentence_end(text, end) if unit == "sentence" else next_paragraph_end(text, end)
        self.select_offsets(start, new_end)

    def action_mark(self) -> None:
        start, end = self.selected_offsets()
        if end <= start:
            self.notify("Select a passage first (shift+arrows, s or a).", severity="warning")
            return
        app: Any = self.app
        text = self.doc.text[start:end]

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            code, note = result
            app.session.add_manual_evidence(
                code, kind="document", text=text, doc_id=self.doc_id, start=start, end=end, note=note
            )
            app.session_changed()
            self.notify(f"Marked {end - start} characters as evidence for {code}.")

        self.app.push_screen(EvidenceModal(self.code, text), save)

    def action_back(self) -> None:
        self.dismiss()
