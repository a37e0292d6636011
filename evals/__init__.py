"""Offline evals: scenario bundles with ground truth (`evals/scenarios`, written by
`evals.generators`), the runner (`evals.runner`), scoring (`evals.scoring`), the optional
LLM judge (`evals.judge`), reports (`evals.reports`) and the regression gate (`evals.gate`).
`fa2 eval` ties them together."""
