"""`python -m labctl.replay --recording PATH [--host 127.0.0.1] [--port 8000]`

PATH is one recording or a directory of them, one per instance: each instance is served
under `/<its domain>` (the first also at the root). Every option falls back to a REPLAY_*
environment variable (see config.py), so the compose service needs no arguments at all.
It listens on 127.0.0.1 unless told otherwise (the compose service says 0.0.0.0 inside its
container). The expected token is only read from REPLAY_TOKEN_FILE.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from labctl.replay.app import create_replay
from labctl.replay.config import ConfigError, ReplayConfig
from labctl.replay.server import serve_forever


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m labctl.replay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recording", type=Path, help="a recording (JSON lines or arrays, .gz or plain) or a directory of them [REPLAY_RECORDING]")
    parser.add_argument("--host", help="address to listen on [REPLAY_HOST, default: loopback]")
    parser.add_argument("--port", type=int, help="port [REPLAY_PORT, default: the replay server's in stack/lab.env]")
    parser.add_argument("--domain", help="instance domain of a single recording [REPLAY_DOMAIN, default: from the recording]")
    parser.add_argument("--version", dest="version", help="version string to report [REPLAY_VERSION]")
    parser.add_argument("--log-level", default="INFO", help="logging level (the access log is at INFO)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = ReplayConfig.from_env(recording=args.recording, host=args.host, port=args.port,
                                       domain=args.domain, version=args.version)
        if config.recording is None:
            raise ConfigError("no recording: give --recording PATH or set REPLAY_RECORDING")
        if not config.recording.exists():
            raise ConfigError(f"recording {config.recording} does not exist")
        app = create_replay(config)
    except (ConfigError, ValueError) as exc:
        print(f"labctl.replay: {exc}", file=sys.stderr)
        return 2
    serve_forever(app, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
