import sys

from hom_server.cli import main

sys.exit(main())
