"""traffic: a scraper hammers /search from a handful of addresses; the catalog instances
saturate and ALB answers 504/502 for everyone. Only the ALB access logs (and ALB metrics)
are available. A vulnerability scanner's burst of 404s ten minutes earlier is the red
herring."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import minute_key
from evals.generators.web_service import Request, Response, WebService, ec2_instance, service_alarm

NAME = "scraper-traffic-surge"
START, END = utc("2026-03-20T13:00:00Z"), utc("2026-03-20T13:45:00Z")
SCAN = (utc("2026-03-20T13:02:10Z"), utc("2026-03-20T13:03:40Z"))
SURGE = utc("2026-03-20T13:12:00Z")
SCRAPER_IPS = [f"45.155.205.{n}" for n in (17, 44, 91, 133, 202)]
SCRAPER_UA = "Scrapy/2.11.0 (+https://scrapy.org)"
CAPACITY_PER_MINUTE = 300.0  # three t4g.medium instances, gunicorn 2 workers each
PAGES = ["/", "/search", "/product/", "/category/garden", "/category/tools", "/cart"]


class CatalogWeb:
    """Response time grows with utilisation; beyond capacity requests queue past ALB's 60 s
    idle timeout (504) or hit a worker being recycled (502)."""

    def __init__(self, load: dict[datetime, int]) -> None:
        self.load = load

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        if request.path.startswith(("/wp-login", "/.env", "/phpmyadmin", "/.git")):
            return Response(404, rng.uniform(0.002, 0.006), sent_bytes=162)
        rho = self.load.get(minute_key(request.at), 0) / CAPACITY_PER_MINUTE
        base = (
            rng.uniform(0.03, 0.12)
            if request.path.startswith("/search")
            else rng.uniform(0.01, 0.05)
        )
        if rho < 0.85:
            return Response(200, base, sent_bytes=rng.randint(4000, 48000))
        overflow = max(0.0, 1 - 1 / rho)
        roll = rng.random()
        if roll < overflow * 0.85:
            return Response(None, 60.0 + rng.uniform(0, 0.01), elb_status=504)
        if roll < overflow:
            return Response(None, rng.uniform(0.5, 3.0), elb_status=502)
        slow = base / max(0.05, 1 - min(rho, 0.97)) + rng.uniform(0.5, 4.0) * min(rho, 2.0)
        return Response(200, slow, sent_bytes=rng.randint(4000, 48000))


def _schedule(ids: Ids) -> list[tuple[datetime, str, str, str | None, str | None]]:
    """(time, method, path, client ip or None, user agent or None) for every request."""
    rng = ids.rng
    out: list[tuple[datetime, str, str, str | None, str | None]] = []
    for at in arrivals(rng, START, END, lambda m: 60):
        page = rng.choice(PAGES)
        path = (
            f"/search?q={rng.choice(['hose', 'rake', 'drill', 'ladder', 'gloves'])}"
            if page == "/search"
            else page + (str(rng.randint(1000, 9999)) if page.endswith("/") and page != "/" else "")
        )
        out.append((at, "GET", path, None, None))
    for at in arrivals(rng, SCAN[0], SCAN[1], lambda m: 45):
        path = rng.choice(
            [
                "/wp-login.php",
                "/.env",
                "/phpmyadmin/index.php",
                "/.git/config",
                "/wp-admin/setup-config.php",
            ]
        )
        out.append(
            (at, "GET", path, "193.142.146.35", "Mozilla/5.0 (l9scan/2.0.2; +https://leakix.net)")
        )

    def ramp(minute: datetime) -> float:
        """The scraper's requests per minute: a third at once, all of it three minutes on."""
        if minute < SURGE:
            return 0.0
        return min(1.0, (minute - SURGE).total_seconds() / 180 + 0.34) * 390

    for at in arrivals(rng, SURGE, END, ramp):
        out.append(
            (
                at,
                "GET",
                f"/search?q={ids.alnum(3).lower()}&page={rng.randint(1, 400)}&sort=price",
                rng.choice(SCRAPER_IPS),
                SCRAPER_UA,
            )
        )
    return sorted(out, key=lambda r: r[0])


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    schedule = _schedule(ids)
    load = Counter(minute_key(r[0]) for r in schedule)
    targets = [ec2_instance(ids, ip) for ip in ("10.0.50.11", "10.0.51.27", "10.0.50.93")]
    lb = LoadBalancer(
        "catalog-alb",
        "7a6b5c4d3e2f1a0b",
        "catalog-web-tg",
        "2b3c4d5e6f7a8b9c",
        "shop.example.org",
        ids,
    )
    service = WebService(
        "catalog-web",
        lb,
        LogGroup("/app/catalog-web"),
        targets,
        CatalogWeb(dict(load)),
        ids,
        origin="AWS::EC2::Instance",
        trace_sample_rate=0.0,
    )
    for at, method, path, ip, agent in schedule:
        if agent:
            service.request(at, method, path, client_ip=ip, user_agent=agent)
        else:
            service.request(at, method, path, client_ip=ip)
    service.write(writer, app_logs=False, traces=False)
    service.metric_file(minutes(START, END)).write(writer)
    fired_alarm = service_alarm(
        service,
        "catalog-elb-5xx",
        "ELB-generated 5XX on catalog-alb",
        "HTTPCode_ELB_5XX_Count",
        threshold=20.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="catalog 5XX generated by the load balancer",
        architecture="ALB catalog-alb -> three EC2 instances (catalog-web, gunicorn) in target "
        "group catalog-web-tg. Only the ALB access logs are shipped for this service.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "From 13:12 a scraper (user agent Scrapy/2.11.0, five addresses in "
            "45.155.205.0/24) sends several hundred /search requests a minute, more than the "
            "three catalog instances can serve; requests queue past ALB's idle timeout (504) "
            "or fail (502) for all clients. Block or rate-limit the scraper (AWS WAF rate-based "
            "rule) and add capacity.",
            "categories": ["traffic", "security"],
            "must_mention": [
                ["Scrapy", "scraper", "bot", "crawler", "45.155.205"],
                ["traffic", "surge", "spike", "volume", "load", "rate"],
            ],
            "key_evidence": [{"source": "alb", "contains": "Scrapy"}],
            "red_herrings": [
                'a vulnerability scanner probing "/wp-login.php" and "/.git/config" (404s) at 13:02'
            ],
            "difficulty": "medium",
        },
        tags=["traffic", "alb", "ec2", "alb-only", "alb-logs"],
    )
