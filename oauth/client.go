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
	"net/url"
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

	// Proxy, when set, chooses the proxy of every request instead of the environment
	// (HTTPS_PROXY / NO_PROXY): tests set it, since the environment is the process's.
	Proxy func(*http.Request) (*url.URL, error)

	mu sync.Mutex
	// byTrust holds one HTTP client per (CA bundle, client certificate): a client
	// certificate is only ever presented on the requests of the profile that has it.
	byTrust map[string]*http.Client
	jwks    map[string]*jwksEntry
	metas   map[string]*Metadata
}

// NewClient returns a client with its own transport: proxies from HTTPS_PROXY /
// NO_PROXY, system CAs (plus SSL_CERT_FILE, which Go honours), TLS 1.2 or later, and no
// redirects followed (a token endpoint that redirects is reported, never followed with
// the secret).
func NewClient() *Client {
	c := &Client{Timeout: DefaultTimeout, MaxBody: DefaultMaxBody, Now: time.Now}
	c.HTTP = c.newHTTPClient(nil, nil)
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

// proxy is the proxy of r: the Proxy hook's choice, else the environment's.
func (c *Client) proxy(r *http.Request) (*url.URL, error) {
	if c.Proxy != nil {
		return c.Proxy(r)
	}
	return http.ProxyFromEnvironment(r)
}

func (c *Client) newHTTPClient(roots *x509.CertPool, cert *ClientCertificate) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = c.dial
	tr.Proxy = c.proxy
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	if cert != nil {
		tc := cert.tlsCertificate()
		// Always presented when the server asks, whatever CAs it names: a server that
		// names none (self-signed certificates) must still get it.
		tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &tc, nil
		}
	}
	tr.ResponseHeaderTimeout = 0 // the per-call context deadline governs
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// httpFor returns the HTTP client trusting the extra CA bundle pem, read from the file
// named name (both empty: the system roots only), and presenting cert when a server
// asks for a client certificate (nil: none). The caller reads the file (a bounded
// read): the protocol package touches no files.
func (c *Client) httpFor(name string, pem []byte, cert *ClientCertificate) (*http.Client, error) {
	if len(pem) == 0 && name != "" {
		return nil, fmt.Errorf("CA file %s is empty", name)
	}
	if len(pem) == 0 && cert == nil {
		return c.HTTP, nil
	}
	if cert != nil {
		if err := cert.Check(); err != nil {
			return nil, err
		}
	}
	h := sha256.New()
	h.Write(pem)
	h.Write([]byte{0})
	if cert != nil {
		for _, der := range cert.Chain {
			h.Write(der)
		}
		// The key's own public half too: the same chain with another key is another client.
		if pub, err := x509.MarshalPKIXPublicKey(cert.Key.Public()); err == nil {
			h.Write(pub)
		}
	}
	key := string(h.Sum(nil))
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc, ok := c.byTrust[key]; ok {
		return hc, nil
	}
	var hc *http.Client
	if len(pem) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", name)
		}
		hc = c.newHTTPClient(pool, cert)
		// The CA file is trusted beside the system roots, which are loaded only for a
		// server the CA file does not vouch for: x509.SystemCertPool parses the system
		// bundle, ~11 ms of a 22 ms mutual-TLS token fetch here (curl --cacert loads
		// only the file). crypto/tls has no root pool extended on demand, so a handshake
		// refused for an unknown authority is made again with both: nothing was sent
		// yet (the server's certificate is checked before any request goes out).
		hc.Transport = &rootsFallback{fast: hc.Transport, full: func() http.RoundTripper {
			sys, err := x509.SystemCertPool()
			if err != nil || sys == nil {
				return nil
			}
			sys.AppendCertsFromPEM(pem)
			return c.newHTTPClient(sys, cert).Transport
		}}
	} else {
		hc = c.newHTTPClient(nil, cert)
	}
	if c.byTrust == nil {
		c.byTrust = map[string]*http.Client{}
	}
	c.byTrust[key] = hc
	return hc, nil
}

// CloseIdleConnections closes every kept-alive connection, so that the next request
// makes a new TLS handshake: a server's verdict on a client certificate (revoked,
// expired) is given in the handshake, which a reused connection skips.
func (c *Client) CloseIdleConnections() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.HTTP != nil {
		c.HTTP.CloseIdleConnections()
	}
	for _, hc := range c.byTrust {
		hc.CloseIdleConnections()
	}
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
// cert is the client certificate hc presents (nil: none), named in the error when the
// server refuses the handshake for it.
func (c *Client) do(ctx context.Context, hc *http.Client, cert *ClientCertificate, req *http.Request) (*http.Response, []byte, bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req = req.WithContext(ctx)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		if ce := certRejected(req.URL.Host, cert, err, c.now()); ce != nil {
			return nil, nil, false, time.Since(start), ce
		}
		ne := classifyNetErr(ctx, req.URL.Host, err)
		if strings.Contains(err.Error(), "remote error: tls: handshake failure") {
			// TLS 1.2's one word for every refusal, a missing client certificate included.
			ne.Kind, ne.Hint = NetTLS, "the server ended the TLS handshake: it may require a client certificate (mutual TLS), or TLS settings oat does not offer"
		}
		return nil, nil, false, time.Since(start), ne
	}
	defer resp.Body.Close()
	body, truncated, err := readBody(resp.Body, c.maxBody())
	latency := time.Since(start)
	if err != nil && !errors.Is(err, io.EOF) {
		return resp, body, truncated, latency, classifyNetErr(ctx, req.URL.Host, err)
	}
	return resp, body, truncated, latency, nil
}

// rootsFallback is a transport trusting a CA file first and, for a server whose
// certificate that file does not vouch for, the CA file and the system roots (made on
// first need, then kept): see httpFor.
type rootsFallback struct {
	fast    http.RoundTripper
	full    func() http.RoundTripper
	once    sync.Once
	withSys http.RoundTripper
}

func (t *rootsFallback) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.fast.RoundTrip(req)
	var unknown x509.UnknownAuthorityError
	if err == nil || !errors.As(err, &unknown) {
		return resp, err
	}
	t.once.Do(func() { t.withSys = t.full() })
	if t.withSys == nil {
		return nil, err
	}
	again := req.Clone(req.Context())
	if req.Body != nil {
		if req.GetBody == nil {
			return nil, err // a body that cannot be read again: the first verdict stands
		}
		body, gerr := req.GetBody()
		if gerr != nil {
			return nil, err
		}
		again.Body = body
	}
	return t.withSys.RoundTrip(again)
}

// CloseIdleConnections closes both transports' idle connections.
func (t *rootsFallback) CloseIdleConnections() {
	for _, rt := range []http.RoundTripper{t.fast, t.withSys} {
		if ci, ok := rt.(interface{ CloseIdleConnections() }); ok {
			ci.CloseIdleConnections()
		}
	}
}
