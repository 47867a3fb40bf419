//go:build unix

package vault

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without blocking: opening a FIFO with no writer
// would otherwise wait forever, before fstat could tell it is not a regular file.
// O_NOCTTY keeps a terminal opened by mistake from becoming oat's controlling terminal.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
