import sys

from composer.shim.main import main

raise SystemExit(main(sys.argv))
