"""The report's words in English and Japanese: headings, labels, the baseline's rule
sentences, and the one-line summary for chat. Finding text never goes into these templates
unescaped: renderers escape it for their medium (markdown.py, pdf.py)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.findings.model import FindingsReport, Language

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Security findings report",
        "period": "Period",
        "previous": "Previous period",
        "generated": "Generated",
        "summary": "Summary",
        "counts": "Counts",
        "severity": "Severity",
        "count": "Count",
        "by_severity": "By severity",
        "by_type": "By type or control",
        "by_account": "By account",
        "by_region": "By region",
        "trend": "Trend",
        "new": "New in this period",
        "continuing": "Active since before this period",
        "quiet": "Seen in the previous period only (no activity since)",
        "top_risks": "Top risks",
        "risk": "Risk",
        "resources": "Resources",
        "findings": "Findings",
        "threat": "threat",
        "posture": "posture",
        "actions": "Recommended actions",
        "action": "Action",
        "top_resources": "Resources with the most findings",
        "resource": "Resource",
        "evidence": "Findings cited",
        "ref": "Ref",
        "source": "Source",
        "title_col": "Title",
        "id": "Finding id",
        "link": "Console",
        "notes": "Notes",
        "written_by": "Narrative written by",
        "rules": "fa2's rules (baseline, no LLM)",
        "none": "No active findings in this period.",
        "open": "open",
        "highest": "Highest",
        "total": "Total",
        "type": "Type",
        "kind": "Kind",
        "new_flag": "new",
        "prev_flag": "previous",
        "more_actions": "and {n} more actions (in the JSON form)",
        "more_findings": "… and {n} more findings, less severe, not cited above (all are in the JSON form: --format json).",
        "min_severity": "minimum severity",
        "no_remediation": "GuardDuty gives no remediation for this finding type; see the "
        "GuardDuty remediation guide.",
    },
    "ja": {
        "title": "セキュリティ検出結果レポート",
        "period": "対象期間",
        "previous": "前期間",
        "generated": "作成日時",
        "summary": "概要",
        "counts": "件数",
        "severity": "重要度",
        "count": "件数",
        "by_severity": "重要度別",
        "by_type": "種類・コントロール別",
        "by_account": "アカウント別",
        "by_region": "リージョン別",
        "trend": "傾向",
        "new": "今期間の新規",
        "continuing": "今期間より前から継続",
        "quiet": "前期間のみ（以降の活動なし）",
        "top_risks": "主要リスク",
        "risk": "リスク",
        "resources": "リソース",
        "findings": "検出結果",
        "threat": "脅威",
        "posture": "設定不備",
        "actions": "推奨対応",
        "action": "対応",
        "top_resources": "検出結果の多いリソース",
        "resource": "リソース",
        "evidence": "引用した検出結果",
        "ref": "参照",
        "source": "ソース",
        "title_col": "タイトル",
        "id": "検出結果 ID",
        "link": "コンソール",
        "notes": "注記",
        "written_by": "本文の作成",
        "rules": "fa2 のルール（ベースライン、LLM なし）",
        "none": "この期間にアクティブな検出結果はありません。",
        "open": "未対応",
        "highest": "最高重要度",
        "total": "合計",
        "type": "種類",
        "kind": "区分",
        "new_flag": "新規",
        "prev_flag": "前期間",
        "more_actions": "ほか {n} 件の対応（JSON 形式に全件）",
        "more_findings": "… ほか {n} 件（重要度が低く、上で引用していない検出結果。全件は JSON 形式: --format json）。",
        "min_severity": "最低重要度",
        "no_remediation": "GuardDuty はこの種類の検出結果に修復手順を付けていません。GuardDuty の修復ガイドを参照してください。",
    },
}

SEVERITY_NAMES = {
    "en": {s: s for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")},
    "ja": {
        "CRITICAL": "重大",
        "HIGH": "高",
        "MEDIUM": "中",
        "LOW": "低",
        "INFORMATIONAL": "情報",
    },
}


def label(language: Language, key: str) -> str:
    return LABELS[language][key]


def severity_name(language: Language, severity: str) -> str:
    return SEVERITY_NAMES[language].get(severity, severity)


# AWS finding type names and control ids use these characters only; anything else in a type
# (a third-party product can write anything there) is dropped from chat text.
_TYPE_CHARACTERS = re.compile(r"[^A-Za-z0-9:/._!\- ]")


def plain_type(text: str) -> str:
    return _TYPE_CHARACTERS.sub("", text)[:120]


def summary_line(report: FindingsReport) -> str:
    language = report.language
    counts = report.counts
    shown = [
        f"{severity_name(language, s)} {counts.by_severity.get(s, 0)}"
        for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW")
        if counts.by_severity.get(s, 0)
    ]
    days = round(report.time_range.seconds / 86400, 1)
    days_text = f"{days:g}"
    top = report.top_risks[0] if report.top_risks else None
    if language == "ja":
        line = f"過去 {days_text} 日のアクティブな検出結果 {counts.total} 件"
        if shown:
            line += f"（{'、'.join(shown)}）"
        line += f"、新規 {len(report.trend.new_refs)} 件。"
        if top:
            line += f" 最大のリスク: {plain_type(top.key)}（{', '.join(top.finding_refs[:5])}）。"
        return line
    line = f"{counts.total} active finding(s) in the last {days_text} day(s)"
    if shown:
        line += f" ({', '.join(shown)})"
    line += f", {len(report.trend.new_refs)} new."
    if top:
        line += f" Top risk: {plain_type(top.key)} ({', '.join(top.finding_refs[:5])})."
    return line
