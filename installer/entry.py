"""The bundle's entry point: the same ``hom-desktop`` command the wheel installs."""

import sys

from hom_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
