"""launch_watch.py MIN_COLOURS TIMEOUT_S COMMAND...: launches COMMAND, reads
the screen until content is drawn (at least MIN_COLOURS colours) or
TIMEOUT_S, prints "mapped_ms content_ms colours" and stops the command
(scripts/bench-launch.sh)."""
import signal, subprocess, sys, time

from x11screen import Screen

min_colours, timeout = int(sys.argv[1]), float(sys.argv[2])
cmd = sys.argv[3:]
screen = Screen("launch_watch")
w, h = screen.width, screen.height

def colours():
    # Every second pixel of every second row is enough to count colours.
    px = screen.pixels()
    seen = set()
    for y in range(0, h, 2):
        seen.update(px[y * w:(y + 1) * w:2])
    seen.discard(0)
    return len(seen)

t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
mapped = content = None
n = 0
while time.monotonic() - t0 < timeout and p.poll() is None:
    n = colours()
    t = (time.monotonic() - t0) * 1000
    if mapped is None and n > 0:
        mapped = t
    if n >= min_colours:
        content = t
        break
    time.sleep(0.005)
p.send_signal(signal.SIGTERM)
try:
    p.wait(5)
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
# Wait for the window to be gone before the next round.
deadline = time.monotonic() + 5
while colours() and time.monotonic() < deadline:
    time.sleep(0.02)
fmt = lambda v: "%.0f" % v if v is not None else "none"
print(fmt(mapped), fmt(content), n)
