"""`python -m cli`: the same as the `fa2` command."""

from cli import run

run()
