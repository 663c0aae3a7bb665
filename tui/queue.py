"""The review queue for one code: suggestions best first, the passage in context, decide by key."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.manual import ManualEvidenceModal
from tui.note import NoteModal
from tui.rate import RateModal
from tui.widgets import (
    LEVEL_KEYS,
    OUTCOME_STYLE,
    SHORT,
    StatusLine,
    literal,
    passage_in_context,
)

MARK = {"confirmed": ("✓", "$success"), "rejected": ("✗", "$error"), None: ("·", "$text-muted")}


class ReviewQueueScreen(Screen[None]):
    BINDINGS = [
        Binding("c", "decide('confirm')", "Confirm", id="confirm"),
        Binding("x", "decide('reject')", "Reject", id="reject"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("n", "skip", "Next", id="skip"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("m", "note", "Note", id="note"),
        Binding("1", "rate('1')", "Rate: insufficient progress", show=False),
        Binding("2", "rate('2')", "Rate: good progress", show=False),
        Binding("3", "rate('3')", "Rate: fully meeting", show=False),
        Binding("0", "rate('0')", "Clear rating", show=False),
        Binding("r", "rate_menu", "Rate", id="rate"),
        Binding("s", "source", "Source", id="source"),
        Binding("e", "manual", "Own evidence", id="manual_evidence"),
        Binding("right_square_bracket", "next_code(1)", "Next code", id="next_code"),
        Binding("left_square_bracket", "next_code(-1)", "Prev code", show=False),
        Binding("p", "toggle_preread", "Pre-read", show=False),
        Binding("escape", "back", "Back to board", id="back", show=False),
    ]

    def __init__(self, code: str, *, preread: bool = False) -> None:
        super().__init__()
        self.code = code
        self.preread = preread
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(id="code-head")
        with Horizontal(id="queue-body"):
            yield OptionList(id="suggestions")
            with Vertical(id="context-pane"):
                yield Static(id="passage-meta")
                with VerticalScroll(id="context-scroll"):
                    yield Static(id="passage")
        yield Footer()

    def on_mount(self) -> None:
        self.load_code(self.code)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_view()

    # ---- what is shown ----------------------------------------------------------------------

    @property
    def app_(self) -> Any:
        return self.app

    def load_code(self, code: str, highlight_first_open: bool = True) -> None:
        self.code = code
        self.rows = self.app_.session.suggestions(code)
        self._fill_list()
        self._show_head()
        target = self._next_open(-1) if highlight_first_open else 0
        option_list = self.query_one(OptionList)
        self.refresh_bindings()
        if self.rows:
            option_list.highlighted = target if target is not None else 0
            self.call_after_refresh(option_list.scroll_to_highlight)
        else:
            self._show_passage()
        option_list.focus()

    def refresh_view(self) -> None:
        keep = self.query_one(OptionList).highlighted
        self.rows = self.app_.session.suggestions(self.code)
        self._fill_list()
        self._show_head()
        if self.rows:
            self.query_one(OptionList).highlighted = min(keep or 0, len(self.rows) - 1)
        self._show_passage()

    def _fill_list(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options([Option(self._prompt(r), id=str(r.id)) for r in self.rows])

    def _prompt(self, row: Any) -> Content:
        """Two lines per suggestion: decision, rank, score, where; then the passage's opening."""
        # The list's CSS cuts each line with an ellipsis (text-wrap: nowrap), whatever its width.
        mark, style = MARK.get(row.decision, MARK[None])
        flag = "?" if getattr(row, "needs_review", False) else " "
        return Content.assemble(
            (mark, style),
            f" {row.rank:>2} {row.score:.2f}{flag} ",
            (f"{row.doc_name} p{row.page}", "bold"),
            "\n   ",
            literal(" ".join(row.text[:400].split())),
        )

    def _show_head(self) -> None:
        app = self.app_
        code = app.index.code(self.code)
        ratings = app.session.ratings()
        rating = ratings.get(self.code)
        level = None
        if app.assessment is not None:
            level = next((c.level for c in app.assessment.codes if c.code == self.code), None)
        manual = app.session.manual_evidence(self.code)
        done = sum(1 for r in self.rows if r.decision)
        head = Content.assemble(
            ("PRE-READ ", "bold $warning") if self.preread else "",
            (f"{self.code}", "bold $accent"),
            f" · section {code.section} · {done}/{len(self.rows)} reviewed",
            f" · {len(manual)} marked" if manual else "",
            " · rating ",
            (SHORT[rating], OUTCOME_STYLE[rating]) if rating else ("none", "$text-muted"),
            " · rules ",
            (SHORT[level], OUTCOME_STYLE[level]) if level in SHORT else "-",
            # Said in the head rather than by a notice: it stays for as long as it is true.
            ("  all reviewed: rate 1/2/3, ] next code", "bold $warning")
            if self.rows and done == len(self.rows) and not rating
            else "",
            "\n",
            literal(app.index.text_for(self.code, app.session.provider_type)),
        )
        self.query_one("#code-head", Static).update(head)

    def current(self) -> Any | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not (0 <= index < len(self.rows)):
            return None
        return self.rows[index]

    def _show_passage(self) -> None:
        row = self.current()
        meta = self.query_one("#passage-meta", Static)
        passage = self.query_one("#passage", Static)
        if row is None:
            meta.update(Content.styled("No suggestions for this code.", "bold"))
            passage.update(
                "The matcher found nothing it trusts here. Press e to add evidence from the visit, search the "
                "pack with ctrl+p to mark a passage in its document, or press ] for the next code."
            )
            return
        doc = self.app_.document(row.doc_id)
        content, offset = passage_in_context(doc.text, row.start, row.end)
        decision = row.decision or "not reviewed"
        note = f" · note: {row.note}" if getattr(row, "note", "") else ""
        meta.update(
            Content.assemble(
                (row.doc_name, "bold"),
                f" p{row.page} · score {row.score:.2f} · #{row.rank} · ",
                (decision, MARK.get(row.decision, MARK[None])[1]),
                literal(note),
                (self._heading(row), "$text-muted"),
            ),
            layout=False,  # one line, cut by CSS: no layout pass on every keystroke
        )
        passage.update(content)
        if passage.content_size.width > 0:
            self._scroll_to_highlight(content, offset)  # same frame: no second redraw
        else:
            self.call_after_refresh(self._scroll_to_highlight, content, offset)

    def _heading(self, row: Any) -> str:
        """The heading the passage sits under, so a table row or list item has its context."""
        try:
            path = self.app_.session.chunk(row.chunk_id).heading_path
        except (KeyError, AttributeError):
            return ""
        return f" · under “{path[-1]}”" if path else ""

    def _scroll_to_highlight(self, content: Content, offset: int) -> None:
        """Scroll so the highlighted span starts near the top with a line of context above it."""
        width = self.query_one("#passage", Static).content_size.width
        lines = len(content[:offset].wrap(width)) if offset and width > 0 else 0
        y = max(0, lines - 2)
        self.query_one("#context-scroll", VerticalScroll).scroll_to(y=y, animate=False)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_passage()

    # ---- navigation -------------------------------------------------------------------------

    def _next_open(self, after: int) -> int | None:
        """Index of the next suggestion without a decision after ``after``, wrapping round."""
        n = len(self.rows)
        for step in range(1, n + 1):
            i = (after + step) % n
            if not self.rows[i].decision:
                return i
        return None

    def _advance(self) -> None:
        option_list = self.query_one(OptionList)
        current = option_list.highlighted if option_list.highlighted is not None else -1
        nxt = self._next_open(current)
        if nxt is not None:
            option_list.highlighted = nxt
            return
        # Stay on the code so it gets rated (in pre-read, rating it moves on); the head says so.

    def action_move(self, step: int) -> None:
        option_list = self.query_one(OptionList)
        if step > 0:
            option_list.action_cursor_down()
        else:
            option_list.action_cursor_up()

    def action_skip(self) -> None:
        option_list = self.query_one(OptionList)
        if not self.rows:
            self.action_next_code(1)
            return
        current = option_list.highlighted or 0
        if current + 1 < len(self.rows):
            option_list.highlighted = current + 1
        else:
            self.action_next_code(1)

    def action_next_code(self, step: int) -> None:
        codes = [c.code for c in self.app_.index.codes]
        i = codes.index(self.code) + step
        if not 0 <= i < len(codes):
            self.notify("That was the last code." if step > 0 else "This is the first code.")
            if self.preread and step > 0:
                self.preread = False
                self._show_head()
            return
        self.load_code(codes[i])

    def action_toggle_preread(self) -> None:
        self.preread = not self.preread
        self._show_head()

    def action_back(self) -> None:
        self.dismiss()

    # ---- decisions (each one a call into the session) ---------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Depends only on whether the code has suggestions: a per-keystroke answer would make the
        # footer rebuild itself on every decision, which costs more than the decision. Not "manual":
        # a code without suggestions still takes the assessor's own evidence.
        if action in ("decide", "note", "source", "undo"):
            return bool(self.rows) or None
        return True

    def action_decide(self, decision: str) -> None:
        row = self.current()
        if row is None:
            return
        self.app_.session.decide(row.id, decision)
        before = self.query_one(OptionList).highlighted
        self._after_write(row.id, show_passage=False)
        self._advance()
        if self.query_one(OptionList).highlighted == before:
            self._show_passage()  # otherwise the highlight change has already redrawn it

    def action_undo(self) -> None:
        row = self.current()
        if row is None or row.decision is None:
            return
        self.app_.session.undo_decision(row.id)
        self._after_write(row.id)

    def action_note(self) -> None:
        row = self.current()
        if row is None:
            return

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            decision, note = result
            self.app_.session.decide(row.id, decision, note=note)
            self._after_write(row.id)

        self.app.push_screen(NoteModal(row, getattr(row, "note", "") or ""), save)

    def action_rate(self, key: str) -> None:
        level = LEVEL_KEYS.get(key)
        self.app_.session.rate(self.code, level)
        self._after_write()
        if self.preread and level:
            self.action_next_code(1)

    def action_rate_menu(self) -> None:
        def chosen(level: str | None | bool) -> None:
            if level is False:
                return
            key = next((k for k, v in LEVEL_KEYS.items() if v == level), "0")
            self.action_rate(key)

        self.app.push_screen(RateModal(self.code, self.app_.session.ratings().get(self.code)), chosen)

    def action_manual(self) -> None:
        def closed(changed: bool | None) -> None:
            if changed:
                self._after_write()

        self.app.push_screen(ManualEvidenceModal(self.code), closed)

    def action_source(self) -> None:
        row = self.current()
        if row is not None:
            self.app_.open_source(row.doc_id, row.start, row.end, code=self.code)

    def _after_write(self, changed: int | None = None, show_passage: bool = True) -> None:
        """Re-read what the write changed; only the affected row of the list is redrawn."""
        self.app_.refresh_assessment()
        self.rows = self.app_.session.suggestions(self.code)
        option_list = self.query_one(OptionList)
        for i, row in enumerate(self.rows):
            if row.id == changed:
                option_list.replace_option_prompt_at_index(i, self._prompt(row))
        self._show_head()
        if changed is not None and show_passage:
            self._show_passage()
