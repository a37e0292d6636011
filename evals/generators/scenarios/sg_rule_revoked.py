"""network: while tidying security groups, an engineer revokes the rule that lets the web
tier reach PostgreSQL on 5432. Pooled connections keep working until they are recycled,
so errors ramp up over minutes: each new connection attempt times out after 10 s. An
Auto Scaling scale-out eight minutes earlier is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import dashboard_poll, sso_user
from evals.generators.alb import LoadBalancer
from evals.generators.app_logs import LogGroup, json_line
from evals.generators.cloudtrail import Principal, Trail
from evals.generators.common import (
    ACCOUNT_ID,
    BundleWriter,
    Ids,
    arrivals,
    minutes,
    seeded_rng,
    utc,
)
from evals.generators.findings import (
    FindingsWriter,
    GuardDutyFinding,
    failed_control,
    instance_resource,
)
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import mean_by_minute
from evals.generators.web_service import Request, Response, WebService, ec2_instance, service_alarm
from evals.generators.xray import sql_call

NAME = "sg-rule-revoked"
START, END = utc("2026-03-16T09:00:00Z"), utc("2026-03-16T09:45:00Z")
SCALE_OUT = utc("2026-03-16T09:10:04Z")
REVOKE = utc("2026-03-16T09:18:22Z")
DB_HOST = "orders-db.c9akciq32.us-east-1.rds.amazonaws.com"
DB_SG, APP_SG = "sg-0a1b2c3d4e5f60718", "sg-07c4e2b9d1a3f5e60"
CONN_MAX_AGE = timedelta(seconds=300)
TIMEOUT_ERROR = (
    f'connection to server at "{DB_HOST}" (10.0.21.14), port 5432 failed: Connection timed out'
    "\n\tIs the server running on that host and accepting TCP/IP connections?"
)


class OrdersWeb:
    """Django behind gunicorn; each worker keeps a persistent connection (CONN_MAX_AGE)."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.connections: dict[str, list[datetime | None]] = {}
        self.db_sessions: list[tuple[datetime, float]] = []

    def _live(self, at: datetime) -> int:
        """Open database sessions of the web tier right now."""
        return sum(
            1
            for pool in self.connections.values()
            for c in pool
            if c is not None and at - c <= CONN_MAX_AGE
        )

    def __call__(self, request: Request, ids: Ids) -> Response:
        rng = ids.rng
        pool = self.connections.setdefault(
            request.target.name,
            [request.at - timedelta(seconds=rng.uniform(0, 290)) for _ in range(4)],
        )
        slot = rng.randrange(len(pool))
        opened = pool[slot]

        def log(level: str, message: str, ms: float, **fields: Any) -> tuple[float, str]:
            at = request.at + timedelta(milliseconds=ms)
            return ms, json_line(
                at,
                level,
                "orders.views",
                message,
                request_id=request.request_id,
                path=request.path,
                **fields,
            )

        self.db_sessions.append((request.at, float(self._live(request.at))))
        if opened is None or request.at - opened > CONN_MAX_AGE:
            if request.at >= REVOKE:
                pool[slot] = None  # stays broken: the next request tries again
                seconds = 10.0 + rng.uniform(0.002, 0.03)
                sub = sql_call(
                    ids,
                    f"orders@{DB_HOST}",
                    f"postgresql://{DB_HOST}:5432/orders",
                    request.at,
                    request.at + timedelta(seconds=10),
                    error=f"OperationalError: {TIMEOUT_ERROR}",
                )
                return Response(
                    500,
                    seconds,
                    [
                        log(
                            "ERROR",
                            f"Internal Server Error: {request.path}",
                            seconds * 1000 - 2,
                            exc_info=f"psycopg2.OperationalError: {TIMEOUT_ERROR}",
                        )
                    ],
                    [sub],
                    exception=("OperationalError", TIMEOUT_ERROR.split("\n")[0]),
                    sent_bytes=145,
                )
            pool[slot] = request.at
        query_ms = rng.uniform(3, 14)
        sub = sql_call(
            ids,
            f"orders@{DB_HOST}",
            f"postgresql://{DB_HOST}:5432/orders",
            request.at,
            request.at + timedelta(milliseconds=query_ms),
        )
        seconds = (query_ms + rng.uniform(8, 40)) / 1000
        lines = []
        if rng.random() < 0.01:
            lines.append(
                log(
                    "WARNING",
                    "Slow request",
                    seconds * 1000,
                    duration_ms=round(seconds * 1000 + 900),
                )
            )
            seconds += 0.9
        if request.method == "GET" and rng.random() < 0.04:
            return Response(404, seconds, lines, [sub], sent_bytes=179)
        return Response(200, seconds, lines, [sub], sent_bytes=rng.randint(900, 6000))


def _postgres_ingress(*, groups: dict[str, Any], ip_ranges: dict[str, Any]) -> dict[str, Any]:
    """The request of an Authorize/RevokeSecurityGroupIngress call for TCP 5432 on the
    database's security group, as CloudTrail records it."""
    rule = {
        "ipProtocol": "tcp",
        "fromPort": 5432,
        "toPort": 5432,
        "groups": groups,
        "ipRanges": ip_ranges,
        "ipv6Ranges": {},
        "prefixListIds": {},
    }
    return {"groupId": DB_SG, "ipPermissions": {"items": [rule]}}


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=33),
        END,
        "orders-web-",
        (
            "ec2.amazonaws.com",
            "DescribeInstances",
            {
                "filterSet": {
                    "items": [
                        {
                            "name": "tag:aws:autoscaling:groupName",
                            "valueSet": {"items": [{"value": "orders-web-asg"}]},
                        }
                    ]
                }
            },
        ),
    )
    asg = Principal(
        "AssumedRole",
        "AWSServiceRoleForAutoScaling",
        "AutoScaling",
        source_ip="autoscaling.amazonaws.com",
        user_agent="autoscaling.amazonaws.com",
        role_id="AROAZ6EXAMPLEASGSLR1",
    )
    trail.call(
        SCALE_OUT,
        asg,
        "ec2.amazonaws.com",
        "RunInstances",
        read_only=False,
        request={
            "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]},
            "launchTemplate": {"launchTemplateId": "lt-0f1e2d3c4b5a69788", "version": "7"},
            "subnetId": "subnet-0c1d2e3f4a5b6c7d8",
        },
        response={
            "instancesSet": {
                "items": [
                    {
                        "instanceId": "i-0d3c2b1a0f9e8d7c6",
                        "instanceState": {"code": 0, "name": "pending"},
                        "privateIpAddress": "10.0.11.87",
                        "instanceType": "m7g.large",
                    }
                ]
            }
        },
    )
    engineer = sso_user("alex.p@example.com", ip="198.51.100.9")
    trail.call(
        REVOKE - timedelta(minutes=1, seconds=40),
        engineer,
        "ec2.amazonaws.com",
        "DescribeSecurityGroupRules",
        read_only=True,
        request={
            "filterSet": {
                "items": [{"name": "group-id", "valueSet": {"items": [{"value": DB_SG}]}}]
            }
        },
    )
    trail.call(
        REVOKE - timedelta(seconds=50),
        engineer,
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        read_only=False,
        request=_postgres_ingress(
            groups={},
            ip_ranges={"items": [{"cidrIp": "10.0.40.12/32", "description": "bastion"}]},
        ),
        response={"requestId": ids.uuid4(), "_return": True},
    )
    trail.call(
        REVOKE,
        engineer,
        "ec2.amazonaws.com",
        "RevokeSecurityGroupIngress",
        read_only=False,
        request=_postgres_ingress(
            groups={"items": [{"groupId": APP_SG, "description": "orders-web"}]}, ip_ranges={}
        ),
        response={"requestId": ids.uuid4(), "_return": True},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    targets = [
        ec2_instance(ids, "10.0.10.21"),
        ec2_instance(ids, "10.0.11.54"),
        ec2_instance(ids, "10.0.10.130"),
        ec2_instance(ids, "10.0.11.87", start=SCALE_OUT + timedelta(minutes=3, seconds=12)),
    ]
    lb = LoadBalancer(
        "orders-web-alb",
        "8e4f1a2b3c4d5e6f",
        "orders-web-tg",
        "1a2b3c4d5e6f7a8b",
        "orders.example.com",
        ids,
    )
    app = OrdersWeb(ids)
    service = WebService(
        "orders-web",
        lb,
        LogGroup("/app/orders-web"),
        targets,
        app,
        ids,
        origin="AWS::EC2::Instance",
    )
    for at in arrivals(ids.rng, START, END, lambda m: 64):
        roll = ids.rng.random()
        method, path = (
            ("GET", f"/orders/{ids.rng.randint(100000, 999999)}")
            if roll < 0.6
            else ("GET", "/orders/")
            if roll < 0.8
            else ("POST", "/orders/")
        )
        service.request(at, method, path)
    service.write(writer)
    metrics = service.metric_file(minutes(START, END))
    # + the monitoring and migration sessions that are always there
    connections = {m: v + 3 for m, v in mean_by_minute(app.db_sessions).items()}
    metrics.add(
        "AWS/RDS",
        "DatabaseConnections",
        {"DBInstanceIdentifier": "orders-db"},
        connections,
        statistic="Average",
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = service_alarm(
        service,
        "orders-web-target-5xx",
        "Target 5XX on orders-web-alb",
        "HTTPCode_Target_5XX_Count",
        threshold=10.0,
    )
    _findings(writer)
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


BASTION, BASTION_SG = "i-0d3b5a7c9e1f24680", "sg-0e9d8c7b6a5f40312"
PROBER = "198.51.100.23"


def _sg_arn(group: str) -> str:
    return f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:security-group/{group}"


def _inbound_ssh(remote_ip: str, port: int) -> dict[str, Any]:
    """GuardDuty's NETWORK_CONNECTION action: an inbound TCP connection to port 22."""
    return {
        "ActionType": "NETWORK_CONNECTION",
        "NetworkConnectionAction": {
            "Blocked": False,
            "ConnectionDirection": "INBOUND",
            "Protocol": "TCP",
            "LocalPortDetails": {"Port": 22, "PortName": "SSH"},
            "RemotePortDetails": {"Port": port, "PortName": "Unknown"},
            "RemoteIpDetails": {
                "IpAddressV4": remote_ip,
                "Country": {"CountryName": "Netherlands"},
                "Organization": {
                    "Asn": "64511",
                    "AsnOrg": "Example Hosting B.V.",
                    "Isp": "Example Hosting B.V.",
                    "Org": "Example Hosting B.V.",
                },
            },
        },
    }


def _findings(writer: BundleWriter) -> None:
    """What Security Hub and GuardDuty hold at the end of the window. Unrelated to the outage
    (the revoke removed access, it opened nothing): two days earlier someone opened SSH to the
    world on the bastion's security group "for a vendor", and GuardDuty has seen SSH brute
    force against the bastion since; the rest are long-standing control failures."""
    found = FindingsWriter(Ids(seeded_rng(NAME, salt=16)))
    bastion = instance_resource(BASTION, "t3.micro", "ami-0c7217cdde317cfec")
    found.add_control(
        failed_control(
            control="EC2.19",
            resource_id=_sg_arn(BASTION_SG),
            created=utc("2026-03-14T16:42:10.517Z"),
            updated=utc("2026-03-16T04:12:36.208Z"),
        )
    )
    found.add_control(
        failed_control(
            control="EC2.13",
            resource_id=_sg_arn(BASTION_SG),
            created=utc("2026-03-14T16:42:11.093Z"),
            updated=utc("2026-03-16T04:12:36.915Z"),
        )
    )
    found.add_guardduty(
        GuardDutyFinding(
            type="UnauthorizedAccess:EC2/SSHBruteForce",
            severity=2.0,  # GuardDuty's LOW: the instance is the target, not the actor
            title=f"{PROBER} is performing SSH brute force attacks against {BASTION}.",
            description=f"{PROBER} is performing SSH brute force attacks against {BASTION}. "
            "Brute force attacks are used to gain unauthorized access to your instance by "
            "guessing the SSH password.",
            created=utc("2026-03-14T17:20:33.101Z"),
            updated=utc("2026-03-16T09:36:02.477Z"),
            first_seen=utc("2026-03-14T17:05:41Z"),
            last_seen=utc("2026-03-16T09:31:12Z"),
            count=1840,
            resource=bastion,
            action=_inbound_ssh(PROBER, 51234),
        )
    )
    found.add_guardduty(
        GuardDutyFinding(
            type="Recon:EC2/PortProbeUnprotectedPort",
            severity=2.0,
            title=f"Unprotected port on EC2 instance {BASTION} is being probed.",
            description=f"EC2 instance {BASTION} has an unprotected port 22 which is being "
            "probed by a known malicious host.",
            created=utc("2026-03-14T18:02:44.390Z"),
            updated=utc("2026-03-16T08:58:19.004Z"),
            first_seen=utc("2026-03-14T17:51:09Z"),
            last_seen=utc("2026-03-16T08:47:30Z"),
            count=63,
            resource=bastion,
            action={"ActionType": "PORT_PROBE"},
        )
    )
    found.add_control(
        failed_control(
            control="EC2.8",
            resource_id=f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/{BASTION}",
            created=utc("2026-02-02T11:08:27.660Z"),
            updated=utc("2026-03-16T04:15:51.332Z"),
        )
    )
    found.add_control(
        failed_control(
            control="RDS.3",
            resource_id=f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:db:orders-db",
            created=utc("2025-11-04T07:31:02.118Z"),
            updated=utc("2026-03-16T03:58:40.771Z"),
        )
    )
    found.add_control(
        failed_control(
            control="S3.8",
            resource_id=f"arn:aws:s3:::orders-web-static-{ACCOUNT_ID}",
            created=utc("2026-01-20T06:02:15.904Z"),
            updated=utc("2026-03-16T06:02:09.350Z"),
        )
    )
    found.add_control(
        failed_control(
            control="EC2.18",
            resource_id=_sg_arn(APP_SG),
            created=utc("2026-03-03T10:14:52.087Z"),
            updated=utc("2026-03-06T15:40:18.226Z"),
            workflow="RESOLVED",  # port 8000 closed again on the web tier's group
        )
    )
    found.write(writer)


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="orders-web 5XX and slow responses",
        architecture="ALB orders-web-alb -> EC2 Auto Scaling group orders-web-asg (Django + "
        f"gunicorn, security group {APP_SG}) -> RDS for PostgreSQL orders-db (security group "
        f"{DB_SG}, port 5432).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"At 09:18:22 RevokeSecurityGroupIngress removed the rule of the "
            f"database security group {DB_SG} that allowed the web tier ({APP_SG}) on TCP 5432. "
            "Existing pooled connections kept working until recycled; every new connection "
            "times out after 10 s, so requests fail with 500 and the errors ramp up.",
            "categories": ["network", "configuration"],
            "must_mention": [
                ["RevokeSecurityGroupIngress", "security group", DB_SG],
                ["5432", "timed out", "timeout"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "Connection timed out"},
                {"source": "cloudtrail", "contains": "RevokeSecurityGroupIngress"},
            ],
            "red_herrings": [
                "an Auto Scaling scale-out (RunInstances) at 09:10",
                "the bastion AuthorizeSecurityGroupIngress on the same group 50 s before the revoke",
            ],
            "difficulty": "hard",
            "findings": {
                "top_risk": f"SSH (port 22) open to 0.0.0.0/0 on the bastion's security group "
                f"{BASTION_SG} (EC2.19 CRITICAL, EC2.13), with SSH brute force against the "
                f"bastion {BASTION} under way (GuardDuty)",
                "top_risk_matches": [BASTION_SG, BASTION, "EC2.19", "EC2.13"],
            },
        },
        tags=[
            "network",
            "alb",
            "ec2",
            "rds",
            "security-group",
            "logs",
            "cloudtrail",
            "alb-logs",
            "xray",
        ],
    )
