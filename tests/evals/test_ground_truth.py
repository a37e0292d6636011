"""A scenario's ground truth names every category it accepts, the primary one first; the
single `category` of older manifests still reads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.telemetry.bundle import GroundTruth

CAUSE = "At 08:12:33 UpdateUsagePlan lowered partners-gold's throttle to 1 request/s."


def test_a_list_of_categories_reads_with_the_first_as_the_primary() -> None:
    truth = GroundTruth.model_validate(
        {"root_cause": CAUSE, "categories": ["capacity", "configuration"]}
    )

    assert truth.categories == ["capacity", "configuration"]
    assert truth.category == "capacity"


def test_the_older_single_category_reads_as_a_list_of_one() -> None:
    truth = GroundTruth.model_validate({"root_cause": CAUSE, "category": "capacity"})

    assert truth.categories == ["capacity"]
    assert truth.category == "capacity"


def test_a_single_category_beside_the_list_must_be_its_primary() -> None:
    same = GroundTruth.model_validate(
        {"root_cause": CAUSE, "category": "capacity", "categories": ["capacity", "configuration"]}
    )
    assert same.categories == ["capacity", "configuration"]

    with pytest.raises(ValidationError, match="must be the first of categories"):
        GroundTruth.model_validate(
            {"root_cause": CAUSE, "category": "configuration", "categories": ["capacity"]}
        )


def test_insufficient_evidence_is_never_one_of_several_categories() -> None:
    with pytest.raises(ValidationError, match="cannot be combined"):
        GroundTruth.model_validate(
            {"root_cause": CAUSE, "categories": ["insufficient-evidence", "network"]}
        )


def test_an_unknown_or_repeated_category_or_an_empty_list_is_refused() -> None:
    for categories in (["capacity", "capacity"], ["throttling"], []):
        with pytest.raises(ValidationError):
            GroundTruth.model_validate({"root_cause": CAUSE, "categories": categories})
