package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// TestReadmeWalkthroughs runs the README's provider walk-throughs as written: each
// command line of each `<!-- walkthrough: NAME -->` block, in sh, from an empty config,
// with the providers' hosts pointed at the local server. A README edit that breaks a
// step fails here.
func TestReadmeWalkthroughs(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string][]string{}
	re := regexp.MustCompile("(?s)<!-- walkthrough: ([a-z]+) -->\n```sh\n(.*?)```")
	for _, m := range re.FindAllStringSubmatch(string(readme), -1) {
		for _, line := range strings.Split(strings.TrimSpace(m[2]), "\n") {
			blocks[m[1]] = append(blocks[m[1]], line)
		}
	}
	for _, name := range []string{"ecoinvent", "eds", "cognito", "dashboard"} {
		if len(blocks[name]) == 0 {
			t.Fatalf("the README has no walk-through %q", name)
		}
	}
	type setup struct {
		hosts  func(srv *oauthtest.Server) map[string]string
		client oauthtest.Client
		before func(t *testing.T, e *procEnv)
		check  map[int]string // line index → text the output must hold
	}
	setups := map[string]setup{
		"ecoinvent": {
			hosts: func(s *oauthtest.Server) map[string]string {
				return map[string]string{"https://sso.ecoinvent.org": s.URL, "https://api.ecoinvent.org": s.URL + "/api"}
			},
			client: oauthtest.Client{ID: "my-client", Flavour: oauthtest.Keycloak, Realm: "ecoinvent"},
			check:  map[int]string{1: `"3.10"`, 2: "signature ✓ verified"},
		},
		"eds": {
			client: oauthtest.Client{ID: "my-client", Flavour: oauthtest.EDS},
			before: func(t *testing.T, e *procEnv) {
				dir := filepath.Join(e.home, "Downloads")
				content := "EDS_CLIENT_ID=my-client\nEDS_SECRET=<EDS_SECRET HERE>\nEDS_AUTH_URL=" + e.srv.TokenURL(oauthtest.EDS) + "\nEDS_API_URL=" + e.srv.APIBaseURL(oauthtest.EDS) + "\n"
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "EDS.env"), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			check: map[int]string{0: "read from stdin", 1: `"token_type":"Bearer"`, 2: `"/api/collections"`},
		},
		"cognito": {
			hosts: func(s *oauthtest.Server) map[string]string {
				return map[string]string{"https://my-domain.auth.eu-west-1.amazoncognito.com": s.URL, "https://api.example.com": s.URL + "/api"}
			},
			client: oauthtest.Client{ID: "my-client", Flavour: oauthtest.Cognito},
			check:  map[int]string{1: `"api/write"`},
		},
		"dashboard": {
			hosts: func(s *oauthtest.Server) map[string]string {
				return map[string]string{"https://staging.dashboard.example": s.URL + "/dash"}
			},
			client: oauthtest.Client{ID: "my-staging-client", Flavour: oauthtest.Dashboard},
			check:  map[int]string{1: "/dash/accounts/my-staging-client/orders", 2: `"my-staging-client"`},
		},
	}
	for name, lines := range blocks {
		st, ok := setups[name]
		if !ok {
			t.Fatalf("walk-through %q has no test setup", name)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newProcEnv(t)
			const secret = "walk-S3cret+/=1"
			cl := st.client
			cl.Secrets, cl.Scopes = []string{secret}, []string{"api/read", "api/write"}
			e.srv.AddClient(cl)
			e.secrets = append(e.secrets, secret)
			if st.before != nil {
				st.before(t, e)
			}
			for i, line := range lines {
				if st.hosts != nil {
					for from, to := range st.hosts(e.srv) {
						line = strings.ReplaceAll(line, from, to)
					}
				}
				r := e.shell(secret+"\n", line)
				if r.code != 0 {
					t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", lines[i], r.code, r.out, r.err)
				}
				if want := st.check[i]; want != "" && !strings.Contains(r.out+r.err, want) {
					t.Fatalf("%s: output lacks %q:\n%s%s", lines[i], want, r.out, r.err)
				}
			}
			e.noSecretOnDisk()
		})
	}
}

// shell runs line in sh, with oat on PATH, as a user would type it.
func (e *procEnv) shell(stdin, line string) procResult {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	env := e.environ()
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + filepath.Dir(e.bin) + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
		}
	}
	cmd.Env, cmd.Dir, cmd.Stdin = env, e.home, strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := procResult{out: out.String(), err: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("sh -c %q: %v", line, err)
	}
	e.noSecretIn(line, r.out+r.err)
	return r
}
