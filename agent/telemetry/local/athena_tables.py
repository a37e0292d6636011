"""The two Athena tables of a bundle, built in DuckDB with the columns and types of AWS's
documented DDL (Athena User Guide: "Create the table for ALB access logs" and "Create the
table for CloudTrail logs ... using partition projection").

ALB lines are split by the rules of the documented RegexSerDe `input.regex` (see
`alb_select_sql` for why not by the regex itself); like Hive's RegexSerDe, a numeric field
that does not parse is NULL, a string field keeps its text (`-` stays `-`), and a line that
does not fit becomes a row of NULLs. One deviation, so that newer ALB log lines stay
readable: fields appended after `conn_trace_id` are tolerated (AWS's regex would null the
whole line).

CloudTrail files (`{"Records": [...]}`) are read by DuckDB's JSON reader; the struct columns
are built from the record's documented camelCase keys (Athena's JSON SerDe matches keys
case-insensitively), and `requestparameters` / `responseelements` / `additionaleventdata` /
`serviceeventdetails` / `edgedevicedetails` hold the JSON text, as in Athena.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from agent.telemetry.local.scan_cache import CachedScan

from sqlglot import exp

# (column, Athena/Hive type) in DDL order, ending in conn_trace_id (the "traceability ID").
ALB_COLUMNS: list[tuple[str, str]] = [
    ("type", "string"),
    ("time", "string"),
    ("elb", "string"),
    ("client_ip", "string"),
    ("client_port", "int"),
    ("target_ip", "string"),
    ("target_port", "int"),
    ("request_processing_time", "double"),
    ("target_processing_time", "double"),
    ("response_processing_time", "double"),
    ("elb_status_code", "int"),
    ("target_status_code", "string"),
    ("received_bytes", "bigint"),
    ("sent_bytes", "bigint"),
    ("request_verb", "string"),
    ("request_url", "string"),
    ("request_proto", "string"),
    ("user_agent", "string"),
    ("ssl_cipher", "string"),
    ("ssl_protocol", "string"),
    ("target_group_arn", "string"),
    ("trace_id", "string"),
    ("domain_name", "string"),
    ("chosen_cert_arn", "string"),
    ("matched_rule_priority", "string"),
    ("request_creation_time", "string"),
    ("actions_executed", "string"),
    ("redirect_url", "string"),
    ("lambda_error_reason", "string"),
    ("target_port_list", "string"),
    ("target_status_code_list", "string"),
    ("classification", "string"),
    ("classification_reason", "string"),
    ("conn_trace_id", "string"),
]

# AWS's documented input.regex for the columns above: the reference the loader follows
# (tests check the loader against it line by line).
ALB_INPUT_REGEX = (
    r"([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) "
    r"([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"([^ ]*) (.*) (- |[^ ]*)\" "
    r"\"([^\"]*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" "
    r"\"([^\"]*)\" ([-.0-9]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^ ]*)\" \"([^\s]+?)\" "
    r"\"([^\s]+)\" \"([^ ]*)\" \"([^ ]*)\" ?([^ ]*)?"
)

_DUCKDB_TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE"}


def _sql_string(value: str) -> str:
    """A DuckDB string literal, quoted by sqlglot (bundle file names are untrusted)."""
    return exp.Literal.string(value).sql(dialect="duckdb")


def _file_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(_sql_string(str(p)) for p in paths) + "]"


# The fields of an ALB line in log order (quoted ones are read without their quotes).
# "client:port", "target:port" and "request" are split into the DDL's columns below.
_ALB_LOG_FIELDS = [
    "type",
    "time",
    "elb",
    "client",
    "target",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "lambda_error_reason",
    "target_port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
]
_ALB_EXTRA_FIELDS = 8  # room for fields ALB appends after conn_trace_id (ignored)


def _before_last(field: str, sep: str) -> str:
    return f"{field}[1:length({field}) - strpos(reverse({field}), '{sep}')]"


def _after_last(field: str, sep: str) -> str:
    return f"{field}[length({field}) - strpos(reverse({field}), '{sep}') + 2:]"


# The composite fields split as the documented regex splits them, with string functions
# (`([^ ]*):([0-9]*)` -> at the last ':'; `"([^ ]*) (.*) (- |[^ ]*)"` -> first and last space).
_SPLIT_COLUMNS = {
    "client_ip": _before_last("client", ":"),
    "client_port": _after_last("client", ":"),
    "target_ip": f"CASE WHEN target = '-' THEN '' ELSE {_before_last('target', ':')} END",
    "target_port": f"CASE WHEN target = '-' THEN '' ELSE {_after_last('target', ':')} END",
    "request_verb": "request_parts[1]",
    "request_url": "array_to_string(request_parts[2:-2], ' ')",
    "request_proto": "request_parts[-1]",
    # The regex's optional last group matches the empty string when the field is absent.
    "conn_trace_id": "coalesce(conn_trace_id, '')",
}


def alb_select_sql(paths: Sequence[Path]) -> str:
    """One SELECT that reads the ALB files and yields the documented columns.

    Speed: RE2 with the documented 34-group regex needs its slow NFA engine (~16 s per
    million lines on 2 cores), so lines are split as space-separated, double-quoted fields
    by DuckDB's parallel CSV reader, and the composite fields are split by the regex's own
    rules. A line with fewer fields than `classification_reason`, or a request without its
    two spaces, becomes a row of NULLs, as a line the regex does not match does in Athena.
    """
    log_columns = [*_ALB_LOG_FIELDS, *(f"extra_{i}" for i in range(_ALB_EXTRA_FIELDS))]
    columns_spec = "{" + ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in log_columns) + "}"
    cells = []
    for name, athena_type in ALB_COLUMNS:
        raw = f"CASE WHEN matched THEN {_SPLIT_COLUMNS.get(name, name)} END"
        if athena_type == "string":
            cells.append(f"{raw} AS {name}")
        else:
            cells.append(f"TRY_CAST({raw} AS {_DUCKDB_TYPES[athena_type]}) AS {name}")
    if paths:
        source = (
            f"read_csv({_file_list(paths)}, columns = {columns_spec}, header = false,"
            f" delim = ' ', quote = '\"', escape = '\"', auto_detect = false,"
            f" null_padding = true, strict_mode = false, all_varchar = true)"
        )
    else:  # no ALB files: an empty table that still has the documented columns
        source = (
            "(SELECT "
            + ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in log_columns)
            + " LIMIT 0)"
        )
    return (
        f"SELECT {', '.join(cells)} FROM ("
        # `request LIKE '% % %'` is `len(request_parts) >= 3` without splitting every
        # request: the split then runs only for a query that reads the request columns.
        f"  SELECT *, classification_reason IS NOT NULL AND request LIKE '% % %'"
        f"         AND strpos(client, ':') > 0 AS matched"
        f"  FROM (SELECT *, string_split(request, ' ') AS request_parts FROM {source})"
        f")"
    )


@dataclass(frozen=True)
class Field:
    """One column (or struct field) of the CloudTrail DDL: Athena type and the JSON key."""

    name: str
    athena_type: str  # "string" | "struct" | "array<struct>" | "map<string,string>" | "json-string"
    key: str
    fields: tuple[Field, ...] = ()


def _s(name: str, key: str) -> Field:
    return Field(name, "string", key)


def _j(name: str, key: str) -> Field:
    return Field(name, "json-string", key)


def _struct(name: str, key: str, *fields: Field) -> Field:
    return Field(name, "struct", key, fields)


_SESSION_ISSUER = _struct(
    "sessionissuer",
    "sessionIssuer",
    _s("type", "type"),
    _s("principalid", "principalId"),
    _s("arn", "arn"),
    _s("accountid", "accountId"),
    _s("username", "userName"),
)

CLOUDTRAIL_FIELDS: tuple[Field, ...] = (
    _s("eventversion", "eventVersion"),
    _struct(
        "useridentity",
        "userIdentity",
        _s("type", "type"),
        _s("principalid", "principalId"),
        _s("arn", "arn"),
        _s("accountid", "accountId"),
        _s("invokedby", "invokedBy"),
        _s("accesskeyid", "accessKeyId"),
        _s("username", "userName"),
        _struct(
            "onbehalfof",
            "onBehalfOf",
            _s("userid", "userId"),
            _s("identitystorearn", "identityStoreArn"),
        ),
        _struct(
            "sessioncontext",
            "sessionContext",
            _struct(
                "attributes",
                "attributes",
                _s("mfaauthenticated", "mfaAuthenticated"),
                _s("creationdate", "creationDate"),
            ),
            _SESSION_ISSUER,
            _s("ec2roledelivery", "ec2RoleDelivery"),
            _struct(
                "webidfederationdata",
                "webIdFederationData",
                _s("federatedprovider", "federatedProvider"),
                Field("attributes", "map<string,string>", "attributes"),
            ),
        ),
    ),
    _s("eventtime", "eventTime"),
    _s("eventsource", "eventSource"),
    _s("eventname", "eventName"),
    _s("awsregion", "awsRegion"),
    _s("sourceipaddress", "sourceIPAddress"),
    _s("useragent", "userAgent"),
    _s("errorcode", "errorCode"),
    _s("errormessage", "errorMessage"),
    _j("requestparameters", "requestParameters"),
    _j("responseelements", "responseElements"),
    _j("additionaleventdata", "additionalEventData"),
    _s("requestid", "requestID"),
    _s("eventid", "eventID"),
    _s("readonly", "readOnly"),
    Field(
        "resources",
        "array<struct>",
        "resources",
        (_s("arn", "ARN"), _s("accountid", "accountId"), _s("type", "type")),
    ),
    _s("eventtype", "eventType"),
    _s("apiversion", "apiVersion"),
    _s("recipientaccountid", "recipientAccountId"),
    _j("serviceeventdetails", "serviceEventDetails"),
    _s("sharedeventid", "sharedEventID"),
    _s("vpcendpointid", "vpcEndpointId"),
    _s("vpcendpointaccountid", "vpcEndpointAccountId"),
    _s("eventcategory", "eventCategory"),
    _struct(
        "addendum",
        "addendum",
        _s("reason", "reason"),
        _s("updatedfields", "updatedFields"),
        _s("originalrequestid", "originalRequestID"),
        _s("originaleventid", "originalEventID"),
    ),
    _s("sessioncredentialfromconsole", "sessionCredentialFromConsole"),
    _j("edgedevicedetails", "edgeDeviceDetails"),
    _struct(
        "tlsdetails",
        "tlsDetails",
        _s("tlsversion", "tlsVersion"),
        _s("ciphersuite", "cipherSuite"),
        _s("clientprovidedhostheader", "clientProvidedHostHeader"),
    ),
)


def athena_type(field: Field) -> str:
    """The Hive DDL type of a CloudTrail column, e.g. `struct<type:string,...>`."""
    if field.athena_type in ("string", "json-string"):
        return "string"
    if field.athena_type == "map<string,string>":
        return "map<string,string>"
    inner = "struct<" + ",".join(f"{f.name}:{athena_type(f)}" for f in field.fields) + ">"
    return f"array<{inner}>" if field.athena_type == "array<struct>" else inner


def _json_path(parent: str, key: str) -> str:
    return f"json_extract({parent}, {_sql_string('$.' + key)})"


def _expression(field: Field, parent: str) -> str:
    """DuckDB expression for `field` inside the JSON value `parent`."""
    node = _json_path(parent, field.key)
    if field.athena_type == "string":
        # JSON scalars as text (true -> 'true'); objects and arrays keep their JSON text.
        return f"json_extract_string({parent}, {_sql_string('$.' + field.key)})"
    if field.athena_type == "json-string":
        return f"CAST(NULLIF(CAST({node} AS VARCHAR), 'null') AS VARCHAR)"
    if field.athena_type == "map<string,string>":
        return f"CAST(json_transform({node}, '\"MAP(VARCHAR, VARCHAR)\"') AS MAP(VARCHAR, VARCHAR))"
    if field.athena_type == "struct":
        packed = ", ".join(f"{f.name} := {_expression(f, node)}" for f in field.fields)
        return f"CASE WHEN json_type({node}) = 'OBJECT' THEN struct_pack({packed}) END"
    packed = ", ".join(f"{f.name} := {_expression(f, 'r')}" for f in field.fields)
    return (
        f"CASE WHEN json_type({node}) = 'ARRAY' THEN "
        f"list_transform(CAST({node} AS JSON[]), lambda r: struct_pack({packed})) END"
    )


def cloudtrail_select_sql(paths: Sequence[Path]) -> str:
    """One SELECT that reads CloudTrail files and yields the documented columns."""
    cells = ", ".join(f"{_expression(f, 'rec')} AS {f.name}" for f in CLOUDTRAIL_FIELDS)
    if paths:
        source = (
            f"SELECT unnest(Records) AS rec FROM read_json({_file_list(paths)},"
            f" columns = {{'Records': 'JSON[]'}}, format = 'auto', maximum_object_size = 1073741824)"
        )
    else:  # no CloudTrail files: an empty table that still has the documented columns
        source = "SELECT CAST(NULL AS JSON) AS rec LIMIT 0"
    return f"SELECT {cells} FROM ({source})"


def cloudtrail_columns() -> list[tuple[str, str]]:
    return [(f.name, athena_type(f)) for f in CLOUDTRAIL_FIELDS]


def _describe(time_column: str) -> Callable[[duckdb.DuckDBPyConnection, CachedScan], dict]:
    """How a cached table is described: its rows and time span (ISO strings sort)."""

    def describe(con: duckdb.DuckDBPyConnection, entry: CachedScan) -> dict:
        row = con.execute(
            f"SELECT count(*), min({time_column}), max({time_column}) FROM {entry.relation()}"
        ).fetchone()
        rows, first, last = row if row else (0, None, None)
        return {"rows": rows, "first": first, "last": last, "time_column": time_column}

    return describe


describe_alb = _describe("time")
describe_cloudtrail = _describe("eventtime")
