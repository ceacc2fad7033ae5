package workflow

import (
	"github.com/expeditor-be/expeditor/uploader"
)

// Profile defaults: what is derived from what a person gives for a
// transfer point account, the same way for `expeditor profile add` and
// `setup` and for the assistant's profile form.

// ProfileEndpoint completes and checks the endpoint a person describes:
// without a host, the transfer point's own for the scheme (FTP and FTPS:
// ftp.socialsecurity.be, SFTP: sftp.socialsecurity.be); without a port,
// the scheme's (21; SFTP 8022 on the transfer point's host, 22
// elsewhere); an SFTP account needs its private key (ErrNoIdentity), as
// the transfer point logs SFTP users in with their key only. Folders and
// environments are not part of an account: each set goes into the upload
// folder of its own environment letter (batch.Environment.UploadFolder).
// A bad address is an *uploader.EndpointError. The endpoint is returned
// completed as far as it could be, even with an error, for a form to show.
func ProfileEndpoint(ep uploader.Endpoint) (uploader.Endpoint, error) {
	if ep.Scheme == "" {
		ep.Scheme = "ftp"
	}
	if ep.Host == "" {
		ep.Host = uploader.DefaultFTPHost
		if ep.Scheme == "sftp" {
			ep.Host = uploader.DefaultSFTPHost
		}
	}
	// The address as ParseEndpoint reads it: the port filled in, every
	// option checked against the scheme.
	parsed, err := uploader.ParseEndpoint(ep.String())
	if err != nil {
		return ep, err
	}
	if parsed.Scheme == "sftp" && parsed.IdentityFile == "" {
		return parsed, ErrNoIdentity
	}
	return parsed, nil
}
