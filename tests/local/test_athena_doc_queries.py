"""The example queries of AWS's Athena documentation ("Query Application Load Balancer logs",
"Query AWS CloudTrail logs"), verbatim but for the table names, give the right answers on the
documented example lines and records."""

from __future__ import annotations


def test_alb_get_requests_per_client_ip(sql) -> None:
    rows = sql(
        "SELECT COUNT(request_verb) AS count, request_verb, client_ip FROM alb_access_logs "
        "GROUP BY request_verb, client_ip LIMIT 100;"
    )
    assert sorted(rows, key=lambda r: r[2] or "") == [
        ["2", "GET", "10.0.0.140"],
        ["1", "GET", "10.0.1.252"],
        ["4", "GET", "192.168.131.39"],
    ]


def test_alb_urls_visited_by_safari_users_is_empty_for_curl_traffic(sql) -> None:
    assert (
        sql("SELECT request_url FROM alb_access_logs WHERE user_agent LIKE '%Safari%' LIMIT 10;")
        == []
    )


def test_alb_records_with_elb_status_5xx(sql) -> None:
    rows = sql("SELECT * FROM alb_access_logs WHERE elb_status_code >= 500")
    assert len(rows) == 1
    assert rows[0][10] == "502"  # elb_status_code, the 11th documented column


def test_alb_parse_datetime_example_with_the_documented_joda_pattern(sql) -> None:
    # The documented pattern ends in an unterminated quote ('Z); Joda reads it as a literal.
    rows = sql(
        "SELECT client_ip, sum(received_bytes) FROM alb_access_logs "
        "WHERE parse_datetime(time,'yyyy-MM-dd''T''HH:mm:ss.SSSSSS''Z') "
        "BETWEEN parse_datetime('2018-11-30-12:00:00','yyyy-MM-dd-HH:mm:ss') "
        "AND parse_datetime('2018-12-01-00:00:00','yyyy-MM-dd-HH:mm:ss') "
        "GROUP BY client_ip;"
    )
    assert rows == [["192.168.131.39", "68"]]


def test_cloudtrail_nested_user_identity_fields(sql) -> None:
    rows = sql(
        "SELECT eventsource, eventname, useridentity.sessioncontext.attributes.creationdate, "
        "useridentity.sessioncontext.sessionissuer.arn FROM cloud_trail_logs "
        "WHERE useridentity.sessioncontext.sessionissuer.arn IS NOT NULL "
        "ORDER BY eventsource, eventname LIMIT 10"
    )
    assert rows == [
        [
            "dynamodb.amazonaws.com",
            "UpdateTable",
            "2026-03-02T09:58:01Z",
            "arn:aws:iam::123456789012:role/OpsRole",
        ],
        [
            "kms.amazonaws.com",
            "Decrypt",
            "2026-03-02T09:40:00Z",
            "arn:aws:iam::123456789012:role/orders-put-role",
        ],
    ]


def test_cloudtrail_cross_join_unnest_resources_by_arn_suffix(sql) -> None:
    rows = sql(
        "SELECT awsregion, replace(unnested.resources_entry.ARN,'arn:aws:s3:::') as s3_resource, "
        "eventname, eventtime, useragent FROM cloud_trail_logs t "
        "CROSS JOIN UNNEST(t.resources) unnested (resources_entry) "
        "WHERE unnested.resources_entry.ARN LIKE '%example/datafile.txt' ORDER BY eventtime"
    )
    assert rows == [
        [
            "us-east-1",
            "DOC-EXAMPLE-BUCKET2/example/datafile.txt",
            "GetObject",
            "2026-03-02T10:06:03Z",
            "curl/8.4.0",
        ]
    ]


def test_cloudtrail_deleted_buckets_with_owner_account(sql) -> None:
    rows = sql(
        "SELECT awsregion, replace(unnested.resources_entry.ARN,'arn:aws:s3:::') as deleted_bucket, "
        "eventtime AS time_deleted, useridentity.username, "
        "unnested.resources_entry.accountid as bucket_acct_id FROM cloud_trail_logs t "
        "CROSS JOIN UNNEST(t.resources) unnested (resources_entry) "
        "WHERE eventname = 'DeleteBucket' ORDER BY eventtime"
    )
    assert rows == [
        ["us-east-1", "DOC-EXAMPLE-BUCKET1", "2026-03-02T10:04:45Z", "Mary_Major", "123456789012"]
    ]


def test_cloudtrail_anonymous_unsigned_requests(sql) -> None:
    rows = sql(
        "SELECT eventid FROM cloud_trail_logs WHERE eventsource = 's3.amazonaws.com' AND "
        "eventname in ('GetObject') AND useridentity.accountid = 'anonymous' AND "
        "useridentity.arn IS NULL AND requestparameters LIKE '%DOC-EXAMPLE-BUCKET2%';"
    )
    assert rows == [["0a1b2c3d-aaaa-bbbb-cccc-EXAMPLE00001"]]


def test_the_configured_database_qualifies_tables_as_in_athena(sql) -> None:
    assert sql("SELECT count(*) FROM aiops_db.alb_access_logs") == [["7"]]
    assert sql('SELECT count(*) FROM "AwsDataCatalog"."aiops_db"."cloud_trail_logs"') == [["5"]]
