"""Application Load Balancer access-log lines in AWS's documented field order, and the
files ALB delivers to S3 (one per load-balancer node and five minutes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from evals.generators.common import ACCOUNT_ID, REGION, BundleWriter, Ids

SSL_CIPHER = "ECDHE-RSA-AES128-GCM-SHA256"
SSL_PROTOCOL = "TLSv1.2"


def _alb_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond:06d}Z"


def _secs(value: float | None) -> str:
    return "-1" if value is None else f"{value:.3f}"


@dataclass
class AlbRequest:
    """One request as the load balancer saw it. A `target` of None means ALB answered
    itself (no healthy target); a `target_status` of None means the target never
    answered (connection refused, reset or time-out)."""

    received: datetime
    client: str
    target: str | None
    elb_status: int
    target_status: int | None
    request_seconds: float
    target_seconds: float | None
    response_seconds: float | None
    method: str
    url: str
    user_agent: str
    received_bytes: int
    sent_bytes: int
    trace_id: str
    rule_priority: str = "1"
    actions: str = "forward"
    error_reason: str = "-"
    classification: str = "-"
    classification_reason: str = "-"
    # when the target never answered: seconds until ALB gave up (reset, idle time-out)
    failed_after: float | None = None


@dataclass
class LoadBalancer:
    name: str
    lb_id: str
    target_group: str
    target_group_id: str
    domain: str
    ids: Ids
    nodes: tuple[str, ...] = ("10.0.0.37", "10.0.1.142")
    lines: dict[tuple[str, str], list[tuple[datetime, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @property
    def elb(self) -> str:
        return f"app/{self.name}/{self.lb_id}"

    @property
    def target_group_arn(self) -> str:
        return (
            f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:targetgroup/"
            f"{self.target_group}/{self.target_group_id}"
        )

    def log(self, r: AlbRequest) -> str:
        total = r.request_seconds + (r.target_seconds or 0) + (r.response_seconds or 0)
        if r.failed_after is not None:
            total = r.request_seconds + r.failed_after
        completed = r.received + timedelta(seconds=max(total, 0.0))
        target = r.target or "-"
        target_status = str(r.target_status) if r.target_status is not None else "-"
        cert = f"arn:aws:acm:{REGION}:{ACCOUNT_ID}:certificate/3f6a2b1c-8d4e-4a7b-9c2d-5e1f0a6b7c8d"
        line = " ".join(
            [
                "https",
                _alb_time(completed),
                self.elb,
                f"{r.client}:{self.ids.rng.randint(1024, 65535)}",
                target,
                _secs(r.request_seconds),
                _secs(r.target_seconds),
                _secs(r.response_seconds),
                str(r.elb_status),
                target_status,
                str(r.received_bytes),
                str(r.sent_bytes),
                f'"{r.method} {r.url} HTTP/1.1"',
                f'"{r.user_agent}"',
                SSL_CIPHER,
                SSL_PROTOCOL,
                self.target_group_arn if r.target else "-",
                f'"Root={r.trace_id}"',
                f'"{self.domain}"',
                f'"{cert}"',
                r.rule_priority,
                _alb_time(r.received),
                f'"{r.actions}"',
                '"-"',
                f'"{r.error_reason}"',
                f'"{target}"',
                f'"{target_status}"',
                f'"{r.classification}"',
                f'"{r.classification_reason}"',
                f"TID_{self.ids.hex(32)}",
            ]
        )
        node = self.nodes[self.ids.rng.randrange(len(self.nodes))]
        slot = completed.replace(minute=completed.minute - completed.minute % 5, second=0)
        slot = slot.replace(microsecond=0) + timedelta(minutes=5)
        self.lines[(node, f"{slot:%Y%m%dT%H%MZ}")].append((completed, line))
        return line

    def write(self, writer: BundleWriter) -> None:
        for (node, stamp), entries in sorted(self.lines.items()):
            name = (
                f"{ACCOUNT_ID}_elasticloadbalancing_{REGION}_app.{self.name}.{self.lb_id}_"
                f"{stamp}_{node}_{self.ids.alnum(8).lower()}.log"
            )
            # ALB delivers gzip-compressed files
            lines = [line for at, line in sorted(entries) if writer.in_window(at)]
            writer.lines(f"alb/{name}", lines, compress=True)
