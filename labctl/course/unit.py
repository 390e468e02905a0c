"""The small test runner of the exercises' public checks (no pytest needed).

A test file ends with::

    if __name__ == "__main__":
        from labctl.course.unit import main
        main(globals())

so `python test_x.py` runs its `test_*` functions in order and prints one line each. The
grader runs the instructor's copy (hidden tests included) in a process of its own:

    python -m labctl.course.unit test_x.py --json

A failed `assert` is reported with the line that failed, since plain Python gives it no message.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def _failure(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    where = frames[-1] if frames else None
    ours = [frame for frame in frames if frame.filename.endswith(".py") and "labctl/course/unit.py" not in frame.filename]
    test_frame = next((frame for frame in ours if Path(frame.filename).name.startswith("test_")), where)
    detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, AssertionError) and test_frame is not None:
        return f"failed: {test_frame.line}" + (f" ({error})" if str(error) else "")
    if where is not None:
        return f"{detail} at {Path(where.filename).name}:{where.lineno}: {where.line}"
    return detail


def run_tests(namespace: Mapping[str, Any]) -> list[dict[str, Any]]:
    results = []
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            test: Callable[[], Any] = value
            try:
                test()
            except Exception as error:  # noqa: BLE001 - a student's failure is a result, not a crash
                results.append({"name": name, "ok": False, "message": _failure(error)})
            else:
                results.append({"name": name, "ok": True, "message": ""})
    return results


def main(namespace: Mapping[str, Any]) -> None:
    results = run_tests(namespace)
    for result in results:
        print(("ok    " if result["ok"] else "FAIL  ") + result["name"] + ("" if result["ok"] else f"\n      {result['message']}"))
    failed = sum(not result["ok"] for result in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def _load(path: Path) -> dict[str, Any]:
    sys.path.insert(0, str(path.parent.resolve()))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    try:
        outcome: Any = run_tests(_load(target))
    except BaseException as error:  # noqa: BLE001 - the student's modules may not even import
        outcome = {"import_error": _failure(error)}
    print(json.dumps(outcome))
