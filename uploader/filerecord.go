package uploader

// FileRecord is one file of a sent set, with the SHA-256 of the bytes
// that left (empty when the file was not sent). The ledger (package
// workflow) keeps them.
type FileRecord struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}
