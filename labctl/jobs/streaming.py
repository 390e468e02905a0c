"""The `hadoop jar hadoop-streaming.jar ...` command line of each step (Hadoop 3.4).

Pure: the caller runs it (in the lab's client container) and chains the steps, passing
each step's output directory as the next step's input.

Choices carried by the command line:
- ``stream.num.map.output.key.fields=2``: every row's key is (kind, name), the rest its
  value. The default HashPartitioner over that key is what the reducers need: no reducer
  depends on the order of its values (they merge with max and sum), so there is no
  secondary sort and no KeyFieldBasedPartitioner.
- ``stream.num.reduce.output.key.fields`` equal to it: Streaming splits a *combiner's* output
  with the reducer's setting (default 1 field), so combined rows would otherwise be keyed on
  their kind alone, sort apart from uncombined ones, and reach a reducer out of order (seen
  on YARN as a handle output twice once a step has two reducers). Every row carries its key
  fields and a value, so the reducers' own output is unchanged.
- map output compressed with SnappyCodec: Hadoop 3.3.1 and later carry it in Java
  (snappy-java), no native library needed. At 1M statuses it took the dedup step from 123 s
  to 101 s against zlib's DefaultCodec, which spends the lab's two cores compressing
  (docs/benchmarks.md).
- ``-cmdenv`` for the job's environment (PYTHONPATH=.: see definition.Job).
- reducers from the input size: one per `bytes_per_reducer`, between 1 and `max_reducers`
  (by default `PARALLEL_TASKS`).
- CombineTextInputFormat: the raw zone is many small gzip batches, and TextInputFormat gives
  each its own map task (a JVM and a Python interpreter for about a megabyte); combined, the
  200k-status benchmark's two steps took 70 s instead of 223 s. A split holds up to
  `split_bytes`, or the input divided by `parallel_maps` when that is more: a big input runs
  one map per core, not one per 32 MiB. At 1M statuses (2.8 GB) the dedup step took 310 to
  342 s in 83 maps, 123 s in 2, and longer in 4 than in 2 (docs/benchmarks.md).
  ``stream.map.input.ignoreKey``, because Streaming drops the byte-offset key only for
  TextInputFormat and would otherwise hand mappers "offset<TAB>line". `split_bytes=None`
  goes back to one map per file.
- ``mapreduce.job.ubertask.enable``: a job small enough (at most 9 maps, 1 reducer, input
  under one HDFS block: the recorded set's two steps) runs its tasks inside its
  ApplicationMaster's JVM instead of asking YARN for a container per task; bigger jobs run
  as usual, Hadoop decides per job. On the recorded set it took each step from about 55 s
  to about 32 s on a loaded machine (docs/benchmarks.md). The JobHistory UI shows such a
  job as "uberized"; `uber=False` turns it off for a lesson on task containers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from labctl.jobs.definition import Job

# The tasks that can compute at once: the lab is sized for two real cores (stack/lab.env), and
# more tasks than cores only share them (4 maps were slower than 2 at 1M statuses).
PARALLEL_TASKS = 2
DEFAULT_BYTES_PER_REDUCER = 256 * 1024 * 1024
DEFAULT_MAX_REDUCERS = PARALLEL_TASKS
DEFAULT_SPLIT_BYTES = 32 * 1024 * 1024
MAP_OUTPUT_CODEC = "org.apache.hadoop.io.compress.SnappyCodec"
COMBINE_FORMAT = "org.apache.hadoop.mapred.lib.CombineTextInputFormat"


def reducers_for(input_bytes: int, bytes_per_reducer: int = DEFAULT_BYTES_PER_REDUCER, max_reducers: int = DEFAULT_MAX_REDUCERS) -> int:
    if input_bytes < 0 or bytes_per_reducer <= 0 or max_reducers < 1:
        raise ValueError(
            f"need input_bytes >= 0, bytes_per_reducer > 0, max_reducers >= 1 "
            f"(got {input_bytes}, {bytes_per_reducer}, {max_reducers})"
        )
    return max(1, min(max_reducers, math.ceil(input_bytes / bytes_per_reducer)))


def split_bytes_for(input_bytes: int, split_bytes: int = DEFAULT_SPLIT_BYTES, parallel_maps: int = PARALLEL_TASKS) -> int:
    """The most bytes a combined split holds: `split_bytes`, or a `parallel_maps`-th of the
    input when that is more (a small input keeps its one map, and its job stays uberized)."""
    if split_bytes <= 0 or parallel_maps < 1:
        raise ValueError(f"split_bytes must be positive or None, parallel_maps at least 1 (got {split_bytes}, {parallel_maps})")
    return max(split_bytes, math.ceil(input_bytes / parallel_maps))


def streaming_argv(
    job: Job,
    step_number: int,
    *,
    streaming_jar: str,
    jobs_dir: str,
    inputs: Sequence[str],
    output: str,
    input_bytes: int,
    hadoop: str = "hadoop",
    bytes_per_reducer: int = DEFAULT_BYTES_PER_REDUCER,
    max_reducers: int = DEFAULT_MAX_REDUCERS,
    split_bytes: int | None = DEFAULT_SPLIT_BYTES,
    parallel_maps: int = PARALLEL_TASKS,
    properties: Mapping[str, str] | None = None,
    uber: bool = True,
) -> list[str]:
    """argv submitting step `step_number` (0-based) of `job`.

    `jobs_dir` is where the job's files are on the machine running `hadoop` (they are
    shipped with -files); `inputs` and `output` are HDFS paths; `properties` add or
    override -D settings (e.g. memory sizes).
    """
    if not 0 <= step_number < len(job.steps):
        raise ValueError(f"step {step_number} does not exist: {job.name} has {len(job.steps)} steps")
    if not inputs:
        raise ValueError("a Streaming step needs at least one input path")
    step = job.steps[step_number]
    settings = {
        "mapreduce.job.name": f"{job.name} {step_number + 1}/{len(job.steps)} {step.name}",
        "mapreduce.job.reduces": str(reducers_for(input_bytes, bytes_per_reducer, max_reducers)),
        "mapreduce.map.output.compress": "true",
        "mapreduce.map.output.compress.codec": MAP_OUTPUT_CODEC,
        "stream.num.map.output.key.fields": str(step.key_fields),
        "stream.num.reduce.output.key.fields": str(step.key_fields),
        "mapreduce.job.ubertask.enable": "true" if uber else "false",
        # How often the client asks the ApplicationMaster how the job goes. Streaming's client
        # prints progress (Job.monitorAndPrintJob), which polls at this interval, 1 s by default;
        # mapreduce.client.completion.pollinterval is read only by clients that print nothing.
        "mapreduce.client.progressmonitor.pollinterval": "200",
        # The ApplicationMaster's heartbeat to the ResourceManager (1 s by default): task
        # containers are granted on it, and the AM's unregistration at the end waits on it.
        "yarn.app.mapreduce.am.scheduler.heartbeat.interval-ms": "200",
    }
    if split_bytes is not None:
        settings["mapreduce.input.fileinputformat.split.maxsize"] = str(split_bytes_for(input_bytes, split_bytes, parallel_maps))
        settings["stream.map.input.ignoreKey"] = "true"
    settings.update(properties or {})
    argv = [hadoop, "jar", streaming_jar]
    for name, value in settings.items():
        argv += ["-D", f"{name}={value}"]
    argv += ["-files", ",".join(str(PurePosixPath(jobs_dir) / name) for name in job.files)]
    for name, value in job.environment.items():
        argv += ["-cmdenv", f"{name}={value}"]
    if split_bytes is not None:
        argv += ["-inputformat", COMBINE_FORMAT]
    argv += ["-mapper", step.mapper]
    if step.combiner:
        argv += ["-combiner", step.combiner]
    argv += ["-reducer", step.reducer]
    for path in inputs:
        argv += ["-input", path]
    argv += ["-output", output]
    return argv
