"""Missing evidence: codes with nothing confirmed, what the Standard expects, a request to send."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.widgets import StatusLine, literal, session_meta

REQUEST_KIND = "evidence_request"


def missing_codes(app: Any) -> list[str]:
    """Codes without confirmed or assessor-marked evidence, in the Standard's order."""
    if app.assessment is not None:
        return [c.code for c in app.assessment.codes if c.status == "missing_evidence"]
    confirmed = {r.code for r in app.session.suggestions() if r.decision == "confirmed"}
    confirmed |= {m.code for m in app.session.manual_evidence()}
    return [c.code for c in app.index.codes if c.code not in confirmed]


def draft_request(app: Any, codes: list[str]) -> str:
    """The evidence request triage.report drafts for the codes still missing; no LLM involved."""
    try:
        from triage.report import build_report, render_request

        return render_request(build_report(app.session), "txt").decode("utf-8")
    except ImportError:
        return plain_request(app, codes)


def plain_request(app: Any, codes: list[str]) -> str:
    """A short request when the report module is not available."""
    from tui.app import pack_label

    meta = session_meta(app.session)
    provider = meta.provider_name or pack_label(meta.pack_path)
    lines = [
        f"Evidence request for {provider} (Quality in Careers Standard assessment)",
        "",
        "Thank you for your evidence pack. To complete the assessment we need evidence for the areas "
        "below. Documents, minutes, plans with dates, records of activities that have taken place, and "
        "learner or partner feedback are all helpful. Where something is planned but has not happened "
        "yet, please tell us the date and who is responsible.",
        "",
    ]
    for code in codes:
        c = app.index.code(code)
        lines.append(
            f"{code} (section {c.section}): {' '.join(app.index.text_for(code, app.session.provider_type).split())}"
        )
        lines.append("")
    lines.append("Please reply with the documents, or tell us where in the pack this is covered.")
    return "\n".join(lines)


class MissingScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "export", "Export request", id="export_request", priority=True),
        Binding("ctrl+r", "redraft", "Redraft", id="redraft", priority=True),
        Binding("enter", "open_code", "Review code", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Horizontal(id="missing-top"):
            with Vertical(id="missing-left"):
                yield Label("No confirmed evidence", classes="pane-title")
                yield OptionList(id="missing-codes")
            yield Static(id="missing-expects")
        yield Label(
            "Evidence request (edit freely; ctrl+s exports it and keeps it in the session)",
            classes="pane-title",
        )
        yield TextArea(id="request", soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()
        app: Any = self.app
        drafts = [d for d in app.session.drafts() if d.kind == REQUEST_KIND]
        area = self.query_one(TextArea)
        area.load_text(drafts[-1].text if drafts else draft_request(app, self.codes))
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        app: Any = self.app
        self.codes = missing_codes(app)
        option_list = self.query_one(OptionList)
        keep = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(
            [
                Option(
                    Content.assemble((code, "bold"), " ", literal(app.index.code(code).description)), id=code
                )
                for code in self.codes
            ]
        )
        if self.codes:
            option_list.highlighted = min(keep or 0, len(self.codes) - 1)
        else:
            self.query_one("#missing-expects", Static).update("Every code has confirmed evidence.")

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        app: Any = self.app
        code = event.option.id or ""
        c = app.index.code(code)
        suggestions = app.session.suggestions(code)
        open_ = sum(1 for s in suggestions if not s.decision)
        self.query_one("#missing-expects", Static).update(
            Content.assemble(
                (f"{code}", "bold $accent"),
                f" · section {c.section} · {len(suggestions)} suggestions, {open_} not reviewed",
                "\n\n",
                ("What the Standard expects: ", "bold"),
                literal(app.index.text_for(code, app.session.provider_type)),
            )
        )

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.app.open_code(event.option.id or "")  # type: ignore[attr-defined]

    def action_open_code(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None and self.codes:
            self.app.open_code(self.codes[option_list.highlighted])  # type: ignore[attr-defined]

    def action_redraft(self) -> None:
        app: Any = self.app
        self.query_one(TextArea).load_text(draft_request(app, self.codes))
        self.notify("Request redrafted from the codes still missing.")

    def action_export(self) -> None:
        app: Any = self.app
        text = self.query_one(TextArea).text
        app.session.add_draft(REQUEST_KIND, text)
        out = app.export_path("evidence-request.txt")
        out.write_text(text, encoding="utf-8")
        self.notify(f"Evidence request written to {out}", title="Exported")
