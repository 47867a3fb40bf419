package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults for every network call.
const (
	DefaultTimeout = 15 * time.Second
	DefaultMaxBody = 1 << 20 // 1 MiB
)

// Client makes oat's HTTP requests: token requests, discovery, JWKS and test calls. Each
// call is bounded by Timeout and cancellable through its context; bodies are read up to
// MaxBody bytes.
type Client struct {
	HTTP    *http.Client
	Timeout time.Duration
	MaxBody int64
	// Now is the clock (tests inject one).
	Now func() time.Time

	// lookupHost resolves names other than "localhost" (tests replace it to prove which
	// names are looked up); nil means the system resolver.
	lookupHost func(ctx context.Context, host string) ([]string, error)

	mu    sync.Mutex
	byCA  map[string]*http.Client
	jwks  map[string]*jwksEntry
	metas map[string]*Metadata
}

// NewClient returns a client with its own transport: proxies from HTTPS_PROXY /
// NO_PROXY, system CAs (plus SSL_CERT_FILE, which Go honours), TLS 1.2 or later, and no
// redirects followed (a token endpoint that redirects is reported, never followed with
// the secret).
func NewClient() *Client {
	c := &Client{Timeout: DefaultTimeout, MaxBody: DefaultMaxBody, Now: time.Now}
	c.HTTP = c.newHTTPClient(nil)
	return c
}

// dial connects to addr. "localhost" is dialled as the loopback address itself, never
// looked up: a resolver (or a hostile DNS answer) must not turn the one name oat trusts
// with plain http into another host.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(host, "localhost") {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			if conn6, err6 := d.DialContext(ctx, network, net.JoinHostPort("::1", port)); err6 == nil {
				return conn6, nil
			}
		}
		return conn, err
	}
	if c.lookupHost != nil && net.ParseIP(host) == nil {
		addrs, err := c.lookupHost(ctx, host)
		if err != nil {
			return nil, &net.DNSError{Err: err.Error(), Name: host}
		}
		var first error
		for _, a := range addrs {
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(a, port))
			if err == nil {
				return conn, nil
			}
			if first == nil {
				first = err
			}
		}
		return nil, first
	}
	return d.DialContext(ctx, network, addr)
}

func (c *Client) newHTTPClient(roots *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = c.dial
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	tr.ResponseHeaderTimeout = 0 // the per-call context deadline governs
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// httpFor returns the HTTP client trusting the extra CA bundle pem, read from the file
// named name (both empty: the system roots only). The caller reads the file (a bounded
// read): the protocol package touches no files.
func (c *Client) httpFor(name string, pem []byte) (*http.Client, error) {
	if len(pem) == 0 {
		if name != "" {
			return nil, fmt.Errorf("CA file %s is empty", name)
		}
		return c.HTTP, nil
	}
	sum := sha256.Sum256(pem)
	key := string(sum[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc, ok := c.byCA[key]; ok {
		return hc, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", name)
	}
	hc := c.newHTTPClient(pool)
	if c.byCA == nil {
		c.byCA = map[string]*http.Client{}
	}
	c.byCA[key] = hc
	return hc, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) maxBody() int64 {
	if c.MaxBody > 0 {
		return c.MaxBody
	}
	return DefaultMaxBody
}

// readBody reads at most limit bytes and says whether there was more.
func readBody(r io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(b)) > limit {
		return b[:limit], true, err
	}
	return b, false, err
}

// do sends req under the client's deadline and reads the body (capped). The deadline
// covers the whole exchange, body included.
func (c *Client) do(ctx context.Context, hc *http.Client, req *http.Request) (*http.Response, []byte, bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req = req.WithContext(ctx)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, false, time.Since(start), classifyNetErr(ctx, req.URL.Host, err)
	}
	defer resp.Body.Close()
	body, truncated, err := readBody(resp.Body, c.maxBody())
	latency := time.Since(start)
	if err != nil && !errors.Is(err, io.EOF) {
		return resp, body, truncated, latency, classifyNetErr(ctx, req.URL.Host, err)
	}
	return resp, body, truncated, latency, nil
}
