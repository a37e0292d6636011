"""`search_runbooks` on AWS: Bedrock knowledge base Retrieve (hybrid search by default, a
configurable number of results, the optional Bedrock reranker). Each retrieval result is
one passage: its source (the S3 URI or other location), the heading it sits under when the
chunk carries one, and the chunk's text."""

from __future__ import annotations

import re
from typing import Any

from agent.config import KnowledgeSettings
from agent.telemetry.aws.clients import AwsClients
from agent.telemetry.aws.errors import call
from agent.telemetry.base import QueryResult
from agent.telemetry.links import console_base
from agent.telemetry.runbook_index import MAX_PASSAGE_CHARS, match_expression, passages_result
from agent.telemetry.types import RunbookPassage

_HEADING_LINE = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Retrieve answers a location of one of these kinds; each keeps its address under its own key.
_LOCATION_KEYS = {
    "S3": ("s3Location", "uri"),
    "WEB": ("webLocation", "url"),
    "CONFLUENCE": ("confluenceLocation", "url"),
    "SALESFORCE": ("salesforceLocation", "url"),
    "SHAREPOINT": ("sharePointLocation", "url"),
    "KENDRA": ("kendraDocumentLocation", "uri"),
    "CUSTOM": ("customDocumentLocation", "id"),
}


def _source(result: dict[str, Any]) -> str:
    location = result.get("location") or {}
    key, field = _LOCATION_KEYS.get(str(location.get("type")), ("", ""))
    address = (location.get(key) or {}).get(field) if key else None
    metadata = result.get("metadata") or {}
    return str(address or metadata.get("x-amz-bedrock-kb-source-uri") or "knowledge base")


def _heading(text: str, source: str) -> str:
    """The chunk's first markdown heading, else the document's name."""
    match = _HEADING_LINE.search(text)
    if match:
        return match.group(1)
    name = source.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"\.(md|markdown|txt|rst|pdf|html?)$", "", name, flags=re.IGNORECASE) or source


def _passage(result: dict[str, Any]) -> RunbookPassage:
    text = str((result.get("content") or {}).get("text") or "").strip()
    source = _source(result)
    if len(text) > MAX_PASSAGE_CHARS:
        text = text[: MAX_PASSAGE_CHARS - 1] + "…"
    score = result.get("score")
    return RunbookPassage(
        source=source,
        heading=_heading(text, source),
        text=text,
        score=None if score is None else round(float(score), 4),
    )


class KnowledgeBase:
    """Retrieve against one Bedrock knowledge base (read-only: `bedrock:Retrieve`)."""

    def __init__(self, settings: KnowledgeSettings, clients: AwsClients) -> None:
        if not settings.knowledge_base_id:
            raise ValueError("KnowledgeBase needs knowledge_base_id")
        self.settings = settings
        self.knowledge_base_id = settings.knowledge_base_id
        self.clients = clients

    def _configuration(self, max_results: int) -> dict[str, Any]:
        vector: dict[str, Any] = {
            "numberOfResults": max_results,
            "overrideSearchType": self.settings.knowledge_base_search_type,
        }
        if self.settings.knowledge_base_reranker_model_arn:
            vector["rerankingConfiguration"] = {
                "type": "BEDROCK_RERANKING_MODEL",
                "bedrockRerankingConfiguration": {
                    "modelConfiguration": {
                        "modelArn": self.settings.knowledge_base_reranker_model_arn
                    },
                    "numberOfRerankedResults": max_results,
                },
            }
        return {"vectorSearchConfiguration": vector}

    def search(self, query: str, max_results: int) -> QueryResult:
        match_expression(query)  # the same "no words to search for" error as the local index
        region = self.clients.region
        response = call(
            self.clients.bedrock_agent_runtime.retrieve,
            action="bedrock:Retrieve",
            resource=f"arn:aws:bedrock:{region}:*:knowledge-base/{self.knowledge_base_id}",
            service_label="Bedrock knowledge base",
            knowledgeBaseId=self.knowledge_base_id,
            retrievalQuery={"text": query[:1000]},
            retrievalConfiguration=self._configuration(max_results),
        )
        passages = [_passage(r) for r in response.get("retrievalResults") or []]
        link = (
            f"{console_base(region)}/bedrock/home?region={region}"
            f"#/knowledge-bases/{self.knowledge_base_id}"
        )
        result = passages_result(
            f"Retrieve knowledgeBaseId={self.knowledge_base_id}: {query}", passages, link
        )
        return result.model_copy(update={"raw": dict(response)})
