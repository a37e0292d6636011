"""`fa2 query resource | config-history`: resource state and configuration history from an
incident bundle's `resources/` and `config/` (the local backend, no AWS).

    fa2 query resource       --bundle DIR SERVICE OPERATION [--param K=V]... [--format json|table]
    fa2 query config-history --bundle DIR RESOURCE_TYPE RESOURCE_ID [--format json|table]

`resource` prints the AWS API response (secret values withheld) by default, `--format
table` the compact table the agent sees; `config-history` prints Config's
`configurationItems` (or, when the bundle has none for the resource, the CloudTrail
`Events` used instead). A call outside the allow-list, a bad parameter or a resource the
bundle holds no snapshot of exits with status 2 and the reason on stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.query_sql import BUNDLE, OutputFormat, _fail, _open, _print_table

if TYPE_CHECKING:
    from agent.telemetry.base import QueryResult

PARAM = typer.Option(
    None,
    "--param",
    "-p",
    help="A parameter by its AWS name, K=V (repeat it; a list parameter takes a,b or repeats)",
)


def _params(pairs: list[str]) -> dict[str, str | list[str]]:
    params: dict[str, str | list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{pair!r} is not K=V", param_hint="--param")
        name = name.strip()
        if name in params:  # repeated: a list
            held = params[name]
            params[name] = [*(held if isinstance(held, list) else [held]), value]
        else:
            params[name] = value
    return params


def resource(
    service: str = typer.Argument(..., help="lambda, elbv2, ec2, iam, sqs, dynamodb, ..."),
    operation: str = typer.Argument(..., help="e.g. GetFunctionConfiguration"),
    param: list[str] | None = PARAM,
    bundle: Path = BUNDLE,
    output: OutputFormat = typer.Option(
        OutputFormat.json, "--format", "-f", help="json (the AWS API response) or table"
    ),
) -> None:
    """Answer one allow-listed describe call from the bundle's resource snapshots."""
    from agent.telemetry.base import QueryError
    from agent.telemetry.resource_catalog import ResourceRequest

    try:
        request = ResourceRequest.build(service, operation, _params(param or []))
    except QueryError as exc:
        _fail(exc.message, code=2)
    backend = _open(bundle)
    result = _answer(lambda: backend.describe_resource(request))
    if output is OutputFormat.json:
        typer.echo(json.dumps((result.raw or {}).get("response"), indent=2, ensure_ascii=False))
        return
    _print_table(result)


def _answer(query: Callable[[], QueryResult]) -> QueryResult:
    from agent.telemetry.base import QueryError, TelemetryUnavailableError

    try:
        return query()
    except QueryError as exc:
        _fail(exc.message, code=2)
    except TelemetryUnavailableError as exc:
        _fail(str(exc))


def config_history(
    resource_type: str = typer.Argument(..., help="e.g. AWS::Lambda::Function"),
    resource_id: str = typer.Argument(..., help="The resource's id or name"),
    bundle: Path = BUNDLE,
    output: OutputFormat = typer.Option(
        OutputFormat.json, "--format", "-f", help="json (the AWS API response) or table"
    ),
) -> None:
    """The resource's AWS Config items over the bundle window, with what each changed."""
    backend = _open(bundle)
    window = backend.bundle.window
    result = _answer(lambda: backend.get_config_history(resource_type, resource_id, window))
    if result.error:
        typer.echo(f"note: {result.error}", err=True)
    if output is OutputFormat.json:
        raw = dict(result.raw or {})
        raw.pop("ConfigUnavailable", None)
        typer.echo(json.dumps(raw, indent=2, ensure_ascii=False))
        return
    _print_table(result)


def register(app: typer.Typer) -> None:
    app.command("resource")(resource)
    app.command("config-history")(config_history)
