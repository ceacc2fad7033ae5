#!/usr/bin/env bash
# make package: the desktop assistant (with the CLI in the same binary) as
#   dist/Expeditor-<version>-linux-amd64.tar.xz   (fyne package: binary, icon, .desktop file, Makefile to install)
#   dist/expeditor-<version>-windows-amd64.exe    (GUI subsystem: no console window on double-click)
#   dist/expeditor-cli-<version>-windows-amd64.exe (console subsystem, for the command line)
# The Windows files are cross-built with mingw-w64 (cgo is needed by Fyne's
# OpenGL driver and by PKCS#11). macOS: see "Building on macOS" in the README.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh package

export CGO_ENABLED=1
GO=${GO:-go}
# The fyne tool at the version of the Fyne library in go.mod, run on its own
# (module@version) so it adds nothing to go.mod.
FYNE_VERSION=$($GO list -m -f '{{.Version}}' fyne.io/fyne/v2)
FYNE="$GO run fyne.io/fyne/v2/cmd/fyne@$FYNE_VERSION"
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
LDFLAGS="-s -w -X github.com/expeditor-be/expeditor/internal/version.Version=$VERSION"
# The fyne tool wants x.y.z; a git description such as v0.1.0-3-gabc gives 0.1.0.
APPVERSION=$(echo "$VERSION" | sed -nE 's/^v?([0-9]+\.[0-9]+\.[0-9]+).*/\1/p')
APPVERSION=${APPVERSION:-$(sed -nE 's/^ *Version *= *"(.*)"/\1/p' FyneApp.toml)}

rm -rf build/package
mkdir -p build/package/linux dist

echo "linux: building"
$GO build -trimpath -ldflags "$LDFLAGS" -o build/package/linux/expeditor ./cmd/expeditor
cp FyneApp.toml build/package/linux/
mkdir -p build/package/linux/assets
cp assets/icon.png build/package/linux/assets/
echo "linux: packaging"
(cd build/package/linux &&
	$FYNE package --os linux --exe expeditor --name Expeditor --icon assets/icon.png \
		--appID be.expeditor.app --appVersion "$APPVERSION" --release)
mv build/package/linux/Expeditor.tar.xz "dist/Expeditor-$VERSION-linux-amd64.tar.xz"

echo "windows: cross-building with mingw-w64"
export GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++
$GO build -trimpath -ldflags "$LDFLAGS -H=windowsgui" -o "dist/expeditor-$VERSION-windows-amd64.exe" ./cmd/expeditor
$GO build -trimpath -ldflags "$LDFLAGS" -o "dist/expeditor-cli-$VERSION-windows-amd64.exe" ./cmd/expeditor
unset GOOS GOARCH CC CXX

rm -rf build/package
ls -l dist
