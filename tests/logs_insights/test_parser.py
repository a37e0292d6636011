"""The parser on its own: the syntax tree it builds and the errors it reports (position and
what was expected, like AWS's MalformedQueryException)."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local.logs_insights import ast, parse_query


def test_pipeline_of_commands():
    query = parse_query(
        "fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 20"
    )

    assert [type(c).__name__ for c in query.commands] == [
        "FieldsCmd",
        "FilterCmd",
        "SortCmd",
        "LimitCmd",
    ]
    sort = query.commands[2]
    assert isinstance(sort, ast.SortCmd)
    assert sort.keys[0].descending


def test_sort_defaults_to_ascending():
    sort = parse_query("sort @timestamp").commands[0]

    assert isinstance(sort, ast.SortCmd)
    assert not sort.keys[0].descending


def test_division_and_regex_are_told_apart():
    fields, flt = parse_query(
        "fields bytes / 1024 / 2 as kb | filter @message like /a\\/b/"
    ).commands

    assert isinstance(fields, ast.FieldsCmd)
    assert isinstance(fields.items[0].expr, ast.Binary)
    assert isinstance(flt, ast.FilterCmd)
    assert isinstance(flt.condition, ast.Match)
    assert flt.condition.pattern == ast.Regex("a/b", flt.condition.pattern.pos)


def test_parse_regex_right_after_the_field():
    parse = parse_query("parse @message /(?<user>\\w+) logged in/").commands[0]

    assert isinstance(parse, ast.ParseCmd)
    assert parse.names == ("user",)


def test_unaliased_projection_is_named_by_its_text():
    stats = parse_query("stats count(*), pct(@duration, 95) by bin(5m)").commands[0]

    assert isinstance(stats, ast.StatsCmd)
    assert [a.name for a in stats.aggregates] == ["count(*)", "pct(@duration, 95)"]
    assert [g.name for g in stats.groups] == ["bin(5m)"]


def test_keywords_and_commands_are_case_insensitive():
    query = parse_query(
        "FIELDS a AS b | FILTER b LIKE /x/ AND NOT c IN [1] | STATS count(*) BY b | SORT b DESC"
    )

    assert len(query.commands) == 4


def test_strings_take_single_or_double_quotes_with_escapes():
    flt = parse_query('filter a = \'it\\\'s\' or b = "say \\"hi\\""').commands[0]

    assert isinstance(flt, ast.FilterCmd)
    assert isinstance(flt.condition, ast.Binary)
    assert flt.condition.left == ast.Binary("=", ast.Field("a", 7), ast.Str("it's", 11), 9)


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("", None, "the query is empty"),
        ("fields", 6, "expected a field or expression but found the end of the query"),
        ("fileds @message", 0, "expected a command (fields, display, filter"),
        ("fields @message | | limit 5", 18, "expected a command"),
        ("filter @message like 5", 21, 'expected a "string" or /regex/ to match'),
        ("filter (a = 1", 13, "expected ')'"),
        ("stats count(* by x", 14, "expected ',' or ')' to close count("),
        ("limit ten", 6, "expected a number of rows after limit"),
        ("limit 0", 6, "limit must be a whole number from 1 to 10000"),
        ('fields "open', 7, "string starting here is not closed"),
        ("filter @message like /open", 21, "regular expression starting here is not closed"),
        ("fields `open", 7, "backticked field name is not closed"),
        ("fields a ~ b", 9, "unexpected character '~'"),
        ("filter a not b", 9, "expected '|' or the end of the query after the filter command"),
        ("filter a = 1 not like 'x'", 13, "expected '|' or the end of the query after the filter"),
        ("unnest items", 12, "expected 'into' and the name of the new field"),
        ("fields a b", 9, "expected ',', '|' or the end of the query after the fields command"),
        ("display", 7, "expected a field to display"),
        ("filter", 6, "expected a condition after filter"),
        ("stats by x", 6, "expected an aggregation such as count(*)"),
        ("sort", 4, "expected a field to sort by"),
        ("parse @message as x", 15, "expected a glob string or /regex/ to parse with"),
        ('parse @message "a=*"', 20, "expected 'as' and 1 field name(s)"),
        ("dedup count(*)", 11, "expected ',', '|' or the end of the query after the dedup command"),
        ("pattern", 7, "expected a field to find patterns in"),
    ],
)
def test_malformed_queries_name_the_position_and_what_was_expected(query, position, expected):
    with pytest.raises(QueryError) as error:
        parse_query(query)

    assert expected in str(error.value)
    assert error.value.position == position


def test_error_position_counts_lines_and_columns():
    with pytest.raises(QueryError, match="line 3, column 9: expected a number of rows"):
        parse_query("fields @message\n| sort @timestamp desc\n| limit many")


@pytest.mark.parametrize(
    "command", ["anomaly", "diff", "filterIndex", "unmask", "lookup", "SOURCE"]
)
def test_aws_commands_this_engine_lacks_are_named_unsupported(command):
    with pytest.raises(QueryError, match=f"the '{command}' command is not supported"):
        parse_query(f"fields @message | {command} x")
