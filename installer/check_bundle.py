"""After a Linux build: every Qt, PySide and Python library a binary of the bundle links to must
be inside the bundle (excluding a Qt module must never break a plugin that is kept).

Libraries the target system provides (libGL, libEGL, fontconfig, GTK for its theme plugin) may
be absent here; those are listed in installer/linux/README.txt, not checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

MUST_BE_BUNDLED = re.compile(r"^(libQt6|libpyside6|libshiboken6|libpython)")


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if (
            path.is_file()
            and not path.is_symlink()
            and (".so" in path.name or os.access(path, os.X_OK))
        ):
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def main(root: Path) -> int:
    internal = root / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    missing: dict[str, set[str]] = {}
    binaries = elf_files(root)
    for binary in binaries:
        result = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, env=env)
        for line in result.stdout.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.startswith("not found") and MUST_BE_BUNDLED.match(name):
                missing.setdefault(name, set()).add(str(binary.relative_to(root)))
    for name, users in sorted(missing.items()):
        print(f"missing {name}, needed by {', '.join(sorted(users))}")
    print(f"checked {len(binaries)} binaries: {len(missing)} bundled libraries missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
