import sys

from labctl.oracle.metrics import main

sys.exit(main(sys.argv[1:]))
