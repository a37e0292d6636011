"""The citation check against hand-labelled cases: how often the rules agree with a person.

`python -m evals.calibration [FILE]` prints the agreement and every disagreement. The cases
(`tests/evals/citation_cases.json`) are claims from real reports — the baseline's on the
suite and a model's written through the Converse stand-in — each with the evidence it cited
and a person's verdict on every cited id, plus citation mistakes made on the same evidence.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.report import Evidence
from evals.citations import CitationVerdict, Claim, check_claim

CASES_FILE = Path(__file__).resolve().parent.parent / "tests" / "evals" / "citation_cases.json"


class LabelledCase(BaseModel):
    """One claim, the ids it cites and the ids a person judged not to support it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    evidence_set: str  # key into the file's evidence
    origin: str
    claim: str
    time: datetime | None = None
    evidence_ids: list[str]
    removed: list[str] = Field(default_factory=list)  # ids the graph removed as unknown
    invalid: list[str]  # the person's verdict: every other cited id supports the claim
    why: str
    held_out: bool = False  # labelled after the rules were frozen (docs/evals.md: what followed)


class CalibrationSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evidence: dict[str, list[Evidence]]
    cases: list[LabelledCase]


@dataclass(frozen=True)
class Outcome:
    case: LabelledCase
    verdicts: list[CitationVerdict]

    @property
    def predicted_invalid(self) -> set[str]:
        return {v.evidence_id for v in self.verdicts if not v.valid}

    @property
    def agrees(self) -> bool:
        return self.predicted_invalid == set(self.case.invalid)


def load_cases(path: Path = CASES_FILE) -> CalibrationSet:
    return CalibrationSet.model_validate(json.loads(path.read_text(encoding="utf-8")))


def run(calibration: CalibrationSet) -> list[Outcome]:
    outcomes = []
    for case in calibration.cases:
        by_id = {e.id: e for e in calibration.evidence[case.evidence_set]}
        claim = Claim(case.claim, case.evidence_ids, time=case.time, removed=case.removed)
        outcomes.append(Outcome(case, check_claim(claim, by_id)))
    return outcomes


def agreement(outcomes: list[Outcome]) -> float:
    """Share of cases where the rules flag exactly the ids the person flagged."""
    return sum(o.agrees for o in outcomes) / len(outcomes) if outcomes else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.calibration", description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=CASES_FILE)
    args = parser.parse_args(argv)
    outcomes = run(load_cases(args.file))
    flagged = sum(bool(o.case.invalid) for o in outcomes)
    print(
        f"{len(outcomes)} cases ({flagged} with an invalid citation by hand): the rules agree "
        f"on {sum(o.agrees for o in outcomes)} ({agreement(outcomes):.1%})"
    )
    held = [o for o in outcomes if o.case.held_out]
    if held:
        print(
            f"held out (labelled after the rules were frozen): {len(held)} cases, "
            f"agreement {agreement(held):.1%}"
        )
    for outcome in outcomes:
        if not outcome.agrees:
            said = ", ".join(v.label() for v in outcome.verdicts if not v.valid) or "all valid"
            print(
                f"- {outcome.case.id}: by hand {outcome.case.invalid or 'all valid'}; rules {said}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
