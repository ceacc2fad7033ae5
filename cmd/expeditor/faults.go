package main

import (
	"fmt"
)

// addressUsage turns a refused transfer point address into a usage error
// (exit 2, with the command's usage), keeping the example as a hint line.
// The address error already says how the address was read.
func addressUsage(err error, format string, args ...any) error {
	return usagef("%s\nhint: %s", lowerFirst(err.Error()), fmt.Sprintf(format, args...))
}
