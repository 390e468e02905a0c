"""The HBase operations Thrift v1 lacks, through the Java Admin API inside the lab.

HBase's Thrift v1 server (the one happybase speaks) can create and drop tables, with per-family
versions, compression, bloom filter, TTL and block cache; it cannot create a namespace, pre-split
a table, set a DATA_BLOCK_ENCODING, flush, or show what the store files hold. The lab's image has
no HBase shell but has the JDK's compiler module, so `SchemaAdmin.java` (next to this file) runs
in the hbase-master container, against HBase's own jars and configuration: compiled there by
the JDK's compiler module at its first call, kept in the container's /tmp under the source's
hash, so a changed source is compiled again. One JVM per call, whatever the number of
operations: about 2 s (it was 5 s with the single-file source launcher, which compiles at every
call, and HotSpot's optimising compiler, which a JVM living seconds never profits from).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from labctl.core.errors import LabError

SOURCE = Path(__file__).with_name("SchemaAdmin.java")
CLASSPATH = "/opt/lab/conf/hbase:/opt/hbase/lib/*"
# C1 alone and the serial collector, as the lab's client commands (lab-daemon's SHORT_LIVED_JVM).
JVM_FLAGS = "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

# $0 the source's hash, $1 the class path, then the operations; the source arrives on stdin.
# javac, unlike the java launcher, does not expand `lib/*`: the shell lists the jars for it.
# The class is compiled in a folder of its own, then renamed into place, so that two calls
# at once never run a half-written class. HBase's log goes to a file shown only on failure.
_SCRIPT = (
    'classes="/tmp/labctl-admin/$0"; classpath="$1"; shift; log=$(mktemp); '
    'if [ -f "$classes/SchemaAdmin.class" ]; then cat >/dev/null; else '
    'work=$(mktemp -d) && cat > "$work/SchemaAdmin.java" && mkdir -p /tmp/labctl-admin && '
    f'java {JVM_FLAGS} -m jdk.compiler/com.sun.tools.javac.Main -nowarn -d "$work/classes" '
    '-cp "$(for part in $(echo "$classpath" | tr : " "); do case $part in *"/*") printf "%s:" ${part%"*"}*.jar;; *) printf "%s:" "$part";; esac; done)" '
    '"$work/SchemaAdmin.java" >"$log" 2>&1 && { mv -T "$work/classes" "$classes" 2>/dev/null || [ -f "$classes/SchemaAdmin.class" ]; }; '
    'code=$?; rm -rf "$work"; [ $code -eq 0 ] || { tail -n 30 "$log"; rm -f "$log"; exit $code; }; fi; '
    f'java {JVM_FLAGS} --add-opens=java.base/java.nio=ALL-UNNAMED -cp "$classes:$classpath" SchemaAdmin "$@" 2>"$log"; '
    'code=$?; [ $code -eq 0 ] || grep -v "^[[:space:]]*at " "$log" | tail -n 30; rm -f "$log"; exit $code'
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

        source = SOURCE.read_bytes()
        argv = ["sh", "-c", _SCRIPT, hashlib.sha256(source).hexdigest()[:16], CLASSPATH, *command_line(operations)]
        code, output = engine.exec_in(self.service, argv, stdin_data=source, check=False)
        if code != 0:
            raise AdminError(
                f"HBase admin operation failed in {self.service}: {' '.join(operations[0]) if operations else ''}",
                details=output[-4000:],
                hint="check `labctl status`: the HBase master must be healthy",
            )
        return parse_results(output)
