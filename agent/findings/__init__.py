"""The security findings report: computed first, written second.

`build_findings_report(backend=..., time_range=..., language="en"|"ja", model=None|InvestigatorModel,
min_severity="LOW") -> FindingsReport` collects the active Security Hub and GuardDuty findings
of the period and of the one before it (`TelemetryBackend.list_security_findings`), computes
counts, the trend, the top risks (each citing its findings), the recommended actions and the
resources with the most findings, then has the narrative written: by rules (no model, or the
baseline), or by the model over the computed data, citing only findings that exist.

Renderers: `agent.findings.markdown.findings_to_markdown(report, language)`,
`agent.findings.pdf.findings_to_pdf(report, path, language)`; JSON is
`report.model_dump_json()`; `report.summary_text()` is one line for chat.
"""

from agent.findings.build import build_findings_report, previous_period
from agent.findings.model import FindingsReport, ReportFinding, TopRisk

__all__ = ["FindingsReport", "ReportFinding", "TopRisk", "build_findings_report", "previous_period"]
