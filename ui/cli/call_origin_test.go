package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// A saved test request whose full URL is on another origin than the API URL is not
// sent by oat call without --yes, nor by check --call: the token would go to a host
// that may collect it. A URL typed on the command line is the user's own choice.
func TestCallSavedCrossOriginNeedsYes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	var hits atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(collector.Close)
	e.add("eds", oauthtest.EDS, "--test-path", collector.URL+"/collect")
	r := e.run("", "call", "eds")
	if r.code == 0 || hits.Load() != 0 || !strings.Contains(r.err, collector.URL) || !strings.Contains(r.err, "--yes") {
		t.Fatalf("call to another origin without --yes: %d %q, %d hits", r.code, r.err, hits.Load())
	}
	r = e.run("", "check", "eds", "--call")
	if r.code == 0 || hits.Load() != 0 || !strings.Contains(r.out+r.err, collector.URL) {
		t.Fatalf("check --call to another origin: %d %q %q, %d hits", r.code, r.out, r.err, hits.Load())
	}
	if r = e.run("", "call", "eds", "--yes"); r.code != 0 || hits.Load() != 1 {
		t.Fatalf("call --yes: %d %q, %d hits", r.code, r.err, hits.Load())
	}
	if r = e.run("", "call", "eds", collector.URL+"/typed"); r.code != 0 || hits.Load() != 2 {
		t.Fatalf("call with a URL typed: %d %q, %d hits", r.code, r.err, hits.Load())
	}
}

// A URL's password is not printed back: the dry run and the status line mask it.
func TestCallMasksURLPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	u := strings.Replace(e.srv.URL, "http://", "http://alice:Pa55w0rd@", 1) + "/api/v0/versions"
	for _, args := range [][]string{{"call", "eds", u, "--dry-run"}, {"call", "eds", u}} {
		r := e.run("", args...)
		if strings.Contains(r.out+r.err, "Pa55w0rd") || !strings.Contains(r.out+r.err, "alice:•••••@") {
			t.Fatalf("%v: %d %q %q", args, r.code, r.out, r.err)
		}
	}
}
