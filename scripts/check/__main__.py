import sys

from scripts.check import main

sys.exit(main(bounded=True))
