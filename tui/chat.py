"""Chat over the pack: answers with citations from triage.chat. It never sets an outcome."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from tui.widgets import StatusLine, literal


def ask(question: str, session: Any, embedder: Any, cancelled: Any) -> Any:
    """Runs in a worker thread; Session serialises its own access, so the app's session is shared."""
    from triage.chat import answer_from_session

    return answer_from_session(question, session, embedder=embedder, cancelled=cancelled)


def render_answer(answer: Any) -> Content:
    parts: list[Any] = []
    status = getattr(answer, "status", "answered")
    if status != "answered":
        parts += [(f"[{status}] ", "bold $warning")]
    text = getattr(answer, "text", "") or str(answer)
    parts.append(literal(text))
    flat = " ".join(text.split())
    for c in getattr(answer, "citations", ()) or ():
        quote = " ".join(str(getattr(c, "quote", "")).split())
        if quote and quote in flat:
            continue  # an extractive answer already quotes its sources in full
        parts += [
            "\n",
            (f"[{getattr(c, 'number', 0)}] {c.doc_name} p{c.page}", "bold"),
            " ",
            literal(quote[:240]),
        ]
    for warning in getattr(answer, "warnings", ()) or ():
        parts += ["\n", (f"note: {warning}", "$warning")]
    mode = getattr(answer, "mode", "")
    model = getattr(answer, "model", "")
    if mode or model:
        parts += ["\n", (" · ".join(x for x in (mode, model) if x), "$text-muted")]
    return Content.assemble(*parts)


class ChatScreen(Screen[None]):
    """Keys typed in the question box stay there; escape leaves the box so app keys work again."""

    BINDINGS = [Binding("escape", "leave_input", "Leave box", show=True)]

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield VerticalScroll(
            Static(
                "Ask about the pack. Answers cite passages; they are notes, never outcomes.",
                classes="chat-hint",
            ),
            id="chat-log",
        )
        yield Input(placeholder="Question, then enter (escape leaves the box)", id="chat-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.warm_up()

    @work(thread=True, exclusive=True, exit_on_error=False, group="chat-warm-up")
    def warm_up(self) -> None:
        """Load the model and embed the pack's passages while the assessor types, not after they
        press enter; a question asked sooner waits for this index rather than building another."""
        from triage.chat import prepare_session

        app: Any = self.app
        with app.busy_thread():
            prepare_session(app.session, embedder=app.embedder)

    def action_leave_input(self) -> None:
        self.query_one("#chat-log").focus()

    @on(Input.Submitted)
    def _ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        event.input.value = ""
        log = self.query_one("#chat-log", VerticalScroll)
        log.mount(Static(Content.assemble(("You: ", "bold $accent"), literal(question)), classes="chat-q"))
        log.mount(Static(Content.styled("Searching the pack…", "$text-muted"), classes="chat-wait"))
        log.scroll_end(animate=False)
        self.answer(question)

    @work(thread=True, exclusive=True, exit_on_error=False, group="chat")
    def answer(self, question: str) -> None:
        app: Any = self.app
        worker = get_current_worker()
        try:
            with app.busy_thread():
                result = render_answer(ask(question, app.session, app.embedder, lambda: worker.is_cancelled))
        except Exception as exc:  # shown to the assessor; the review carries on
            result = Content.styled(f"Chat failed: {type(exc).__name__}: {exc}", "$error")
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, result)

    def _show(self, content: Content) -> None:
        log = self.query_one("#chat-log", VerticalScroll)
        log.query(".chat-wait").remove()
        log.mount(Static(content, classes="chat-a"))
        log.scroll_end(animate=False)
