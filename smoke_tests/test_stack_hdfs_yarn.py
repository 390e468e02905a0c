"""HDFS and YARN, exercised as a user would from the edge node."""

from __future__ import annotations

import collections
import random
import uuid

from conftest import edge

MAPPER = b"""import sys
for line in sys.stdin:
    for word in line.split():
        print(f"{word}\\t1")
"""
REDUCER = b"""import sys
current, total = None, 0
for line in sys.stdin:
    word, count = line.rstrip("\\n").split("\\t")
    if word != current and current is not None:
        print(f"{current}\\t{total}")
        total = 0
    current = word
    total += int(count)
if current is not None:
    print(f"{current}\\t{total}")
"""


def test_hdfs_write_then_read_back(lab_stack):
    payload = f"written by the smoke test {uuid.uuid4()}\n".encode()
    path = f"/tmp/smoke-{uuid.uuid4().hex}.txt"
    edge(["bash", "-c", f"cat > /tmp/payload && hdfs dfs -put -f /tmp/payload {path}"], stdin_data=payload)
    assert edge(["hdfs", "dfs", "-cat", path]).endswith(payload.decode())
    edge(["hdfs", "dfs", "-rm", "-skipTrash", path])


def test_streaming_word_count_on_yarn_matches_python(lab_stack):
    rng = random.Random(7)
    vocabulary = ["mastodon", "hadoop", "yarn", "hbase", "airflow", "toot", "boost", "fédivers", "数据"]
    lines = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    text = "\n".join(lines) + "\n"
    expected = collections.Counter(text.split())

    run = uuid.uuid4().hex[:8]
    workdir = f"/tmp/wordcount-{run}"
    edge(["mkdir", "-p", workdir])
    edge(["bash", "-c", f"cat > {workdir}/mapper.py"], stdin_data=MAPPER)
    edge(["bash", "-c", f"cat > {workdir}/reducer.py"], stdin_data=REDUCER)
    edge(["bash", "-c", f"cat > {workdir}/input.txt && hdfs dfs -mkdir -p /tmp/{run} && hdfs dfs -put {workdir}/input.txt /tmp/{run}/input.txt"], stdin_data=text.encode())
    edge([
        "bash", "-c",
        f"cd {workdir} && hadoop jar /opt/hadoop/lib/hadoop-streaming-$HADOOP_VERSION.jar "
        f"-D mapreduce.job.name=smoke-wordcount-{run} -D mapreduce.job.reduces=2 "
        f"-files mapper.py,reducer.py -mapper 'python3 mapper.py' -reducer 'python3 reducer.py' "
        f"-input /tmp/{run}/input.txt -output /tmp/{run}/output",
    ])
    output = edge(["hdfs", "dfs", "-cat", f"/tmp/{run}/output/part-*"])
    counted = collections.Counter()
    for line in output.splitlines():
        word, count = line.split("\t")
        counted[word] += int(count)
    assert counted == expected
    edge(["hdfs", "dfs", "-rm", "-r", "-skipTrash", f"/tmp/{run}"])
