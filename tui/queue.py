"""The review queue for one code: suggestions best first, the passage in context, decide by key."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from triage.match.modality import caution
from tui.assist import ACCEPTED_KEY_EVIDENCE, ExplainModal, KeyEvidenceModal, llm_failure
from tui.manual import ManualEvidenceModal
from tui.note import NoteModal
from tui.rate import RateModal
from tui.widgets import (
    LEVEL_KEYS,
    OUTCOME_STYLE,
    SHORT,
    PassageView,
    StatusLine,
    literal,
    passage_in_context,
)

MARK = {"confirmed": ("✓", "$success"), "rejected": ("✗", "$error"), None: ("·", "$text-muted")}
HINT_STYLE = {
    "yes": "italic $success",
    "no": "italic $error",
    "unsure": "italic $warning",
    "…": "$text-muted",
}
# Keys of the LLM assistance: in the footer only when a model is configured (they explain otherwise).
LLM_KEYS = ("w", "h", "K")


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
        Binding(
            "w", "explain", "Why?", id="llm_explain", tooltip="The language model explains the suggestion"
        ),
        Binding(
            "h", "second_opinion", "LLM hint", id="llm_hint", tooltip="The model's yes/no/unsure: a hint"
        ),
        Binding(
            "K",
            "key_evidence",
            "Key evidence",
            id="llm_key_evidence",
            tooltip="The model drafts the key-evidence sentence for you to edit",
        ),
        Binding("escape", "back", "Back to board", id="back", show=False),
    ]

    def __init__(self, code: str, *, preread: bool = False) -> None:
        super().__init__()
        self.code = code
        self.preread = preread
        self.rows: list[Any] = []
        self.hints: dict[int, str] = {}  # suggestion id -> the LLM's yes/no/unsure ("…" while asked)
        self._shown: tuple[Any, ...] | None = None  # what the passage pane shows, to skip redrawing it
        self._key_evidence = False

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(id="code-head")  # its height is set by _fit_head
        with Horizontal(id="queue-body"):
            yield OptionList(id="suggestions")
            with Vertical(id="context-pane"):
                yield Static(id="passage-meta")
                yield PassageView(id="passage")
        yield Footer()

    def on_mount(self) -> None:
        configured = self.app_.llm_config is not None
        for key in LLM_KEYS:
            found = self._bindings.key_to_bindings.get(key, [])
            self._bindings.key_to_bindings[key] = [replace(b, show=configured) for b in found]
        self._fit_head()
        self.load_code(self.code)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_view()

    def on_resize(self) -> None:
        self._fit_head()

    def _fit_head(self) -> None:
        """Give the code's header the height the longest code text needs at this width.

        With an auto height, ] onto a code whose text wraps to another number of lines resized the
        list and the passage as well: two layout passes and a full redraw, about 100 ms a press.
        """
        app = self.app_
        width = max(10, self.size.width - 2)  # the header's padding is one column each side
        lines = max(
            len(Content(app.index.text_for(c.code, app.session.provider_type)).wrap(width))
            for c in app.index.codes
        )
        self.query_one("#code-head", Static).styles.height = lines + 1  # + the status line

    # ---- what is shown ----------------------------------------------------------------------

    @property
    def app_(self) -> Any:
        return self.app

    def load_code(self, code: str, highlight_first_open: bool = True) -> None:
        self.code = code
        had_rows = bool(self.rows)
        self.rows = self.app_.session.suggestions(code)
        self._load_llm_notes()
        self._fill_list()
        self._show_head()
        target = self._next_open(-1) if highlight_first_open else 0
        option_list = self.query_one(OptionList)
        if bool(self.rows) != had_rows or not self.is_mounted:
            # check_action depends only on whether there are rows; rebuilding the footer costs 100+ ms.
            self.refresh_bindings()
        if self.rows:
            option_list.highlighted = target if target is not None else 0
            self.call_after_refresh(option_list.scroll_to_highlight)
        self._show_passage()  # in this frame; the highlight event that follows finds it drawn
        option_list.focus()

    def refresh_view(self) -> None:
        keep = self.query_one(OptionList).highlighted
        self.rows = self.app_.session.suggestions(self.code)
        self._fill_list()
        self._show_head()
        if self.rows:
            self.query_one(OptionList).highlighted = min(keep or 0, len(self.rows) - 1)
        self._show_passage()

    def _load_llm_notes(self) -> None:
        """Second opinions and accepted key evidence already in the session, so they survive a restart."""
        self._key_evidence = False
        for draft in self.app_.session.drafts(self.code):
            if draft.kind == "second_opinion" and draft.suggestion_id is not None:
                verdict = draft.text.split(":", 1)[0].strip()
                if verdict in ("yes", "no", "unsure"):
                    self.hints[draft.suggestion_id] = verdict
            elif draft.kind == ACCEPTED_KEY_EVIDENCE:
                self._key_evidence = True

    def _fill_list(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options([Option(self._prompt(r), id=str(r.id)) for r in self.rows])

    def _prompt(self, row: Any) -> Content:
        """Two lines per suggestion: decision, rank, score, where; then the passage's opening."""
        # The list's CSS cuts each line with an ellipsis (text-wrap: nowrap), whatever its width.
        mark, style = MARK.get(row.decision, MARK[None])
        flag = "?" if getattr(row, "needs_review", False) else " "
        hint = self.hints.get(row.id)
        return Content.assemble(
            (mark, style),
            f" {row.rank:>2} {row.score:.2f}{flag} ",
            (f"LLM hint: {hint} ", HINT_STYLE.get(hint, "")) if hint else "",
            ("plan/absence? ", "$warning") if caution(getattr(row, "signals", {})) else "",
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
            (" · key evidence ✓", "$success") if self._key_evidence else "",
            # Said in the head rather than by a notice: it stays for as long as it is true.
            ("  all reviewed: rate 1/2/3, ] next code", "bold $warning")
            if self.rows and done == len(self.rows) and not rating
            else "",
            "\n",
            literal(app.index.text_for(self.code, app.session.provider_type)),
        )
        # The height is fixed (_fit_head), so new text never moves anything else: no layout pass.
        self.query_one("#code-head", Static).update(head, layout=False)

    def current(self) -> Any | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not (0 <= index < len(self.rows)):
            return None
        return self.rows[index]

    def _show_passage(self) -> None:
        row = self.current()
        hint = self.hints.get(row.id) if row is not None else None
        key = None if row is None else (row.id, row.decision, row.note, hint)
        if key == self._shown and key is not None:
            return  # already on screen: a highlight event after a decision must not draw it twice
        self._shown = key
        meta = self.query_one("#passage-meta", Static)
        passage = self.query_one("#passage", PassageView)
        if row is None:
            meta.update(Content.styled("No suggestions for this code.", "bold"), layout=False)
            passage.show(
                Content(
                    "The matcher found nothing it trusts here. Press e to add evidence from the visit, "
                    "search the pack with ctrl+p to mark a passage in its document, or press ] for the next code."
                )
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
                (f" · LLM hint: {hint} (not a decision)", HINT_STYLE.get(hint, "")) if hint else "",
                (f" · {warn}", "bold $warning") if (warn := caution(getattr(row, "signals", {}))) else "",
                literal(note),
                (self._heading(row), "$text-muted"),
            ),
            layout=False,  # one line, cut by CSS: no layout pass on every keystroke
        )
        passage.show(content, offset)

    def _heading(self, row: Any) -> str:
        """The heading the passage sits under, so a table row or list item has its context."""
        try:
            path = self.app_.session.chunk(row.chunk_id).heading_path
        except (KeyError, AttributeError):
            return ""
        return f" · under “{path[-1]}”" if path else ""

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
        self._show_passage()  # now, in the same frame as the list; the highlight event finds it drawn

    def action_skip(self) -> None:
        option_list = self.query_one(OptionList)
        if not self.rows:
            self.action_next_code(1)
            return
        current = option_list.highlighted or 0
        if current + 1 < len(self.rows):
            option_list.highlighted = current + 1
            self._show_passage()
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
        # decide() returns once the decision is committed, so the screen never shows an unsaved one.
        self.app_.session.decide(row.id, decision)
        self._after_write(row.id, show_passage=False)
        self._advance()
        self._show_passage()

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

    # ---- LLM assistance (hints and drafts only; never a decision) --------------------------------

    def action_explain(self) -> None:
        row = self.current()
        if row is None:
            self.notify("No suggestion to explain for this code.")
            return
        llm = self.app_.llm_client()
        if llm is not None:
            self.app.push_screen(ExplainModal(row, llm))

    def action_second_opinion(self) -> None:
        row = self.current()
        if row is None:
            self.notify("No suggestion here to ask about.")
            return
        llm = self.app_.llm_client()
        if llm is None or self.hints.get(row.id) == "…":
            return
        self.hints[row.id] = "…"
        self._redraw_row(row.id)
        self.run_worker(
            partial(self._second_opinion, row, llm),
            name=str(row.id),
            group="llm-hint",
            thread=True,
            exit_on_error=False,
        )

    def _second_opinion(self, row: Any, llm: Any) -> Any:
        from triage.llm.assist import second_opinion

        with self.app_.busy_thread():  # quitting does not wait for the model's reply
            return second_opinion(self.app_.session, row, row.code, llm=llm)

    @on(Worker.StateChanged)
    def _hint_finished(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "llm-hint" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        sid = int(worker.name)
        if event.state == WorkerState.SUCCESS:
            result: Any = worker.result
            self.hints[sid] = result.verdict
            rank = next((r.rank for r in self.rows if r.id == sid), None)
            where = f" on #{rank}" if rank is not None else ""
            reason = f": {result.reason}" if result.reason else ""
            self.notify(
                f"{result.verdict}{reason}\nA hint only: confirm or reject is yours.",
                title=f"LLM hint{where} ({result.model})",
                timeout=8,
            )
        else:
            self.hints.pop(sid, None)
            self.notify(llm_failure(worker.error), title="Language model", severity="error")
        self._redraw_row(sid)

    def _redraw_row(self, suggestion_id: int) -> None:
        option_list = self.query_one(OptionList)
        for i, row in enumerate(self.rows):
            if row.id == suggestion_id:
                option_list.replace_option_prompt_at_index(i, self._prompt(row))
        self._show_passage()

    def action_key_evidence(self) -> None:
        llm = self.app_.llm_client()
        if llm is None:
            return
        session = self.app_.session
        confirmed = any(r.decision == "confirmed" for r in self.rows) or any(
            getattr(m, "text", "") for m in session.manual_evidence(self.code)
        )
        if not confirmed:
            self.notify(
                f"Nothing is confirmed for {self.code} yet: key evidence summarises confirmed evidence.",
                severity="warning",
            )
            return

        def accepted(text: str | None) -> None:
            if text:
                self._key_evidence = True
                self._show_head()
                self.notify(f"Key evidence for {self.code} saved for the report.", title="Accepted")

        before = tuple(d.text for d in session.drafts(self.code) if d.kind == ACCEPTED_KEY_EVIDENCE)
        self.app.push_screen(KeyEvidenceModal(self.code, llm, before), accepted)

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
