"""Metrics insight: a free-text question about CloudWatch metrics over a period (1–14 days),
answered with cited evidence, the period in the asker's zone and in UTC, and a chart."""

from agent.insight.answer import InsightAnswer, InsightDraft
from agent.insight.period import PeriodError
from agent.insight.run import QuestionError, answer_metrics_question

__all__ = [
    "InsightAnswer",
    "InsightDraft",
    "PeriodError",
    "QuestionError",
    "answer_metrics_question",
]
