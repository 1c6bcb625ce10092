import sys

from scripts.export import main

sys.exit(main())
