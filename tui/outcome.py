"""Outcomes: each section with the rules' reasons, overrides, and the overall outcome."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.choice import CANCELLED, ChoiceModal
from tui.override import OverrideModal
from tui.widgets import StatusLine, literal, outcome_content

GATSBY_LABEL = {"not_met": "Not met", "partially_met": "Partially met", "fully_met": "Fully met"}
GATSBY_SHORT = {"not_met": "not met", "partially_met": "partly", "fully_met": "fully"}


class OutcomeScreen(Screen[None]):
    BINDINGS = [
        Binding("v", "override", "Override", id="override"),
        Binding("C", "clear_override", "Clear override", id="clear_override"),
        Binding("G", "gatsby", "Gatsby status", id="gatsby"),
        Binding("e", "export", "Export report", id="export_report"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(id="overall")
        yield DataTable(id="sections", cursor_type="row")
        with VerticalScroll(id="reasons-scroll"):
            yield Static(id="reasons")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("§", key="n", width=2)
        table.add_column("Section", key="title")
        table.add_column("Rules", key="computed")
        table.add_column("Outcome", key="outcome")
        table.add_column("Gatsby", key="gatsby", width=9)
        self.refresh_view()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def on_resize(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        app: Any = self.app
        a = app.assessment
        overall = self.query_one("#overall", Static)
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        # Two-letter codes in a narrow terminal; the Standard's short labels when there is room.
        short = self.app.size.width < 110
        for key, narrow, wide in (("computed", 5, 22), ("outcome", 12, 32)):
            column = table.columns[key]  # type: ignore[index]
            column.width, column.auto_width = (narrow if short else wide), False
        if a is None:
            overall.update("The rules engine could not evaluate this session (see the log).")
            return
        parts: list[Any] = [("Overall: ", "bold"), outcome_content(app, a.overall, full=True)]
        if a.provisional:
            parts += ["\n", ("Provisional: ", "$warning"), literal("; ".join(a.provisional_reasons))]
        overall.update(Content.assemble(*parts))
        gatsby = app.session.gatsby_status()
        for s in a.sections:
            outcome = outcome_content(app, s.outcome, short=short)
            if s.overridden:
                outcome = outcome + Content.styled(" override", "italic")
            status = gatsby.get(s.section)
            table.add_row(
                str(s.section),
                s.title,
                outcome_content(app, s.computed, short=short),
                outcome,
                GATSBY_SHORT.get(status, "-") if status else "-",
                key=str(s.section),
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self._show_reasons()

    def current_section(self) -> Any | None:
        app: Any = self.app
        table = self.query_one(DataTable)
        if app.assessment is None or not table.row_count:
            return None
        return app.assessment.sections[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _show_reasons(self) -> None:
        app: Any = self.app
        s = self.current_section()
        if s is None:
            return
        self.refresh_bindings()
        codes = {c.code for c in app.index.codes_in(s.section)}
        steps = [
            t for t in app.assessment.trace if t.target == f"section {s.section}" or (set(t.codes) & codes)
        ]
        parts: list[Any] = [(f"Section {s.section}: {s.title}", "bold"), "\n"]
        parts += ["Rules give ", outcome_content(app, s.computed)]
        if s.overridden:
            parts += [
                "; overridden to ",
                outcome_content(app, s.outcome),
                "\n",
                ("Justification: ", "bold"),
                literal(s.override_justification),
            ]
        parts.append("\n")
        for reason in s.reasons:
            parts += ["\n• ", literal(reason)]
        if steps:
            parts += ["\n\n", ("Rules trace", "bold")]
            for t in steps:
                parts += [
                    "\n",
                    (t.rule, "$accent"),
                    f" [{t.target}] ",
                    literal(t.message),
                    (f"  ({t.citation})" if t.citation else "", "$text-muted"),
                ]
        # The Standard's own words for the overall outcome, with where they come from.
        o = app.index.outcome(app.assessment.overall)
        where = getattr(o, "citation", "") or getattr(o, "source", "")
        parts += [
            "\n\n",
            ("Overall outcome in the Standard's words", "bold"),
            "\n",
            literal(getattr(o, "meaning", "") or o.label),
        ]
        if where:
            parts += ["\n", (f"Source: {where}", "$text-muted")]
        self.query_one("#reasons", Static).update(Content.assemble(*parts))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_override":
            s = self.current_section()
            return s is not None and s.overridden
        return True

    def action_gatsby(self) -> None:
        """Record the provider's Gatsby Benchmark status for this section (they mirror one to one)."""
        s = self.current_section()
        if s is None:
            return
        app: Any = self.app
        choices = [(k, GATSBY_LABEL[k]) for k in GATSBY_LABEL] + [("clear", "Not given (clear)")]

        def chosen(key: str | None) -> None:
            if key is None or key == CANCELLED:
                return
            app.session.set_gatsby_status(s.section, None if key == "clear" else key)
            app.session_changed()

        current = app.session.gatsby_status().get(s.section, "")
        self.app.push_screen(
            ChoiceModal(f"Gatsby Benchmark {s.section} indicator status ({s.title})", choices, current),
            chosen,
        )

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_override(self) -> None:
        s = self.current_section()
        if s is None:
            return
        app: Any = self.app

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            outcome, justification = result
            try:
                app.session.override(s.section, outcome, justification)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
            app.session_changed()
            self.notify(f"Section {s.section} overridden.")

        self.app.push_screen(OverrideModal(s.section, s.title, s.computed), save)

    def action_clear_override(self) -> None:
        s = self.current_section()
        if s is None or not s.overridden:
            self.notify("This section has no override.")
            return
        app: Any = self.app
        app.session.clear_override(s.section)
        app.session_changed()

    def action_export(self) -> None:
        self.app.action_export_report()  # type: ignore[attr-defined]
