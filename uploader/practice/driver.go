package practice

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	ftpserver "goftp.io/server/v2"
)

// driver serves each logged-in account its own home folder, and hands
// every completed upload to the server's checks. One driver serves every
// session; the account comes from the session's login.
type driver struct{ s *Server }

var (
	_ ftpserver.Driver = (*driver)(nil)
	_ ftpserver.Auth   = (*driver)(nil)
)

var errNotHere = errors.New("permission denied: the transfer point's folders cannot be changed")

// CheckPasswd implements ftpserver.Auth (goftp uses the driver's when it has one).
func (d *driver) CheckPasswd(_ *ftpserver.Context, user, pass string) (bool, error) {
	return d.s.checkLogin(user, pass), nil
}

// resolve maps an FTP path to the account's folder, never above it.
func (d *driver) resolve(ctx *ftpserver.Context, p string) (local, user, folder, name string, err error) {
	acct, ok := parseUser(ctx.Sess.LoginUser())
	if !ok {
		return "", "", "", "", errors.New("not logged in")
	}
	clean := strings.TrimPrefix(path.Clean("/"+p), "/")
	home := d.s.home(acct.user)
	if clean == "" {
		return home, acct.user, "", "", nil
	}
	parts := strings.Split(clean, "/")
	folder = parts[0]
	if len(parts) == 2 {
		name = parts[1]
	}
	if len(parts) > 2 {
		return "", "", "", "", fs.ErrNotExist
	}
	return filepath.Join(home, filepath.FromSlash(clean)), acct.user, folder, name, nil
}

func (d *driver) Stat(ctx *ftpserver.Context, p string) (os.FileInfo, error) {
	local, _, _, _, err := d.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	return os.Stat(local)
}

func (d *driver) ListDir(ctx *ftpserver.Context, p string, callback func(os.FileInfo) error) error {
	local, _, _, _, err := d.resolve(ctx, p)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(local)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if err := callback(info); err != nil {
			return err
		}
	}
	return nil
}

func (d *driver) DeleteDir(*ftpserver.Context, string) error { return errNotHere }
func (d *driver) MakeDir(*ftpserver.Context, string) error   { return errNotHere }

func (d *driver) DeleteFile(ctx *ftpserver.Context, p string) error {
	local, _, _, name, err := d.resolve(ctx, p)
	if err != nil {
		return err
	}
	if name == "" {
		return errNotHere
	}
	d.s.release(local)
	return os.Remove(local)
}

// Rename is allowed inside the upload folders, for uploaders that send
// under a temporary name; a rename to a GO name starts the checks like an
// upload does.
func (d *driver) Rename(ctx *ftpserver.Context, from, to string) error {
	lfrom, _, ffrom, nfrom, err := d.resolve(ctx, from)
	if err != nil {
		return err
	}
	lto, user, fto, nto, err := d.resolve(ctx, to)
	if err != nil {
		return err
	}
	if nfrom == "" || nto == "" || !slices.Contains(uploadFolders, ffrom) || !slices.Contains(uploadFolders, fto) {
		return errNotHere
	}
	d.s.release(lto)
	if err := os.Rename(lfrom, lto); err != nil {
		return err
	}
	d.s.received(user, fto, nto)
	return nil
}

func (d *driver) GetFile(ctx *ftpserver.Context, p string, offset int64) (int64, io.ReadCloser, error) {
	local, _, _, name, err := d.resolve(ctx, p)
	if err != nil {
		return 0, nil, err
	}
	if name == "" {
		return 0, nil, errors.New("not a file")
	}
	f, err := os.Open(local)
	if err != nil {
		return 0, nil, err
	}
	info, err := f.Stat()
	if err == nil {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return 0, nil, err
	}
	return info.Size() - offset, &download{File: f, empty: info.Size() == offset}, nil
}

// download is a file being sent. goftp copies it with io.Copy, which
// prefers WriteTo: an empty file (a reply's GO) still writes once, so that
// a TLS data connection completes its handshake before being closed —
// otherwise the client sees the connection reset.
type download struct {
	*os.File
	empty bool
}

func (d *download) WriteTo(w io.Writer) (int64, error) {
	if d.empty {
		_, err := w.Write(nil)
		return 0, err
	}
	return io.Copy(w, d.File)
}

// PutFile stores an upload (only in IN, INTEST and INTEST-S, as on the
// transfer point) and, once it is complete, lets the server look at it.
func (d *driver) PutFile(ctx *ftpserver.Context, p string, data io.Reader, offset int64) (int64, error) {
	local, user, folder, name, err := d.resolve(ctx, p)
	if err != nil {
		return 0, err
	}
	if name == "" || !slices.Contains(uploadFolders, folder) {
		return 0, fmt.Errorf("permission denied: files are dropped into IN, INTEST or INTEST-S")
	}
	d.s.release(local)
	var f *os.File
	if offset > 0 { // resuming (REST)
		f, err = os.OpenFile(local, os.O_WRONLY, 0o600)
		if err == nil {
			_, err = f.Seek(offset, io.SeekStart)
		}
	} else {
		f, err = os.OpenFile(local, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	}
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	d.s.received(user, folder, name)
	return n, nil
}
