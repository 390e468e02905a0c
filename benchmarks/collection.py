"""Collection throughput against the replay server: `python benchmarks/collection.py`.

By default it serves the recording from a thread of this process (werkzeug, loopback) and
collects it into a temporary local lake, so server and collector share one interpreter:
the figure is a lower bound. `--url` measures against a running replay service instead
(e.g. the lab's waitress-served `mastodon-replay`). It also times file ingestion of the
same recording, which skips HTTP: the difference is the cost of the API path.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's labctl, run from anywhere

from labctl.collect.client import ClientOptions  # noqa: E402
from labctl.collect.collector import CollectOptions, collect_timeline  # noqa: E402
from labctl.collect.files import ingest_files  # noqa: E402
from labctl.collect.timelines import Timeline  # noqa: E402
from labctl.collect.writer import DEFAULT_BATCH_SIZE  # noqa: E402
from labctl.lake.fs import LocalFileSystem  # noqa: E402
from labctl.replay.app import create_app  # noqa: E402
from labctl.replay.config import ReplayConfig  # noqa: E402
from labctl.replay.server import serve_in_thread  # noqa: E402
from labctl.replay.store import StatusStore  # noqa: E402

# One timeline of the shipped recording (seed_data/recordings/, labctl.seedgen.SHIPPED_FILES): one
# server, one feed, as the collector reads it.
DEFAULT_RECORDING = Path(__file__).resolve().parents[1] / "seed_data" / "recordings" / "toot.varmo.de.jsonl.gz"


def run(recording: Path, *, url: str | None, timeline: str, batch_size: int, include_noindex: bool) -> dict:
    figures: dict = {"recording": str(recording)}
    store = None
    if url is None:
        started = time.perf_counter()
        store = StatusStore.from_file(recording)
        figures["server_load_seconds"] = round(time.perf_counter() - started, 2)
        app = create_app(ReplayConfig(rate_limit=10**9, rate_window=1.0), store)
        serving = serve_in_thread(app)
    else:
        serving = nullcontext(None)
    with serving as server, tempfile.TemporaryDirectory(prefix="labctl-bench-") as lake_dir:
        target = server.url if server is not None else url
        options = CollectOptions(batch_size=batch_size, include_noindex=include_noindex,
                                 client=ClientOptions(request_timeout=60))
        result = collect_timeline(target, Timeline.parse(timeline), LocalFileSystem(Path(lake_dir) / "api"),
                                  options=options)
        figures.update(
            server="in-process werkzeug" if server is not None else url,
            collected=result.received,
            written=result.written,
            skipped=result.skipped,
            pages=result.pages,
            collect_seconds=round(result.seconds, 2),
            collect_statuses_per_second=round(result.statuses_per_second, 1),
        )
        started = time.perf_counter()
        files = ingest_files([recording], LocalFileSystem(Path(lake_dir) / "files"), batch_size=batch_size,
                             include_noindex=include_noindex)
        seconds = time.perf_counter() - started
        figures.update(
            ingest_records=files[0].records,
            ingest_seconds=round(seconds, 2),
            ingest_records_per_second=round(files[0].records / seconds, 1) if seconds else 0.0,
        )
    if store is not None:
        figures["recording_statuses"] = store.report.statuses
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/collection.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recording", type=Path, default=DEFAULT_RECORDING, help="statuses file to replay")
    parser.add_argument("--url", help="a running replay server to collect from (default: serve the recording here)")
    parser.add_argument("--timeline", default="public", help="public, local or tag:NAME")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--include-noindex", action="store_true", help="collect every status, as a benchmark should")
    args = parser.parse_args(argv)
    if not args.recording.is_file():
        print(f"no recording at {args.recording}: generate one (labctl/seedgen) or pass --recording",
              file=sys.stderr)
        return 2
    figures = run(args.recording, url=args.url, timeline=args.timeline, batch_size=args.batch_size,
                  include_noindex=args.include_noindex)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
