package uploader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/testservers"
)

// A connection opened ahead carries the send, as SendPlan's own would; one
// given up cannot be sent over afterwards; a refused login opened ahead is
// reported as SendPlan reports it, with nothing on the server.
func TestDialAhead(t *testing.T) {
	isolate(t)
	srv := testservers.StartVsftpd(t, testservers.FTPOptions{})
	ep := ftpEndpoint(srv, false, "")
	auth := Auth{Password: []byte(srv.Password)}
	set := makeSet(t, batch.Production, 1, 1000)
	plan, err := CheckSet(set, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	given := DialAhead(ctx, ep, auth)
	given.Close()
	given.Close() // twice is fine
	if _, err := SendPlanDialing(ctx, given, plan, SendOptions{}); err == nil {
		t.Fatal("a send over a connection given up succeeded")
	}
	if names := serverFiles(t, srv.Root, "IN"); len(names) != 0 {
		t.Fatalf("files on the server after a send over a connection given up: %v", names)
	}

	res, err := SendPlanDialing(ctx, DialAhead(ctx, ep, auth), plan, SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSent(t, set, srv.Root, res)
	for _, n := range serverFiles(t, srv.Root, "IN") {
		os.Remove(filepath.Join(srv.Root, "IN", n))
	}

	other := makeSet(t, batch.Production, 1, 1000)
	otherPlan, err := CheckSet(other, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = SendPlanDialing(ctx, DialAhead(ctx, ep, Auth{Password: []byte("bad;pw=")}), otherPlan, SendOptions{})
	if !errors.Is(err, ErrLogin) {
		t.Fatalf("err = %v, want ErrLogin", err)
	}
	expectCleanFailure(t, err, srv.Root, "IN", false)
}
