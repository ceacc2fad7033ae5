// Package version holds the version Expeditor reports. It has no
// dependencies, so both the desktop build and the headless (nogui) build
// of cmd/expeditor read the same value.
package version

// Version is the application version, set at build time with
// -ldflags "-X github.com/expeditor-be/expeditor/internal/version.Version=…".
var Version = "0.1.0-dev"
