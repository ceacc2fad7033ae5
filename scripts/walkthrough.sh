#!/usr/bin/env bash
# walkthrough.sh: the desktop assistant driven as a first-time user would,
# under Xvfb, with a screenshot (PNG) after each step. For a person to look
# at (issue 12's walkthrough), not a test: nothing is asserted.
#
# Usage: scripts/walkthrough.sh OUTDIR [SCREEN]
#   SCREEN is 800x600 (the default; the window is made to fill it) or
#   1280x800 (the window keeps its default size).
# Builds the default expeditor (or takes EXPEDITOR_BIN), starts an Xvfb of
# its own and runs the app with a temporary HOME (first run: the welcome
# is shown). The practice declaration is made BIG_MB MiB large (default
# 190, under the 200 MB part limit) before the welcome's "Try" writes its
# small one, so that sending it takes long enough to be cancelled. Then:
#   the practice flow (welcome, name, signature, prepare), a wrong
#   password on the way, a switch to French in the middle, a send
#   cancelled, a send to the end, the replies ("Accepted"), a second send
#   of the accepted set, and the History in Dutch.
# The screenshots are OUTDIR/NN-what.png; OUTDIR/app.log is the app's
# output and OUTDIR/support.log the assistant's own log.
#
# How it finds what to click, so that it survives changes of wording and
# layout: the main button of a page is the primary-coloured (blue) one,
# found on the screen (blue_buttons below), after scrolling the page to its
# end when it may be below the fold; so are the Settings dialog's language
# list and Close button (by their colours); the step list is clicked by
# row; the few other places (the password box) are coordinates kept in one
# table (the "Places" section), relative to the window.
# Needs go, Xvfb, xdotool, ImageMagick's import and python3 with libX11:
# scripts/deps.sh gui installs them (make walkthrough runs it).
set -euo pipefail

out=${1:?usage: scripts/walkthrough.sh OUTDIR [800x600|1280x800]}
screen=${2:-800x600}
BIG_MB=${BIG_MB:-190}

cd "$(dirname "$0")/.."
# shellcheck source=scripts/xvfb.sh
. scripts/xvfb.sh
scripts=$PWD/scripts
for tool in go Xvfb xdotool import python3; do
	command -v "$tool" >/dev/null || { echo "walkthrough: $tool is missing (scripts/deps.sh gui installs it)" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/[0-9][0-9]-*.png

tmp=$(mktemp -d)
xvfb_pid="" app_pid=""
cleanup() {
	if [ -n "$app_pid" ]; then
		kill "$app_pid" 2>/dev/null || true
		wait "$app_pid" 2>/dev/null || true
	fi
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	cp "$tmp/home/.cache/expeditor/expeditor.log" "$out/support.log" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

gui_expeditor walkthrough "$tmp"

start_xvfb walkthrough "$screen" "$tmp"

# The user's home: empty but for the big practice declaration.
home="$tmp/home"
export HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" XDG_DATA_HOME="$home/.local/share"
unset EXPEDITOR_HOME
sample="$XDG_CONFIG_HOME/expeditor/practice-declarations/sample-dmfa.xml"
mkdir -p "$(dirname "$sample")"
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\r\n<DmfAOriginal>\r\n'
	line=$'  <Worker><INSS>85073003328</INSS><Name>Emile Dupont</Name><Wage>2345.67</Wage></Worker>\r'
	{ yes "$line" || true; } | head -n $((BIG_MB * 1024 * 1024 / (${#line} + 1)))
	printf '</DmfAOriginal>\r\n'
} >"$sample"

# The screen helper: "screen_buttons.py R G B X0 X1" prints the buttons of colour
# (R,G,B) between columns X0 and X1 ("x y width height", top to bottom).
# In the default (dark) theme the primary buttons are (41,111,246), the
# others, enabled or not, (40,41,46).
# (scripts/screen_buttons.py, with scripts/x11screen.py)

# --- Places -----------------------------------------------------------
# Everything positional is here, relative to the window's top-left corner
# (WX, WY) or its centre (CX, CY), for the window sizes used. Update these
# when the layout changes; the blue main buttons are found, not placed.
places() {
	local geo
	geo=$(xdotool getwindowgeometry --shell "$win")
	eval "$geo" # X Y WIDTH HEIGHT
	WX=$X WY=$Y WW=$WIDTH WH=$HEIGHT
	CX=$((WX + WW / 2)) CY=$((WY + WH / 2))
	# The step list: row N (1..6) of the left column.
	STEP_X=$((WX + 80)) STEP_Y0=$((WY + 60)) STEP_DY=39
	# The right-hand page: its columns (for the blue buttons), and a point
	# over its labels, away from input boxes, for the mouse wheel.
	PAGE_X0=$((WX + 205)) PAGE_X1=$((WX + WW))
	WHEEL_X=$((WX + 280))
	# Where the mouse rests while the screen is read (a hovered button is
	# not blue): the empty part of the left column, under the steps.
	PARK_X=$((WX + 100)) PARK_Y=$((WY + 380))
	# Settings, at the bottom of the left column.
	SETTINGS_X=$((WX + 100)) SETTINGS_Y=$((WY + WH - 107))
	# Signature page: the password box, and "Make a practice certificate"
	# (to the right of the blue "Use this certificate").
	PASSWORD_X=$((WX + 550)) PASSWORD_Y=$((WY + 201))
	DEMO_DX=205
	# The Settings dialog's language list (found on the screen): its
	# choices, one row each (system, English, Français, Nederlands,
	# Deutsch), from LANG_ROW0 under its centre.
	LANG_ROW0=34 LANG_DY=39
}

# --- Actions ----------------------------------------------------------
n=0
shot() { # shot NAME: a screenshot of the whole screen
	n=$((n + 1))
	sleep 0.4 # a frame or two for the last change to be drawn
	import -window root "$out/$(printf %02d "$n")-$1.png"
	echo "walkthrough: $(printf %02d "$n")-$1.png" >&2
}
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.3; }
step() { click "$STEP_X" $((STEP_Y0 + ($1 - 1) * STEP_DY)); sleep 0.5; } # step N: the step list's row N
blue_buttons() {
	xdotool mousemove "$PARK_X" "$PARK_Y"
	sleep 0.2
	python3 -B "$scripts/screen_buttons.py" 41 111 246 "${1:-$PAGE_X0}" "${2:-$PAGE_X1}"
}
grey_buttons() { # the other buttons (and the choice lists) of the page
	xdotool mousemove "$PARK_X" "$PARK_Y"
	sleep 0.2
	python3 -B "$scripts/screen_buttons.py" 40 41 46 "$PAGE_X0" "$PAGE_X1"
}
# blue first|last [X0 X1]: clicks the first (top) or last (bottom) blue
# button of the page; fails when there is none.
blue() {
	local b
	blue_buttons "${2:-}" "${3:-}" >"$tmp/blue"
	if [ "$1" = first ]; then b=$(head -n1 "$tmp/blue"); else b=$(tail -n1 "$tmp/blue"); fi
	[ -n "$b" ] || { echo "walkthrough: no blue button to click (see the last screenshot)" >&2; shot no-button; exit 1; }
	set -- $b
	BX=$1 BY=$2 BW=$3
	click "$1" "$2"
}
wheel() { # wheel down|up: scrolls the page to its end or its top
	local b=5
	[ "$1" = up ] && b=4
	for y in $((WY + WH / 3)) $((WY + WH * 2 / 3)) $((WY + WH - 80)); do
		xdotool mousemove "$WHEEL_X" "$y" click --repeat 12 --delay 15 "$b"
	done
	sleep 0.3
}
wait_blue() { # wait_blue COUNT SECONDS: until the page shows COUNT blue buttons
	local i
	for i in $(seq 1 $(($2 * 4))); do
		blue_buttons >"$tmp/blue"
		[ "$(wc -l <"$tmp/blue")" -ge "$1" ] && return 0
		sleep 0.25
	done
	echo "walkthrough: waited $2 s for $1 blue buttons" >&2
}
language() { # language N [NAME]: Settings, the Nth language (1 = the system's), Close
	local sel close
	places # the window may have changed size
	click "$SETTINGS_X" "$SETTINGS_Y"
	sleep 0.8
	# The dialog's language list is its first choice box, (32,32,35); its
	# choices open under it, one row each.
	xdotool mousemove "$PARK_X" "$PARK_Y"
	sleep 0.2
	python3 -B "$scripts/screen_buttons.py" 32 32 35 "$WX" $((WX + WW)) >"$tmp/select"
	sel=$(head -n1 "$tmp/select")
	[ -n "$sel" ] || { echo "walkthrough: no language list in Settings" >&2; shot no-language-list; exit 1; }
	set -- "$1" "${2:-language}" $sel
	click "$3" "$4"
	sleep 0.6
	click "$3" $(($4 + LANG_ROW0 + ($1 - 1) * LANG_DY))
	sleep 1.2
	shot "$2-settings"
	# Close: the dialog's lowest button, (40,41,46) (the page behind the
	# dialog is dimmed, so its buttons have another colour).
	xdotool mousemove "$PARK_X" "$PARK_Y"
	sleep 0.2
	python3 -B "$scripts/screen_buttons.py" 40 41 46 "$WX" $((WX + WW)) >"$tmp/close"
	close=$(tail -n1 "$tmp/close")
	[ -n "$close" ] || { echo "walkthrough: no Close button in Settings" >&2; shot no-close; exit 1; }
	set -- $close
	click "$1" "$2"
	sleep 0.6
}

# --- The walk ---------------------------------------------------------
"$bin" >"$out/app.log" 2>&1 &
app_pid=$!
win=$(xdotool search --sync --onlyvisible --name '^Expeditor' | head -n1)
[ "$screen" = 800x600 ] && xdotool windowsize "$win" 800 600
sleep 2
places
xdotool windowfocus "$win" 2>/dev/null || true

# 1. First launch: the welcome offers the practice flow.
shot welcome
# 2. "Try it with the practice point" (the dialog's blue button): the
#    sample declaration is opened, a practice certificate made.
blue last
sleep 4
shot practice-ready
# 3. Declaration: "Copy under this name" at the end of the page.
wheel down
shot declaration-form-end
blue last
sleep 3 # a copy of BIG_MB MiB
shot declaration-named
# 4. Signature: the practice certificate is in use.
step 2
shot signature
# 5. A wrong password, then "Use this certificate" (the first blue button).
click "$PASSWORD_X" "$PASSWORD_Y"
xdotool key ctrl+a
xdotool type --delay 15 "not-the-password"
blue first
sleep 3
shot wrong-password
# 6. "Make a practice certificate" puts a good one back.
click $((BX + DEMO_DX)) "$BY"
sleep 5
shot practice-certificate-again
# 7. Prepare: "Sign and prepare", until "Continue to sending" is blue.
step 3
shot prepare
blue first
wait_blue 2 120
shot prepared
# 8. The language switched to French in the middle of the flow.
language 3 french
shot prepared-in-french
# 9. Send: the first blue button ("Envoyer"), and at once Cancel, which
#    appears to its right (a 190 MiB send on loopback takes about a
#    second: depending on the machine's load Cancel lands during the FI,
#    "cancelled, nothing on the server", or during the GO, "may have
#    arrived: fetch the replies first"; both are worth seeing).
step 4
shot send
blue first
SEND_X=$BX SEND_Y=$BY
xdotool mousemove $((BX + BW / 2 + 45)) "$BY" click 1
sleep 0.2
shot sending-cancel-pressed
sleep 2
shot cancelled
# 10. Send again (the same place; nothing happens if it was sent), to the
#     end: the progress, then "Continuer vers les réponses".
click "$SEND_X" "$SEND_Y"
sleep 8
shot sent
wheel down
shot sent-end
# 11. Replies: fetch; the practice point answers at once ("Accepted").
step 5
shot replies
blue first
sleep 6
shot replies-fetched
wheel down
shot replies-fetched-end
# 12. A second send of the accepted set: the Send page says it was sent;
#     "Send again…" is the grey button right of the (disabled) Send, in
#     the row of the lowest grey button at Send's place.
step 4
shot send-accepted-set
grey_buttons >"$tmp/grey"
row=$(awk -v x="$SEND_X" '$1 > x - 15 && $1 < x + 15 {y = $2} END {print y}' "$tmp/grey")
again=$(awk -v x="$SEND_X" -v y="$row" '$2 > y - 4 && $2 < y + 4 && $1 > x + 15 {print $1; exit}' "$tmp/grey")
if [ -n "$row" ] && [ -n "$again" ]; then
	click "$again" "$row"
	sleep 2
	shot send-again-asked
	# The safe answer is the dialog's blue Cancel (Enter, Escape); the
	# copy goes only after the tick (Tab to it, Space) and the red "Send
	# it again anyway".
	xdotool key Tab space
	sleep 0.5
	xdotool mousemove "$PARK_X" "$PARK_Y"
	python3 -B "$scripts/screen_buttons.py" 244 67 54 0 9999 >"$tmp/red"
	shot send-again-ticked
	if [ -s "$tmp/red" ]; then
		set -- $(head -n1 "$tmp/red")
		click "$1" "$2"
	else
		echo "walkthrough: no red confirmation in the dialog (see the last screenshot)" >&2
		blue last 0 9999
	fi
	sleep 5
	shot send-accepted-set-again
else
	echo "walkthrough: no Send again button found (see the last screenshot)" >&2
fi
# 13. History, in Dutch.
language 4 dutch
step 6
shot history-in-dutch
echo "walkthrough: $n screenshots in $out" >&2
