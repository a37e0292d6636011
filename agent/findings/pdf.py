"""PDF rendering of a `FindingsReport` with fpdf2 (no browser), A4 portrait.

The text font is IPAexGothic, the TrueType font the japanize-matplotlib package ships
(`japanize_matplotlib/fonts/ipaexg.ttf`, IPA Font License): embedded (subset), it covers
Latin and Japanese, so a report in either language, and finding text in any of them,
renders. Nothing here interprets markup (fpdf2's `markdown` is off), so finding text is
drawn as the characters it is; it is still redacted and stripped of control characters.
Finding references link to the finding in its console.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

from agent.findings.compute import short_resource
from agent.findings.display import listed, shown_actions, table_findings
from agent.findings.labels import label, severity_name
from agent.findings.model import FindingsReport, Language
from agent.redact import redact

FONT = "IPAexGothic"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
HEADER_FILL = (225, 230, 238)
SEVERITY_COLOURS = {
    "CRITICAL": (150, 20, 30),
    "HIGH": (200, 60, 40),
    "MEDIUM": (190, 130, 0),
    "LOW": (60, 110, 170),
    "INFORMATIONAL": (110, 110, 110),
}


class FontNotFoundError(RuntimeError):
    """The Japanese-capable font is not installed (japanize-matplotlib missing)."""


def font_path() -> Path:
    """IPAexGothic inside the installed japanize-matplotlib package (not imported: it would
    import matplotlib)."""
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or spec.origin is None:
        raise FontNotFoundError(
            "the PDF needs the IPAexGothic font from the japanize-matplotlib package; "
            "install fa2 with its dependencies (uv sync)"
        )
    path = Path(spec.origin).parent / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise FontNotFoundError(f"IPAexGothic not found at {path}")
    return path


def refs(items: list[str]) -> str:
    shown, more = listed(items)
    return ", ".join(shown) + (f" (+{more})" if more else "")


def clean(value: str | None, limit: int | None = None) -> str:
    flat = " ".join(_CONTROL.sub("", redact(value or "")).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat


class _Document(FPDF):
    def __init__(self, report: FindingsReport, language: Language) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self.language = language
        self.add_font(FONT, fname=str(font_path()))
        self.set_font(FONT, size=9)
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(14, 14, 14)
        self.set_title(label(language, "title"))
        self.set_creator("fa2")
        # At spaces; a run longer than a line (Japanese has no spaces) breaks where it must.
        self.wrap = WrapMode.WORD

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, f"fa2 · {label(self.language, 'title')} · {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(2)
        self.set_font(FONT, size=size)
        self.set_text_color(20, 40, 80)
        self.multi_cell(
            0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=self.wrap
        )
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=9)
        self.ln(1)

    def paragraph(self, text: str, size: float = 9) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(
            0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=self.wrap, align="L"
        )

    def table_of(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        links: Sequence[Sequence[str | None]] | None = None,
        size: float = 7.5,
        severity_column: int | None = None,
    ) -> None:
        """A table; the cells of `severity_column` in their severity's colour."""
        self.set_font(FONT, size=size)
        by_name = {severity_name(self.language, s): s for s in SEVERITY_COLOURS}
        with self.table(
            col_widths=tuple(widths),
            headings_style=FontFace(fill_color=HEADER_FILL),
            line_height=size * 0.5,
            text_align="LEFT",
            wrapmode=self.wrap,
            padding=0.8,
        ) as table:
            head = table.row()
            for cell in header:
                head.cell(cell)
            for index, values in enumerate(rows):
                row = table.row()
                for column, value in enumerate(values):
                    link = links[index][column] if links else None
                    style = None
                    if column == severity_column and value in by_name:
                        style = FontFace(color=SEVERITY_COLOURS[by_name[value]])
                    row.cell(value, link=link or None, style=style)
        self.set_font(FONT, size=9)
        self.ln(2)


def findings_to_pdf(
    report: FindingsReport, path: str | Path, language: Language | None = None
) -> Path:
    """Write the report as a PDF at `path`; returns the path."""
    lang: Language = language or report.language
    pdf = _Document(report, lang)
    pdf.add_page()

    def L(key: str) -> str:
        return label(lang, key)

    def sev(value: str) -> str:
        return severity_name(lang, value)

    trend = report.trend
    pdf.heading(L("title"), size=17)
    pdf.paragraph(
        f"{L('period')}: {report.time_range.label()}\n"
        f"{L('previous')}: {trend.previous_range.label()}\n"
        f"{L('source')}: {', '.join(report.sources) or '-'} · {L('min_severity')}: {sev(report.min_severity)}"
        f" · {L('generated')}: {report.generated_at:%Y-%m-%d %H:%M}Z",
        size=8.5,
    )

    pdf.heading(L("summary"))
    pdf.paragraph(clean(report.narrative.summary), size=10)
    for point in report.narrative.highlights:
        pdf.paragraph("• " + clean(point))
    written_by = (
        L("rules") if report.narrative.written_by == "rules" else clean(report.narrative.written_by)
    )
    pdf.set_text_color(100, 100, 100)
    pdf.paragraph(f"{L('written_by')}: {written_by}", size=7.5)
    pdf.set_text_color(0, 0, 0)

    pdf.heading(L("counts"))
    severity_rows = [
        [
            sev(severity),
            str(count),
            str(trend.new_by_severity.get(severity, 0)),
            str(trend.previous_by_severity.get(severity, 0)),
        ]
        for severity, count in report.counts.by_severity.items()
    ]
    severity_rows.append(
        [L("total"), str(report.counts.total), str(len(trend.new_refs)), str(trend.previous_total)]
    )
    pdf.table_of(
        [L("severity"), L("count"), L("new"), L("quiet")],
        severity_rows,
        (30, 20, 50, 82),
        size=8,
        severity_column=0,
    )
    pdf.table_of(
        [L("type"), L("count"), L("highest")],
        [[clean(r.key, 90), str(r.count), sev(r.highest)] for r in report.counts.by_type],
        (122, 20, 40),
        severity_column=2,
    )
    pdf.paragraph(
        f"{L('by_account')}: "
        + ", ".join(f"{clean(r.key)} ({r.count})" for r in report.counts.by_account)
        + f" · {L('by_region')}: "
        + ", ".join(f"{clean(r.key)} ({r.count})" for r in report.counts.by_region),
        size=8,
    )

    pdf.heading(L("trend"))
    pdf.paragraph(
        f"{L('new')} ({len(trend.new_refs)}): {refs(trend.new_refs) or '-'}\n"
        f"{L('continuing')}: {trend.continuing}\n"
        f"{L('quiet')} ({trend.previous_total}): {refs(trend.quiet_refs) or '-'}",
        size=8.5,
    )

    pdf.heading(L("top_risks"))
    if report.top_risks:
        pdf.table_of(
            ["#", L("risk"), L("severity"), L("kind"), L("findings"), L("action")],
            [
                [
                    str(r.rank),
                    clean(r.title, 170),
                    sev(r.severity_label),
                    L("threat") if r.threat else L("posture"),
                    refs(r.finding_refs),
                    r.action_ref or "-",
                ]
                for r in report.top_risks
            ],
            (7, 95, 18, 18, 30, 14),
            severity_column=2,
        )
    else:
        pdf.paragraph(L("none"))

    pdf.heading(L("actions"))
    actions, more_actions = shown_actions(report)
    for action in actions:
        body = L("no_remediation") if action.origin == "none" else clean(action.text)
        pdf.set_font(FONT, size=8.5)
        pdf.multi_cell(
            0,
            4.2,
            f"{action.ref}  {clean(action.title, 160)}"
            + (f": {body}" if body else "")
            + f"  [{refs(action.finding_refs)}]",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            wrapmode=pdf.wrap,
            align="L",
        )
        if action.url:
            pdf.set_text_color(30, 80, 170)
            pdf.set_font(FONT, size=7.5)
            pdf.cell(0, 4, action.url, link=action.url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
        pdf.ln(0.8)
    if more_actions:
        pdf.paragraph("… " + L("more_actions").format(n=more_actions), size=8)

    pdf.heading(L("top_resources"))
    pdf.table_of(
        [L("resource"), L("type"), L("count"), L("highest"), L("findings")],
        [
            [
                clean(short_resource(r.resource), 80),
                clean(r.resource_type),
                str(r.count),
                sev(r.highest),
                refs(r.finding_refs),
            ]
            for r in report.resources
        ],
        (70, 38, 14, 22, 38),
        severity_column=3,
    )

    pdf.heading(L("evidence"))
    rows, links = [], []
    table_rows, left_out = table_findings(report)
    for row in table_rows:
        f = row.finding
        flag = (
            f" ({L('new_flag')})"
            if row.new
            else (f" ({L('prev_flag')})" if row.period == "previous" else "")
        )
        rows.append(
            [
                row.ref + flag,
                sev(f.severity_label),
                clean(f.control_id or f.type, 60),
                clean(f.title, 150),
                clean(short_resource(f.resource_id), 60),
                f"{f.updated_at:%Y-%m-%d %H:%M}Z" if f.updated_at else "-",
                clean(f.id),
            ]
        )
        links.append([f.console_url, None, None, None, None, None, f.console_url])
    pdf.table_of(
        [L("ref"), L("severity"), L("type"), L("title_col"), L("resource"), "UpdatedAt", L("id")],
        rows,
        (14, 13, 28, 50, 27, 20, 30),
        links=links,
        size=6.5,
        severity_column=1,
    )
    if left_out:
        pdf.paragraph(L("more_findings").format(n=left_out), size=8)
    if report.notes:
        pdf.heading(L("notes"))
        for note in report.notes:
            pdf.paragraph("• " + clean(note), size=8)
    target = Path(path)
    pdf.output(str(target))
    return target
