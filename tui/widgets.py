"""Small shared pieces: the status line, safe text for document content, outcome labels."""

from __future__ import annotations

import re

from textual.content import Content
from textual.widgets import Static

# Control characters would be stripped by Content and shift every offset; replace them one for one.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

LEVEL_KEYS = {"1": "insufficient_progress", "2": "good_progress", "3": "fully_meeting"}
SHORT = {"insufficient_progress": "IP", "good_progress": "GP", "fully_meeting": "FM"}
OUTCOME_STYLE = {
    "insufficient_progress": "bold $error",
    "good_progress": "bold $warning",
    "fully_meeting": "bold $success",
}
HIGHLIGHT = "reverse bold"


def plain(text: str) -> str:
    """Text safe to hand to Content without changing its length (offsets stay valid)."""
    return _CONTROL.sub(" ", text)


def literal(text: str) -> Content:
    """Document or LLM text as Content: never parsed as markup."""
    return Content(plain(text))


def outcome_label(app, outcome_id: str | None, full: bool = False) -> str:
    """The Standard's label for an outcome; the short form unless ``full``."""
    if not outcome_id:
        return "not rated"
    try:
        outcome = app.index.outcome(outcome_id)
    except Exception:
        return outcome_id.replace("_", " ")
    return outcome.label if full else (getattr(outcome, "short_label", "") or outcome.label)


def session_meta(session):
    """The session's metadata (a method on Session; tolerate a property too)."""
    meta = session.meta
    return meta() if callable(meta) else meta


def outcome_content(app, outcome_id: str | None, short: bool = False, full: bool = False) -> Content:
    if not outcome_id:
        return Content("-")
    label = SHORT.get(outcome_id, outcome_id) if short else outcome_label(app, outcome_id, full=full)
    return Content.styled(label, OUTCOME_STYLE.get(outcome_id, ""))


def context_window(text: str, start: int, end: int, before: int = 400, after: int = 1400) -> tuple[int, int]:
    """A window around [start, end) that begins and ends on line boundaries where possible."""
    lo = max(0, start - before)
    if lo > 0:
        nl = text.find("\n", lo, start)
        lo = nl + 1 if nl != -1 else lo
    hi = min(len(text), end + after)
    if hi < len(text):
        nl = text.rfind("\n", end, hi)
        hi = nl if nl != -1 else hi
    return lo, hi


def passage_in_context(text: str, start: int, end: int) -> tuple[Content, int]:
    """The passage with its surroundings, the matched span highlighted by offsets.

    Returns the content and the offset in it where the highlight begins.
    """
    lo, hi = context_window(text, start, end)
    content = Content(plain(text[lo:hi]))
    content = content.stylize(HIGHLIGHT, start - lo, end - lo)
    if lo > 0:
        content = Content("… ") + content
        start += 2
    if hi < len(text):
        content = content + Content(" …")
    return content, start - lo


class StatusLine(Static):
    """One line that always shows the overall outcome, progress and the session."""

    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "status_text", self._show, init=True)

    def _show(self, value: Content) -> None:
        self.update(value)
