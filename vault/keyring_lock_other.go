//go:build !unix

package vault

import "os"

const lockOpenFlag = os.O_CREATE | os.O_RDONLY

func isSymlinkLoop(error) bool { return false }

func ownPrivateDir(string) bool { return false }
