#!/usr/bin/env bash
# Checks what `make package` put in dist/, as a user would meet it. Run by
# .ci/run right after `make package`, as root: it installs the desktop .deb
# with apt-get, then the headless one over it, runs /usr/bin/expeditor, and
# removes what it installed (unless it was installed before).
#   packaging/check.sh
# Needs the tools scripts/deps.sh package installs (msitools, icoutils,
# desktop-file-utils, mingw-w64's binutils).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${VERSION:-$(scripts/version.sh)}
NUMERIC=$(VERSION=$VERSION scripts/version.sh numeric)
APPID=be.expeditor.app
DEB=dist/expeditor_${VERSION}_amd64.deb
CLIDEB=dist/expeditor-cli_${VERSION}_amd64.deb
TARXZ=dist/expeditor-$VERSION-linux-amd64.tar.xz
MSI=dist/expeditor-$VERSION-x64.msi
GUIEXE=dist/expeditor-$VERSION-windows-amd64.exe
CLIEXE=dist/expeditor-cli-$VERSION-windows-amd64.exe
ICON_SIZES=(16 24 32 48 64 128 256 512)
# Libraries only the desktop build may link.
GUI_LIBS='libGL|libX|libxcb|libEGL|libvulkan'

checks=0
fail() {
	echo "check: FAIL: $*" >&2
	exit 1
}
ok() {
	checks=$((checks + 1))
	echo "check: ok: $*"
}
has_line() { # has_line TEXT LINE: TEXT has LINE exactly
	grep -qxF -- "$2" <<<"$1"
}

tmp=$(mktemp -d)
installed_before=()
for p in expeditor expeditor-cli; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		installed_before+=("$p")
	fi
done
cleanup() {
	rm -rf "$tmp"
	# Leave the machine as it was: remove the packages this script installed.
	if [ ${#installed_before[@]} -eq 0 ]; then
		for p in expeditor expeditor-cli; do
			if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
				DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$p" >/dev/null 2>&1 || true
			fi
		done
	fi
}
trap cleanup EXIT

echo "check: version $VERSION (numeric $NUMERIC)"

# --- dist/ and its checksums ------------------------------------------------
for f in "$DEB" "$CLIDEB" "$TARXZ" "$MSI" "$GUIEXE" "$CLIEXE" dist/SHA256SUMS; do
	[ -s "$f" ] || fail "$f is missing (files in dist/: $(ls dist | tr '\n' ' '))"
done
ok "dist/ has both .deb, the .tar.xz, the .msi, both .exe and SHA256SUMS"
(cd dist && sha256sum --check --quiet --strict SHA256SUMS) || fail "dist/SHA256SUMS does not match the files"
listed=$(awk '{print $2}' dist/SHA256SUMS | sed 's/^\*//' | sort)
present=$(cd dist && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort)
[ "$listed" = "$present" ] || fail "dist/SHA256SUMS lists: $listed; dist/ has: $present"
ok "SHA256SUMS covers every file in dist/ and matches"
if compgen -G 'cmd/expeditor/*.syso' >/dev/null; then
	fail "a generated .syso was left in cmd/expeditor: $(ls cmd/expeditor/*.syso)"
fi
ok "no .syso left behind in cmd/expeditor"

# --- Debian packages: fields ------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
list_field() { # the package names of a relation field, one a line
	field "$1" "$2" | tr ',' '\n' | sed -E 's/^ *//; s/[ (].*//' | grep -v '^$' | sort -u || true
}
for deb in "$DEB" "$CLIDEB"; do
	[ "$(field "$deb" Version)" = "$VERSION" ] || fail "$deb: Version $(field "$deb" Version), want $VERSION"
	[ "$(field "$deb" Architecture)" = amd64 ] || fail "$deb: Architecture $(field "$deb" Architecture)"
	[ -n "$(field "$deb" Maintainer)" ] || fail "$deb: no Maintainer"
	desc=$(field "$deb" Description)
	[ "$(wc -l <<<"$desc")" -ge 5 ] || fail "$deb: the long description is missing: $desc"
	[ -n "$(head -1 <<<"$desc")" ] || fail "$deb: no short description"
done
[ "$(field "$DEB" Package)" = expeditor ] || fail "$DEB: Package $(field "$DEB" Package)"
[ "$(field "$CLIDEB" Package)" = expeditor-cli ] || fail "$CLIDEB: Package $(field "$CLIDEB" Package)"
for rel in Conflicts Replaces; do
	has_line "$(list_field "$DEB" $rel)" expeditor-cli || fail "$DEB: $rel does not name expeditor-cli"
	has_line "$(list_field "$CLIDEB" $rel)" expeditor || fail "$CLIDEB: $rel does not name expeditor"
done
ok "both .deb: Package, Version $VERSION, amd64, Maintainer, short and long Description, Conflicts/Replaces each other"

# Depends must name the package of every library the binary links (its
# DT_NEEDED entries, not ldd's whole tree), and the headless one none of the
# GUI libraries.
needed_packages() { # needed_packages BINARY: the packages owning its DT_NEEDED libraries
	local lib path owner
	for lib in $(readelf -d "$1" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')
		[ -n "$path" ] || fail "$1 links $lib, which is not installed here"
		owner=""
		for p in "$path" "$(realpath "$path")" "/usr$path" "${path#/usr}"; do
			owner=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$owner" ] && break
		done
		[ -n "$owner" ] || fail "no package owns $path ($lib, linked by $1)"
		echo "$owner"
	done | sort -u
}
dpkg-deb -x "$DEB" "$tmp/desktop"
dpkg-deb -x "$CLIDEB" "$tmp/cli"
depends=$(list_field "$DEB" Depends)
needed=$(needed_packages "$tmp/desktop/usr/bin/expeditor") || exit 1
for p in $needed; do
	has_line "$depends" "$p" || fail "$DEB: the binary links a library of $p, which Depends does not name (Depends: $(field "$DEB" Depends))"
done
# GLFW (Fyne's window layer) opens these with dlopen at start-up, so they
# are not DT_NEEDED but the window does not open without them.
for p in libgl1 libx11-6 libxcursor1 libxrandr2 libxinerama1 libxi6 libxxf86vm1 libc6; do
	has_line "$depends" "$p" || fail "$DEB: Depends does not name $p"
done
# libc6 (>= V) with V the newest GLIBC_ symbol version the binaries use.
for deb in "$DEB" "$CLIDEB"; do
	dir=$tmp/desktop
	[ "$deb" = "$DEB" ] || dir=$tmp/cli
	glibc=$(objdump -T "$dir/usr/bin/expeditor" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
	min=$(field "$deb" Depends | sed -nE 's/.*libc6 \(>= ([0-9.]+)\).*/\1/p')
	[ -n "$min" ] && dpkg --compare-versions "$min" ge "$glibc" ||
		fail "$deb: the binary needs GLIBC_$glibc but Depends says: $(field "$deb" Depends)"
done
ok "desktop .deb Depends covers every library it links: $(field "$DEB" Depends)"
clidepends=$(list_field "$CLIDEB" Depends)
needed=$(needed_packages "$tmp/cli/usr/bin/expeditor") || exit 1
for p in $needed; do
	has_line "$clidepends" "$p" || fail "$CLIDEB: the binary links a library of $p, which Depends does not name"
done
if readelf -d "$tmp/cli/usr/bin/expeditor" | grep -E "NEEDED.*($GUI_LIBS)"; then
	fail "$CLIDEB: the headless binary links a GUI library"
fi
if grep -E "^(libgl|libx|libegl)" <<<"$clidepends"; then
	fail "$CLIDEB: Depends names a GUI library: $(field "$CLIDEB" Depends)"
fi
ok "headless .deb links and depends on no GUI library: Depends: $(field "$CLIDEB" Depends)"

# --- Debian packages: contents ----------------------------------------------
contents=$(dpkg-deb -c "$DEB")
grep -qE '^-rwxr-xr-x root/root .* \./usr/bin/expeditor$' <<<"$contents" || fail "$DEB: no executable /usr/bin/expeditor owned by root"
grep -qE " \./usr/share/applications/$APPID\.desktop$" <<<"$contents" || fail "$DEB: no desktop entry"
for n in "${ICON_SIZES[@]}"; do
	grep -qE " \./usr/share/icons/hicolor/${n}x${n}/apps/$APPID\.png$" <<<"$contents" ||
		fail "$DEB: no ${n}x${n} icon"
	file "$tmp/desktop/usr/share/icons/hicolor/${n}x${n}/apps/$APPID.png" | grep -q "PNG image data, $n x $n," ||
		fail "$DEB: the ${n}x${n} icon is not a $n x $n PNG"
done
desktop-file-validate "$tmp/desktop/usr/share/applications/$APPID.desktop" || fail "$DEB: the desktop entry is not valid"
icon=$(sed -n 's/^Icon=//p' "$tmp/desktop/usr/share/applications/$APPID.desktop")
[ "$icon" = "$APPID" ] || fail "the desktop entry's Icon=$icon does not name the installed icons"
ok "desktop .deb: /usr/bin/expeditor, a valid $APPID.desktop, icons ${ICON_SIZES[*]}"
clicontents=$(dpkg-deb -c "$CLIDEB")
grep -qE '^-rwxr-xr-x root/root .* \./usr/bin/expeditor$' <<<"$clicontents" || fail "$CLIDEB: no executable /usr/bin/expeditor"
if grep -E '/usr/share/(applications|icons)' <<<"$clicontents"; then
	fail "$CLIDEB: a headless package carries desktop files"
fi
ok "headless .deb: /usr/bin/expeditor only"
tarlist=$(tar -tJf "$TARXZ")
for f in bin/expeditor "share/applications/$APPID.desktop" "share/icons/hicolor/256x256/apps/$APPID.png"; do
	has_line "$tarlist" "expeditor-$VERSION/$f" || fail "$TARXZ has no expeditor-$VERSION/$f"
done
cmp -s "$tmp/desktop/usr/bin/expeditor" <(tar -xJOf "$TARXZ" "expeditor-$VERSION/bin/expeditor") ||
	fail "$TARXZ and $DEB do not carry the same binary"
ok "the .tar.xz carries the .deb's binary, desktop entry and icons"

# --- Install them and run /usr/bin/expeditor --------------------------------
apt_install() {
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$tmp/apt.log" 2>&1; then
		# A machine whose package lists were never fetched cannot resolve Depends.
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$tmp/apt.log" 2>&1 ||
			{ cat "$tmp/apt.log" >&2; fail "apt-get install $*"; }
	fi
}
name="FI.DMFA.123456.$(date +%Y%m%d).00001.R.1.1" # name dates older than a year are refused
run_installed() { # run_installed PACKAGE
	local out
	out=$(EXPEDITOR_HOME="$tmp/home" /usr/bin/expeditor --version) || fail "$1: /usr/bin/expeditor --version failed"
	[ "$out" = "expeditor $VERSION" ] || fail "$1: /usr/bin/expeditor --version printed \"$out\", want \"expeditor $VERSION\""
	out=$(EXPEDITOR_HOME="$tmp/home" /usr/bin/expeditor inspect "$name" 2>&1) ||
		fail "$1: /usr/bin/expeditor inspect $name failed: $out"
	grep -qE "^sender: +123456$" <<<"$out" || fail "$1: inspect did not explain $name: $out"
}
apt_install "./$DEB"
[ "$(dpkg-query -W -f='${Version}' expeditor)" = "$VERSION" ] || fail "the installed expeditor is not $VERSION"
run_installed expeditor
ok "apt-get install ./$DEB; /usr/bin/expeditor --version says $VERSION; inspect $name works"
apt_install "./$CLIDEB"
if dpkg-query -W -f='${Status}' expeditor 2>/dev/null | grep -q "install ok installed"; then
	fail "installing expeditor-cli left expeditor installed (Conflicts/Replaces)"
fi
run_installed expeditor-cli
out=$(/usr/bin/expeditor 2>&1) && fail "the headless expeditor without arguments exited 0: $out"
grep -q "no desktop assistant" <<<"$out" || fail "the headless expeditor without arguments said: $out"
ok "apt-get install ./$CLIDEB replaces expeditor; its /usr/bin/expeditor says $VERSION and has no GUI"

# --- Windows executables ----------------------------------------------------
hexdump_of() { od -An -tx1 -v | tr -d ' \n'; }
le32() { # le32 HEX8: a little-endian 32-bit value from 8 hex digits
	local h=$1
	echo $((16#${h:6:2}${h:4:2}${h:2:2}${h:0:2}))
}
check_exe() { # check_exe FILE DESCRIPTION ORIGINAL_NAME SUBSYSTEM
	local exe=$1 res ver hex fixed ms ls got manifest subsystem
	res=$(wrestool -l "$exe") || fail "$exe: wrestool cannot read its resources"
	grep -q -- "--type=14 --name='GLFW_ICON'" <<<"$res" || fail "$exe: no icon group: $res"
	[ "$(grep -c -- '--type=3 ' <<<"$res")" -ge 6 ] || fail "$exe: fewer than 6 icon images: $res"
	grep -q -- '--type=16 ' <<<"$res" || fail "$exe: no version information"
	grep -q -- '--type=24 ' <<<"$res" || fail "$exe: no manifest"
	# The string table of the version resource, UTF-16 read as text.
	ver=$(wrestool -x --raw --type=16 "$exe" | tr -d '\0')
	for want in "ProductName" "Expeditor" "CompanyName" "FileDescription" "$2" "OriginalFilename" "$3" \
		"ProductVersion" "FileVersion" "$VERSION"; do
		grep -qaF -- "$want" <<<"$ver" || fail "$exe: the version information lacks \"$want\""
	done
	# VS_FIXEDFILEINFO: signature FEEF04BD, struct version, then FileVersion MS, LS.
	hex=$(wrestool -x --raw --type=16 "$exe" | hexdump_of)
	fixed=${hex#*bd04effe}
	[ "$fixed" != "$hex" ] || fail "$exe: no VS_FIXEDFILEINFO"
	ms=$(le32 "${fixed:8:8}")
	ls=$(le32 "${fixed:16:8}")
	got="$((ms >> 16)).$((ms & 65535)).$((ls >> 16)).$((ls & 65535))"
	[ "$got" = "$NUMERIC" ] || fail "$exe: FILEVERSION $got, want $NUMERIC"
	# What --version prints is the string -X put in the binary (ASCII; the
	# version resource's copy is UTF-16): no Windows here to run it.
	grep -qaF -- "$VERSION" "$exe" || fail "$exe: the program does not carry the version $VERSION"
	manifest=$(wrestool -x --raw --type=24 "$exe")
	grep -q 'dpiAwareness' <<<"$manifest" || fail "$exe: the manifest does not declare DPI awareness"
	grep -q 'Microsoft.Windows.Common-Controls' <<<"$manifest" || fail "$exe: the manifest does not ask for common controls 6"
	subsystem=$(x86_64-w64-mingw32-objdump -p "$exe" | grep '^Subsystem')
	grep -qE "\($4\)" <<<"$subsystem" || fail "$exe: not a $4 program: $subsystem"
	ok "$exe: icon, version $VERSION ($got), \"$2\", manifest (DPI, common controls), $4 subsystem"
}
check_exe "$GUIEXE" "Expeditor" expeditor.exe "Windows GUI"
check_exe "$CLIEXE" "Expeditor (command line)" expeditor-cli.exe "Windows CUI"

# --- Windows installer ------------------------------------------------------
msi_export() { msiinfo export "$MSI" "$1" | tr -d '\r'; } # msiinfo ends lines with CRLF
tables=$(msiinfo tables "$MSI" | tr -d '\r')
for t in File Shortcut Upgrade Component Directory Property; do
	has_line "$tables" "$t" || fail "$MSI has no $t table"
done
prop() { msi_export Property | awk -F'\t' -v p="$1" '$1 == p {print $2}'; }
upgradecode=$(sed -nE 's/.*UpgradeCode="([0-9A-F-]+)".*/\1/p' packaging/windows/expeditor.wxs)
[ "$(prop ProductVersion)" = "$NUMERIC" ] || fail "$MSI: ProductVersion $(prop ProductVersion), want $NUMERIC"
[ "$(prop UpgradeCode)" = "{$upgradecode}" ] || fail "$MSI: UpgradeCode $(prop UpgradeCode), want {$upgradecode}"
[ "$(prop ProductName)" = Expeditor ] || fail "$MSI: ProductName $(prop ProductName)"
[ "$(prop ALLUSERS)" = 1 ] || fail "$MSI: not a per-machine install"
[ -n "$(prop ARPPRODUCTICON)" ] || fail "$MSI: no icon in Add/Remove Programs"
suminfo=$(msiinfo suminfo "$MSI" | tr -d '\r')
grep -q 'Template: x64;1033' <<<"$suminfo" || fail "$MSI: not an x64 package: $suminfo"
files=$(msi_export File | awk -F'\t' 'NR > 3 {print $3 " " $4}')
has_line "$files" "expeditor.exe $(stat -c %s "$GUIEXE")" || fail "$MSI: File table lacks expeditor.exe of $GUIEXE's size: $files"
has_line "$files" "expeditor-cli.exe $(stat -c %s "$CLIEXE")" || fail "$MSI: File table lacks expeditor-cli.exe: $files"
msi_export Directory | grep -qP '^INSTALLDIR\tProgramFiles64Folder\tExpeditor$' ||
	fail "$MSI: does not install into Program Files\\Expeditor"
msi_export Shortcut | grep -qP '^\w+\tProgramMenuFolder\tExpeditor\t\w+\t\[INSTALLDIR\]expeditor\.exe\t' ||
	fail "$MSI: no Start-menu shortcut to expeditor.exe: $(msi_export Shortcut)"
upgrade=$(msi_export Upgrade | awk -F'\t' 'NR > 3')
# Older versions are removed (max = this version), same A.B.C builds are
# removed, newer ones are only detected and stop the install.
grep -qP "^\{$upgradecode\}\t\t$NUMERIC\t\t1\t\tWIX_UPGRADE_DETECTED$" <<<"$upgrade" ||
	fail "$MSI: no Upgrade row removing older versions: $upgrade"
grep -qP "^\{$upgradecode\}\t$NUMERIC\t\t\t2\t\tWIX_DOWNGRADE_DETECTED$" <<<"$upgrade" ||
	fail "$MSI: no Upgrade row detecting newer versions: $upgrade"
grep -qP "^\{$upgradecode\}\t$NUMERIC\t[0-9.]+\t\t256\t\tWIX_SAME_VERSION_UPGRADE_DETECTED$" <<<"$upgrade" ||
	fail "$MSI: no Upgrade row replacing other builds of the same version: $upgrade"
msi_export InstallExecuteSequence | grep -q '^RemoveExistingProducts' ||
	fail "$MSI: RemoveExistingProducts is not scheduled"
msi_export LaunchCondition | grep -q 'WIX_DOWNGRADE_DETECTED' || fail "$MSI: a downgrade is not refused"
mkdir "$tmp/msi"
msiextract -C "$tmp/msi" "$MSI" >/dev/null
# (msiextract maps the standard folders such as ProgramFiles64Folder to ".")
cmp -s "$(find "$tmp/msi" -name expeditor.exe)" "$GUIEXE" || fail "$MSI does not carry $GUIEXE"
cmp -s "$(find "$tmp/msi" -name expeditor-cli.exe)" "$CLIEXE" || fail "$MSI does not carry $CLIEXE"
ok "$MSI: version $NUMERIC, UpgradeCode {$upgradecode}, both .exe in Program Files\\Expeditor, Start-menu shortcut, upgrade rows, ARP icon"

echo "check: all $checks package checks passed"
