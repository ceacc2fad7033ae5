// Package uploader puts signed sets on the transfer point over FTP, FTPS or
// SFTP, in the order the transfer point needs (FI, FS, then GO), and brings
// the replies back.
package uploader
