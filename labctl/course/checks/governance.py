"""Exercise 7: trace a personal field from the API to HBase, then prove an erasure complete.

The trace is graded against the lab's own sources of truth (labctl/governance/inventory.py,
which the GDPR register is rendered from, and labctl/hbase/schema.py). The proof, the
student's prove.py, is run on sandboxes: a lake in a scratch folder filled by the lab's own
ingestion (labctl/collect/files.py), with a work and a curated run; then, for HBase, a
namespace of its own on the lab with the run's metrics loaded. The erasure itself is the
lab's (`forget`, `forget_account`); the grader counts what is left its own way and
compares with prove.py's counts, before and after, and on an account never erased.
"""

from __future__ import annotations

import gzip
import json
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from labctl.course import expected, inputs, lab
from labctl.course.checks import common
from labctl.course.grader import Check, Context, NotGradable, Outcome
from labctl.course.run import run_process, tail

# The account the exercise follows in a lake of the recording, and the one students erase on
# the lab (forget.sh). Not the lab guide's: its exercise 8 erases vowensa@social.lupen.fr and
# checks sesa_pics@mast.kiroba.jp is still there, so on a shared lab neither erasure takes
# what the other one's checks need (tests/course/test_expectations.py holds them apart). A
# user of a recorded instance, so its own server writes its acct bare: the trap of the proof.
PUBLIC_ACCOUNT = "fasari@toot.varmo.de"
RUN = "2026-02-01T00_00_00"
KEYS = ("raw_lines", "derived_files", "audit_handles")


# -- the trace -------------------------------------------------------------------------------------


def trace_key() -> dict[str, Any]:
    from labctl.governance.inventory import FIELD_INVENTORY
    from labctl.hbase import schema

    fields = {spec.path: spec for spec in FIELD_INVENTORY}
    handle = fields["account.acct"]
    person_tables = sorted(spec.name for spec in schema.TABLES if any(family.ttl for family in spec.families))
    asked = ["account.display_name", "account.note", "account.followers_count", "account.created_at", "account.avatar",
             "account.url", "account.fields", "account.bot"]
    return {
        "PERSONAL": handle.personal,
        "KEPT_IN_RAW": handle.kept_in_raw,
        "PSEUDONYMISED": handle.pseudonymised,
        "PERSON_TABLES": person_tables,
        "HANDLE_TABLE": schema.REID.name,
        "PERSON_TTL_DAYS": schema.PERSON_TTL_SECONDS // 86400,
        "DROPPED": sorted(path for path in asked if not fields[path].kept_in_raw),
    }


READ_TRACE = "import json, field_trace; print(json.dumps({k: v for k, v in vars(field_trace).items() if k.isupper()}))"


def trace(context: Context) -> Outcome:
    ran = run_process([sys.executable, "-c", READ_TRACE], cwd=context.copy, timeout=30)
    if not ran.ok:
        err = tail(ran.stderr)
        stub = f"\n{common.HINT_STUB}" if "NotImplementedError" in err else ""
        return Outcome.failed(f"field_trace.py does not import: {(err.splitlines() or ['?'])[-1]}{stub}", err)
    answers = json.loads(ran.stdout)
    key = trace_key()
    wrong = [name for name in key if answers.get(name) != key[name]]
    if not wrong:
        return Outcome.passed(f"all {len(key)} answers of the trace are right")
    listed = "; ".join(f"{name} is {answers.get(name)!r}" for name in wrong)
    return Outcome((len(key) - len(wrong)) / len(key), f"{len(wrong)} of {len(key)} answers wrong: {listed}\n"
                   "hint: docs/gdpr/register.md lists every field; docs/hbase-schema.md every table and family")


# -- the sandboxes ---------------------------------------------------------------------------------


def build_lake(source: inputs.Input, folder: Path, key_file: Path) -> None:
    """A lake as the pipeline leaves it: raw batches (each file as its instance's timeline), a
    work run (handles in clear), a curated run."""
    from labctl.collect.files import ingest_files
    from labctl.governance.pseudonym import load_pseudonymiser, pseudonymise_metrics
    from labctl.lake.fs import LocalFileSystem
    from labctl.lake.layout import LakeLayout

    fs, layout = LocalFileSystem(folder), LakeLayout("/lake")
    pseudonymiser = load_pseudonymiser(key_file)
    for instance, path in source.feeds():
        ingest_files([path], fs, layout, instance=instance, timeline="public", pseudonymiser=pseudonymiser)
    document = expected.document(source.files)
    fs.write_bytes(f"{layout.work_run(RUN, 'metrics')}/metrics.json", json.dumps(document, ensure_ascii=False).encode())
    published = pseudonymise_metrics(document, pseudonymiser)
    fs.write_bytes(f"{layout.curated_run(RUN, 'metrics')}/metrics.json", json.dumps(published, ensure_ascii=False).encode())


def _files(root: Path):
    return (path for path in sorted(root.rglob("*")) if path.is_file())


def lake_counts(folder: Path, handle: str, pseudonym: str) -> dict[str, int]:
    """What is left of the account, read straight from the sandbox's files."""
    user, _, host = handle.lower().partition("@")
    names = (handle.lower().encode(), f"{host}/@{user}".encode())
    lake = folder / "lake"
    raw = 0
    for path in _files(lake / "raw"):
        if path.name.endswith(".jsonl.gz"):
            raw += sum(1 for line in gzip.decompress(path.read_bytes()).lower().splitlines() if any(n in line for n in names))
    derived = 0
    for zone in ("work", "curated", "quarantine"):
        for path in _files(lake / zone):
            data = path.read_bytes()
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            derived += any(n in data.lower() for n in (*names, pseudonym.encode()))
    audit = sum(handle.lower().encode() in path.read_bytes().lower() for path in _files(lake / "_state" / "audit"))
    return {"raw_lines": raw, "derived_files": derived, "audit_handles": audit}


def _prove(context: Context, folder: Path, key_file: Path, handle: str, namespace: str | None = None) -> dict[str, Any] | Outcome:
    argv = [sys.executable, "prove.py", handle, "--lake", str(folder), "--key-file", str(key_file)]
    if namespace:
        argv += ["--hbase-namespace", namespace]
    ran = common.run_program(context, argv, "prove.py", stderr_hint="hint: print the JSON object, nothing else")
    if isinstance(ran, Outcome):
        return ran
    try:
        found = json.loads(ran.stdout)
        assert isinstance(found, dict)
    except (ValueError, AssertionError):
        return Outcome.failed(f"prove.py did not print one JSON object: {tail(ran.stdout, 200)!r}")
    return found


def _differences(got: dict[str, Any], want: dict[str, Any], when: str) -> list[str]:
    return [f"{when}, {key}: prove.py says {got.get(key)!r}, the lake holds {want[key]}" for key in want if got.get(key) != want[key]]


def _keyfile(folder: Path) -> Path:
    key_file = folder / "pseudonym-key"
    key_file.write_text(secrets.token_hex(32))
    return key_file


def _pseudonym(key_file: Path, handle: str) -> str:
    from labctl.governance.pseudonym import load_pseudonymiser

    return load_pseudonymiser(key_file).pseudonym(handle)


def before(context: Context) -> Outcome:
    source = inputs.recording()
    with tempfile.TemporaryDirectory(prefix="labctl-course-lake-") as tmp:
        folder = Path(tmp)
        key_file = _keyfile(folder)
        context.progress(f"before: a sandbox lake from {source.name}")
        build_lake(source, folder, key_file)
        want = lake_counts(folder, PUBLIC_ACCOUNT, _pseudonym(key_file, PUBLIC_ACCOUNT))
        got = _prove(context, folder, key_file, PUBLIC_ACCOUNT)
    if isinstance(got, Outcome):
        return got
    problems = _differences(got, want, "before the erasure")
    if problems:
        return Outcome.failed(f"prove.py miscounts {PUBLIC_ACCOUNT} in a lake of the recording:\n  " + "\n  ".join(problems))
    return Outcome.passed(f"{PUBLIC_ACCOUNT} found as the lake holds it: {want['raw_lines']} raw lines, "
                          f"{want['derived_files']} derived files")


def hidden_accounts(document: dict[str, Any]) -> tuple[str, str]:
    """Two accounts that both wrote and were mentioned: the one to erase, and a control."""
    both = [handle for handle in document["mentions"] if handle in document["engagement"] and "@" in handle]
    return both[0], both[1]


def after(context: Context) -> Outcome:
    from labctl.governance.erasure import forget
    from labctl.governance.pseudonym import load_pseudonymiser
    from labctl.lake.fs import LocalFileSystem
    from labctl.lake.layout import LakeLayout

    source = inputs.generated()
    account, control = hidden_accounts(expected.document(source.files))
    with tempfile.TemporaryDirectory(prefix="labctl-course-lake-") as tmp:
        folder = Path(tmp)
        key_file = _keyfile(folder)
        build_lake(source, folder, key_file)
        problems: list[str] = []
        counted: dict[str, dict[str, int]] = {}
        for when, handle in (("before the erasure", account), ("after the erasure", account), ("an account not erased", control)):
            if when == "after the erasure":
                report = forget(LocalFileSystem(folder), LakeLayout("/lake"), account, hbase_forget=None,
                                pseudonymiser=load_pseudonymiser(key_file), audit_actor="course-grader", reason="exercise 7")
            want = counted[when] = lake_counts(folder, handle, _pseudonym(key_file, handle))
            got = _prove(context, folder, key_file, handle)
            if isinstance(got, Outcome):
                return got
            problems += _differences(got, want, f"{when} ({'the erased account' if handle == account else 'another account'})")
    if problems:
        return Outcome.failed("prove.py on an erasure in a lake you never saw:\n  " + "\n  ".join(problems[:5]))
    if any(counted["after the erasure"].values()) or not report.ok:
        raise NotGradable("the lab's own erasure left traces in the sandbox (a labctl bug, not your work)",
                          hint=json.dumps(counted["after the erasure"]))
    return Outcome.passed(f"prove.py counted right before and after an erasure, and on an account not erased "
                          f"({counted['before the erasure']['raw_lines']} raw lines before, 0 after)")


def hbase(context: Context) -> Outcome:
    if not (context.passed.get("before") and context.passed.get("after")):
        return Outcome.failed("not checked: prove.py must first count the lake right (checks `before` and `after`)")
    from labctl.governance.pseudonym import load_pseudonymiser
    from labctl.hbase import drop_namespace, ensure_schema, forget_account, load_run, publish_run

    source = inputs.recording()
    namespace = f"course_{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="labctl-course-hbase-") as tmp, lab.hbase() as connection:
        folder = Path(tmp)
        key_file = _keyfile(folder)
        (folder / "lake").mkdir()
        pseudonymiser = load_pseudonymiser(key_file)
        context.progress(f"hbase: a namespace of its own ({namespace}) with the recording's metrics (about a minute)")
        context.cleanups.append(lambda: drop_namespace(namespace))
        ensure_schema(connection, namespace=namespace)
        load_run(connection, RUN, expected.document(source.files), pseudonymiser, namespace=namespace,
                 open_connection=connection.another)
        publish_run(connection, RUN, namespace=namespace)
        pseudonym = pseudonymiser.pseudonym(PUBLIC_ACCOUNT)
        counts = []
        for when in ("before", "after"):
            if when == "after":
                forget_account(connection, PUBLIC_ACCOUNT, pseudonymiser=pseudonymiser, namespace=namespace)
            want = hbase_rows(connection, namespace, PUBLIC_ACCOUNT, pseudonym)
            got = _prove(context, folder, key_file, PUBLIC_ACCOUNT, namespace)
            if isinstance(got, Outcome):
                return got
            if got.get("hbase_rows") != want:
                return Outcome.failed(f"{when} the erasure, prove.py counts {got.get('hbase_rows')!r} HBase rows of "
                                      f"{PUBLIC_ACCOUNT}; the tables hold {want}")
            counts.append(want)
    if counts[0] == 0 or counts[1] != 0:
        raise NotGradable(f"the lab's HBase erasure did not behave ({counts[0]} rows before, {counts[1]} after): a labctl bug")
    return Outcome.passed(f"prove.py counted {counts[0]} HBase rows of {PUBLIC_ACCOUNT} before the erasure, 0 after")


def hbase_rows(connection, namespace: str, handle: str, pseudonym: str) -> int:
    from labctl.hbase import schema

    count = 0
    for spec in (schema.RANK, schema.ACCOUNTS, schema.TERMS, schema.REID):
        for key, cells in connection.table(spec.full_name(namespace)).scan():
            count += pseudonym.encode() in key or any(handle.encode() in value.lower() for value in cells.values())
    return count


CHECKS = [
    Check("trace", "field_trace.py: the handle from the API to HBase", 3, trace),
    common.unit_tests("test_prove.py", 1),
    Check("before", f"prove.py finds {PUBLIC_ACCOUNT} in a lake of the recording", 2, before),
    Check("after", "prove.py before and after an erasure of an account you never saw, and on one not erased", 2, after, hidden=True),
    Check("hbase", "prove.py counts the account's HBase rows before and after the erasure (on the lab)", 2, hbase),
]
