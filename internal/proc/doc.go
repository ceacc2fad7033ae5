// Package proc tells whether a process still runs, for the state that a
// process leaves behind with its number (temporary files, send claims) and
// that another process may take over once it is gone.
package proc
