package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oatcli/oat/oauth"
)

func TestProfilesRoundTripAndPermissions(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	dir := filepath.Join(v.Dir, "nested")
	v = Open(dir, NewMemoryStore())
	p := Profile{Name: "ecoinvent", Environment: "production",
		TokenURL: "https://sso.ecoinvent.org/realms/ecoinvent/protocol/openid-connect/token",
		ClientID: "my-client", Scopes: []string{"openid", "api"}, Audience: "api", Resource: "https://api.example",
		ExtraParams: map[string]string{"tenant": "t1"}, AuthMethod: oauth.AuthBasic, BasicEncoding: oauth.BasicRaw,
		APIBaseURL: "https://api.ecoinvent.org", TestRequest: TestRequest{Method: "GET", Path: "/v0/versions", Headers: map[string]string{"Accept": "application/json"}},
		Notes: "multi\nline \"notes\""}
	added, err := v.Add(context.Background(), p, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Get("ECOINVENT")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != added.ID || got.Notes != p.Notes || got.TestRequest.Headers["Accept"] != "application/json" ||
		got.ExtraParams["tenant"] != "t1" || len(got.Scopes) != 2 || got.BasicEncoding != oauth.BasicRaw || !got.SecretSetAt.Equal(added.SecretSetAt) {
		t.Fatalf("round trip lost data: %+v", got)
	}
	if got.SecretFingerprint != Fingerprint("s3cret") {
		t.Fatalf("fingerprint %q", got.SecretFingerprint)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "profiles.toml"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "profiles.toml"))
	if !strings.HasPrefix(string(data), "schema = 1") {
		t.Errorf("file does not start with the schema version:\n%s", data)
	}
}

func TestAddRejectsDuplicateName(t *testing.T) {
	t.Parallel()
	v, store, _ := newTestVault(t)
	mustAdd(t, v, "eds", "one")
	_, err := v.Add(context.Background(), Profile{Name: "EDS", TokenURL: "https://x.example/t", ClientID: "c", AuthMethod: oauth.AuthPost}, "two")
	if !errors.Is(err, ErrProfileExists) {
		t.Fatalf("want ErrProfileExists, got %v", err)
	}
	if len(store.Keys()) != 1 {
		t.Fatalf("a refused add left secrets behind: %v", store.Keys())
	}
}

func TestAddRejectsInvalidAndEmptySecret(t *testing.T) {
	t.Parallel()
	v, store, _ := newTestVault(t)
	if _, err := v.Add(context.Background(), Profile{Name: "x", TokenURL: "http://evil.example/t", ClientID: "c", AuthMethod: oauth.AuthPost}, "s"); !errors.Is(err, ErrInvalidProfile) {
		t.Fatalf("want invalid profile, got %v", err)
	}
	var fe *FieldError
	if _, err := v.Add(context.Background(), Profile{Name: "x", TokenURL: "https://a.example/t", ClientID: "c", AuthMethod: oauth.AuthPost}, ""); !errors.As(err, &fe) || fe.Field != "client_secret" {
		t.Fatalf("want client_secret error, got %v", err)
	}
	if len(store.Keys()) != 0 {
		t.Fatalf("refused adds left secrets: %v", store.Keys())
	}
}

func TestBrokenFilesAreNamedAndNeverOverwritten(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, content, want string
		line                int
	}{
		{"syntax", "schema = 1\n\n[[profile]]\nname = \"a\nid = \"x\"\n", "", 4},
		{"misspelt field", "schema = 1\n[[profile]]\nid = \"x\"\nname = \"a\"\ntoken_ur = \"https://a/t\"\n", "token_url: is required", 2},
		{"newer schema", "schema = 7\n", "newer version of oat", 0},
		{"no schema", "[[profile]]\nid = \"x\"\n", "no schema version", 1},
		{"invalid profile", "schema = 1\n[[profile]]\nid = \"a\"\nname = \"ok\"\ntoken_url = \"https://a.example/t\"\nclient_id = \"c\"\nauth_method = \"post\"\n\n[[profile]]\nid = \"b\"\nname = \"bad\"\ntoken_url = \"http://evil.example/t\"\nclient_id = \"c\"\nauth_method = \"post\"\n", "plain http", 9},
		{"duplicate name", "schema = 1\n[[profile]]\nid = \"a\"\nname = \"x\"\ntoken_url = \"https://a.example/t\"\nclient_id = \"c\"\nauth_method = \"post\"\n[[profile]]\nid = \"b\"\nname = \"X\"\ntoken_url = \"https://a.example/t\"\nclient_id = \"c\"\nauth_method = \"post\"\n", "appears twice", 8},
		{"wrong type", "schema = \"one\"\n", "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _, _ := newTestVault(t)
			path := v.Profiles.Path
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := v.List()
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("want FileError, got %v", err)
			}
			if fe.Path != path || !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			if c.line > 0 && fe.Line != c.line {
				t.Errorf("line %d, want %d (%v)", fe.Line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			_, err = v.Add(context.Background(), Profile{Name: "new", TokenURL: "https://a.example/t", ClientID: "c", AuthMethod: oauth.AuthPost}, "s")
			if err == nil {
				t.Fatal("add over a broken file succeeded")
			}
			after, _ := os.ReadFile(path)
			if string(after) != c.content {
				t.Fatalf("broken file was changed:\n%s", after)
			}
		})
	}
}

// TestUnknownFieldStopsWrites: a field this oat does not know would be dropped by a
// rewrite, so writers refuse, naming the line.
func TestUnknownFieldStopsWrites(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	content := "schema = 1\n[[profile]]\nid = \"x\"\nname = \"a\"\ntoken_url = \"https://a.example/t\"\nclient_id = \"c\"\nauth_method = \"post\"\ncolour = \"blue\"\n"
	os.WriteFile(v.Profiles.Path, []byte(content), 0o600)
	if ps, err := v.List(); err != nil || len(ps) != 1 {
		t.Fatalf("reading is still possible: %v", err)
	}
	_, err := v.Edit(context.Background(), "a", func(p *Profile) error { p.Notes = "x"; return nil })
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 8 || !strings.Contains(err.Error(), `unknown field "profile.colour"`) {
		t.Fatalf("want unknown field at line 8, got %v", err)
	}
	if after, _ := os.ReadFile(v.Profiles.Path); string(after) != content {
		t.Fatal("file rewritten")
	}
}

func TestEditKeepsBookkeeping(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	p := mustAdd(t, v, "a", "s")
	got, err := v.Edit(context.Background(), "a", func(q *Profile) error {
		q.Name, q.ID, q.SecretFingerprint, q.Environment = "b", "hacked", "0000", "staging"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.SecretFingerprint != p.SecretFingerprint || got.Name != "b" || got.Environment != "staging" {
		t.Fatalf("edit result %+v", got)
	}
	if _, err := v.Edit(context.Background(), "b", func(q *Profile) error { q.TokenURL = "nope"; return nil }); !errors.Is(err, ErrInvalidProfile) {
		t.Fatalf("invalid edit accepted: %v", err)
	}
	if _, err := v.Edit(context.Background(), "zzz", func(q *Profile) error { return nil }); !errors.Is(err, ErrProfileNotFound) {
		t.Fatalf("edit of missing profile: %v", err)
	}
}

func TestRemoveDeletesSecretsAndToken(t *testing.T) {
	t.Parallel()
	v, store, _ := newTestVault(t)
	p := mustAdd(t, v, "a", "s")
	mustAdd(t, v, "b", "t")
	if err := v.SaveToken(context.Background(), p, CachedToken{AccessToken: "tok", ExpiresAt: v.Now().Add(1e12), FetchedAt: v.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := v.Remove(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	for _, k := range store.Keys() {
		if strings.HasPrefix(k, p.ID) {
			t.Errorf("key %s left after remove", k)
		}
	}
	if _, err := v.Get("a"); !errors.Is(err, ErrProfileNotFound) {
		t.Fatal("profile still there")
	}
	if _, err := v.Get("b"); err != nil {
		t.Fatal("other profile lost")
	}
	st, _ := v.TokenStates()
	if _, ok := st[p.ID]; ok {
		t.Fatal("token state left behind")
	}
}

// TestConcurrentProcessesLoseNothing runs several real processes that each add profiles
// to the same file at the same time.
func TestConcurrentProcessesLoseNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const procs, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "OAT_TEST_HELPER=add", "OAT_CONFIG_DIR="+dir,
				fmt.Sprintf("OAT_TEST_PREFIX=p%d", i), fmt.Sprintf("OAT_TEST_COUNT=%d", each))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("helper %d: %v: %s", i, err, out)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ps, err := Open(dir, nil).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != procs*each {
		t.Fatalf("%d profiles, want %d", len(ps), procs*each)
	}
	for i := 0; i < procs; i++ {
		for j := 0; j < each; j++ {
			if Find(ps, fmt.Sprintf("p%d-%d", i, j)) < 0 {
				t.Errorf("lost p%d-%d", i, j)
			}
		}
	}
}

// TestKilledWriteLeavesOldFile kills a process between writing the temp file and the
// rename: the previous file must still be whole and readable.
func TestKilledWriteLeavesOldFile(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	mustAdd(t, v, "keep", "s")
	before, _ := os.ReadFile(v.Profiles.Path)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OAT_TEST_HELPER=crash-before-rename", "OAT_CONFIG_DIR="+v.Dir)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Fatalf("helper was not killed: %v", err)
	}
	after, _ := os.ReadFile(v.Profiles.Path)
	if string(before) != string(after) {
		t.Fatal("profiles file changed by a killed write")
	}
	ps, err := v.List()
	if err != nil || len(ps) != 1 || ps[0].Name != "keep" {
		t.Fatalf("after crash: %v %v", ps, err)
	}
	// The next writer is not blocked by the dead process's lock or temp file.
	mustAdd(t, v, "next", "s")
}
