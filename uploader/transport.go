package uploader

import (
	"context"
	"io"
	"time"
)

// RemoteFile is a file in a server folder.
type RemoteFile struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// Transport is one connection to a transfer point (FTP, FTPS or SFTP).
// Folders are the transfer point's folders (IN, OUTTEST, …) relative to
// the account's home. Implementations are not safe for concurrent use.
type Transport interface {
	// List returns the regular files in folder.
	List(ctx context.Context, folder string) ([]RemoteFile, error)
	// Put uploads r as folder/name; size is the number of bytes r holds
	// (0 for an empty file such as a GO).
	Put(ctx context.Context, folder, name string, r io.Reader, size int64) error
	// Size returns the size of folder/name on the server.
	Size(ctx context.Context, folder, name string) (int64, error)
	// Get downloads folder/name into w and returns the bytes copied.
	Get(ctx context.Context, folder, name string, w io.Writer) (int64, error)
	// Delete removes folder/name from the server.
	Delete(ctx context.Context, folder, name string) error
	// Close ends the session.
	Close() error
}
