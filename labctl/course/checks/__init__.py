"""One module per exercise, each a list `CHECKS` of `labctl.course.grader.Check`; `common`
holds the checks several exercises share (public tests, a Streaming job against the oracle)."""
