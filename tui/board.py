"""The criteria board: 8 sections, 32 codes, counts, flags, ratings and live outcomes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from tui.widgets import OUTCOME_STYLE, SHORT, StatusLine, outcome_content


@dataclass(frozen=True)
class CodeRow:
    code: str
    section: int
    description: str
    suggestions: int
    confirmed: int
    rejected: int
    manual: int
    flag: str  # "missing", "weak" or ""
    rating: str | None
    level: str | None


def machine_flags(session: Any) -> tuple[set[str], set[str]]:
    """Codes the matcher flagged as missing or weak, as the session recorded them."""
    summary = session.match_summary() if hasattr(session, "match_summary") else {}
    return set(summary.get("missing", ())), set(summary.get("weak", ()))


def code_rows(app: Any) -> list[CodeRow]:
    session, index = app.session, app.index
    rows = session.suggestions()
    total = Counter(r.code for r in rows)
    confirmed = Counter(r.code for r in rows if r.decision == "confirmed")
    rejected = Counter(r.code for r in rows if r.decision == "rejected")
    manual = Counter(m.code for m in session.manual_evidence())
    ratings = session.ratings()
    missing, weak = machine_flags(session)
    if not missing and not weak:
        missing = {c.code for c in index.codes if not total[c.code]}
    levels = {c.code: c.level for c in app.assessment.codes} if app.assessment else {}
    out = []
    for c in index.codes:
        flag = "missing" if c.code in missing else "weak" if c.code in weak else ""
        out.append(
            CodeRow(
                c.code,
                c.section,
                c.description,
                total[c.code],
                confirmed[c.code],
                rejected[c.code],
                manual[c.code],
                flag,
                ratings.get(c.code),
                levels.get(c.code),
            )
        )
    return out


class BoardScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open_code", "Review", id="open_code", priority=True),
        Binding("p", "preread", "Pre-read", id="preread"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield DataTable(id="board", cursor_type="row", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Code", key="code", width=5)
        table.add_column("What the Standard asks", key="desc")
        table.add_column("Open", key="sugg", width=5)
        table.add_column("✓", key="conf", width=3)
        table.add_column("✗", key="rej", width=3)
        table.add_column("Flag", key="flag", width=7)
        table.add_column("Rating", key="rating", width=6)
        table.add_column("Level", key="level", width=5)
        self.refresh_view()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def on_resize(self) -> None:
        self.refresh_view()

    def _desc_width(self) -> int:
        return max(16, self.size.width - 51)

    def refresh_view(self) -> None:
        table = self.query_one(DataTable)
        if not table.columns:
            return
        app: Any = self.app
        keep = table.cursor_row
        width = self._desc_width()
        table.columns["desc"].width = width  # type: ignore[index]
        table.columns["desc"].auto_width = False  # type: ignore[index]
        table.clear()
        sections = {s.number: s for s in app.index.sections}
        results = {s.section: s for s in app.assessment.sections} if app.assessment else {}
        current = None
        for row in code_rows(app):
            if row.section != current:
                current = row.section
                title = sections[current].title if current in sections else ""
                res = results.get(current)
                head = Content.styled(title, "bold")
                label = outcome_content(app, res.outcome if res else None, short=True)
                if res is not None and res.overridden:
                    label = label + Content("*")
                table.add_row(
                    Content.styled(f"§{current}", "bold"),
                    head.truncate(width, ellipsis=True),
                    "",
                    "",
                    "",
                    "",
                    "",
                    label,
                    key=f"s{current}",
                )
            flag = Content.styled(row.flag, "$error" if row.flag == "missing" else "$warning")
            conf = str(row.confirmed + row.manual) if row.confirmed or row.manual else "·"
            table.add_row(
                row.code,
                Content(row.description).truncate(width, ellipsis=True),
                # Still to review, out of all suggestions: the assessor's remaining work on the code.
                f"{row.suggestions - row.confirmed - row.rejected}/{row.suggestions}",
                conf,
                str(row.rejected) if row.rejected else "·",
                flag,
                Content.styled(SHORT[row.rating], OUTCOME_STYLE[row.rating]) if row.rating else "-",
                outcome_content(app, row.level, short=True),
                key=row.code,
            )
        table.move_cursor(row=min(keep, table.row_count - 1), scroll=True)
        table.focus()

    def _selected_code(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        if key.startswith("s"):
            section = int(key[1:])
            codes = self.app.index.codes_in(section)  # type: ignore[attr-defined]
            return codes[0].code if codes else None
        return key

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        # A mouse click on a row; the keyboard's enter is the screen's binding.
        event.stop()
        self.action_open_code()

    def action_open_code(self) -> None:
        code = self._selected_code()
        if code:
            self.app.open_code(code)  # type: ignore[attr-defined]

    def action_preread(self) -> None:
        code = self._selected_code() or self.app.index.codes[0].code  # type: ignore[attr-defined]
        self.app.open_code(code, preread=True)  # type: ignore[attr-defined]

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def select_code(self, code: str) -> None:
        table = self.query_one(DataTable)
        try:
            table.move_cursor(row=table.get_row_index(code), scroll=True)
        except Exception:
            pass
