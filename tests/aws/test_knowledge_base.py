"""search_runbooks on AWS: Bedrock knowledge base Retrieve, driven through Stubber with the
response shapes of the Retrieve API reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws.polling import Waiter
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from tests.aws.conftest import make_settings
from tests.aws.stubs import not_authorized

KB_ID = "KB12345678"
RERANKER = "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0"
THROTTLING_CHUNK = (
    "## DynamoDB write throttling\n"
    "When WriteThrottleEvents rise on the orders table, check the table's billing mode and "
    "provisioned WCU before raising Lambda concurrency."
)


def retrieval_result(text: str, uri: str, score: float) -> dict[str, Any]:
    return {
        "content": {"text": text, "type": "TEXT"},
        "location": {"type": "S3", "s3Location": {"uri": uri}},
        "metadata": {
            "x-amz-bedrock-kb-source-uri": uri,
            "x-amz-bedrock-kb-chunk-id": "1%3A0%3AaBcD",
            "x-amz-bedrock-kb-data-source-id": "DS12345678",
        },
        "score": score,
    }


def kb_backend(waiter: Waiter, **overrides: Any) -> AwsBackend:
    settings = make_settings(knowledge_base_id=KB_ID, **overrides)
    return AwsBackend(settings, waiter=waiter, query_timeout_s=30)


def test_retrieve_runs_a_hybrid_search_and_each_result_becomes_a_passage(waiter: Waiter) -> None:
    backend = kb_backend(waiter, knowledge_base_results=3)
    expected = {
        "knowledgeBaseId": KB_ID,
        "retrievalQuery": {"text": "orders table write throttling"},
        "retrievalConfiguration": {
            "vectorSearchConfiguration": {"numberOfResults": 3, "overrideSearchType": "HYBRID"}
        },
    }
    response = {
        "retrievalResults": [
            retrieval_result(THROTTLING_CHUNK, "s3://fa2-runbooks/dynamodb/throttling.md", 0.8123),
            retrieval_result(
                "Raise the alarm's threshold only after a capacity review.",
                "s3://fa2-runbooks/alarms/thresholds.md",
                0.4417,
            ),
        ]
    }
    with Stubber(backend.clients.bedrock_agent_runtime) as stub:
        stub.add_response("retrieve", response, expected)
        result = backend.search_runbooks("orders table write throttling", 3)
    assert backend.capabilities.runbooks is True
    assert result.source == "runbooks"
    assert result.columns == ["source", "heading", "passage", "score"]
    assert result.rows[0][:2] == [
        "s3://fa2-runbooks/dynamodb/throttling.md",
        "DynamoDB write throttling",
    ]
    assert result.passages[1].heading == "thresholds"  # no heading in the chunk: the file name
    assert result.passages[0].score == 0.8123
    assert result.link is not None and f"knowledge-bases/{KB_ID}" in result.link


def test_the_configured_reranker_reranks_the_results(waiter: Waiter) -> None:
    backend = kb_backend(waiter, knowledge_base_reranker_model_arn=RERANKER)
    expected = {
        "knowledgeBaseId": KB_ID,
        "retrievalQuery": {"text": "throttling"},
        "retrievalConfiguration": {
            "vectorSearchConfiguration": {
                "numberOfResults": 5,
                "overrideSearchType": "HYBRID",
                "rerankingConfiguration": {
                    "type": "BEDROCK_RERANKING_MODEL",
                    "bedrockRerankingConfiguration": {
                        "modelConfiguration": {"modelArn": RERANKER},
                        "numberOfRerankedResults": 5,
                    },
                },
            }
        },
    }
    with Stubber(backend.clients.bedrock_agent_runtime) as stub:
        stub.add_response("retrieve", {"retrievalResults": []}, expected)
        result = backend.search_runbooks("throttling", 5)
    assert result.status == "empty"


def test_a_missing_retrieve_permission_names_the_action_to_grant(waiter: Waiter) -> None:
    backend = kb_backend(waiter)
    resource = f"arn:aws:bedrock:us-east-1:123456789012:knowledge-base/{KB_ID}"
    with Stubber(backend.clients.bedrock_agent_runtime) as stub:
        stub.add_client_error(
            "retrieve",
            service_error_code="AccessDeniedException",
            service_message=not_authorized("bedrock:Retrieve", resource),
            http_status_code=403,
        )
        with pytest.raises(TelemetryUnavailableError, match="bedrock:Retrieve"):
            backend.search_runbooks("throttling", 5)


def test_an_unknown_knowledge_base_is_reported_as_a_request_error(waiter: Waiter) -> None:
    backend = kb_backend(waiter)
    with Stubber(backend.clients.bedrock_agent_runtime) as stub:
        stub.add_client_error(
            "retrieve",
            service_error_code="ResourceNotFoundException",
            service_message=f"Knowledge base {KB_ID} does not exist",
            http_status_code=404,
        )
        with pytest.raises(QueryError, match="does not exist"):
            backend.search_runbooks("throttling", 5)


def test_without_a_knowledge_base_the_runbooks_folder_is_searched(
    waiter: Waiter, tmp_path: Path
) -> None:
    (tmp_path / "throttling.md").write_text(
        "# DynamoDB throttling\n\nRaise WCU on the orders table.\n", encoding="utf-8"
    )
    backend = AwsBackend(make_settings(runbooks_dir=tmp_path), waiter=waiter)
    result = backend.search_runbooks("orders throttling", 5)
    assert result.rows[0][0] == f"{tmp_path.name}/throttling.md"


def test_with_neither_there_are_no_runbooks_to_search(waiter: Waiter) -> None:
    backend = AwsBackend(make_settings(), waiter=waiter)
    assert backend.capabilities.runbooks is False
    with pytest.raises(TelemetryUnavailableError, match="knowledge_base_id"):
        backend.search_runbooks("throttling", 5)
