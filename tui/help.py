"""Help: the keys that work on the screen the assessor came from, with what they do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

GENERAL = (
    "Workflow: the board lists the 32 codes. Enter opens a code's review queue; p walks every code in "
    "order (pre-read). In the queue: c confirm, x reject, u undo, n / j / k move, m note, 1/2/3 rate "
    "(insufficient progress / good progress / fully meeting), 0 clears the rating, r rating menu, "
    "s opens the source document, e lists and adds your own evidence (learner voice, interviews, "
    "observation), ] next code. A ? after a score marks a passage that is new since the pack was "
    "re-triaged; plan/absence? marks one that reads like a plan, an intention or something not done "
    "(a cue to read it closely, not a decision). In the source viewer, shift+arrows, s (sentence) and a (paragraph) extend the "
    "selection and e marks it as evidence for any code. ctrl+p: jump to a code, search the pack, "
    "export the report, switch provider type, set the provider's and assessor's names. Outcomes come "
    "from the rules engine only; o shows them with their reasons, v overrides a section with a "
    "justification, G records a Gatsby Benchmark status. With a language model configured (see "
    "docs/llm.md), in the queue w asks it why a passage does or does not evidence the code, h asks for "
    "its yes/no/unsure hint (shown beside the score), and K drafts the code's key-evidence sentence for "
    "you to edit and accept with ctrl+s. The model's words are hints and drafts: they never confirm, "
    "reject, rate or set an outcome."
)


def _ours(binding: Binding, node: object) -> bool:
    for cls in type(node).__mro__:
        if cls.__module__.startswith("tui.") and binding.action in {
            b.action for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)
        }:
            return True
    return False


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close")]

    def __init__(self, bindings: dict[str, ActiveBinding]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        from textual.app import App

        lines = [Content.styled("Keys on this screen", "bold")]
        seen: set[tuple[str, str]] = set()
        # This project's keys only (the screen's, then the app's); Textual's own need no telling.
        ordered = sorted(
            (a for a in self.bindings.values() if _ours(a.binding, a.node)),
            key=lambda a: isinstance(a.node, App),
        )
        for active in ordered:
            b = active.binding
            if not b.description or (b.action, b.description) in seen:
                continue
            seen.add((b.action, b.description))
            shown = self.app.get_key_display(b)
            lines.append(Content.assemble((f"{shown:>12}", "bold $accent"), "  ", b.description))
        lines.append(Content(""))
        lines.append(Content(GENERAL))
        with VerticalScroll(classes="dialog help"):
            yield Static(Content("\n").join(lines))
