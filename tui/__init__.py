"""The Textual review UI. Every action is a thin call into ``triage``; nothing here sets an outcome."""
