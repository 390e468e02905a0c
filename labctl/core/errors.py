"""One error type that carries what a user needs to act: what failed, why, what to do."""

from __future__ import annotations


class LabError(Exception):
    """A known failure: printed as one clear message (plus a hint), never a traceback."""

    def __init__(self, message: str, *, hint: str | None = None, details: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details

    def __reduce__(self):
        # An exception pickles as type(*args): the hint and details would be lost on the way
        # back from a worker process (labctl jobs run-local's tasks).
        return _restore, (type(self), self.args, self.__dict__.copy())


def _restore(cls: type[LabError], args: tuple, state: dict) -> LabError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class CommandError(LabError):
    """A subprocess failed; keeps its argv and output so it can be pasted and re-run."""

    def __init__(self, argv: list[str], returncode: int, output: str, *, hint: str | None = None):
        import shlex

        self.argv = argv
        self.returncode = returncode
        self.output = output
        super().__init__(
            f"command failed (exit {returncode}): {shlex.join(argv)}",
            hint=hint,
            details=output[-4000:] if output else None,
        )


class ServiceUnreachable(LabError):
    """A lab service did not answer over HTTP: not started, not published, or too slow."""

    def __init__(self, service: str, url: str, error: Exception, timeout: float, *, hint: str):
        timed_out = "Timeout" in type(error).__name__  # requests' Timeout, ConnectTimeout, ReadTimeout
        what = f"no answer within {timeout:g} s" if timed_out else "cannot connect"
        super().__init__(f"{service} at {url}: {what}", hint=hint)
