//go:build !linux

package vault

import (
	"fmt"
	"runtime"
	"time"
)

// newPlatformUnlockCache: only Linux has one (the kernel keyring); see unlock_cache.go.
func newPlatformUnlockCache(time.Duration) (UnlockCache, error) {
	return nil, fmt.Errorf("none on %s yet (no kernel keyring; an agent process is not built)", runtime.GOOS)
}
