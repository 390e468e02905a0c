"""The metric contract computed a second way: the expected value of the tests and the grader.

`metrics` reads raw statuses and computes the whole metric document from docs/metrics.md
alone, standard library only, sharing no code with `jobs/` or the rest of labctl.
`answers` cuts out of that document what each `labctl query` must answer.
"""

from labctl.oracle.metrics import compute, external_links, handle, normalize_url

__all__ = ["compute", "external_links", "handle", "normalize_url"]
