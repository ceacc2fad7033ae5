package uploader

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// A server that accepts the connection and then says nothing must not
// hang the sender: the connect timeout ends it, as a transient failure.
func TestConnectTimeout(t *testing.T) {
	isolate(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for _, scheme := range []string{"ftp", "sftp"} {
		ep, _ := ParseEndpoint(scheme + "://sender01@" + l.Addr().String())
		ep.IdentityFile = ""
		auth := Auth{ConnectTimeout: 300 * time.Millisecond, Password: []byte("x")}
		start := time.Now()
		_, err := Dial(context.Background(), ep, auth)
		if err == nil || !IsTransient(err) || !strings.Contains(err.Error(), "did not answer in time") {
			t.Errorf("%s: err = %v", scheme, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", scheme, d)
		}
	}
}
