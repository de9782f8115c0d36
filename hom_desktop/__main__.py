"""``python -m hom_desktop`` is the same as the ``hom-desktop`` command."""

import sys

from hom_desktop.cli import main

sys.exit(main())
