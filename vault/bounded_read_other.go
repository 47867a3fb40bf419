//go:build !unix

package vault

import "os"

// openNoBlock opens path for reading. Windows has no FIFOs in the file system; named
// pipes and devices are refused by the fstat check after opening.
func openNoBlock(path string) (*os.File, error) {
	return os.Open(path)
}
