package workflow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/uploader"
)

// memServer is a transfer point folder in memory; put, when set, may
// fail or cancel an upload.
type memServer struct {
	mu    sync.Mutex
	files map[string][]byte
	put   func(name string) error
}

func (m *memServer) List(ctx context.Context, folder string) ([]uploader.RemoteFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []uploader.RemoteFile
	for k, v := range m.files {
		if f, n, _ := strings.Cut(k, "/"); f == folder {
			out = append(out, uploader.RemoteFile{Name: n, Size: int64(len(v))})
		}
	}
	return out, nil
}

func (m *memServer) Put(ctx context.Context, folder, name string, r io.Reader, size int64) error {
	if m.put != nil {
		if err := m.put(name); err != nil {
			return err
		}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[folder+"/"+name] = b
	return nil
}

func (m *memServer) Size(ctx context.Context, folder, name string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[folder+"/"+name]
	if !ok {
		return 0, fs.ErrNotExist
	}
	return int64(len(b)), nil
}

func (m *memServer) Get(ctx context.Context, folder, name string, w io.Writer) (int64, error) {
	m.mu.Lock()
	b := m.files[folder+"/"+name]
	m.mu.Unlock()
	n, err := io.Copy(w, bytes.NewReader(b))
	return n, err
}

func (m *memServer) Delete(ctx context.Context, folder, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, folder+"/"+name)
	return nil
}

func (m *memServer) Close() error { return nil }

// testSendSet writes a complete test-environment set (T: no FS needed).
func testSendSet(t *testing.T) batch.Set {
	t.Helper()
	dir := t.TempDir()
	date := time.Now().Format(batch.DateLayout)
	fi := filepath.Join(dir, "FI.DMFA.123456."+date+".00001.T.1.1")
	if err := os.WriteFile(fi, []byte("<DmfA/>\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := batch.SetOf(fi)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(set.Path(set.GO()), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return set
}

func sendReq(set batch.Set, srv *memServer, again bool) SendRequest {
	return SendRequest{Endpoint: uploader.Endpoint{Scheme: "ftp", User: "xt1", Host: "ftp.example.be"}, Set: set,
		Transport: srv, Again: again, Options: uploader.SendOptions{Retries: -1}}
}

func TestSendRecordsAndRefusesASecondSend(t *testing.T) {
	l := openTest(t)
	set := testSendSet(t)
	srv := &memServer{files: map[string][]byte{}}
	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); err != nil {
		t.Fatal(err)
	}
	rec, _ := l.Get("xt1@ftp.example.be", batch.Test, set.Key())
	if rec == nil || rec.State != StateSent || rec.Dir != set.Dir {
		t.Fatalf("record %+v", rec)
	}
	tl, _ := l.Timeline(rec.ID)
	last := tl[len(tl)-1]
	if last.State != StateSent || len(last.Files) != 2 || last.Files[0].SHA256 == "" {
		t.Errorf("sent event %+v", last)
	}
	// The server took the GO away (processed): the ledger still knows.
	delete(srv.files, "INTEST/"+set.Key())
	_, err := l.Send(context.Background(), sendReq(set, srv, false))
	var m *Message
	if !errors.As(err, &m) || m.Code != MsgAlreadySent || m.Args["state"] != string(StateSent) {
		t.Fatalf("second send: %v", err)
	}
	if _, err := l.Send(context.Background(), sendReq(set, srv, true)); err != nil {
		t.Fatalf("--again: %v", err)
	}
}

// Cancel while the GO is leaving: the transfer point may have it.
func TestCancelDuringGOIsUncertain(t *testing.T) {
	l := openTest(t)
	set := testSendSet(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv := &memServer{files: map[string][]byte{}, put: func(name string) error {
		if strings.HasPrefix(name, "GO.") {
			cancel()
			return context.Canceled
		}
		return nil
	}}
	_, err := l.Send(ctx, sendReq(set, srv, false))
	var m *Message
	if !errors.As(err, &m) || m.Code != MsgGOUncertain {
		t.Fatalf("err = %v", err)
	}
	if rec, _ := l.Get("xt1@ftp.example.be", batch.Test, set.Key()); rec.State != StateGOUncertain {
		t.Errorf("state %s", rec.State)
	}
	// Not sent again by accident.
	srv.put = nil
	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); !errors.As(err, &m) || m.Code != MsgAlreadySent {
		t.Errorf("after an uncertain GO: %v", err)
	}
}

// A failure before the GO: nothing is processed, sending again is allowed;
// a deliberate second send that fails so leaves the set as it was.
func TestFailureBeforeGO(t *testing.T) {
	l := openTest(t)
	set := testSendSet(t)
	broken := errors.New("disk full on the server")
	srv := &memServer{files: map[string][]byte{}, put: func(name string) error {
		if strings.HasPrefix(name, "FI.") {
			return broken
		}
		return nil
	}}
	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); !errors.Is(err, broken) {
		t.Fatalf("err = %v", err)
	}
	acc := "xt1@ftp.example.be"
	if rec, _ := l.Get(acc, batch.Test, set.Key()); rec.State != StateSendFailed {
		t.Fatalf("state %s", rec.State)
	}
	srv.put = nil
	if _, err := l.Send(context.Background(), sendReq(set, srv, false)); err != nil {
		t.Fatalf("send after a failure: %v", err)
	}
	l.Add(acc, set, Event{State: StateAckAccepted})
	delete(srv.files, "INTEST/"+set.Key())
	srv.put = func(name string) error { return broken }
	l.Send(context.Background(), sendReq(set, srv, true))
	if rec, _ := l.Get(acc, batch.Test, set.Key()); rec.State != StateAckAccepted {
		t.Errorf("a failed second send changed the state to %s", rec.State)
	}
}

// A send whose process died (the state stays "sending", the claim is
// stale) may have delivered its GO: not sent again by accident.
func TestInterruptedSendIsNotRepeated(t *testing.T) {
	l := openTest(t)
	set := testSendSet(t)
	acc := "xt1@ftp.example.be"
	if _, err := l.Claim(acc, set, nil, nil); err != nil {
		t.Fatal(err)
	}
	l.db.Exec(`UPDATE declarations SET lock_pid=999999999`)
	srv := &memServer{files: map[string][]byte{}}
	_, err := l.Send(context.Background(), sendReq(set, srv, false))
	var m *Message
	if !errors.As(err, &m) || m.Code != MsgAlreadySent || m.Args["state"] != string(StateSending) {
		t.Fatalf("err = %v", err)
	}
	if _, err := l.Send(context.Background(), sendReq(set, srv, true)); err != nil {
		t.Fatalf("--again: %v", err)
	}
}
