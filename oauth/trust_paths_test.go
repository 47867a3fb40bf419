package oauth

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// The four paths a profile's requests take (token request, discovery, the JWKS fetch of
// verification, the test call) each trust the profile's CA file and go through the
// proxy: Bruno and Postman users report tools that apply these to some and not others.

type trustPath struct {
	name string
	run  func(c *Client, caPEM []byte) error
}

func trustPaths(t *testing.T, srv *oauthtest.Server) []trustPath {
	t.Helper()
	// A token to verify and to call with, fetched by a client that trusts the CA.
	tok, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic),
		ClientID: "generic-client", ClientSecret: "s3cret-value", Auth: AuthBasic, CAFile: "ca.pem", CAPEM: srv.CAPEM})
	if err != nil {
		t.Fatal(err)
	}
	caFile := func(pem []byte) string {
		if pem == nil {
			return ""
		}
		return "ca.pem"
	}
	return []trustPath{
		{"token request", func(c *Client, pem []byte) error {
			_, err := c.FetchToken(context.Background(), TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic),
				ClientID: "generic-client", ClientSecret: "s3cret-value", Auth: AuthBasic, CAFile: caFile(pem), CAPEM: pem})
			return err
		}},
		{"discovery", func(c *Client, pem []byte) error {
			_, err := c.DiscoverWithCA(context.Background(), srv.URL, caFile(pem), pem)
			return err
		}},
		{"JWKS fetch", func(c *Client, pem []byte) error {
			v := c.VerifyWithCA(context.Background(), tok.AccessToken, srv.URL, caFile(pem), pem)
			if v.Status != Verified {
				return &verifyErr{v}
			}
			return nil
		}},
		{"test call", func(c *Client, pem []byte) error {
			res, err := c.Call(context.Background(), CallRequest{Target: "/items", BaseURL: srv.APIBaseURL(oauthtest.Generic),
				Token: tok.AccessToken, CAFile: caFile(pem), CAPEM: pem})
			if err == nil {
				err = res.Err()
			}
			return err
		}},
	}
}

type verifyErr struct{ v *Verification }

func (e *verifyErr) Error() string { return string(e.v.Status) + ": " + e.v.Reason }

func TestProfileCAAppliesToEveryPath(t *testing.T) {
	t.Parallel()
	srv := oauthtest.NewTLSForTest(t, "s3cret-value", nil)
	for _, p := range trustPaths(t, srv) {
		t.Run(p.name, func(t *testing.T) {
			if err := p.run(NewClient(), srv.CAPEM); err != nil {
				t.Errorf("with the profile's CA: %v", err)
			}
			if err := p.run(NewClient(), nil); err == nil {
				t.Error("succeeded without the profile's CA: the private CA's server must not be trusted")
			}
		})
	}
}

// connectProxy is an HTTP proxy for https (CONNECT) that records the hosts it tunnels to.
type connectProxy struct {
	mu    sync.Mutex
	hosts []string
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.hosts = append(p.hosts, r.Host)
	p.mu.Unlock()
	up, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusOK)
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	go func() {
		defer up.Close()
		defer conn.Close()
		go func() { _, _ = io.Copy(up, buf) }()
		_, _ = io.Copy(conn, up)
	}()
}

func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hosts...)
}

func TestProxyAppliesToEveryPath(t *testing.T) {
	t.Parallel()
	srv := oauthtest.NewTLSForTest(t, "s3cret-value", nil)
	host := srv.URL[len("https://"):]
	for _, p := range trustPaths(t, srv) {
		t.Run(p.name, func(t *testing.T) {
			px := &connectProxy{}
			ps := httptest.NewServer(px)
			defer ps.Close()
			pu, _ := url.Parse(ps.URL)
			c := NewClient()
			c.Proxy = http.ProxyURL(pu)
			if err := p.run(c, srv.CAPEM); err != nil {
				t.Fatalf("through the proxy: %v", err)
			}
			seen := px.seen()
			if len(seen) == 0 {
				t.Fatal("the request did not go through the proxy")
			}
			for _, h := range seen {
				if h != host {
					t.Errorf("proxy tunnelled to %q, want %q", h, host)
				}
			}
			// A proxy that refuses: the request fails, it does not go around it.
			c2 := NewClient()
			dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no", http.StatusForbidden)
			}))
			defer dead.Close()
			du, _ := url.Parse(dead.URL)
			c2.Proxy = http.ProxyURL(du)
			if err := p.run(c2, srv.CAPEM); err == nil {
				t.Error("succeeded around a proxy that refuses every tunnel")
			}
		})
	}
}
