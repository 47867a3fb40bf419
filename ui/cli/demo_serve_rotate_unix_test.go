//go:build unix

package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oatcli/oat/vault"
)

// TestDemoServeRotations: with oat demo --serve, other shells complete a key rotation
// and a certificate rotation as its banner says, registering the new key and the new
// certificate at the demo's endpoints (its stand-in for a provider's console); the
// demo provider drops the old one at the new one's first use, so --check-old finds it
// revoked. Real processes: the demo server and the oat commands.
func TestDemoServeRotations(t *testing.T) {
	t.Parallel()
	bin := oatBinary(t)
	cmd := exec.Command(bin, "demo", "--serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(30 * time.Second): // a safety net, not a timing assertion
			_ = cmd.Process.Kill()
		}
	})
	var banner strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	find := func(re string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(banner.String())
		if m == nil {
			t.Fatalf("the banner lacks %s:\n%s", re, banner.String())
		}
		return m[1]
	}
	dir := find(`OAT_CONFIG_DIR='([^']+)'`)
	keyURL := find(`curl -sS --data-binary @- (http://127\.0\.0\.1:\d+/demo/clients/okta-demo/keys)`)
	caFile := find(`curl -sS --cacert '([^']+)' --data-binary @c\.pem https://`)
	certURL := find(`--data-binary @c\.pem (https://127\.0\.0\.1:\d+/demo/clients/mtls-demo/certs)`)
	for _, want := range []string{"oat rotate okta-svc --keygen", "oat rotate okta-svc --continue && oat rotate okta-svc --check-old",
		"openssl req -x509", "cat c.pem k.pem | oat rotate mtls-api", "oat rotate mtls-api --continue && oat rotate mtls-api --check-old"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("the banner lacks %q", want)
		}
	}

	e := &procEnv{t: t, bin: bin, dir: dir, home: t.TempDir(),
		vars: map[string]string{"OAT_PASSPHRASE": demoPassphrase, "OAT_UNLOCK_IDLE": "2m"}}
	t.Cleanup(func() {
		lock := exec.Command(e.bin, "lock")
		lock.Env, lock.Dir = e.environ(), e.home
		_ = lock.Run()
	})
	post := func(client *http.Client, u, body string) {
		t.Helper()
		resp, err := client.Post(u, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("register at %s: %d %s", u, resp.StatusCode, b)
		}
	}

	// The key: --keygen shows the public JWK once; registered, --continue makes it
	// active, and the old key is refused from then on.
	r := e.run("", "rotate", "okta-svc", "--keygen")
	jwk := regexp.MustCompile(`(?m)^public JWK\n(\{.*\})$`).FindStringSubmatch(r.out)
	if r.code != 0 || jwk == nil {
		t.Fatalf("keygen: %d\n%s%s", r.code, r.out, r.err)
	}
	// The endpoints register for the demo's key and certificate clients only: a key
	// posted for a client with a secret (anyone on the machine could then get its
	// tokens) or for the mutual-TLS client is refused, and neither arms the rotation.
	ca, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	tlsKeyURL := strings.Replace(certURL, "/mtls-demo/certs", "/mtls-demo/keys", 1)
	for _, u := range []struct {
		c   *http.Client
		url string
	}{{http.DefaultClient, strings.Replace(keyURL, "/okta-demo/", "/eds-demo/", 1)}, {tlsClient, tlsKeyURL}} {
		resp, err := u.c.Post(u.url, "application/json", strings.NewReader(jwk[1]))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a key registered at %s: %d %s", u.url, resp.StatusCode, b)
		}
	}
	post(http.DefaultClient, keyURL, jwk[1])
	if r := e.run("", "rotate", "okta-svc", "--continue"); r.code != 0 {
		t.Fatalf("continue: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "okta-svc", "--check-old"); r.code != 0 || !strings.Contains(r.out, "revoked") {
		t.Fatalf("check old key: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "okta-svc"); r.code != 0 {
		t.Fatalf("token with the new key: %d %s", r.code, r.err)
	}

	// The certificate: a self-signed one made here (as openssl would), staged and
	// refused until registered, then registered, continued, and the old one refused.
	mine, _, err := vault.GenerateKeyCert("ES256", &vault.CertRequest{Subject: "me", Days: 30, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.run(mine.PEM, "rotate", "mtls-api"); r.code == 0 || !strings.Contains(r.err, "oat rotate mtls-api --continue") {
		t.Fatalf("an unregistered certificate: %d\n%s%s", r.code, r.out, r.err)
	}
	post(tlsClient, certURL, mine.Cert)
	if r := e.run("", "rotate", "mtls-api", "--continue"); r.code != 0 {
		t.Fatalf("continue: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "mtls-api", "--check-old"); r.code != 0 || !strings.Contains(r.out, "rejected: the provider no longer accepts the old certificate") {
		t.Fatalf("check old certificate: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "call", "mtls-api"); r.code != 0 {
		t.Fatalf("call with the new certificate: %d %s", r.code, r.err)
	}
}
