// Command pkgtool is the part of `make package` (scripts/package.sh) that
// shell tools do badly. It is its own module so that the packaging library
// (nFPM) stays out of the application's go.mod.
//
//	pkgtool icons SRC.png DIR     DIR/hicolor/NxN/apps/NAME.png for the usual sizes
//	                              and DIR/NAME.ico (Windows), NAME from -name
//	pkgtool deb CONFIG.yaml OUT   a Debian package from an nFPM configuration;
//	                              ${VAR} in it are read from the environment and
//	                              an unset one is an error
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
)

// The sizes of the freedesktop hicolor theme that desktops look up, and the
// ones a Windows .ico carries (256 for large icon views, the small ones for
// the task bar, title bar and Start menu at 100 % to 200 % scaling).
var (
	hicolorSizes = []int{16, 24, 32, 48, 64, 128, 256, 512}
	icoSizes     = []int{16, 24, 32, 48, 64, 128, 256}
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "icons":
		err = runIcons(os.Args[2:])
	case "deb":
		err = runDeb(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pkgtool: %s\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: pkgtool icons [-name NAME] SRC.png DIR | pkgtool deb CONFIG.yaml OUT.deb")
	os.Exit(2)
}

func runIcons(args []string) error {
	fs := flag.NewFlagSet("icons", flag.ContinueOnError)
	name := fs.String("name", "expeditor", "file name of the icons, without extension")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		usage()
	}
	src, dir := fs.Arg(0), fs.Arg(1)
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < 256 {
		return fmt.Errorf("%s: the icon must be square and at least 256 pixels wide (it is %dx%d)", src, b.Dx(), b.Dy())
	}
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)

	encoded := map[int][]byte{}
	for _, n := range append(append([]int{}, hicolorSizes...), icoSizes...) {
		if _, ok := encoded[n]; ok || n > b.Dx() {
			continue
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, downscale(rgba, n)); err != nil {
			return err
		}
		encoded[n] = buf.Bytes()
	}
	for _, n := range hicolorSizes {
		data, ok := encoded[n]
		if !ok {
			continue
		}
		d := filepath.Join(dir, "hicolor", fmt.Sprintf("%dx%d", n, n), "apps")
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, *name+".png"), data, 0o644); err != nil {
			return err
		}
	}
	var sizes []int
	for _, n := range icoSizes {
		if _, ok := encoded[n]; ok {
			sizes = append(sizes, n)
		}
	}
	sort.Ints(sizes)
	return os.WriteFile(filepath.Join(dir, *name+".ico"), ico(sizes, encoded), 0o644)
}

// downscale shrinks a square premultiplied image to n×n by averaging, for
// each target pixel, the source area it covers (partly covered source pixels
// count by the fraction covered). Averaging premultiplied values keeps
// transparent edges free of dark fringes.
func downscale(src *image.RGBA, n int) *image.RGBA {
	size := src.Bounds().Dx()
	if n == size {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, n, n))
	scale := float64(size) / float64(n)
	// weights[i] lists, for target row/column i, the source indices and how
	// much of each it covers; rows and columns share it (the image is square).
	type span struct {
		i int
		w float64
	}
	weights := make([][]span, n)
	for i := range n {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		for s := int(lo); s < size && float64(s) < hi; s++ {
			w := min(hi, float64(s+1)) - max(lo, float64(s))
			if w > 0 {
				weights[i] = append(weights[i], span{s, w})
			}
		}
	}
	area := scale * scale
	for y := range n {
		for x := range n {
			var r, g, b, a float64
			for _, sy := range weights[y] {
				row := sy.i * src.Stride
				for _, sx := range weights[x] {
					w := sy.w * sx.w
					p := src.Pix[row+sx.i*4 : row+sx.i*4+4 : row+sx.i*4+4]
					r += float64(p[0]) * w
					g += float64(p[1]) * w
					b += float64(p[2]) * w
					a += float64(p[3]) * w
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o+0] = uint8(r/area + 0.5)
			dst.Pix[o+1] = uint8(g/area + 0.5)
			dst.Pix[o+2] = uint8(b/area + 0.5)
			dst.Pix[o+3] = uint8(a/area + 0.5)
		}
	}
	return dst
}

// ico builds a Windows icon file whose images are PNG data (read by Windows
// Vista and later, by windres and by wrestool).
func ico(sizes []int, png map[int][]byte) []byte {
	var buf bytes.Buffer
	le := binary.LittleEndian
	buf.Write(le.AppendUint16(nil, 0)) // reserved
	buf.Write(le.AppendUint16(nil, 1)) // type: icon
	buf.Write(le.AppendUint16(nil, uint16(len(sizes))))
	offset := 6 + 16*len(sizes)
	for _, n := range sizes {
		dim := byte(n)
		if n >= 256 {
			dim = 0 // 0 means 256
		}
		buf.Write([]byte{dim, dim, 0, 0})   // width, height, palette size, reserved
		buf.Write(le.AppendUint16(nil, 1))  // colour planes
		buf.Write(le.AppendUint16(nil, 32)) // bits per pixel
		buf.Write(le.AppendUint32(nil, uint32(len(png[n]))))
		buf.Write(le.AppendUint32(nil, uint32(offset)))
		offset += len(png[n])
	}
	for _, n := range sizes {
		buf.Write(png[n])
	}
	return buf.Bytes()
}

func runDeb(args []string) error {
	if len(args) != 2 {
		usage()
	}
	config, target := args[0], args[1]
	var unset []string
	cfg, err := nfpm.ParseFileWithEnvMapping(config, func(name string) string {
		v, ok := os.LookupEnv(name)
		if !ok && !strings.HasPrefix(name, "NFPM_") { // nFPM always asks for its passphrases
			unset = append(unset, name)
		}
		return v
	})
	if err != nil {
		return fmt.Errorf("%s: %w", config, err)
	}
	if len(unset) > 0 {
		return fmt.Errorf("%s uses unset variables: %s", config, strings.Join(unset, ", "))
	}
	info, err := cfg.Get("deb")
	if err != nil {
		return err
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.Validate(info); err != nil {
		return fmt.Errorf("%s: %w", config, err)
	}
	packager, err := nfpm.Get("deb")
	if err != nil {
		return err
	}
	info.Target = target
	tmp := target + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := packager.Package(info, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
