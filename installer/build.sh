#!/usr/bin/env bash
# Build the installable bundle of HOM Desktop (PyInstaller, one folder) and archive it:
#   dist/hom-desktop-<version>-<platform>.tar.gz (.zip on Windows); the path is printed last.
# Needs: pip install -e '.[installer]'; fonts-noto-core (Debian) or HOM_FONT_DIR; binutils.
# HOM_KEEP_ALL_QT=1 keeps every Qt module (to measure what the exclusions save); HOM_BUILD_DIR
# and HOM_DIST_DIR move the work folder (default build/installer) and the output (dist/).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python}"
BUILD="${HOM_BUILD_DIR:-$ROOT/build/installer}"
DIST="${HOM_DIST_DIR:-$ROOT/dist}"
FONT_DIR="${HOM_FONT_DIR:-/usr/share/fonts/truetype/noto}"
FONT_LICENCE="${HOM_FONT_LICENCE:-/usr/share/doc/fonts-noto-core/copyright}"
FONTS=(NotoSansDevanagari-Regular.ttf NotoSansDevanagari-Bold.ttf
       NotoSansTamil-Regular.ttf NotoSansTamil-Bold.ttf
       NotoSansBengali-Regular.ttf NotoSansBengali-Bold.ttf)
started=$(date +%s)

die() { echo "build.sh: $*" >&2; exit 1; }
step() { echo "== $* ($(( $(date +%s) - started )) s)" >&2; }

"$PYTHON" -m PyInstaller --version >/dev/null 2>&1 \
  || die "PyInstaller is missing: pip install -e '.[installer]'"
VERSION=$("$PYTHON" -c 'import hom; print(hom.__version__)')
PLATFORM=$("$PYTHON" -c 'import platform, sys
print({"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
      + "-" + platform.machine().lower())')
NAME="hom-desktop-$VERSION"
rm -rf "$BUILD/stage" "$BUILD/fonts" "$BUILD/icons" "$BUILD/dist"
mkdir -p "$BUILD/fonts" "$DIST"

step "staging the packages exactly as the wheel ships them (hom.migrations, hom_desktop.resources)"
"$PYTHON" -W ignore -c 'from setuptools import setup; setup()' --quiet \
  build_py --build-lib "$BUILD/stage" >/dev/null 2>&1 \
  || die "setuptools could not stage the packages (pip install -e '.[installer]')"

step "fonts for Devanagari, Tamil and Bengali, with their licence"
for font in "${FONTS[@]}"; do
  [ -f "$FONT_DIR/$font" ] \
    || die "no $FONT_DIR/$font: apt-get install fonts-noto-core, or set HOM_FONT_DIR"
  cp "$FONT_DIR/$font" "$BUILD/fonts/"
done
[ -f "$FONT_LICENCE" ] || die "no font licence at $FONT_LICENCE (set HOM_FONT_LICENCE)"
cp "$FONT_LICENCE" "$BUILD/fonts/LICENSE-Noto-fonts.txt"

step "icons"
"$PYTHON" installer/make_icons.py "$BUILD/icons"

step "PyInstaller (one folder)"
HOM_BUILD_DIR="$BUILD" HOM_VERSION="$VERSION" "$PYTHON" -m PyInstaller --noconfirm \
  --log-level WARN --distpath "$BUILD/dist" --workpath "$BUILD/work" installer/hom-desktop.spec >&2

case "$PLATFORM" in
  windows-*)
    APPDIR="$BUILD/dist/hom-desktop"
    ARCHIVE="$DIST/$NAME-$PLATFORM.zip"
    ;;
  macos-*)
    APPDIR="$BUILD/dist/HOM Desktop.app"
    ARCHIVE="$DIST/$NAME-$PLATFORM.zip"
    ;;
  *)
    APPDIR="$BUILD/dist/$NAME"
    mv "$BUILD/dist/hom-desktop" "$APPDIR"
    cp installer/linux/hom-desktop.desktop installer/linux/install.sh installer/linux/README.txt \
      "$BUILD/icons/hom-desktop.png" "$APPDIR/"
    chmod +x "$APPDIR/install.sh"
    step "checking every Qt library the bundle's binaries need is inside it"
    "$PYTHON" installer/check_bundle.py "$APPDIR" >&2
    ARCHIVE="$DIST/$NAME-$PLATFORM.tar.gz"
    ;;
esac

step "archiving"
rm -f "$ARCHIVE"
case "$PLATFORM" in
  macos-*)  # ditto keeps the .app's symlinks and extended attributes (a plain zip breaks them)
    ditto -c -k --keepParent "$APPDIR" "$ARCHIVE"
    ;;
  windows-*)
    "$PYTHON" -c 'import shutil, sys
shutil.make_archive(sys.argv[1][:-4], "zip", sys.argv[2], sys.argv[3])' \
      "$ARCHIVE" "$(dirname "$APPDIR")" "$(basename "$APPDIR")"
    ;;
  *)
    tar -C "$(dirname "$APPDIR")" -cf - "$(basename "$APPDIR")" | gzip -6 > "$ARCHIVE"
    ;;
esac

folder_mb=$(du -sm "$APPDIR" | cut -f1)
archive_mb=$(( $(wc -c < "$ARCHIVE") / 1048576 ))
echo "bundle: $APPDIR ($folder_mb MB), archive $archive_mb MB, built in $(( $(date +%s) - started )) s" >&2
if [ "$PLATFORM" != "${PLATFORM#windows-}" ] && command -v iscc >/dev/null 2>&1; then
  step "Inno Setup: the Windows installer (beside the archive)"
  winpath() { if command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else echo "$1"; fi; }
  iscc -Q "-DAppVersion=$VERSION" "-DSourceDir=$(winpath "$APPDIR")" \
    "-DOutputDir=$(winpath "$DIST")" "-DIconFile=$(winpath "$BUILD/icons/hom-desktop.ico")" \
    "$(winpath "$ROOT/installer/windows/hom-desktop.iss")" >&2
fi
echo "$ARCHIVE"
