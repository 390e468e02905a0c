"""Child process running a student's HBase design (exercise 4) against the lab.

    python -m labctl.course.hbase_run SPEC.json

SPEC names the workspace copy, the table, and what to do: `load` (create_table, then load
with the counts file, Thrift mutations counted) and/or `query` (top_tags for each language
asked). The result is one JSON object on the last line of stdout. A process of its own, so
a student's loop or crash stays there, and the parent can measure the region servers
between two runs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import traceback
from pathlib import Path


def _design(folder: Path):
    sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("design", folder / "design.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Meter:
    """Counts the Thrift mutation calls and the rows they carry."""

    def __init__(self, client):
        self.calls = self.rows = self.single = 0
        for name in ("mutateRows", "mutateRowsTs", "mutateRow", "mutateRowTs"):
            original = getattr(client, name)
            setattr(client, name, self._counted(original, batch=name.startswith("mutateRows")))

    def _counted(self, original, batch: bool):
        def call(table, rows, *rest):
            self.calls += 1
            if batch:
                self.rows += len(rows)
            else:
                self.rows += 1
                self.single += 1
            return original(table, rows, *rest)

        return call


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    result: dict = {"ok": True}
    try:
        from labctl.hbase.connection import connect

        design = _design(Path(spec["workspace"]))
        connection = connect()
        table = spec["table"]
        if "load" in spec:
            meter = Meter(connection.client)
            design.create_table(connection, table)
            counts = json.loads(Path(spec["load"]).read_text(encoding="utf-8"))
            started = time.perf_counter()
            rows = design.load(connection, table, counts)
            result["load"] = {"rows": rows, "calls": meter.calls, "rows_sent": meter.rows, "seconds": time.perf_counter() - started}
            result["families"] = {
                name.decode() if isinstance(name, bytes) else name: {
                    key: value.decode() if isinstance(value, bytes) else value for key, value in options.items()
                }
                for name, options in connection.table(table).families().items()
            }
        if "query" in spec:
            answers = {}
            for language, limit in spec["query"]:
                answers[f"{language}|{limit}"] = [list(pair) for pair in design.top_tags(connection, table, language, limit)]
            result["answers"] = answers
        connection.close()
    except BaseException:  # noqa: BLE001 - the student's error, reported to the check
        result = {"ok": False, "error": traceback.format_exc(limit=-4)}
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
