#!/usr/bin/env bash
# make package: everything a user installs, in dist/ (emptied first):
#   expeditor_<version>_amd64.deb          desktop assistant + command line, /usr/bin/expeditor
#   expeditor-cli_<version>_amd64.deb      command line only (-tags nogui): no display needed
#   expeditor-<version>-linux-amd64.tar.xz the desktop files of the .deb, for other distributions
#   expeditor-<version>-x64.msi            Windows installer (both .exe below)
#   expeditor-<version>-windows-amd64.exe     GUI subsystem: no console window on double-click
#   expeditor-cli-<version>-windows-amd64.exe console subsystem, for the command line
#   SHA256SUMS                             checksums of all of the above
# <version> is scripts/version.sh's; `expeditor --version` prints the same.
# Each binary is built once: the Linux desktop binary goes into the .deb and
# the .tar.xz; the two Windows .exe go into dist/ and into the .msi.
# .ci/run checks the result with packaging/check.sh. macOS: see "Install" in
# the README.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh package

export CGO_ENABLED=1
GO=${GO:-go}
VERSION=$(scripts/version.sh)
NUMERIC=$(VERSION=$VERSION scripts/version.sh numeric)
export VERSION
# Reproducible archives: file times in the .deb and .tar.xz are the commit's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
LDFLAGS="-s -w -X github.com/expeditor-be/expeditor/internal/version.Version=$VERSION"
APPID=be.expeditor.app
BUILD=build/package
export BUILD
SYSO=cmd/expeditor/rsrc_windows_amd64.syso

started=$SECONDS
step_start=$SECONDS
step() { # step NAME: prints how long the previous step took
	if [ -n "${step_name:-}" ]; then
		printf 'package: %-28s %4ds\n' "$step_name" $((SECONDS - step_start)) | tee -a "$BUILD/timings"
	fi
	step_name=$1
	step_start=$SECONDS
	[ -z "$1" ] || echo "package: $1 (version $VERSION)"
}

# The .syso only ever exists during the Windows builds below; never leave it
# behind, even on failure or Ctrl-C (only GOOS=windows builds would read it,
# but it is a generated file).
trap 'rm -f "$SYSO"' EXIT

rm -rf "$BUILD" dist
mkdir -p "$BUILD"/linux "$BUILD"/cli "$BUILD"/windows dist

step "pkgtool (nFPM, icons)"
(cd packaging && $GO build -trimpath -o ../"$BUILD"/pkgtool .)
PKGTOOL=$BUILD/pkgtool

step "icons"
$PKGTOOL icons -name "$APPID" assets/icon.png "$BUILD"/icons

step "linux desktop build"
$GO build -trimpath -ldflags "$LDFLAGS" -o "$BUILD"/linux/expeditor ./cmd/expeditor

step "linux headless build"
$GO build -trimpath -tags nogui -ldflags "$LDFLAGS" -o "$BUILD"/cli/expeditor ./cmd/expeditor

step "debian packages"
$PKGTOOL deb packaging/nfpm-desktop.yaml "dist/expeditor_${VERSION}_amd64.deb"
$PKGTOOL deb packaging/nfpm-cli.yaml "dist/expeditor-cli_${VERSION}_amd64.deb"

step "linux archive"
# The same files as the desktop .deb, under a prefix (usually /usr/local).
tree=$BUILD/tar/expeditor-$VERSION
mkdir -p "$tree"/bin "$tree"/share/applications "$tree"/share/icons
cp "$BUILD"/linux/expeditor "$tree"/bin/
cp packaging/$APPID.desktop "$tree"/share/applications/
cp -r "$BUILD"/icons/hicolor "$tree"/share/icons/
tar -C "$BUILD"/tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
	-cJf "dist/expeditor-$VERSION-linux-amd64.tar.xz" "expeditor-$VERSION"

# Windows resources: one .syso per executable (they differ in description
# and file name), compiled by windres, linked by the Windows build only.
windres() { # windres DESCRIPTION FILENAME
	x86_64-w64-mingw32-windres -O coff \
		-DVERSION_NUM="${NUMERIC//./,}" \
		-DVERSION_STR="\\\"$VERSION\\\"" \
		-DFILE_DESC="\\\"$1\\\"" \
		-DORIGINAL_NAME="\\\"$2\\\"" \
		-DICON_FILE="\\\"$BUILD/icons/$APPID.ico\\\"" \
		-i packaging/windows/expeditor.rc -o "$SYSO"
}
WINENV=(GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++)

step "windows GUI build"
windres "Expeditor" expeditor.exe
env "${WINENV[@]}" $GO build -trimpath -ldflags "$LDFLAGS -H=windowsgui" -o "$BUILD"/windows/expeditor.exe ./cmd/expeditor

step "windows console build"
# Same packages as the GUI build (only the link differs), so this is a relink.
windres "Expeditor (command line)" expeditor-cli.exe
env "${WINENV[@]}" $GO build -trimpath -ldflags "$LDFLAGS" -o "$BUILD"/windows/expeditor-cli.exe ./cmd/expeditor
rm -f "$SYSO"
cp "$BUILD"/windows/expeditor.exe "dist/expeditor-$VERSION-windows-amd64.exe"
cp "$BUILD"/windows/expeditor-cli.exe "dist/expeditor-cli-$VERSION-windows-amd64.exe"

step "windows installer"
IFS=. read -r major minor patch _ <<<"$NUMERIC"
# wixl reads source files by relative path only.
wixl -a x64 -D Version="$NUMERIC" -D VersionNext="$major.$minor.$((patch + 1)).0" \
	-D GuiExe="$BUILD"/windows/expeditor.exe -D CliExe="$BUILD"/windows/expeditor-cli.exe \
	-D IconFile="$BUILD/icons/$APPID.ico" \
	-o "dist/expeditor-$VERSION-x64.msi" packaging/windows/expeditor.wxs

step "checksums"
(cd dist && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | LC_ALL=C sort | xargs sha256sum -- >SHA256SUMS)

step ""
printf 'package: %-28s %4ds\n' "total" $((SECONDS - started)) | tee -a "$BUILD/timings"
ls -l dist
