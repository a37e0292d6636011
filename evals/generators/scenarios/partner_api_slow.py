"""dependency: the freight-rates partner API slows down; quote-service's HTTP client times
out after 3 s and answers 502. The application logs only say "upstream error"; the X-Ray
remote subsegments name the slow host. Cache misses rising alongside are the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.web_service import Request, Response, WebService, ecs_task, service_alarm
from evals.generators.xray import aws_call, remote_http

NAME = "partner-api-slow"
START, END = utc("2026-03-18T11:00:00Z"), utc("2026-03-18T11:45:00Z")
DEGRADED = utc("2026-03-18T11:08:30Z")
PARTNER = "api.freightrates.example.net"
LANES = ["DE-FR", "DE-PL", "NL-DE", "FR-ES", "IT-AT", "BE-NL", "PL-CZ", "DE-AT"]


def handler(request: Request, ids: Ids) -> Response:
    rng = ids.rng
    lane = rng.choice(LANES)
    t = request.at
    subs = []
    cache_ms = rng.uniform(2, 6)
    subs.append(
        aws_call(
            ids,
            "DynamoDB",
            "GetItem",
            t,
            t + timedelta(milliseconds=cache_ms),
            resource={"table_name": "quotes-cache", "resource_names": ["quotes-cache"]},
        )
    )
    t += timedelta(milliseconds=cache_ms + 1)

    def log(level: str, message: str, at: datetime, **fields: Any) -> tuple[float, str]:
        ms = (at - request.at).total_seconds() * 1000
        return ms, json_line(
            at, level, "quote.service", message, trace_id=request.trace_id, lane=lane, **fields
        )

    degraded = request.at >= DEGRADED
    hit_rate = 0.35 if not degraded else 0.18  # failed quotes are never cached
    if rng.random() < hit_rate:
        return Response(200, (cache_ms + rng.uniform(3, 9)) / 1000, [], subs, sent_bytes=640)
    lines = (
        [log("DEBUG" if not degraded else "WARN", "cache miss", t, table="quotes-cache")]
        if degraded or rng.random() < 0.3
        else []
    )
    partner_ms = rng.lognormvariate(5.3, 0.3) if not degraded else rng.lognormvariate(7.75, 0.45)
    url = f"https://{PARTNER}/v2/rates?lane={lane}"
    if partner_ms >= 3000:
        end = t + timedelta(milliseconds=3000)
        subs.append(
            remote_http(
                ids,
                PARTNER,
                "GET",
                url,
                t,
                end,
                status=None,
                error_type="ReadTimeout",
                error_message=f"HTTPSConnectionPool(host='{PARTNER}', port=443): Read timed out. (read timeout=3)",
            )
        )
        lines.append(log("ERROR", "quote request failed", end, error="upstream error", status=502))
        return Response(
            502,
            (end - request.at).total_seconds() + 0.004,
            lines,
            subs,
            sent_bytes=120,
            exception=("UpstreamError", "upstream error"),
        )
    end = t + timedelta(milliseconds=partner_ms)
    subs.append(remote_http(ids, PARTNER, "GET", url, t, end, status=200))
    subs.append(
        aws_call(
            ids,
            "DynamoDB",
            "PutItem",
            end,
            end + timedelta(milliseconds=5),
            resource={"table_name": "quotes-cache", "resource_names": ["quotes-cache"]},
        )
    )
    lines.append(
        log(
            "INFO",
            "quote served",
            end + timedelta(milliseconds=6),
            price_cents=rng.randint(9000, 240000),
            source="partner",
        )
    )
    return Response(200, (end - request.at).total_seconds() + 0.008, lines, subs, sent_bytes=640)


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    targets = [
        ecs_task(ids, "quote-service", ip) for ip in ("10.0.30.12", "10.0.31.40", "10.0.30.77")
    ]
    lb = LoadBalancer(
        "logistics-alb",
        "3c9d8e7f6a5b4c3d",
        "quote-service-tg",
        "9f8e7d6c5b4a3f2e",
        "quotes.example.com",
        ids,
    )
    service = WebService(
        "quote-service",
        lb,
        LogGroup("/ecs/quote-service"),
        targets,
        handler,
        ids,
        trace_sample_rate=0.25,
    )
    for at in arrivals(ids.rng, START, END, lambda m: 50):
        service.request(
            at,
            "POST",
            "/v1/quotes",
            user_agent="logistics-portal/5.2 (+https://portal.example.com)",
        )
    service.write(writer)
    service.metric_file(minutes(START, END)).write(writer)
    fired_alarm = service_alarm(
        service,
        "quote-service-latency",
        "Average target response time above 1 s",
        "TargetResponseTime",
        threshold=1.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="quote-service latency",
        architecture="ALB logistics-alb -> ECS service quote-service (three tasks, X-Ray SDK) -> "
        "DynamoDB table quotes-cache, and the freight-rates partner API over HTTPS.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"The external freight-rates API ({PARTNER}) slowed down from ~11:08 "
            "(seconds instead of ~200 ms); quote-service's 3 s read timeout expires on about a "
            "third of the calls and it answers 502, and the remaining calls are slow.",
            "category": "dependency",
            "must_mention": [
                ["freightrates", "partner", "third-party", "external"],
                ["timeout", "timed out", "slow", "latency"],
            ],
            "key_evidence": [
                {"source": "xray", "contains": PARTNER},
                {"source": "alb", "contains": "502"},
            ],
            "red_herrings": [
                "'cache miss' warnings on quotes-cache rising (a consequence: failed quotes are not cached)"
            ],
            "difficulty": "hard",
        },
        tags=["dependency", "alb", "ecs", "xray", "alb-logs", "xray-led"],
    )
