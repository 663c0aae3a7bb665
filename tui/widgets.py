"""Small shared pieces: the status line, safe text for document content, outcome labels."""

from __future__ import annotations

import re

from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual
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


class PassageView(ScrollView, can_focus=True):
    """Document text wrapped to the pane's width and drawn line by line, scrolled to a highlight.

    Showing another passage changes only what this widget draws: its size is set by CSS, so the
    screen needs no layout pass (a Static inside a scroll container would change height and
    redraw the whole screen on every keystroke).
    """

    DEFAULT_CSS = """
    PassageView { overflow-y: scroll; overflow-x: hidden; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._offset = 0
        self._strips: list[Strip] = []
        self._width = 0

    @property
    def content(self) -> Content:
        return self._content

    def show(self, content: Content, offset: int = 0) -> None:
        """Show ``content`` with the text at ``offset`` near the top, a line of context above it."""
        self._content = content
        self._offset = offset
        self._rewrap(scroll=True)

    def _rewrap(self, scroll: bool, repaint: bool = True) -> None:
        width = self.scrollable_content_region.width
        self._width = width
        if width <= 0:
            self._strips = []
            return
        self._strips = Visual.to_strips(self, self._content, width, None, self.visual_style)
        size = Size(width, len(self._strips))
        if size != self.virtual_size:
            # Set without the reactive's layout refresh; the scrollbars are updated directly.
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        if scroll:
            self.scroll_to(y=self._context_line(width), animate=False, force=True)
        if repaint:
            self.refresh()

    def _context_line(self, width: int) -> int:
        """The line above the highlight's first line, skipping blank ones so the context says something."""
        if not self._offset:
            return 0
        before = self._content[: self._offset].wrap(width)
        y = len(before) - 2
        while y > 0 and not before[y].plain.strip():
            y -= 1
        return max(0, y)

    def on_resize(self) -> None:
        self._rewrap(scroll=True)

    def render_line(self, y: int) -> Strip:
        style = self.rich_style
        width = self.scrollable_content_region.width
        if width != self._width:
            self._rewrap(scroll=False, repaint=False)  # already drawing
        index = self.scroll_offset.y + y
        if not 0 <= index < len(self._strips):
            return Strip.blank(width, style)
        return self._strips[index].crop_extend(0, width, style).apply_offsets(0, index)


class StatusLine(Static):
    """One line that always shows the overall outcome, progress and the session.

    With a remote LLM endpoint configured, a second line above it warns that pack text will leave
    this machine, on every screen, for as long as that is so.
    """

    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; background: $panel; color: $text; padding: 0 1; }
    StatusLine.-remote { height: 2; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def on_mount(self) -> None:
        self._warning = str(getattr(self.app, "llm_warning", "") or "")
        self._pending: Content | None = None
        self._drawn = False
        self.set_class(bool(self._warning), "-remote")
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        self.watch(self.app, "status_text", self._show, init=True)

    def _show(self, value: Content) -> None:
        if self._drawn and not self.screen.is_current:
            # A hidden screen's redraw would be passed on to the screen in front as a full repaint;
            # catch up when this screen is shown again.
            self._pending = value
            return
        self._pending = None
        self._drawn = True
        if self._warning:
            value = Content.assemble((f"⚠ {self._warning}", "bold reverse $warning"), "\n", value)
        # The height is fixed by CSS, so a new status needs no layout pass (it is redrawn on every decision).
        self.update(value, layout=False)

    def _screen_changed(self, screen: object) -> None:
        if screen is self.screen and self._pending is not None:
            self._show(self._pending)
