"""screen_buttons.py R G B X0 X1: prints the buttons of colour (R,G,B)
between columns X0 and X1 of the screen, "x y width height" each, top to
bottom (scripts/walkthrough.sh)."""
import sys

from x11screen import Screen

screen = Screen("screen_buttons")
W, H = screen.width, screen.height
px = screen.pixels()
R, G, B = (int(v) for v in sys.argv[1:4])
x0, x1 = max(0, int(sys.argv[4])), min(W, int(sys.argv[5]))

def blue(p):  # the colour wanted, give or take a little
    r, g, b = (p >> 16) & 255, (p >> 8) & 255, p & 255
    return abs(r - R) < 6 and abs(g - G) < 6 and abs(b - B) < 6

# Runs of at least 6 pixels of the colour in a row (the padding left and
# right of a button's label makes such runs on every row of the button);
# runs that overlap, on the next row or the one after, are one box; boxes
# at least 50 wide and 18 high are buttons.
boxes = []
for y in range(H):
    row = px[y * W:(y + 1) * W]
    i = x0
    while i < x1:
        if blue(row[i]):
            s = i
            while i < x1 and blue(row[i]):
                i += 1
            if i - s >= 6:
                for bx in boxes:
                    if y - 2 <= bx[3] <= y and s < bx[2] and i > bx[0]:
                        bx[0], bx[2], bx[3] = min(bx[0], s), max(bx[2], i), y
                        break
                else:
                    boxes.append([s, y, i, y])
        i += 1
for b in boxes:
    if b[3] - b[1] >= 17 and b[2] - b[0] >= 50:
        print((b[0] + b[2]) // 2, (b[1] + b[3]) // 2, b[2] - b[0], b[3] - b[1] + 1)
