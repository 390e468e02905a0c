"""The guide's figures about the shipped recording, checked without the lab: the commands that
read only seed_data/ (zcat, jq, grep) run here and must print their output blocks, and the
sizes and blocks exercise 2 shows are those of the file it puts into HDFS. Regenerating the
recording without updating the guide fails here, not on the lab."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_guide_files import ALL, commands

from guide import missing_lines

ROOT = Path(__file__).resolve().parents[2]
# A command that needs nothing but the repository: it starts by reading the recording and calls
# no part of the lab.
LAB = re.compile(r"\b(labctl|hdfs|docker|curl|mapred|yarn)\b|/tmp/lab-guide")
OFFLINE = {
    path: [c for c in commands(path) if c.text.startswith("zcat seed_data/") and c.expected and not LAB.search(c.text)]
    for path in ALL
}


def test_the_guide_has_commands_about_the_recording_to_check():
    # Exercise 3 counts its lines, exercise 7 the months of a tag, exercise 8 an account's lines.
    assert {path.name[:2] for path, found in OFFLINE.items() if found} >= {"03", "07", "08"}


@pytest.mark.parametrize("command", [c for found in OFFLINE.values() for c in found], ids=lambda c: c.where)
def test_a_command_on_the_recording_prints_what_the_guide_says(command):
    if shutil.which("jq") is None and "jq" in command.text:
        pytest.skip("jq is not installed")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command.text], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == command.exit_code, done.stderr
    assert missing_lines(command.expected, done.stdout + done.stderr) == [], f"{command.where}: {done.stdout[-2000:]}"


@pytest.mark.parametrize("path", [p for p in ALL if p.name.startswith("02-")], ids=lambda p: p.parent.name)
def test_exercise_2_shows_the_size_and_blocks_of_the_file_it_puts(path):
    texts = [command.text for command in commands(path)]
    put = next(re.search(r"-put /opt/lab/(seed_data/\S+)", text)[1] for text in texts if "-put /opt/lab/" in text)
    size = (ROOT / put).stat().st_size
    name = Path(put).name
    shown = "\n".join("\n".join(command.expected or ()) for command in commands(path))
    assert f"{name}: {size} bytes" in shown and f'"length": {size}' in shown and f"len={size} " in shown
    small = 1_048_576
    assert f"{size} bytes, replicated: replication=..., {math.ceil(size / small)} block(s)" in shown
    assert f"{math.ceil(size / small) - 1}. BP-...:blk_... len={size % small}" in shown
    megabytes = f"{size / 2**20:.1f} M"  # what `hdfs dfs -ls -h` prints
    assert f"airflow ... {megabytes} ... /tmp/lab-guide/{name}" in shown
    separator = {"en": ",", "fr": " "}[path.parent.name]  # how each language groups thousands
    prose = path.read_text(encoding="utf-8")
    for figure in (size, size % small):
        assert f"{figure:,}".replace(",", separator) in prose, figure
