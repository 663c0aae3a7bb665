"""ReviewApp: the assessor's review of one session.

The app holds the open ``Session`` and the criteria index; screens read from the session and
write through its methods, then call ``session_changed()`` so the outcome shown everywhere is
recomputed by ``session.assessment()`` (the rules engine) and never by the UI.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.worker import Worker, WorkerState, get_current_worker

from tui.assist import NO_LLM
from tui.board import BoardScreen
from tui.chat import ChatScreen
from tui.commands import ReviewCommands
from tui.error import ErrorModal
from tui.help import HelpScreen
from tui.missing import MissingScreen
from tui.outcome import OutcomeScreen
from tui.overview import OverviewScreen
from tui.widgets import OUTCOME_STYLE, outcome_label, session_meta


@dataclass
class TriageProgressed(Message):
    """The background triage finished one more unit of a stage."""

    stage: str
    done: int
    total: int


class SessionChanged(Message):
    """Something was written to the session; screens showing counts or outcomes refresh."""


class ReviewApp(App[None]):
    TITLE = "QiC triage"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    MODES = {
        "board": BoardScreen,
        "documents": OverviewScreen,
        "missing": MissingScreen,
        "outcome": OutcomeScreen,
        "chat": ChatScreen,
    }
    BINDINGS = [
        Binding("b", "show_mode('board')", "Board", id="board"),
        Binding("d", "show_mode('documents')", "Docs", id="documents", show=False),
        Binding("g", "show_mode('missing')", "Gaps", id="missing"),
        Binding("o", "show_mode('outcome')", "Outcome", id="outcome"),
        Binding("t", "chat", "Chat", id="chat"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("E", "export_report", "Export", id="export", show=False),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    # repaint=False: the StatusLine widgets redraw themselves; an app-level repaint would redraw every widget.
    status_text: reactive[Content] = reactive(Content(""), always_update=True, repaint=False)

    def __init__(
        self,
        session: Any,
        *,
        triage_inputs: Sequence[Path] | None = None,
        embedder: Any = None,
        index: Any = None,
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.embedder = embedder
        self.triage_inputs = list(triage_inputs or [])
        self.export_dir = export_dir
        if index is None:
            from criteria_index import load_index

            index = load_index()
        self.index = index
        self.assessment: Any = None
        self.triage_running = False
        self.triage_error = ""
        self.progress: dict[str, tuple[int, int]] = {}
        self._docs: dict[str, Any] = {}
        self._rules: Any = None
        self._suggestion_count: int | None = None
        self._busy_threads: set[threading.Thread] = set()
        self.llm_config, self.llm_problem = read_llm_config()

    @property
    def _background_screens(self) -> list[Any]:
        # Textual counts the screen below the top one as visible even when the top one is opaque, and
        # then turns any redraw of it (the board under the review queue) into a full repaint of the
        # screen in front, on every decision. Only a see-through screen (a modal) shows what is below.
        try:
            if self.screen.styles.background.a == 1:
                return []
        except Exception:  # no screen yet
            pass
        return super()._background_screens

    def on_resize(self, event: events.Resize) -> None:
        # Screens hidden under an opaque one no longer get Textual's resize (above); send it so their
        # breakpoint classes and layout match the terminal when they are shown again.
        for screen in self.screen_stack[:-1]:
            if screen not in self._background_screens:
                screen.post_message(events.Resize(event.size, event.virtual_size, event.container_size))

    # ---- the optional language model ----------------------------------------------------------

    @property
    def llm_warning(self) -> str:
        """Shown on every screen while a remote endpoint is configured: pack text would leave the machine."""
        config = self.llm_config
        if config is None or not config.is_remote:
            return ""
        # The words that matter first: a narrow terminal cuts the end of the line.
        return f"pack text will leave this machine: the language model is at {config.host or config.base_url}"

    def llm_client(self) -> Any | None:
        """A client for the configured model, or None after telling the assessor why there is none."""
        if self.llm_problem:
            self.notify(self.llm_problem, title="Language model", severity="error")
            return None
        if self.llm_config is None:
            self.notify(NO_LLM, title="Language model", severity="warning")
            return None
        from triage.llm import client_from_config

        return client_from_config(self.llm_config)

    # ---- lifecycle ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.llm_problem:
            self.notify(self.llm_problem, title="Language model", severity="error", timeout=12)
        self.refresh_assessment()
        if self.triage_inputs or not self.session.documents():
            if not self.triage_inputs:
                self.triage_inputs = pack_inputs_from_meta(session_meta(self.session).pack_path)
            self.switch_mode("documents")
            self.start_triage()
        else:
            self.switch_mode("board")

    def start_triage(self) -> None:
        self.triage_running = True
        self.triage_error = ""
        self.progress = {}
        self.update_status()
        # Start after the first frame: the worker's heavy imports hold the GIL and would delay it.
        self.call_after_refresh(self.run_triage, self.triage_inputs, self.session.provider_type)

    @property
    def background_busy(self) -> bool:
        """True while a worker thread is still inside a step it cannot abandon (e.g. loading the model)."""
        return any(t.is_alive() for t in self._busy_threads)

    @contextmanager
    def busy_thread(self) -> Iterator[None]:
        """Mark the calling worker thread busy for ``background_busy``."""
        me = threading.current_thread()
        self._busy_threads.add(me)
        try:
            yield
        finally:
            self._busy_threads.discard(me)

    @work(thread=True, exclusive=True, exit_on_error=False, group="triage", name="triage")
    def run_triage(self, inputs: list[Path], provider_type: str) -> Any:
        with self.busy_thread():
            return self._triage(inputs, provider_type)

    def _triage(self, inputs: list[Path], provider_type: str) -> Any:
        worker = get_current_worker()

        def progress(stage: str, done: int, total: int) -> None:
            if not worker.is_cancelled:
                self.post_message(TriageProgressed(stage, done, total))

        from triage.pipeline import triage_pack

        packed = triage_pack(
            inputs,
            provider_type=provider_type,
            progress=progress,
            cancelled=lambda: worker.is_cancelled,
            embedder=self.embedder,
        )
        if worker.is_cancelled:
            return None
        # Session serialises writes with its own lock, so storing here keeps the UI responsive.
        self.session.record_triage(packed.documents, packed.chunks, packed.result)
        return packed

    @on(TriageProgressed)
    def _triage_progressed(self, message: TriageProgressed) -> None:
        self.progress[message.stage] = (message.done, message.total)
        self.update_status()
        screen = self.screen
        if isinstance(screen, OverviewScreen):
            screen.refresh_view()

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != "triage" or worker.is_cancelled:
            return
        if event.state == WorkerState.SUCCESS:
            packed: Any = worker.result
            if packed is None:
                return
            self.triage_running = False
            self._docs.clear()
            self._suggestion_count = None
            self.session_changed()
            ok = sum(1 for d in packed.documents if d.status in ("ok", "warning"))
            self.notify(
                f"Triage done: {ok} of {len(packed.documents)} documents read, "
                f"{len(packed.result.suggestions)} suggestions.",
                title="Pack ready",
            )
        elif event.state == WorkerState.ERROR:
            self.triage_running = False
            self.triage_error = f"{type(worker.error).__name__}: {worker.error}"
            self.update_status()
            self.push_screen(ErrorModal("Triage failed", self.triage_error))
        if isinstance(self.screen, OverviewScreen):
            self.screen.refresh_view()

    # ---- shared state -----------------------------------------------------------------------

    def document(self, doc_id: str) -> Any:
        """A document with its full text; cached because the queue shows passages on every key."""
        doc = self._docs.get(doc_id)
        if doc is None:
            doc = self._docs[doc_id] = self.session.document(doc_id)
        return doc

    def all_documents(self) -> list[Any]:
        docs = self.session.documents()
        for doc in docs:
            self._docs.setdefault(doc.id, doc)
        return docs

    def refresh_assessment(self) -> None:
        try:
            if self._rules is None:
                from triage.rules import load_rules

                self._rules = load_rules()
            # Parsing the rules file costs more than evaluating it: keep one copy for every keystroke.
            self.assessment = self.session.assessment(index=self.index, rules=self._rules)
        except Exception as exc:  # the rules engine failing must not take the review down
            self.assessment = None
            self.log.error(f"assessment failed: {exc!r}")
        self.update_status()

    def session_changed(self) -> None:
        """Call after every write: recompute the outcome and refresh what is on screen."""
        self.refresh_assessment()
        refresh = getattr(self.screen, "refresh_view", None)
        if refresh is not None:
            refresh()

    def update_status(self) -> None:
        # The overall outcome comes first so a narrow terminal cuts the less important parts.
        parts: list[Content] = []
        a = self.assessment
        if self.triage_running and not self._docs and not self.session.documents():
            parts.append(Content.styled("Overall: after triage", "$text-muted"))
        elif a is not None:
            parts.append(Content("Overall: "))
            parts.append(Content.styled(outcome_label(self, a.overall), OUTCOME_STYLE.get(a.overall, "bold")))
            if a.provisional:
                parts.append(Content(" (provisional)"))
        else:
            parts.append(Content.styled("Overall: not available", "$error"))
        meta = session_meta(self.session)
        name = meta.provider_name or pack_label(meta.pack_path)
        parts.append(Content(" │ "))
        parts.append(Content.styled(name, "bold"))
        parts.append(Content(f" · {self.session.provider_type.replace('_', ' ')}"))
        if self.triage_running:
            parts.append(Content.styled(f" · {triage_activity(self.progress)}", "$accent"))
        elif self.triage_error:
            parts.append(Content.styled(" · triage failed", "$error"))
        else:
            if self._suggestion_count is None:
                self._suggestion_count = len(self.session.suggestions())
            unreviewed = self.session.rules_input().unreviewed
            parts.append(
                Content(f" · {self._suggestion_count - unreviewed}/{self._suggestion_count} reviewed")
            )
        self.status_text = Content("").join(parts)

    # ---- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hide the key of the screen you are on, and chat when this build has none.
        if action == "show_mode" and parameters and parameters[0] == self.current_mode:
            return len(self.screen_stack) > 1
        if action == "chat":
            return self.chat_available
        return True

    @property
    def chat_available(self) -> bool:
        import importlib.util

        return importlib.util.find_spec("triage.chat") is not None

    def action_show_mode(self, mode: str) -> None:
        if self.current_mode == mode:
            # Pressing the key of the mode you are in goes back to its first screen.
            while len(self.screen_stack) > 1:
                self.pop_screen()
        else:
            self.switch_mode(mode)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen.active_bindings))

    def action_chat(self) -> None:
        if not self.chat_available:
            self.notify("Chat is not available in this build (triage.chat is missing).", severity="warning")
            return
        self.action_show_mode("chat")

    def open_code(self, code: str, *, preread: bool = False) -> None:
        from tui.queue import ReviewQueueScreen

        if self.current_mode != "board":
            self.switch_mode("board")
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(ReviewQueueScreen(code, preread=preread))

    def open_source(self, doc_id: str, start: int, end: int, code: str | None = None) -> None:
        from tui.source import SourceScreen

        self.push_screen(SourceScreen(doc_id, start, end, code=code))

    def set_provider_type(self, provider_type: str) -> None:
        if provider_type == self.session.provider_type:
            return
        self.session.set_provider_type(provider_type)
        self.session_changed()
        self.notify(
            f"Provider type is now {provider_type}. Suggestions stay as triaged; "
            "the Standard's wording and the rules follow the new type.",
        )

    def edit_meta(self, field: str) -> None:
        """Ask for the provider or assessor name the report prints; stored with set_meta."""
        from tui.prompt import TextPromptModal

        label = {"provider_name": "Name of the learning provider", "assessor": "Name(s) of the assessor(s)"}[
            field
        ]

        def save(value: str | None) -> None:
            if value is None:
                return
            self.session.set_meta(**{field: value})
            self.update_status()
            self.notify(f"{label}: {value or '(cleared)'}")

        self.push_screen(TextPromptModal(label, getattr(session_meta(self.session), field, "")), save)

    def action_export_report(self, fmt: str = "md") -> Path | None:
        try:
            from triage.report import build_report, render
        except ImportError:
            self.notify("Report export is not available yet (triage.report missing).", severity="error")
            return None
        try:
            data = render(build_report(self.session), fmt)
        except Exception as exc:
            self.push_screen(ErrorModal("Export failed", f"{type(exc).__name__}: {exc}"))
            return None
        out = self.export_path(f"report.{fmt}")
        out.write_bytes(data if isinstance(data, bytes) else str(data).encode())
        self.notify(f"Report written to {out}", title="Exported")
        return out

    def export_path(self, suffix: str) -> Path:
        folder = self.export_dir or Path(self.session.path).parent / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{Path(self.session.path).stem}-{suffix}"


def read_llm_config() -> tuple[Any, str]:
    """The [llm] settings (file or TRIAGE_LLM_* variables) and, if they cannot be used, why not."""
    from triage.llm import load_llm_config

    try:
        return load_llm_config(), ""
    except (ValueError, OSError) as exc:  # LLMConfigError, or a config file that is not valid TOML
        return None, f"the [llm] settings cannot be used: {exc}"


STAGE_WORDS = {"ingest": "reading documents", "embed": "embedding passages", "match": "matching codes"}


def triage_activity(progress: dict[str, tuple[int, int]]) -> str:
    """What the background triage is doing now, in words."""
    if not progress:
        return "starting triage"
    stage, (done, total) = next(reversed(progress.items()))
    if stage == "ingest" and total and done >= total:
        return "loading the embedding model"  # the pipeline is silent while the model loads
    words = STAGE_WORDS.get(stage, stage)
    return f"{words} {done}/{total}" if total else words


def pack_label(pack_path: str) -> str:
    """A short name for the pack: its folder, or the folder above a folder called docs."""
    first = Path(str(pack_path).split(os.pathsep)[0])
    return (first.parent.name if first.name.lower() == "docs" else first.name) or "pack"


def pack_inputs_from_meta(pack_path: str) -> list[Path]:
    """The pack inputs a session was created from (several files are joined with os.pathsep)."""
    return [Path(p) for p in str(pack_path).split(os.pathsep) if p]
