#!/bin/sh
# Add HOM Desktop to this user's application menu (no root needed). Run it from the unpacked
# folder; run it again after unpacking a newer version elsewhere. `./install.sh --remove` takes
# the menu entry away. Your data (~/.local/share/hom-desktop) is never touched.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
APPS="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
ICONS="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
if [ "${1:-}" = "--remove" ]; then
  rm -f "$APPS/hom-desktop.desktop" "$ICONS/hom-desktop.png"
  echo "removed the menu entry; your data folder is kept"
  exit 0
fi
mkdir -p "$APPS" "$ICONS"
cp "$HERE/hom-desktop.png" "$ICONS/hom-desktop.png"
sed "s|^Exec=.*|Exec=\"$HERE/hom-desktop\"|" "$HERE/hom-desktop.desktop" > "$APPS/hom-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" || true
echo "HOM Desktop is in your application menu (runs $HERE/hom-desktop)"
