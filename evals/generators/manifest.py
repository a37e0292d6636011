"""incident.yaml for a scenario: the alarm as its SNS notification states it, the window,
the Athena names and the ground truth."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from evals.generators.common import ACCOUNT_ID, REGION

COMPARISON_WORDS = {
    "GreaterThanThreshold": "greater than",
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


def alarm(
    name: str,
    description: str,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    threshold: float,
    datapoint: float,
    fired: datetime,
    statistic: str = "SUM",
    period: int = 60,
    comparison: str = "GreaterThanThreshold",
) -> dict[str, Any]:
    """The keys of the CloudWatch alarm SNS notification for a single-metric alarm."""
    return {
        "AlarmName": name,
        "AlarmDescription": description,
        "AWSAccountId": ACCOUNT_ID,
        "NewStateValue": "ALARM",
        "NewStateReason": (
            f"Threshold Crossed: 1 datapoint [{datapoint!r}] was "
            f"{COMPARISON_WORDS[comparison]} the threshold ({threshold!r})."
        ),
        "StateChangeTime": fired.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Region": REGION,
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}",
        "OldStateValue": "OK",
        "Trigger": {
            "MetricName": metric,
            "Namespace": namespace,
            "StatisticType": "Statistic",
            "Statistic": statistic,
            "Unit": None,
            "Dimensions": [{"value": v, "name": k} for k, v in dimensions.items()],
            "Period": period,
            "EvaluationPeriods": 1,
            "ComparisonOperator": comparison,
            "Threshold": threshold,
            "TreatMissingData": "missing",
        },
    }


def manifest(
    *,
    title: str,
    architecture: str,
    alarm: dict[str, Any],
    start: datetime,
    end: datetime,
    ground_truth: dict[str, Any],
    tags: list[str],
    version: int = 1,
) -> dict[str, Any]:
    """incident.yaml; `version` 2 for a bundle whose evidence needs resources/ or config/."""
    return {
        "version": version,
        "title": title,
        "architecture": architecture,
        "alarm": alarm,
        "window": {
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "athena": {
            "database": "aiops_db",
            "alb_table": "alb_access_logs",
            "cloudtrail_table": "cloud_trail_logs",
        },
        "ground_truth": ground_truth,
        "tags": tags,
    }


def readme_beside(module_file: str) -> str:
    """A scenario's README is the markdown file next to its generator module."""
    return Path(module_file).with_suffix(".md").read_text(encoding="utf-8")


def first_breach(
    values: dict[datetime, float], threshold: float, *, above: bool = True
) -> tuple[datetime, float]:
    """The alarm's state change: the first one-minute datapoint beyond the threshold, and
    the time the alarm evaluates it (the end of that minute)."""
    for minute in sorted(values):
        value = values[minute]
        if (value > threshold) if above else (value < threshold):
            return minute + timedelta(minutes=1), value
    raise ValueError(f"no datapoint crosses the threshold {threshold}; the scenario is wrong")


def alarm_on(
    values: dict[datetime, float],
    name: str,
    description: str,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    threshold: float,
    statistic: str = "SUM",
    digits: int | None = None,
) -> dict[str, Any]:
    """The alarm on a one-minute series as it fired (see first_breach), reporting the
    breaching minute's value, rounded to `digits` when given."""
    fired, value = first_breach(values, threshold)
    return alarm(
        name,
        description,
        namespace=namespace,
        metric=metric,
        dimensions=dimensions,
        threshold=threshold,
        datapoint=value if digits is None else round(value, digits),
        fired=fired,
        statistic=statistic,
    )
