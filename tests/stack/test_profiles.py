"""Resource profiles: the manifest's values are the standard profile, `small` changes only heaps
and YARN memory, `labctl up --profile` is remembered, and doctor counts the labs that fit from
the measured figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dotenv import dotenv_values
from typer.testing import CliRunner

from labctl.cli import app
from labctl.commands import stack as stack_commands
from labctl.core import compose as dc
from labctl.core import doctor, lab
from labctl.core.errors import LabError
from labctl.core.manifest import MANIFEST_FILE, REPO_ROOT, Manifest

runner = CliRunner()
FILE = {key: value or "" for key, value in dotenv_values(MANIFEST_FILE).items()}
MIB = 2**20


def _megabytes(size: str) -> float:
    """A JVM heap (512m, 1g) or a plain MB count, in MiB: written here, not taken from labctl."""
    units = {"k": 1 / 1024, "m": 1, "g": 1024}
    return float(size[:-1]) * units[size[-1].lower()] if size[-1].lower() in units else float(size)


def _manifest(tmp_path: Path, **environ: str) -> Manifest:
    return Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state"), **environ})


# --- the profiles in the manifest --------------------------------------------------------


def test_the_standard_profile_is_the_manifests_own_values(tmp_path):
    manifest = _manifest(tmp_path)
    assert manifest.profile == "standard" and manifest.profiles["standard"] == {}
    differing = {key for key, value in FILE.items() if manifest[key] != value}
    assert differing <= {"LAB_STATE_DIR"}, differing


def test_small_changes_only_heaps_and_yarn_memory_each_smaller_and_jobs_still_fit(tmp_path):
    declared = {key[len("PROFILE_SMALL_"):]: value for key, value in FILE.items() if key.startswith("PROFILE_SMALL_")}
    assert declared, "stack/lab.env declares no small profile"
    small = _manifest(tmp_path, LAB_PROFILE="small")
    assert small.profile == "small" and small.profiles["small"] == declared
    changed = {key for key in FILE if small[key] != FILE[key]} - {"LAB_PROFILE", "LAB_STATE_DIR"}
    assert changed == set(declared)
    assert all(key.endswith("_HEAP") or key == "YARN_NODE_MEMORY_MB" for key in changed), changed
    for key in changed:
        assert _megabytes(small[key]) < _megabytes(FILE[key]), f"{key}: {small[key]} is not smaller than {FILE[key]}"
    # The same jobs still run: an ApplicationMaster, a map and a reduce at once on one node.
    containers = [int(small[key]) for key in ("MR_AM_MEMORY_MB", "MR_MAP_MEMORY_MB", "MR_REDUCE_MEMORY_MB")]
    assert sum(containers) <= int(small["YARN_NODE_MEMORY_MB"])
    # Every heap the compose file hands to a daemon is set by the profile or kept as is.
    compose_heaps = set(re.findall(r"\$\{([A-Z_]+_HEAP)\}", (REPO_ROOT / "stack/docker-compose.yml").read_text()))
    assert compose_heaps and compose_heaps <= set(FILE)


def test_a_profile_line_for_a_value_the_manifest_lacks_is_refused(tmp_path):
    broken = tmp_path / "lab.env"
    broken.write_text("NAMENODE_HEAP=512m\nLAB_STATE_DIR=state\nPROFILE_SMALL_NAMENODE_HEAPP=256m\n")
    with pytest.raises(LabError, match="NAMENODE_HEAPP"):
        Manifest(broken, environ={"LAB_STATE_DIR": str(tmp_path / "state")}).values


def test_an_unknown_profile_is_refused_naming_the_known_ones(tmp_path):
    with pytest.raises(LabError) as caught:
        _manifest(tmp_path).remember_profile("tiny")
    assert "tiny" in caught.value.message and "standard" in caught.value.hint and "small" in caught.value.hint
    assert not (tmp_path / "state" / "profile").exists()
    with pytest.raises(LabError, match="tiny"):
        _manifest(tmp_path, LAB_PROFILE="tiny").values


def test_the_chosen_profile_is_remembered_and_the_environment_still_wins(tmp_path):
    chosen = _manifest(tmp_path).remember_profile("small")
    assert chosen["NAMENODE_HEAP"] == FILE["PROFILE_SMALL_NAMENODE_HEAP"]
    later = _manifest(tmp_path)
    assert later.profile == "small" and later["HBASE_REGIONSERVER_HEAP"] == FILE["PROFILE_SMALL_HBASE_REGIONSERVER_HEAP"]
    assert dc.compose_env(later)["YARN_NODE_MEMORY_MB"] == FILE["PROFILE_SMALL_YARN_NODE_MEMORY_MB"]
    # LAB_PROFILE for one command, a single exported value over any profile.
    assert _manifest(tmp_path, LAB_PROFILE="standard")["NAMENODE_HEAP"] == FILE["NAMENODE_HEAP"]
    assert _manifest(tmp_path, NAMENODE_HEAP="300m")["NAMENODE_HEAP"] == "300m"
    assert _manifest(tmp_path).profile == "small"


def test_up_with_a_profile_starts_the_containers_with_its_values_and_later_commands_agree(tmp_path, monkeypatch):
    seen: list[dict[str, str]] = []
    monkeypatch.setattr(lab.eng, "client", lambda **_: object())
    monkeypatch.setattr(lab, "ensure_secrets", lambda manifest: None)
    monkeypatch.setattr(lab, "running_optional", lambda: set())
    monkeypatch.setattr(lab, "running_datanodes", lambda: 1)
    monkeypatch.setattr(lab.images, "missing_images", lambda engine, manifest, optional=(): [])
    monkeypatch.setattr(lab, "wait_healthy", lambda manifest, workers, timeout: [])
    monkeypatch.setattr(dc, "compose", lambda manifest, *args, overrides=None, **_: seen.append(dc.compose_env(manifest, overrides)))
    monkeypatch.setattr(stack_commands, "_print_urls", lambda manifest, show_passwords=False: None)
    env = {"LAB_STATE_DIR": str(tmp_path / "state")}
    assert runner.invoke(app, ["up", "--profile", "small"], env=env).exit_code == 0
    assert seen[-1]["NAMENODE_HEAP"] == FILE["PROFILE_SMALL_NAMENODE_HEAP"] and seen[-1]["LAB_PROFILE"] == "small"
    assert runner.invoke(app, ["up"], env=env).exit_code == 0
    assert seen[-1]["HBASE_MASTER_HEAP"] == FILE["PROFILE_SMALL_HBASE_MASTER_HEAP"]
    assert runner.invoke(app, ["down"], env=env).exit_code == 0
    assert seen[-1]["YARN_NODE_MEMORY_MB"] == FILE["PROFILE_SMALL_YARN_NODE_MEMORY_MB"]
    assert runner.invoke(app, ["up", "--profile", "standard"], env=env).exit_code == 0
    assert seen[-1]["NAMENODE_HEAP"] == FILE["NAMENODE_HEAP"]
    refused = runner.invoke(app, ["up", "--profile", "tiny"], env=env)
    assert refused.exit_code != 0 and len(seen) == 4


# --- doctor: which profile fits, how many labs ------------------------------------------


def _labs_by_hand(memory_mib: float, after_run_mib: int, reserve_mib: int) -> int:
    count = 0
    while reserve_mib + (count + 1) * after_run_mib <= memory_mib:
        count += 1
    return count


@pytest.mark.parametrize("memory_gib", [4, 8, 15.5, 24, 64])
def test_doctor_counts_the_labs_of_each_measured_profile_that_fit(tmp_path, memory_gib):
    manifest = _manifest(tmp_path)
    reserve, after_run = int(FILE["HOST_RESERVE_MIB"]), int(FILE["MEASURED_STANDARD_AFTER_RUN_MIB"])
    fits = {fit.name: fit for fit in doctor.profile_fits(manifest, int(memory_gib * 1024**3))}
    assert set(fits) == set(manifest.profiles)
    assert fits["standard"].labs == _labs_by_hand(memory_gib * 1024, after_run, reserve)
    assert fits["standard"].idle_mib == int(FILE["MEASURED_STANDARD_IDLE_MIB"])
    for name, fit in fits.items():
        if not FILE.get(f"MEASURED_{name.upper()}_AFTER_RUN_MIB"):
            assert fit.labs is None


def test_doctor_counts_at_the_exact_boundary(tmp_path):
    manifest = _manifest(tmp_path, MEASURED_STANDARD_AFTER_RUN_MIB="4000", HOST_RESERVE_MIB="1000")
    assert doctor.profile_fits(manifest, (1000 + 2 * 4000) * MIB)[0].labs == 2
    assert doctor.profile_fits(manifest, (1000 + 2 * 4000 - 1) * MIB)[0].labs == 1
    assert doctor.profile_fits(manifest, 500 * MIB)[0].labs == 0


def test_doctor_says_which_profile_fits(tmp_path):
    measured = _manifest(tmp_path, MEASURED_STANDARD_AFTER_RUN_MIB="4000", MEASURED_SMALL_AFTER_RUN_MIB="2500", HOST_RESERVE_MIB="1000")
    roomy = doctor._memory({"memory_bytes": 24 * 1024**3, "cpus": 2}, measured)
    assert roomy.ok and "the standard profile fits" in roomy.detail
    tight = doctor._memory({"memory_bytes": 4000 * MIB, "cpus": 2}, measured)
    assert tight.ok and "the small profile fits" in tight.detail
    too_small = doctor._memory({"memory_bytes": 3000 * MIB, "cpus": 2}, measured)
    assert not too_small.ok and "3.4 GiB for the small profile" in too_small.fix
    # Small not measured: doctor does not pretend it fits, and says how to find out.
    unmeasured = _manifest(tmp_path, MEASURED_STANDARD_AFTER_RUN_MIB="4000", MEASURED_SMALL_AFTER_RUN_MIB="", MEASURED_SMALL_IDLE_MIB="", HOST_RESERVE_MIB="1000")
    finding = doctor._memory({"memory_bytes": 4000 * MIB, "cpus": 2}, unmeasured)
    assert not finding.ok and "--profile small" in finding.fix and "not measured" in finding.fix
    labs = doctor._labs({"memory_bytes": 24 * 1024**3, "cpus": 2}, unmeasured)
    assert "small: not measured yet (benchmarks/stack.py --profile small --after-run)" in labs.detail
    assert "standard: 5 (3.9 GiB each after a run)" in labs.detail
    assert labs.data["profiles"][1] == {"profile": "small", "idle_mib": None, "after_run_mib": None, "labs": None}


def test_doctor_json_carries_the_labs_per_profile(tmp_path, monkeypatch):
    import json

    monkeypatch.setattr(doctor, "engine_resources", lambda engine=None: {"memory_bytes": 24 * 1024**3, "cpus": 2})
    monkeypatch.setattr(doctor, "_engine", lambda fix: doctor.Finding("Docker engine", True, "engine 20.10", ""))
    result = runner.invoke(app, ["doctor", "--json"], env={"LAB_STATE_DIR": str(tmp_path / "state")})
    labs = next(row for row in json.loads(result.output) if row["check"] == "labs on this engine")
    standard = next(entry for entry in labs["data"]["profiles"] if entry["profile"] == "standard")
    assert standard["labs"] == _labs_by_hand(24 * 1024, int(FILE["MEASURED_STANDARD_AFTER_RUN_MIB"]), int(FILE["HOST_RESERVE_MIB"]))


# --- the measured figures are the ones docs/benchmarks.md reports ------------------------


def test_the_measured_figures_are_the_ones_the_benchmarks_page_reports():
    text = (REPO_ROOT / "docs/benchmarks.md").read_text()
    section = text.split("## Resource profiles", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].strip("`") in ("standard", "small"):
            rows[cells[0].strip("`")] = cells[1:3]
    assert set(rows) == {"standard", "small"}
    for name, (idle, after_run) in rows.items():
        for cell, what in ((idle, "IDLE"), (after_run, "AFTER_RUN")):
            declared = FILE[f"MEASURED_{name.upper()}_{what}_MIB"]
            found = re.search(r"([\d,]+) MiB", cell)
            if declared:
                assert found and int(found.group(1).replace(",", "")) == int(declared), (name, what, cell)
            else:
                assert found is None and "not measured" in cell, (name, what, cell)


HEAP_OF_SERVICE = {
    "namenode": "NAMENODE_HEAP", "datanode": "DATANODE_HEAP", "resourcemanager": "RESOURCEMANAGER_HEAP",
    "nodemanager": "NODEMANAGER_HEAP", "historyserver": "JOBHISTORY_HEAP", "zookeeper": "ZOOKEEPER_HEAP",
    "hbase-master": "HBASE_MASTER_HEAP", "regionserver": "HBASE_REGIONSERVER_HEAP", "hbase-thrift": "HBASE_THRIFT_HEAP",
}


def test_the_stack_page_gives_each_daemons_heap_in_both_profiles(tmp_path):
    standard, small = _manifest(tmp_path, LAB_PROFILE="standard"), _manifest(tmp_path, LAB_PROFILE="small")
    found = {}
    for line in (REPO_ROOT / "docs/stack.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        service = cells[0].split(" ")[0] if cells else ""
        if service in HEAP_OF_SERVICE and len(cells) == 4:
            found[service] = cells[3]
    assert found == {service: f"{standard[key]} / {small[key]}" for service, key in HEAP_OF_SERVICE.items()}
