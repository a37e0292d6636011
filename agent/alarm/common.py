"""What every alarm parser shares: the error type, strict field readers, AWS time formats,
region names, and the analysis window around the state change."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.config import Settings
from agent.incident import MetricDimension, MetricSpec, TimeRange, as_utc

ALARM_STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")

# What the SNS notification writes in `Region` (the console's long names, old and new
# spellings) mapped to region codes. From botocore's endpoints data plus the legacy
# "EU - Ireland" style that older notifications still carry.
REGION_NAMES: dict[str, str] = {
    "africa (cape town)": "af-south-1",
    "asia pacific (hong kong)": "ap-east-1",
    "asia pacific (taipei)": "ap-east-2",
    "asia pacific (tokyo)": "ap-northeast-1",
    "asia pacific (seoul)": "ap-northeast-2",
    "asia pacific (osaka)": "ap-northeast-3",
    "asia pacific (mumbai)": "ap-south-1",
    "asia pacific (hyderabad)": "ap-south-2",
    "asia pacific (singapore)": "ap-southeast-1",
    "asia pacific (sydney)": "ap-southeast-2",
    "asia pacific (jakarta)": "ap-southeast-3",
    "asia pacific (melbourne)": "ap-southeast-4",
    "asia pacific (malaysia)": "ap-southeast-5",
    "asia pacific (new zealand)": "ap-southeast-6",
    "asia pacific (thailand)": "ap-southeast-7",
    "canada (central)": "ca-central-1",
    "canada west (calgary)": "ca-west-1",
    "europe (frankfurt)": "eu-central-1",
    "europe (zurich)": "eu-central-2",
    "europe (stockholm)": "eu-north-1",
    "europe (milan)": "eu-south-1",
    "europe (spain)": "eu-south-2",
    "europe (ireland)": "eu-west-1",
    "europe (london)": "eu-west-2",
    "europe (paris)": "eu-west-3",
    "israel (tel aviv)": "il-central-1",
    "middle east (uae)": "me-central-1",
    "middle east (bahrain)": "me-south-1",
    "mexico (central)": "mx-central-1",
    "south america (sao paulo)": "sa-east-1",
    "south america (são paulo)": "sa-east-1",
    "us east (n. virginia)": "us-east-1",
    "us east (ohio)": "us-east-2",
    "us west (n. california)": "us-west-1",
    "us west (oregon)": "us-west-2",
    "china (beijing)": "cn-north-1",
    "china (ningxia)": "cn-northwest-1",
    "aws govcloud (us-east)": "us-gov-east-1",
    "aws govcloud (us-west)": "us-gov-west-1",
    # legacy spellings seen in older notifications
    "eu - ireland": "eu-west-1",
    "eu (ireland)": "eu-west-1",
    "eu (frankfurt)": "eu-central-1",
    "eu (london)": "eu-west-2",
    "eu (paris)": "eu-west-3",
    "eu (stockholm)": "eu-north-1",
    "us - n. virginia": "us-east-1",
    "us standard": "us-east-1",
}

_REGION_CODE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$")

# The datapoint stamp inside a threshold reason: "[12.0 (02/03/26 10:16:00)]" is dd/MM/yy UTC.
_REASON_DATAPOINT = re.compile(r"\((\d{2})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})\)")


class AlarmParseError(ValueError):
    """The input is not an alarm we can investigate: names the field and what was expected."""

    def __init__(self, kind: str, field: str, expected: str, got: Any = None) -> None:
        self.kind = kind
        self.field = field
        self.expected = expected
        self.got = got
        shown = "" if got is None else f"; got {_preview(got)}"
        super().__init__(f"{kind}: field '{field}': expected {expected}{shown}")


def _preview(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Fields:
    """Strict readers over one JSON object, so each error names the full field path."""

    def __init__(self, data: Any, kind: str, path: str = "") -> None:
        if not isinstance(data, dict):
            raise AlarmParseError(kind, path or "(top level)", "a JSON object", type(data).__name__)
        self.data: dict[str, Any] = data
        self.kind = kind
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise AlarmParseError(self.kind, self.name(key), "a non-empty string", value)
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise AlarmParseError(self.kind, self.name(key), "a string", value)
        return value

    def optional_number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AlarmParseError(self.kind, self.name(key), "a number", value)
        return float(value)

    def optional_int(self, key: str) -> int | None:
        value = self.optional_number(key)
        if value is None:
            return None
        if value != int(value) or value <= 0:
            raise AlarmParseError(
                self.kind, self.name(key), "a positive whole number of seconds", value
            )
        return int(value)

    def optional_bool(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise AlarmParseError(self.kind, self.name(key), "true or false", value)
        return value

    def state(self, key: str) -> str:
        value = self.text(key)
        if value not in ALARM_STATES:
            raise AlarmParseError(
                self.kind, self.name(key), "one of " + ", ".join(ALARM_STATES), value
            )
        return value

    def time(self, key: str) -> datetime:
        return parse_aws_time(self.data.get(key), self.kind, self.name(key))

    def child(self, key: str) -> Fields:
        return Fields(self.data.get(key), self.kind, self.name(key))

    def optional_child(self, key: str) -> Fields | None:
        return self.child(key) if self.has(key) else None

    def items(self, key: str) -> list[Fields]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise AlarmParseError(self.kind, self.name(key), "a list", type(value).__name__)
        return [Fields(item, self.kind, f"{self.name(key)}[{i}]") for i, item in enumerate(value)]


# Times an alarm can carry: the analysis window around them (hours to days) and epoch-second
# APIs must stay computable. Year 9999 or 0001 overflowed `datetime` when the window was built.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
_TIME_EXPECTED = "an ISO 8601 time such as 2026-03-02T10:17:00.000+0000"


def parse_aws_time(value: Any, kind: str, field: str) -> datetime:
    """ISO 8601 as AWS writes it: `2026-03-02T10:17:00.000+0000`, `...Z`, `...+00:00`."""
    if isinstance(value, datetime):
        parsed = as_utc(value)
    elif not isinstance(value, str) or not value.strip():
        raise AlarmParseError(kind, field, _TIME_EXPECTED, value)
    else:
        try:
            parsed = as_utc(datetime.fromisoformat(value.strip()))
        except (ValueError, OverflowError) as exc:
            raise AlarmParseError(kind, field, _TIME_EXPECTED, value) from exc
    if not EARLIEST_TIME <= parsed <= LATEST_TIME:
        raise AlarmParseError(
            kind,
            field,
            f"a time between {EARLIEST_TIME.year} and {LATEST_TIME.year} "
            "(e.g. 2026-03-02T10:17:00.000+0000)",
            value,
        )
    return parsed


def datapoint_time_from_reason(reason: str | None) -> datetime | None:
    """The last datapoint stamp a threshold reason quotes, e.g. `(02/03/26 10:16:00)`."""
    if not reason:
        return None
    stamps = _REASON_DATAPOINT.findall(reason)
    if not stamps:
        return None
    day, month, year, hour, minute, second = (int(part) for part in stamps[-1])
    try:
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def region_code(name: str | None) -> str | None:
    """`us-east-1` from a code or from the long name an SNS notification carries."""
    if not name:
        return None
    text = name.strip()
    if _REGION_CODE.match(text):
        return text
    return REGION_NAMES.get(text.lower(), text)


def parse_alarm_arn(arn: str | None) -> tuple[str, str, str] | None:
    """(region, account, alarm name) from a CloudWatch alarm ARN."""
    if not arn:
        return None
    match = _ARN_REGION.match(arn)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def dimensions_from_pairs(items: list[Fields]) -> list[MetricDimension]:
    """SNS writes `{"name": ..., "value": ...}`, the API writes `Name`/`Value`: accept both."""
    dims = []
    for item in items:
        name_key = "name" if item.has("name") else "Name"
        value_key = "value" if item.has("value") else "Value"
        dims.append(MetricDimension(name=item.text(name_key), value=item.text(value_key)))
    return dims


@dataclass(frozen=True)
class MetricQuerySpelling:
    """How an alarm format spells one metric data query: SNS as the CloudWatch API does
    (`MetricStat`, `MetricName`), EventBridge in camelCase (`metricStat`, the metric's `name`)."""

    id: str
    expression: str
    label: str
    return_data: str
    metric_stat: str
    metric: str
    namespace: str
    metric_name: str
    dimensions: str
    stat: str
    period: str


API_SPELLING = MetricQuerySpelling(
    "Id", "Expression", "Label", "ReturnData", "MetricStat", "Metric", "Namespace", "MetricName",
    "Dimensions", "Stat", "Period",
)  # fmt: skip
EVENTBRIDGE_SPELLING = MetricQuerySpelling(
    "id", "expression", "label", "returnData", "metricStat", "metric", "namespace", "name",
    "dimensions", "stat", "period",
)  # fmt: skip


def metric_query(item: Fields, keys: MetricQuerySpelling) -> MetricSpec:
    """One metric data query of an alarm: an expression, or a metric stat over one metric."""
    spec = MetricSpec(
        id=item.optional_text(keys.id),
        expression=item.optional_text(keys.expression),
        label=item.optional_text(keys.label),
        return_data=item.optional_bool(keys.return_data, default=True),
    )
    stat = item.optional_child(keys.metric_stat)
    if stat is None:
        if spec.expression is None:
            expected = f"an {keys.expression} or a {keys.metric_stat}"
            raise AlarmParseError(item.kind, item.name(keys.expression), expected)
        return spec
    metric = stat.child(keys.metric)
    spec.namespace = metric.text(keys.namespace)
    spec.metric_name = metric.text(keys.metric_name)
    spec.dimensions = _dimensions(metric, keys.dimensions)
    spec.statistic = stat.text(keys.stat)
    spec.period = stat.optional_int(keys.period)
    return spec


def _dimensions(metric: Fields, key: str) -> list[MetricDimension]:
    """Name/value pairs (SNS, the API) or one object of name: value (EventBridge)."""
    if isinstance(metric.data.get(key), dict):
        table = metric.child(key)
        return [MetricDimension(name=name, value=table.text(name)) for name in table.data]
    return dimensions_from_pairs(metric.items(key))


def analysis_window(at: datetime, settings: Settings) -> TimeRange:
    """The default window: `window_before_minutes` before the state change to `window_after_minutes` after."""
    at = as_utc(at)
    return TimeRange(
        start=at - timedelta(minutes=settings.telemetry.window_before_minutes),
        end=at + timedelta(minutes=settings.telemetry.window_after_minutes),
    )


def checked_window(start: datetime, end: datetime, max_hours: int, kind: str) -> TimeRange:
    """An explicit range: end after start, and no longer than `max_hours`."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise AlarmParseError(
            kind, "end", f"a time after start ({start.isoformat()})", end.isoformat()
        )
    if end - start > timedelta(hours=max_hours):
        hours = (end - start).total_seconds() / 3600
        raise AlarmParseError(
            kind, "end", f"a range of at most {max_hours} h (max_window_hours)", f"{hours:.1f} h"
        )
    return TimeRange(start=start, end=end)


def alarm_title(name: str, state: str | None) -> str:
    return f"{name} in {state}" if state else name


# A file saved as "UTF-8 with BOM" (Windows editors) starts with U+FEFF when read as UTF-8.
BOM = "\ufeff"


def json_loads(text: str) -> Any:
    """`json.loads` for untrusted payloads: a document nested too deeply for the parser (a
    pasted message or a request body can nest thousands of levels) is a `JSONDecodeError`
    like any other malformed JSON, not a `RecursionError`."""
    try:
        return json.loads(text.lstrip(BOM))
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
