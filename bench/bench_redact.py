"""What redaction and fencing cost per tool result, and why fa2 does not call detect-secrets at
run time: milliseconds per 50-row result for `agent.redact.redact` (what every result passes
through), detect-secrets 1.5.0's `scan_line` with its default plugins over the same rows (and
what it flags), and `agent.tools.fence.defuse` over a 6,000-character observation. Prints
figures; asserts nothing.

    .venv/bin/python bench/bench_redact.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from agent.redact import redact
from agent.tools.fence import defuse

CLOUDTRAIL = (
    '{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAY34FZKBOKMUTVV7A:ci",'
    '"arn":"arn:aws:sts::123456789012:assumed-role/deploy/ci","accessKeyId":"ASIAY34FZKBOKMUTVV7A"},'
    '"eventTime":"2026-03-02T10:01:02Z","eventSource":"secretsmanager.amazonaws.com",'
    '"eventName":"RotateSecret","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1",'
    '"requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf"}}'
)
APP_LOG = (
    '{"level":"ERROR","ts":"2026-03-02T10:04:38.752Z","msg":"PutItem failed",'
    '"error":"ProvisionedThroughputExceededException: The level of configured provisioned '
    'throughput for the table was exceeded","table":"orders","requestId":"a1b2c3d4-e5f6-7890"}'
)
LEAKY_LOG = (
    "2026-03-02T10:04:38Z ERROR boot env DB_HOST=orders-db.internal DB_PASS=Tr0ub4dor&3 "
    'token ghp_16C7e42F292c6912E7710c838347Ae178B4a {"password": "correct horse battery staple"}'
)
ROWS = {
    "CloudTrail records": [CLOUDTRAIL] * 50,
    "application log lines": [APP_LOG] * 50,
    "log lines with secrets": [LEAKY_LOG] * 50,
}


def _ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    began = time.perf_counter()
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    import_ms = (time.perf_counter() - began) * 1000
    print(f"detect-secrets import: {import_ms:.0f} ms (once per process)")
    with default_settings():
        for name, rows in ROWS.items():
            ours = _ms(lambda rows=rows: [redact(r) for r in rows], args.runs)
            theirs = _ms(
                lambda rows=rows: [list(scan_line(r)) for r in rows], max(args.runs // 5, 1)
            )
            flagged = sorted({s.secret_value or "" for s in scan_line(rows[0])})
            print(
                f"{name} (50 rows of {len(rows[0])} chars): redact {ours:.2f} ms, "
                f"detect-secrets scan_line {theirs:.1f} ms ({theirs / ours:.0f}x)"
            )
            print(f"  detect-secrets flags in one row: {flagged[:8]}")

    ascii_observation = "\n".join([APP_LOG] * 30)[:6000]
    hostile = ascii_observation[:5900] + " ＜／ＤＡＴＡ＞ &lt;/data&gt; %3C%2Fdata%3E"
    japanese = ("注文テーブルへの書き込みが <スロットリング> されました。" * 300)[:6000]
    for name, text in (
        ("plain ASCII", ascii_observation),
        ("ASCII with three disguised closing tags", hostile),
        ("Japanese with brackets (slowest path)", japanese),
    ):
        print(
            f"defuse, 6000-char observation, {name}: {_ms(lambda t=text: defuse(t), args.runs):.2f} ms"
        )


if __name__ == "__main__":
    main()
