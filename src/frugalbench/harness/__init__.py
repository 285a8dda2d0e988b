"""The evaluation harness: a worker process per run, measured phases, repeats, failure records."""
