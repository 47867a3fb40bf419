package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// proxyOptions are oat proxy's flags and arguments.
type proxyOptions struct {
	name   string
	listen string
	force  bool
}

func (a *App) proxyCmd() *cobra.Command {
	var o proxyOptions
	cmd := &cobra.Command{
		Use:   "proxy NAME",
		Short: "Serve the profile's API on loopback with a valid Bearer token added to every request",
		Long: `Listen on a loopback address and forward every request to the profile's API base URL
({client_id} expanded), with a valid Authorization: Bearer token added: cached while
valid, fetched anew as needed, and when the API answers 401 to a cached token, one new
token and one retry (as oat call does). For tools that cannot do OAuth at all.

The listening URL is printed on stdout (one line), then one line per request on stderr
(method, path without the query, status). Ctrl-C or SIGTERM stops it.

What the client sends as Authorization or Proxy-Authorization is dropped. Request bodies
are limited to 8 MiB (413) and responses to 1 MiB (a larger one is a 502, never passed
on cut short). Paths with . or .. segments are refused, and so are requests from a web
browser (an Origin or Sec-Fetch-Site cross-site header: a web page must not use the
token) and requests whose Host is not a loopback name (DNS rebinding).

It listens on loopback only (127.0.0.1, ::1 or localhost): every process of this machine
that can reach the port can use the token, so the port is a random one by default and
the proxy should not outlive the job that needs it. --timeout bounds each token request
and each forwarded call, not the proxy.`,
		Example: `  oat proxy eds                       # prints http://127.0.0.1:PORT
  oat proxy eds --listen 127.0.0.1:8099 &
  curl http://127.0.0.1:8099/v1/items`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		Annotations:       unbounded,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			return a.runProxy(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:0", "loopback `HOST:PORT` to listen on (port 0: any free port)")
	cmd.Flags().BoolVarP(&o.force, "force", "f", false, "fetch a new token at the start")
	return cmd
}

// checkLoopbackListen refuses a listen address that is not loopback: the proxy hands
// the profile's token to whoever connects.
func checkLoopbackListen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: want HOST:PORT, such as 127.0.0.1:0 (%v)", oauth.OneLine(addr), err)
	}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		return nil
	}
	return fmt.Errorf("--listen %s: oat proxy listens on loopback only (127.0.0.1, ::1 or localhost), since whoever connects uses the profile's token", oauth.OneLine(addr))
}

func (a *App) runProxy(ctx context.Context, o proxyOptions) error {
	if err := checkLoopbackListen(o.listen); err != nil {
		return usageErr(err)
	}
	listen := o.listen
	if host, port, _ := net.SplitHostPort(listen); strings.EqualFold(host, "localhost") {
		listen = net.JoinHostPort("127.0.0.1", port) // never looked up
	}
	v, err := a.Vault()
	if err != nil {
		return err
	}
	p, err := v.Get(o.name)
	if err != nil {
		return err
	}
	if p.APIBaseURL == "" {
		return usageErr(fmt.Errorf("profile %s has no API base URL to forward to: set one with oat edit %s --api-url URL", p.Name, p.Name))
	}
	base, err := oauth.ExpandURL(p.APIBaseURL, p.URLVars())
	if err != nil {
		return usageErr(fmt.Errorf("API base URL: %w", err))
	}
	b, err := a.Broker()
	if err != nil {
		return err
	}
	// A token first: a profile that cannot get one fails here, not at the first request.
	tctx, cancel := context.WithTimeout(ctx, a.timeout)
	_, _, err = a.profileToken(tctx, p.Name, o.force, 0)
	cancel()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", oauth.OneLine(o.listen), err)
	}
	px := &authProxy{name: p.Name, broker: b, log: a.Err}
	srv := &http.Server{Handler: px.handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * a.timeout, WriteTimeout: 4 * a.timeout, IdleTimeout: 2 * time.Minute}
	url := "http://" + ln.Addr().String()
	fmt.Fprintln(a.Out, url)
	fmt.Fprintf(a.Err, "oat: proxy for %s: %s → %s (Ctrl-C stops it)\n", p.Name, url, oauth.OneLine(base))
	sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("proxy: %w", err)
	case <-sctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	fmt.Fprintln(a.Err, "oat: proxy stopped")
	return nil
}

// authProxy forwards requests to a profile's API through the broker.
type authProxy struct {
	name   string
	broker *vault.Broker
	logMu  sync.Mutex
	log    io.Writer
	// tokenMu lets one request at a time get a token, so that a burst of requests when
	// the token expires fetches one new token, not one each.
	tokenMu sync.Mutex
}

func (px *authProxy) logf(format string, args ...any) {
	px.logMu.Lock()
	defer px.logMu.Unlock()
	fmt.Fprintf(px.log, "oat: "+format+"\n", args...)
}

// Errors the proxy answers with its own status.
var (
	errProxyBodyTooLarge = fmt.Errorf("the request body is larger than %d MiB", maxBodyFile>>20)
	errProxyRespTooLarge = fmt.Errorf("the API's response is larger than %d MiB; oat proxy does not pass on a body cut short", oauth.DefaultMaxBody>>20)
)

func (px *authProxy) handler() http.Handler {
	rp := &httputil.ReverseProxy{
		// Rewrite (not Director): X-Forwarded-* from the client are dropped, and none added.
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.Header.Del("Authorization")
			pr.Out.Header.Del("Proxy-Authorization")
			// Headers some servers take to change the method or the path behind the
			// proxy's back.
			for _, h := range []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Original-URL", "X-Rewrite-URL"} {
				pr.Out.Header.Del(h)
			}
		},
		Transport:    px,
		ErrorHandler: px.fail,
	}
	// At most proxyConcurrency requests at once: each may hold a body of up to 8 MiB.
	slots := make(chan struct{}, proxyConcurrency)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slots <- struct{}{}
		defer func() { <-slots }()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		switch msg := refuseRequest(r); {
		case msg != "":
			sw.why = "refused: " + msg
			http.Error(sw, "oat proxy: "+msg, http.StatusForbidden)
		case r.ContentLength > maxBodyFile:
			px.fail(sw, r, errProxyBodyTooLarge)
		default:
			rp.ServeHTTP(sw, r)
		}
		line := fmt.Sprintf("%s %s → %d (%s)", oauth.OneLine(r.Method), oauth.OneLine(r.URL.Path), max(sw.status, http.StatusOK), time.Since(start).Round(time.Millisecond))
		if sw.why != "" {
			line += ": " + sw.why
		}
		px.logf("%s", line)
	})
}

// proxyConcurrency bounds the requests the proxy serves at once.
const proxyConcurrency = 16

// refuseRequest says why a request is not forwarded ("" when it is): a browser's
// cross-site request (a web page must not borrow the token), a Host that is not a
// loopback name (DNS rebinding), a path that climbs out of the API base.
func refuseRequest(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default: // TRACE would echo the token back; CONNECT is not for an API
		return "the method " + oauth.OneLine(r.Method) + " is not forwarded"
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if !oauth.IsLoopback(host) {
		return "the Host is not a loopback name"
	}
	if r.Header.Get("Origin") != "" || (r.Header.Get("Sec-Fetch-Site") != "" && r.Header.Get("Sec-Fetch-Site") != "none") {
		return "a request from a web page"
	}
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if seg == "." || seg == ".." {
			return "a path with . or .. segments"
		}
	}
	return ""
}

// RoundTrip sends one request through the broker: the profile's current token, and on
// a 401 to a cached token one new token and one retry (vault.Broker.Call).
func (px *authProxy) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxBodyFile+1))
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read the request body: %w", err)
		}
		if len(b) > maxBodyFile {
			return nil, errProxyBodyTooLarge
		}
		body = b
	}
	headers := map[string]string{}
	for k, vs := range req.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization", "Host", "Content-Length":
			continue
		}
		if v := strings.Join(vs, ", "); v != "" {
			headers[k] = v
		}
	}
	// Always a path under the base: one leading slash (//host/x is not an authority),
	// and braces escaped so that no {name} of the client's is taken for a URL variable.
	target := "/" + strings.TrimLeft(req.URL.EscapedPath(), "/")
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	target = strings.NewReplacer("{", "%7B", "}", "%7D").Replace(target)

	ctx := req.Context()
	px.tokenMu.Lock()
	_, err := px.broker.Token(ctx, px.name, false, 0)
	px.tokenMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("get a token: %w", err)
	}
	out, err := px.broker.Call(ctx, px.name, false, func(p vault.Profile, token string) (oauth.CallRequest, error) {
		cr, err := p.CallRequest(token)
		if err != nil {
			return cr, err
		}
		cr.Method, cr.Target, cr.Headers, cr.Body = req.Method, target, headers, body
		return cr, nil
	})
	if out != nil {
		if note := out.Note(); note != "" {
			px.logf("%s %s: %s", oauth.OneLine(req.Method), oauth.OneLine(req.URL.Path), note)
		}
	}
	if err != nil {
		return nil, err
	}
	res := out.Result
	if res.Truncated {
		return nil, errProxyRespTooLarge
	}
	h := res.Headers.Clone()
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	return &http.Response{Status: fmt.Sprintf("%d %s", res.Status, res.StatusText), StatusCode: res.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(res.Body)), ContentLength: int64(len(res.Body))}, nil
}

// fail answers a request the proxy could not forward, in plain text.
func (px *authProxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	status := http.StatusBadGateway
	if errors.Is(err, errProxyBodyTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	msg := oauth.OneLine(vault.FirstLine(err))
	if sw, ok := w.(*statusWriter); ok {
		sw.why = msg
	}
	http.Error(w, "oat proxy: "+msg, status)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	why    string // the proxy's own reason, for the log line
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
