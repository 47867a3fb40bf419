package vault

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
)

// TestMain lets the test binary double as a helper process, so tests can run several
// real processes against one config directory.
func TestMain(m *testing.M) {
	switch h := os.Getenv("OAT_TEST_HELPER"); h {
	case "":
	case "add":
		os.Exit(helperAdd())
	case "crash-before-rename":
		helperCrash()
	default:
		if f, ok := platformHelpers[h]; ok {
			os.Exit(f())
		}
	}
	os.Exit(m.Run())
}

// platformHelpers are helper processes defined in test files for some platforms only.
var platformHelpers = map[string]func() int{}

// helperAdd adds OAT_TEST_COUNT profiles named OAT_TEST_PREFIX-N to OAT_CONFIG_DIR.
func helperAdd() int {
	n, _ := strconv.Atoi(os.Getenv("OAT_TEST_COUNT"))
	v := Open(os.Getenv("OAT_CONFIG_DIR"), NewMemoryStore())
	for i := 0; i < n; i++ {
		p := Profile{Name: fmt.Sprintf("%s-%d", os.Getenv("OAT_TEST_PREFIX"), i), TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}
		if _, err := v.Add(context.Background(), p, "s"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// helperCrash starts adding a profile and kills itself with SIGKILL after the temp file
// is written and synced, just before the rename.
func helperCrash() {
	v := Open(os.Getenv("OAT_CONFIG_DIR"), NewMemoryStore())
	v.Profiles.hook = func(string) {
		if self, err := os.FindProcess(os.Getpid()); err == nil {
			_ = self.Kill() // SIGKILL on unix, TerminateProcess on Windows
		}
		time.Sleep(time.Minute)
	}
	p := Profile{Name: "never", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}
	_, _ = v.Add(context.Background(), p, "s")
	os.Exit(3) // not reached
}

// fixedClock returns a settable clock.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time          { return c.t }
func (c *fixedClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestVault(t testing.TB) (*Vault, *MemoryStore, *fixedClock) {
	t.Helper()
	store := NewMemoryStore()
	v := Open(t.TempDir(), store)
	clk := &fixedClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	v.Now = clk.Now
	return v, store, clk
}

func mustAdd(t testing.TB, v *Vault, name, secret string) Profile {
	t.Helper()
	p, err := v.Add(context.Background(), Profile{Name: name, TokenURL: "https://auth.example.com/token", ClientID: "id-" + name, AuthMethod: oauth.AuthAuto}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
