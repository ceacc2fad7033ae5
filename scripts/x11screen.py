"""The X screen's pixels through libX11 (ctypes, no other module), for the
scripts that watch the desktop assistant under Xvfb: launch_watch.py
(bench-launch.sh) and screen_buttons.py (walkthrough.sh)."""
import ctypes
import sys

_x = ctypes.CDLL("libX11.so.6")
_x.XOpenDisplay.restype = ctypes.c_void_p
_x.XOpenDisplay.argtypes = [ctypes.c_char_p]
_x.XDefaultScreen.argtypes = [ctypes.c_void_p]
_x.XRootWindow.restype = ctypes.c_ulong
_x.XRootWindow.argtypes = [ctypes.c_void_p, ctypes.c_int]
_x.XDisplayWidth.argtypes = _x.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
_x.XGetImage.restype = ctypes.c_void_p
_x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                         ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
_x.XFree.argtypes = [ctypes.c_void_p]


class Screen:
    """The default screen of $DISPLAY: width, height and pixels()."""

    def __init__(self, who):
        self._dpy = _x.XOpenDisplay(None)
        if not self._dpy:
            sys.exit(who + ": cannot open the display")
        scr = _x.XDefaultScreen(self._dpy)
        self._root = _x.XRootWindow(self._dpy, scr)
        self.width = _x.XDisplayWidth(self._dpy, scr)
        self.height = _x.XDisplayHeight(self._dpy, scr)

    def pixels(self):
        """The whole screen, row after row, one 0x00RRGGBB int a pixel (a
        ZPixmap of the root window, 32 bits a pixel at depth 24)."""
        w, h = self.width, self.height
        img = _x.XGetImage(self._dpy, self._root, 0, 0, w, h, 0xFFFFFFFF, 2)
        data = ctypes.c_void_p.from_address(img + 16).value
        raw = ctypes.string_at(data, w * h * 4)
        _x.XFree(data)
        _x.XFree(img)
        return memoryview(raw).cast("I")
