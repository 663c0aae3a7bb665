"""Command palette provider: jump to a code, search the pack, export, switch provider type."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.widgets import literal

PROVIDER_TYPES = ("school", "special_school", "college", "wbl")
SEARCH_HITS = 12


class ReviewCommands(Provider):
    def _commands(self) -> list[tuple[str, Any, str]]:
        app: Any = self.app
        out: list[tuple[str, Any, str]] = []
        for c in app.index.codes:
            out.append(
                (f"Go to {c.code} {c.description[:70]}", partial(app.open_code, c.code), "Review this code")
            )
        out.append(
            (
                "Pre-read every code from 1.1",
                partial(app.open_code, app.index.codes[0].code, preread=True),
                "Walk the codes in order",
            )
        )
        for fmt in ("md", "docx", "html", "json", "csv"):
            out.append(
                (
                    f"Export report ({fmt})",
                    partial(app.action_export_report, fmt),
                    "Write the report next to the session",
                )
            )
        out.append(
            (
                "Set provider name (for the report)",
                partial(app.edit_meta, "provider_name"),
                "The learning provider's name",
            )
        )
        out.append(
            (
                "Set assessor name (for the report)",
                partial(app.edit_meta, "assessor"),
                "Name(s) of the assessor(s)",
            )
        )
        for t in PROVIDER_TYPES:
            out.append(
                (
                    f"Provider type: {t}",
                    partial(app.set_provider_type, t),
                    "Switch which wording of the Standard applies",
                )
            )
        return out

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            if text.startswith("Go to"):  # 32 of them: found by typing the code
                continue
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
        if len(query.strip()) >= 3:
            for hit in search_pack(self.app, query.strip()):
                yield hit


def search_pack(app: Any, query: str) -> list[Hit]:
    """Plain case-insensitive search over the documents' text; each hit opens the source viewer."""
    needle = query.lower()
    hits: list[Hit] = []
    for doc in app.all_documents():
        text = doc.text
        lowered = text.lower()
        at = lowered.find(needle)
        while at != -1 and len(hits) < SEARCH_HITS:
            lo = text.rfind(" ", max(0, at - 40), at) + 1 if at > 40 else 0  # start on a word
            hi = text.find(" ", at + len(needle) + 40)
            snippet = " ".join(text[lo : hi if hi != -1 else len(text)].split())
            display = Content.assemble(
                ("Search: ", "$accent"), (f"{doc.name} p{doc.page_at(at)} ", "bold"), literal(snippet)
            )
            hits.append(
                Hit(
                    0.5,
                    display,
                    partial(app.open_source, doc.id, at, at + len(needle)),
                    text=f"{doc.name}: {snippet}",
                    help="Open the document here",
                )
            )
            at = lowered.find(needle, at + len(needle))
        if len(hits) >= SEARCH_HITS:
            break
    return hits
