package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// TestProfileCAFileForDiscoveryAndVerify: a provider behind a private CA works with
// --ca-file for every request, not only the token request: add --discover reads its
// metadata, and inspect --verify its keys, trusting the profile's CA.
func TestProfileCAFileForDiscoveryAndVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv = oauthtest.NewTLSForTest(t, "unused", nil)
	e.srv.AddClient(oauthtest.Client{ID: "generic-id", Secrets: []string{"generic-Secret+/=1"}, Scopes: []string{"api/read"}})
	ca := filepath.Join(e.dir, "private-ca.pem")
	if err := os.WriteFile(ca, e.srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, "generic-Secret+/=1")

	// Without the CA file the private CA is not trusted.
	if r := e.run("generic-Secret+/=1\n", "add", "nocas", "--discover", e.srv.URL, "--client-id", "generic-id"); r.code == 0 {
		t.Fatalf("discovery trusted a private CA without --ca-file: %s", r.err)
	}
	r := e.run("generic-Secret+/=1\n", "add", "priv", "--discover", e.srv.URL, "--client-id", "generic-id", "--ca-file", ca)
	if r.code != 0 || !strings.Contains(r.err, "discovered token endpoint "+e.srv.URL+"/token") {
		t.Fatalf("add --discover --ca-file: %d %s", r.code, r.err)
	}
	r = e.run("", "inspect", "priv", "--verify")
	if r.code != 0 || !strings.Contains(r.out, "signature ✓ verified") {
		t.Fatalf("inspect --verify with the profile's CA: %d\n%s\n%s", r.code, r.out, r.err)
	}
}
