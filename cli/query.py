"""`fa2 query ...`: run one query of each kind against a bundle (or AWS), print AWS-shaped JSON
or a table. Logs Insights lives in `query_logs`, Metrics Insights in `query_metrics`, the others in
`query_sql`."""

from __future__ import annotations

import typer

from cli import query_logs, query_metrics, query_resources, query_sql


def register(app: typer.Typer) -> None:
    query_app = typer.Typer(
        help="Run one telemetry query (Logs Insights, Athena SQL, X-Ray, metrics, Metrics Insights, resources).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    query_logs.register(query_app)
    query_sql.register(query_app)
    query_metrics.register(query_app)
    query_resources.register(query_app)
    app.add_typer(query_app, name="query")
