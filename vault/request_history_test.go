package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
)

func historyVault(t *testing.T) (*Vault, Profile) {
	t.Helper()
	v := Open(t.TempDir(), NewMemoryStore())
	p, err := v.Add(context.Background(), Profile{Name: "api", TokenURL: "https://a.example/token", ClientID: "c",
		AuthMethod: oauth.AuthPost, APIBaseURL: "https://api.example"}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	return v, p
}

// The history keeps the last MaxRequestHistory requests, most recent first, each once,
// never a credential header or the bearer token, and survives a new Vault on the same
// directory (a restart).
func TestRequestHistory(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t)
	const tok = "eyJhbGciOiJSUzI1NiJ9.payload.sig"
	for i := range MaxRequestHistory + 3 {
		if err := v.RecordRequest(ctx, p, TestRequest{Path: fmt.Sprintf("/items/%d", i)}, tok); err != nil {
			t.Fatal(err)
		}
	}
	// A request sent again moves to the head instead of being kept twice; the method
	// is compared case-insensitively, GET being the default.
	if err := v.RecordRequest(ctx, p, TestRequest{Method: "get", Path: "/items/5"}, tok); err != nil {
		t.Fatal(err)
	}
	// Credential headers and query parameters are dropped, the rest kept.
	typed := TestRequest{Method: "POST", Path: "/orders?api_key=k3y-typed&limit=5", Body: `{"n":1}`,
		Headers: map[string]string{"Authorization": "Bearer typed-by-hand", "cookie": "sid=1", "X-Api-Key": "k3y-typed", "Content-Type": "application/json"}}
	if err := v.RecordRequest(ctx, p, typed, tok); err != nil {
		t.Fatal(err)
	}
	// oat's own token, anywhere in the request, keeps it out of the history.
	for _, leak := range []TestRequest{
		{Path: "/echo?q=" + tok},
		{Path: "/echo/" + tok},
		{Method: "POST", Path: "/echo", Body: `{"token":"` + tok + `"}`},
		{Path: "/echo", Headers: map[string]string{"X-Trace": tok}},
	} {
		if err := v.RecordRequest(ctx, p, leak, tok); !errors.Is(err, ErrNotKept) {
			t.Fatalf("a request holding the token: err %v, want ErrNotKept", err)
		}
	}
	if err := v.RecordRequest(ctx, p, TestRequest{Method: "POST", Path: "/big", Body: strings.Repeat("x", MaxHistoryBody+1)}, tok); !errors.Is(err, ErrNotKept) {
		t.Fatalf("a body over the bound: err %v, want ErrNotKept", err)
	}

	// After a restart: a new Vault over the same directory.
	v2 := Open(v.Dir, v.Secrets)
	h, err := v2.RequestHistory(p)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range h {
		paths = append(paths, r.Path)
	}
	want := []string{"/orders?limit=5", "/items/5", "/items/12", "/items/11", "/items/10", "/items/9", "/items/8", "/items/7", "/items/6", "/items/4"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("history %v, want %v", paths, want)
	}
	if h[0].Method != "POST" || h[0].Body != `{"n":1}` || len(h[0].Headers) != 1 || h[0].Headers["Content-Type"] != "application/json" {
		t.Fatalf("kept %+v, want the POST without its credential headers", h[0])
	}
	raw, err := os.ReadFile(v.State.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{tok, "typed-by-hand", "sid=1", "k3y-typed", "s3cret"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("state.toml holds %q:\n%s", secret, raw)
		}
	}
	// Removing the profile forgets its history.
	if err := v2.Remove(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if h, _ := v2.RequestHistory(p); len(h) != 0 {
		t.Fatalf("history after remove: %v", h)
	}
}

// The history lives beside the token state without disturbing it: a token reset (a
// rotation, a forget) keeps it, and recording keeps the token state.
func TestRequestHistoryBesideTokenState(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t)
	if err := v.RecordTokenError(ctx, p, "boom"); err != nil {
		t.Fatal(err)
	}
	if err := v.RecordRequest(ctx, p, TestRequest{Path: "/a"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := v.TokenStates(); st[p.ID].LastError == "" {
		t.Fatal("recording a request lost the token state")
	}
	if err := v.ForgetToken(ctx, p); err != nil {
		t.Fatal(err)
	}
	if h, _ := v.RequestHistory(p); len(h) != 1 {
		t.Fatalf("forgetting the token lost the history: %v", h)
	}
}

// Saving a request makes it the profile's test request, checked like any edit.
func TestSaveTestRequest(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t)
	np, err := v.SaveTestRequest(ctx, p.ID, TestRequest{Method: "post", Path: "/orders?limit=5", Body: "{}",
		Headers: map[string]string{"Content-Type": "application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Open(v.Dir, v.Secrets).Get("api")
	if got.TestRequest.Method != "POST" || got.TestRequest.Path != "/orders?limit=5" || got.TestRequest.Body != "{}" || np.TestRequest.Headers["Content-Type"] != "application/json" {
		t.Fatalf("saved %+v", got.TestRequest)
	}
	if _, err := v.SaveTestRequest(ctx, p.ID, TestRequest{Method: "FETCH", Path: "/x"}); !errors.Is(err, ErrInvalidProfile) {
		t.Fatalf("an invalid method saved: %v", err)
	}
}
