import sys
from pathlib import Path

# corpus.py is imported by name, as the smoke test imports it.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
