"""The HBase operations Thrift v1 lacks, through the Java Admin API inside the lab.

HBase's Thrift v1 server (the one happybase speaks) can create and drop tables, with per-family
versions, compression, bloom filter, TTL and block cache; it cannot create a namespace, pre-split
a table, set a DATA_BLOCK_ENCODING, flush, or show what the store files hold. The lab's image has
no HBase shell but has the JDK's compiler module, so `SchemaAdmin.java` (next to this file) runs
with Java's single-file source launcher in the hbase-master container, against HBase's own jars
and configuration. One JVM per call, whatever the number of operations: about 10 seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from labctl.core.errors import LabError

SOURCE = Path(__file__).with_name("SchemaAdmin.java")
CLASSPATH = "/opt/lab/conf/hbase:/opt/hbase/lib/*"

# The source arrives on stdin; HBase's log goes to a file shown only on failure.
_SCRIPT = (
    'dir=$(mktemp -d) && cat > "$dir/SchemaAdmin.java" && '
    'java -Xmx256m --add-opens=java.base/java.nio=ALL-UNNAMED -cp "$0" "$dir/SchemaAdmin.java" "$@" 2>"$dir/log"; '
    'code=$?; [ $code -eq 0 ] || grep -v "^[[:space:]]*at " "$dir/log" | tail -n 30; rm -rf "$dir"; exit $code'
)

Operation = Sequence[str]


class AdminError(LabError):
    """An admin operation failed in the cluster."""


class SchemaAdmin(Protocol):
    def run(self, *operations: Operation) -> list[list[str]]:
        """Run the operations in order; each result line split into its fields."""
        ...


def command_line(operations: Sequence[Operation]) -> list[str]:
    """The launcher's arguments: operations separated by '--'."""
    args: list[str] = []
    for operation in operations:
        if not operation or any(not isinstance(arg, str) or not arg or arg == "--" for arg in operation):
            raise ValueError(f"invalid admin operation {operation!r}")
        args += [*(["--"] if args else []), *operation]
    return args


def parse_results(output: str) -> list[list[str]]:
    """Each `result OP<TAB>FIELD...` line as [OP, FIELD, ...]; HBase's own output is ignored."""
    return [line.removeprefix("result ").split("\t") for line in output.splitlines() if line.startswith("result ")]


class ContainerAdmin:
    """SchemaAdmin.java run in the lab's HBase master container (docker exec, no new container)."""

    def __init__(self, service: str | None = None):
        from labctl.core.addresses import service as service_of

        self.service = service or service_of("HBASE_MASTER")

    def run(self, *operations: Operation) -> list[list[str]]:
        from labctl.core import engine

        argv = ["sh", "-c", _SCRIPT, CLASSPATH, *command_line(operations)]
        code, output = engine.exec_in(self.service, argv, stdin_data=SOURCE.read_bytes(), check=False)
        if code != 0:
            raise AdminError(
                f"HBase admin operation failed in {self.service}: {' '.join(operations[0]) if operations else ''}",
                details=output[-4000:],
                hint="check `labctl status`: the HBase master must be healthy",
            )
        return parse_results(output)
