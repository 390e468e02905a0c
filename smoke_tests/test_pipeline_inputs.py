"""Inputs beyond the recording, and the lab under faults: a second generated data set and a
file of bad records through `labctl seed --file`, then live collections through Mastodon.py
from the replay server while it requires a bearer token, drops connections and answers 429s.
One DAG run (live mode, token in the Airflow Connection) then covers the whole raw zone.

Every expectation is computed here from the input files (never by the collector or the
jobs): which ids each collection must land, how many records are malformed, the metrics.
Afterwards the token, and every other secret of the lab, is searched for everywhere it must
not be.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import tarfile
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from labctl import oracle
from conftest import edge
from labctl.cli import main
from labctl.commands import replay
from labctl.core import addresses as ab
from labctl.core import engine as eng
from labctl.core import runs
from labctl.core.airflow_api import AirflowAPI
from labctl.core.edge import EDGE_SERVICE
from labctl.core.manifest import PROJECT_NAME, Manifest
from labctl.core.secrets import secrets_dir
from labctl.pipeline.steps import run_id_for
from test_jobs_on_yarn import assert_same, metrics_on_yarn
from policy import ingestion_filter
from queries import QUERIES, assert_query_answers, expected_over_raw_zone, query, raw_zone_lines
from recording import FILES, recorded_file

LIVE = "social.lupen.fr"  # the recorded instance the live collections read as if live (the largest timeline)
SEED = recorded_file(LIVE)
SECOND = "second.lab.example"  # the instance partitions this module's files land in
BAD = "bad-input.lab.example"
REPLAY = f"{ab.lab_network(Manifest()).replay}/{LIVE}"  # as the edge node and the DAG reach it
TAG_LIMIT = 300  # statuses `labctl seed --live` collects from a hashtag timeline
RUN_LIMIT = 1200  # ... and the DAG's live run from another
FAULTS = {"REPLAY_REQUIRE_TOKEN": "true", "REPLAY_DROP_EVERY": "3", "REPLAY_STORM_EVERY": "4", "REPLAY_STORM_LENGTH": "2"}
FIVE_MB = 5 * 1024 * 1024


def partition(instance: str, timeline: str = "*") -> str:
    return f"/lake/raw/mastodon/instance={instance}/timeline={timeline}/dt=*/hour=*/*.jsonl.gz"


def read_lines(path: Path) -> list[bytes]:
    return [line for line in gzip.decompress(path.read_bytes()).split(b"\n") if line.strip()]


def newest(entries: list[dict], limit: int, keep) -> Counter:
    """What a collection of the `limit` newest entries of a timeline lands: ids newest first
    (Mastodon's order), then the ingestion policy (`keep`)."""
    chosen = sorted(entries, key=lambda entry: int(entry["id"]), reverse=True)[:limit]
    return Counter(entry["id"] for entry in keep(chosen))


def landed_ids(glob: str) -> Counter:
    return Counter(json.loads(line)["id"] for line in raw_zone_lines(glob))


NOT_OBJECTS = (0, 3, 4, 5)  # which of bad_records() are not JSON objects: ingestion passes them through untouched


def bad_records(template: dict) -> list[bytes]:
    """One line per kind of bad record; each is malformed under the metric contract."""
    no_account = {k: v for k, v in template.items() if k != "account"}
    broken_boost = {**template, "id": "990000000000000007", "reblog": {"id": "990000000000000008", "content": "no account"}}
    return [
        json.dumps(template)[:-40].encode(),  # truncated JSON
        json.dumps({**template, "id": True}).encode(),  # wrong type: the id is a boolean
        json.dumps({**template, "id": "990000000000000003", "account": "alice"}).encode(),  # wrong type: the account is a string
        b"\xff\xfe" + json.dumps({**template, "id": "990000000000000004"}).encode()[2:],  # invalid UTF-8
        b'{"id": "990000000000000005", "content": "' + b"x" * FIVE_MB,  # a 5 MB line, never closed
        json.dumps([template]).encode(),  # an array where an object belongs
        json.dumps(no_account).encode(),  # a status without an account
        json.dumps(broken_boost).encode(),  # a boost whose original has no account
    ]


def odd_but_valid(template: dict) -> list[bytes]:
    """Records that look odd and are still statuses: the contract counts them, never drops them."""
    return [
        json.dumps({**template, "id": "990000000000000011", "uri": "https://bad-input.lab.example/statuses/11", "favourites_count": "many"}).encode(),
        json.dumps({**template, "id": "990000000000000012", "uri": "https://bad-input.lab.example/statuses/12", "content": "<p>line\u2028separator\u2029inside</p>"}, ensure_ascii=False).encode(),
    ]


def lab_secrets(manifest) -> dict[str, bytes]:
    """Every secret of the lab by name: the replay token (the stand-in for a Mastodon token),
    the Airflow passwords, keys and database password."""
    directory = secrets_dir(manifest)
    found = {f"Airflow password of {login}": password.encode() for login, password in json.loads((directory / "airflow-passwords.json").read_text()).items()}
    for name in ("replay-token", "airflow-fernet-key", "airflow-jwt-secret", "postgres-password", "pseudonym-key"):
        found[name] = (directory / name).read_text().strip().encode()
    assert all(len(value) >= 16 for value in found.values()), "a secret too short to search for"
    return found


def held(data: bytes, secrets: dict[str, bytes]) -> list[str]:
    return [name for name, value in secrets.items() if value in data]


class Sampler:
    """Every process's command line and environment, host and containers alike (they share
    the host's /proc), read in a loop while a run goes on."""

    def __init__(self, secrets: dict[str, bytes]):
        self.secrets, self.samples, self.hits = secrets, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                for name in ("cmdline", "environ"):
                    try:
                        data = Path(f"/proc/{pid}/{name}").read_bytes()
                        command = Path(f"/proc/{pid}/comm").read_text().strip()
                    except OSError:
                        continue
                    self.hits += [f"{secret} in {name} of pid {pid} ({command})" for secret in held(data, self.secrets)]
            self.samples += 1
            self._stop.wait(0.2)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def inputs(lab_stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("inputs")
    api = AirflowAPI(lab_stack)
    runs.wait_idle(api)
    runs.quiesce(api)  # nothing collects or runs while the test seeds by hand
    found: dict = {"work": work, "keep": ingestion_filter(lab_stack)}

    # A second data set, generated with other parameters than the recording.
    second = work / "second.jsonl.gz"
    assert main(["data", "generate", "--out", str(second), "--statuses", "3000", "--seed", "7", "--accounts", "250",
                 "--boost-ratio", "0.3", "--reply-ratio", "0.2", "--languages", "fr=50,de=30,en=15,null=5", "--instance", SECOND]) == 0
    assert main(["seed", "--file", str(second), "--as-instance", SECOND]) == 0
    found["second_first"] = landed_ids(partition(SECOND))
    assert main(["seed", "--file", str(second), "--as-instance", SECOND]) == 0  # the same content again
    found["second_again"] = landed_ids(partition(SECOND))
    found["second"] = second

    # Bad input: good statuses with every kind of bad record among them.
    source = work / "for-bad.jsonl.gz"
    assert main(["data", "generate", "--out", str(source), "--statuses", "400", "--seed", "11", "--instance", BAD]) == 0
    good = read_lines(source)
    template = json.loads(good[0])
    bad, odd = bad_records(template), odd_but_valid(template)
    lines = good[:150] + [b"", b"   "] + bad[:4] + odd + [b""] + bad[4:] + good[150:]
    bad_file = work / "bad-input.jsonl"
    bad_file.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["seed", "--file", str(bad_file), "--as-instance", BAD]) == 0
    found.update(bad=bad, bad_file=bad_file, good=good + odd)

    found["secrets"] = secrets = lab_secrets(lab_stack)
    # Two hashtag timelines never collected before, so that both collections page through
    # the faults even when the module runs again on the same lab.
    collected = edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -ls -C /lake/raw/mastodon/instance={LIVE} 2>/dev/null"], check=False)
    ranked = Counter(t["name"].lower() for line in read_lines(SEED) for t in json.loads(line).get("tags") or []).most_common()
    tag, run_tag = [name for name, _ in ranked if f"timeline=tag_{name}" not in collected][:2]
    found.update(tag=tag, run_tag=run_tag)
    try:
        replay.apply(lab_stack, {**replay.current(lab_stack), **FAULTS})
        # The replay server now refuses anonymous timeline requests.
        found["anonymous_seed"] = main(["seed"])
        os.environ["MASTODON_ACCESS_TOKEN_FILE"] = str(secrets_dir(lab_stack) / "replay-token")
        try:
            with Sampler(secrets) as sampler:
                live_seed = ["seed", "--live", "--instance", REPLAY, "--timeline", f"tag:{tag}", "--limit", str(TAG_LIMIT)]
                found["live_seed"] = main(live_seed)
                found["tag_first"] = landed_ids(partition(LIVE, f"tag_{tag}"))
                found["live_seed_again"] = main(live_seed)  # from the checkpoint: nothing new
                assert main(["token", "store", "--instance", REPLAY]) == 0
                found["run"] = main(["run", "--source", "live", "--instance", REPLAY, "--timeline", f"tag:{run_tag}", "--limit", str(RUN_LIMIT)])
        finally:
            del os.environ["MASTODON_ACCESS_TOKEN_FILE"]
        found["sampler"] = sampler
        found["replay_log"] = eng.service_container(eng.client(), replay.SERVICE).logs().decode("utf-8", "replace")
    finally:
        replay.apply(lab_stack, {})
    runs.quiesce(api)  # `labctl run` unpaused the DAG: no scheduled run may change the zone the tests read
    latest = api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=1)["dag_runs"][0]
    found["run_id"] = run_id_for(datetime.fromisoformat(latest["data_interval_end"] or latest["run_after"]))
    return found


def test_a_second_data_set_lands_exactly_and_once(inputs):
    entries = [json.loads(line) for line in read_lines(inputs["second"])]
    expected = Counter(entry["id"] for entry in inputs["keep"](entries))
    assert inputs["second_first"] == expected, f"{sum(inputs['second_first'].values())} landed, {sum(expected.values())} expected"
    assert inputs["second_again"] == inputs["second_first"]


def test_the_second_data_set_gives_its_own_results_on_yarn(inputs, lab_stack):
    """The jobs over that set's partition alone give the oracle's metrics of the same lines."""
    second_lines = raw_zone_lines(partition(SECOND))
    on_yarn = metrics_on_yarn(lab_stack, [partition(SECOND)], sum(len(line) for line in second_lines), hdfs_user="etl")
    assert_same(on_yarn, oracle.compute([b"\n".join(second_lines) + b"\n"]))
    # Another data set indeed: not the recording's numbers.
    assert on_yarn["totals"]["statuses"] != oracle.compute(FILES)["totals"]["statuses"]


def test_bad_records_are_counted_and_quarantined_and_good_ones_kept(inputs, record_property):
    landed = raw_zone_lines(partition(BAD))
    good = [json.loads(line) for line in inputs["good"]]
    assert len(landed) == len(inputs["keep"](good)) + len(inputs["bad"])
    # The metric contract's count of malformed records, over the whole raw zone, after the run.
    totals = query("totals")["totals"]
    assert totals["malformed"] == len(inputs["bad"]), f"{totals['malformed']} malformed counted, {len(inputs['bad'])} injected"
    quarantine = edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -cat /lake/quarantine/{inputs['run_id']}/malformed/*.jsonl 2>/dev/null"])
    kept = [base64.b64decode(json.loads(line)["line_base64"]) for line in quarantine.splitlines() if line.strip()]
    assert len(kept) == len(inputs["bad"])
    # Lines that are not JSON objects pass ingestion untouched, so they come back byte for byte.
    for line in (inputs["bad"][i] for i in NOT_OBJECTS):
        assert line in kept, f"not in the quarantine: {line[:60]!r}... ({len(line)} bytes)"
    assert max(len(line) for line in kept) > FIVE_MB
    for name, value in (("injected", len(inputs["bad"])), ("counted", totals["malformed"]), ("quarantined", len(kept))):
        record_property(f"malformed_{name}", value)  # figures for the JUnit report


def test_live_collections_under_faults_lose_nothing_and_duplicate_nothing(inputs, record_property):
    assert inputs["live_seed"] == 0, "labctl seed --live failed"
    assert inputs["run"] == 0, "the live-mode DAG run failed"
    recording = [json.loads(line) for line in read_lines(SEED)]

    def tagged(tag):
        return [e for e in recording if tag in {t["name"].lower() for t in e.get("tags") or []}]

    keep = inputs["keep"]
    assert inputs["tag_first"] == newest(tagged(inputs["tag"]), TAG_LIMIT, keep)
    assert inputs["live_seed_again"] == 0
    assert landed_ids(partition(LIVE, f"tag_{inputs['tag']}")) == inputs["tag_first"]
    assert landed_ids(partition(LIVE, f"tag_{inputs['run_tag']}")) == newest(tagged(inputs["run_tag"]), RUN_LIMIT, keep)
    # The faults did happen: dropped responses and 429s are in the replay server's log.
    log = inputs["replay_log"]
    record_property("dropped_responses", log.count("dropping the connection"))
    record_property("answers_429", log.count("429 GET /api/v1/timelines/"))
    record_property("timeline_requests", log.count("GET /api/v1/timelines/"))
    assert log.count("dropping the connection") >= 3, log[-2000:]
    assert log.count("429 GET /api/v1/timelines/") >= 5, log[-2000:]


def test_the_replay_server_required_the_token(inputs):
    assert inputs["anonymous_seed"] != 0


@pytest.fixture(scope="module")
def expected(inputs) -> dict:
    """The oracle over the raw zone once for every query: the DAG is paused after the run, so
    the zone cannot change (each query reading and computing it again cost about 4 s)."""
    return expected_over_raw_zone()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_equals_the_oracle_over_everything_collected(expected, name):
    assert_query_answers(name, expected)


def _hdfs_files_holding(secrets: dict[str, bytes]) -> dict:
    """Walk all of HDFS from the edge node (the secrets go in on stdin, never in argv) and
    name the files that hold one, gzip-compressed ones decompressed."""
    script = r"""
import gzip, json, sys, zlib
from hdfs import InsecureClient
given = json.load(sys.stdin)
secrets = {name: value.encode() for name, value in given["secrets"].items()}
client = InsecureClient(given["namenode"], user="hadoop")
report = {"files": 0, "bytes": 0, "hits": [], "unreadable": []}
folders, files = ["/"], []
while folders:  # not client.walk: a folder may go between its parent's listing and its own
    folder = folders.pop()
    try:
        listed = client.list(folder, status=True)
    except Exception as exc:
        report["unreadable"].append(f"{folder}/: {type(exc).__name__}")
        continue
    for name, status in listed:
        path = folder.rstrip("/") + "/" + name
        (folders if status["type"] == "DIRECTORY" else files).append(path)
for path in files:
    try:
        with client.read(path) as reader:
            data = reader.read()
    except Exception as exc:
        report["unreadable"].append(f"{path}: {type(exc).__name__}")
        continue
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            pass
    report["files"] += 1
    report["bytes"] += len(data)
    report["hits"] += [f"{secret} in {path}" for secret, value in secrets.items() if value in data]
print(json.dumps(report))
"""
    namenode = ab.lab_network(Manifest()).namenode  # as the edge node reaches it
    given = json.dumps({"secrets": {name: value.decode() for name, value in secrets.items()}, "namenode": namenode}).encode()
    output = edge(["python", "-c", script], stdin_data=given)
    return json.loads(output.strip().splitlines()[-1])


def _stream_holds(chunks, secrets: dict[str, bytes]) -> list[str]:
    """The secrets found in a stream of chunks (a match may straddle two chunks)."""
    longest = max(len(value) for value in secrets.values())
    tail, hits = b"", set()
    for chunk in chunks:
        window = tail + chunk
        hits.update(held(window, secrets))
        tail = window[-longest:]
    return sorted(hits)


def test_no_secret_is_anywhere_it_must_not_be(inputs, lab_stack):
    """After the live collections: the token and every other lab secret appear in no
    container log, docker inspect, image layer, Airflow task log, HDFS file, or process
    command line or environment (sampled five times a second while they ran)."""
    secrets = inputs["secrets"]
    engine = eng.client(timeout=600)
    containers = engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={PROJECT_NAME}"})
    assert len(containers) >= 14
    found = []
    for container in containers:
        found += [f"{secret} in the log of {container.name}" for secret in held(container.logs(), secrets)]
        found += [f"{secret} in docker inspect {container.name}" for secret in held(json.dumps(container.attrs).encode(), secrets)]
    images = {container.image.id: container.image for container in containers}
    for image in images.values():
        found += [f"{secret} in image {image.tags}" for secret in held(json.dumps(image.attrs).encode(), secrets) + _stream_holds(image.save(chunk_size=1 << 20), secrets)]
    # Airflow's task logs, including the live run's collect task.
    archive, _ = eng.service_container(engine, EDGE_SERVICE).get_archive("/opt/airflow/logs")
    logs = tarfile.open(fileobj=io.BytesIO(b"".join(archive)))
    task_logs = [member for member in logs.getmembers() if member.isfile()]
    assert any("collect" in member.name for member in task_logs)
    for member in task_logs:
        found += [f"{secret} in task log {member.name}" for secret in held(logs.extractfile(member).read(), secrets)]
    hdfs = _hdfs_files_holding(secrets)
    assert hdfs["files"] > 50 and hdfs["bytes"] > 10_000_000, hdfs
    found += hdfs["hits"]
    # Only HBase's files may refuse a read: write-ahead logs still being written, and the
    # archived files of dropped tables its cleaner removes meanwhile (seen in CI).
    assert all("/hbase/" in entry for entry in hdfs["unreadable"]), hdfs["unreadable"]
    sampler = inputs["sampler"]
    assert sampler.samples > 100
    found += sampler.hits
    assert found == [], "secrets found: " + "; ".join(found)
