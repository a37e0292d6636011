"""The findings report at the size of a capped AWS listing: 2,000 Security Hub control
findings and 1,000 GuardDuty findings (also in Security Hub, so 3,000 to de-duplicate) in a
bundle; the time to read and filter them, compute and write the report, render the Markdown
and the PDF, and the PDF's pages and size. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_findings_report.py [--controls N] [--guardduty N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from agent.config import load_settings
from agent.findings import build_findings_report
from agent.findings.markdown import findings_to_markdown
from agent.findings.pdf import findings_to_pdf
from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange
from evals.generators.common import BundleWriter, Ids, seeded_rng, utc
from evals.generators.findings import (
    ControlFinding,
    FindingsWriter,
    GuardDutyFinding,
    access_key_resource,
    api_call_action,
    instance_resource,
)

SCENARIO = Path(__file__).resolve().parent.parent / "evals" / "scenarios" / "leaked-access-key"
END = utc("2026-03-27T14:45:00Z")
CONTROLS = ["ECR.1", "EC2.18", "IAM.3", "S3.8", "Lambda.2", "RDS.3", "EC2.2", "KMS.4"]
TYPES = [
    "UnauthorizedAccess:IAMUser/TorIPCaller",
    "Recon:IAMUser/TorIPCaller",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "Recon:EC2/PortProbeUnprotectedPort",
]


def _bundle(root: Path, controls: int, guardduty: int) -> None:
    root.mkdir(parents=True)
    shutil.copy(SCENARIO / "incident.yaml", root / "incident.yaml")
    ids = Ids(seeded_rng("bench-findings"))
    found = FindingsWriter(ids)
    for i in range(controls):
        updated = END - timedelta(hours=ids.rng.randint(1, 24 * 13))
        found.add_control(
            ControlFinding(
                control=CONTROLS[i % len(CONTROLS)],
                title=f"Control {CONTROLS[i % len(CONTROLS)]} failed",
                description="This control checks a resource's configuration.",
                severity=ids.rng.choice(["CRITICAL", "HIGH", "MEDIUM", "LOW"]),
                resource_type="AwsEc2Instance",
                resource_id=f"arn:aws:ec2:us-east-1:123456789012:instance/i-{ids.hex(17)}",
                created=updated - timedelta(days=ids.rng.randint(0, 30)),
                updated=updated,
            )
        )
    for i in range(guardduty):
        updated = END - timedelta(hours=ids.rng.randint(1, 24 * 13))
        kind = TYPES[i % len(TYPES)]
        resource = (
            access_key_resource(
                f"user-{i % 40}", f"AKIA{ids.upper_alnum(16)}", f"AIDA{ids.upper_alnum(16)}"
            )
            if "IAMUser" in kind
            else instance_resource(f"i-{ids.hex(17)}", "t3.micro", "ami-0c7217cdde317cfec")
        )
        found.add_guardduty(
            GuardDutyFinding(
                type=kind,
                severity=ids.rng.choice([2.0, 5.0, 8.0]),
                title=f"{kind} on a resource",
                description="GuardDuty saw activity.",
                created=updated - timedelta(hours=ids.rng.randint(0, 48)),
                updated=updated,
                first_seen=updated - timedelta(hours=2),
                last_seen=updated,
                count=ids.rng.randint(1, 50),
                resource=resource,
                action=api_call_action("ListUsers", "iam.amazonaws.com", "198.51.100.7", "X", "Y"),
            )
        )
    found.write(BundleWriter(root))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controls", type=int, default=2000)
    parser.add_argument("--guardduty", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "bundle"
        _bundle(root, args.controls, args.guardduty)
        settings = load_settings(model="baseline")
        started = time.perf_counter()
        backend = LocalBackend(root, settings)
        week = TimeRange(start=END - timedelta(days=7), end=END)
        report = build_findings_report(backend=backend, time_range=week)
        built = time.perf_counter()
        markdown = findings_to_markdown(report)
        rendered = time.perf_counter()
        pdf = findings_to_pdf(report, Path(folder) / "report.pdf")
        printed = time.perf_counter()
        from pypdf import PdfReader

        pages = len(PdfReader(pdf).pages)
        print(
            f"findings in the bundle: {args.controls} controls + {args.guardduty} GuardDuty "
            f"(+{args.guardduty} Security Hub copies)"
        )
        print(
            f"in the report: {report.counts.total} this week, {report.trend.previous_total} "
            f"previous week only; {report.duplicates_removed} copies removed"
        )
        print(f"read + compute + rules narrative: {built - started:6.2f} s (both periods)")
        print(
            f"markdown:                         {rendered - built:6.2f} s, {len(markdown) / 1024:,.0f} KiB"
        )
        print(
            f"pdf:                              {printed - rendered:6.2f} s, {pages} pages, "
            f"{pdf.stat().st_size / 1024:,.0f} KiB"
        )


if __name__ == "__main__":
    main()
