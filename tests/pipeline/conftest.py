import sys
from pathlib import Path

# The Status builder (statusfactory.py) lives with the replay tests; these tests use it too.
_FACTORY_DIR = str(Path(__file__).resolve().parent.parent / "replay")
if _FACTORY_DIR not in sys.path:
    sys.path.insert(0, _FACTORY_DIR)
