"""The assessment report: ``build_report(session) -> ReportModel``, ``render(model, fmt) -> bytes``.

Every format is rendered from the same ReportModel, and the same model always renders to the
same bytes (the generation timestamp is part of the model).
"""

from __future__ import annotations

from triage.report.build import build_report
from triage.report.model import ReportModel

FORMATS: tuple[str, ...] = ("docx", "html", "md", "json", "csv")
REQUEST_FORMATS: tuple[str, ...] = ("md", "txt")


def render(model: ReportModel, fmt: str) -> bytes:
    """The report in one format: docx, html, md, json or csv."""
    if fmt == "docx":
        from triage.report.docx_report import render_docx

        return render_docx(model)
    if fmt == "html":
        from triage.report.html_report import render_html

        return render_html(model)
    from triage.report import text

    if fmt == "md":
        return text.render_markdown(model)
    if fmt == "json":
        return text.render_json(model)
    if fmt == "csv":
        return text.render_csv(model)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_request(model: ReportModel, fmt: str = "md") -> bytes:
    """The evidence request alone (md or txt), for the provider."""
    if fmt not in REQUEST_FORMATS:
        raise ValueError(f"unknown request format {fmt!r}; choose md or txt")
    from triage.report.text import render_request as _render

    return _render(model, fmt)


__all__ = ["FORMATS", "REQUEST_FORMATS", "ReportModel", "build_report", "render", "render_request"]
