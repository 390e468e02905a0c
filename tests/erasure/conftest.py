import sys
from pathlib import Path

# Helpers of other test folders: the Status builder (replay), the in-memory WebHDFS client
# (lake), reading a lake as a job does (collect), the in-memory HBase (hbase), Airflow's API
# stand-in (stack).
_TESTS = Path(__file__).resolve().parent.parent
for _extra in (_TESTS / "replay", _TESTS / "lake", _TESTS / "collect", _TESTS / "hbase", _TESTS / "stack"):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))
