"""The citation check agrees with hand labels on claims from real reports (the calibration
set in citation_cases.json; `python -m evals.calibration` prints the disagreements)."""

from __future__ import annotations

from evals.calibration import agreement, load_cases, run

AGREEMENT_FLOOR = 0.95


def test_the_calibration_set_holds_enough_labelled_cases_of_every_kind() -> None:
    cases = load_cases().cases

    assert len(cases) >= 40
    assert len({c.id for c in cases}) == len(cases)
    assert all(c.why.strip() and c.evidence_ids for c in cases)
    origins = " ".join(c.origin for c in cases)
    assert "baseline" in origins and "Converse stand-in" in origins
    invalid = [c for c in cases if c.invalid]
    assert 10 <= len(invalid) <= len(cases) - 30  # both verdicts well represented


def test_every_labelled_id_is_one_the_claim_cites() -> None:
    for case in load_cases().cases:
        assert set(case.invalid) <= set(case.evidence_ids) | set(case.removed), case.id


def test_the_rules_agree_with_the_hand_labels_on_at_least_95_percent() -> None:
    outcomes = run(load_cases())

    disagreements = [o.case.id for o in outcomes if not o.agrees]
    assert agreement(outcomes) >= AGREEMENT_FLOOR, disagreements
