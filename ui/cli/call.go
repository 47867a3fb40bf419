package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// maxBodyFile bounds a request body given as -d @FILE: a test call's body, so a few MiB
// is plenty, and the same order as the 1 MiB cap on what oat reads back.
const maxBodyFile = 8 << 20

// callOptions are oat call's flags and arguments.
type callOptions struct {
	name, target        string
	method, data        string
	methodSet           bool
	headers             []string
	force, verbose, dry bool
	// yes sends a saved test request to another origin than the API URL.
	yes bool
}

func (a *App) callCmd() *cobra.Command {
	var o callOptions
	cmd := &cobra.Command{
		Use:   "call NAME [PATH|URL]",
		Short: "Call the API with the profile's token: status to stderr, body to stdout",
		Long: `Call the API with the profile's token. The status line, timing and telling headers go
to stderr, the body to stdout: pretty-printed JSON on a terminal, the raw bytes when
piped. 401 and 403 are explained from the WWW-Authenticate header. Without PATH the
profile's test request is sent.

{client_id} (any case) in the path or the profile's API URL is the profile's client ID,
as in the restoration dashboard's /accounts/{CLIENT_ID}/orders.

When the API answers 401 to a cached token (a provider revoked it before its expiry),
oat drops that token for good, fetches a new one and sends the call once more; it says
so on stderr. A second 401 is the answer.`,
		Example: `  oat call ecoinvent /v0/versions
  oat call dash /accounts/{CLIENT_ID}/orders --dry-run
  oat call eds https://api.earthdaily.com/platform/v1/stac -H 'Accept: application/json'
  oat call myapi /items -X POST -d @item.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErr(fmt.Errorf("usage: oat call NAME [PATH|URL]"))
			}
			return nil
		},
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			if len(args) == 2 {
				o.target = args[1]
			}
			o.methodSet = cmd.Flags().Changed("request")
			return a.runCall(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.method, "request", "X", "", "HTTP method (default GET, or POST with -d)")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "request header 'Key: Value' (repeatable)")
	f.StringVarP(&o.data, "data", "d", "", "request body, or @FILE (a regular file of at most 8 MiB)")
	f.BoolVarP(&o.force, "force", "f", false, "fetch a new token first")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "show all telling headers")
	f.BoolVar(&o.dry, "dry-run", false, "print the request (URL expanded) without getting a token or sending it")
	f.BoolVarP(&o.yes, "yes", "y", false, "send the saved test request even to another origin than the profile's API URL")
	return cmd
}

// isHTTPToken says whether s is an RFC 9110 token: a method or a header name.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// callBuilder turns the options into the function that builds the request for a
// profile and a token (the token may change once, after a 401).
func (o callOptions) builder() (func(p vault.Profile, tok string) (oauth.CallRequest, error), error) {
	if o.methodSet && !isHTTPToken(o.method) {
		return nil, usageErr(fmt.Errorf("-X %q: an HTTP method is one word of letters (GET, POST, PATCH…)", oauth.OneLine(o.method)))
	}
	hdrs := map[string]string{}
	for _, h := range o.headers {
		k, v, err := vault.ParseHeader(h)
		if err != nil || !isHTTPToken(k) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return nil, usageErr(fmt.Errorf("-H %q: want 'Key: Value' on one line, the key a header name", oauth.OneLine(h)))
		}
		hdrs[k] = v
	}
	var body []byte
	if o.data != "" {
		if strings.HasPrefix(o.data, "@") {
			b, err := vault.ReadFileLimited(o.data[1:], maxBodyFile)
			if err != nil {
				return nil, usageErr(fmt.Errorf("-d: %w", err)) // the error names the file
			}
			body = b
		} else {
			body = []byte(o.data)
		}
	}
	return func(p vault.Profile, tok string) (oauth.CallRequest, error) {
		req, err := p.CallRequest(tok)
		if err != nil {
			return req, err
		}
		if o.target != "" {
			req.Target, req.Headers, req.Body, req.Method = o.target, nil, nil, ""
		}
		if o.methodSet {
			req.Method = o.method
		}
		if len(hdrs) > 0 {
			merged := map[string]string{}
			for k, v := range req.Headers {
				merged[k] = v
			}
			for k, v := range hdrs {
				merged[k] = v
			}
			req.Headers = merged
		}
		if body != nil {
			req.Body = body
			if req.Method == "" {
				req.Method = "POST"
			}
		}
		if req.Method == "" {
			req.Method = "GET"
		}
		return req, nil
	}, nil
}

func (a *App) runCall(ctx context.Context, o callOptions) error {
	build, err := o.builder()
	if err != nil {
		return err
	}
	v, err := a.Vault()
	if err != nil {
		return err
	}
	p, err := v.Get(o.name)
	if err != nil {
		return err
	}
	req, err := build(p, "")
	if err != nil {
		return err
	}
	u, err := req.URL()
	if err != nil {
		return usageErr(err)
	}
	if o.dry {
		return a.printDryRun(req, u)
	}
	// A saved request with a full URL on another host than the API's sends the token
	// there: profiles.toml may have been edited to collect tokens. A URL typed on the
	// command line is the user's own choice.
	if to, api, cross := p.CrossOrigin(p.TestRequest); o.target == "" && cross && !o.yes {
		return fmt.Errorf("%w; oat call %s --yes sends it there", &vault.CrossOriginError{To: to, API: api}, oauth.OneLine(p.Name))
	}
	b, err := a.Broker()
	if err != nil {
		return err
	}
	// Each token the call is sent with passes through here first: one bound to another
	// certificate than the profile's is said once (a retry with a new token may be too).
	warned := false
	send := func(p vault.Profile, tok string) (oauth.CallRequest, error) {
		if !warned {
			warned = a.warnBindingOf(p, tok)
		}
		return build(p, tok)
	}
	out, err := b.Call(ctx, o.name, o.force, send)
	if out != nil && out.Token != nil && out.Token.CacheWarning != nil {
		fmt.Fprintf(a.Err, "oat: note: token not cached: %v\n", out.Token.CacheWarning)
	}
	if note := callNote(out); note != "" {
		fmt.Fprintf(a.Err, "oat: %s\n", note)
	}
	if err != nil {
		return err
	}
	return a.printCallResult(out.Result, out.Advice(), o.verbose)
}

func callNote(out *vault.CallOutcome) string {
	if out == nil {
		return ""
	}
	return out.Note()
}

// printDryRun shows the request as it would be sent; the token is not fetched.
func (a *App) printDryRun(req oauth.CallRequest, u string) error {
	fmt.Fprintf(a.Out, "%s %s\n", oauth.OneLine(req.Method), oauth.OneLine(oauth.RedactURL(u)))
	keys := make([]string, 0, len(req.Headers))
	for k := range req.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(a.Out, "%s: %s\n", oauth.OneLine(k), oauth.OneLine(req.Headers[k]))
	}
	fmt.Fprintln(a.Out, "Authorization: Bearer <the profile's token>")
	if len(req.Body) > 0 {
		fmt.Fprintf(a.Out, "\n%s\n", oauth.Sanitize(string(req.Body)))
	}
	return nil
}

// printCallResult writes the status, timing and telling headers to stderr and the body
// to stdout (pretty and sanitized on a terminal, raw when piped).
func (a *App) printCallResult(out *oauth.CallResult, advice []oauth.Advice, verbose bool) error {
	fmt.Fprintf(a.Err, "%s %s\nHTTP %d %s · %s", oauth.OneLine(out.Method), oauth.OneLine(out.URL), out.Status, out.StatusText, out.Latency.Round(time.Millisecond))
	if out.ContentType != "" {
		fmt.Fprintf(a.Err, " · %s", out.ContentType)
	}
	fmt.Fprintf(a.Err, " · %d bytes\n", len(out.Body))
	for _, h := range out.TellingHeaders() {
		if verbose || !strings.EqualFold(h[0], "Content-Type") {
			fmt.Fprintf(a.Err, "%s: %s\n", h[0], h[1])
		}
	}
	if why := oauth.Explain(out.Explanation, advice, cliAdvice); why != "" {
		fmt.Fprintf(a.Err, "why: %s\n", why)
	}
	if a.IsTerminal(a.Out) {
		body := out.Display()
		fmt.Fprint(a.Out, body)
		if !strings.HasSuffix(body, "\n") && body != "" {
			fmt.Fprintln(a.Out)
		}
	} else {
		_, _ = a.Out.Write(out.Body)
	}
	if out.Truncated {
		fmt.Fprintf(a.Err, "oat: body truncated at %d bytes\n", len(out.Body))
	}
	if err := out.Err(); err != nil {
		code := ExitFailure
		if out.Status == 401 || out.Status == 403 {
			code = ExitAuth
		}
		return &exitError{code: code, silent: true}
	}
	return nil
}

// cliAdvice words a step that may fix a refused call with the CLI's flags and commands.
func cliAdvice(a oauth.Advice) string {
	switch a {
	case oauth.AdviceFreshToken:
		return "get a fresh token (--force)"
	case oauth.AdviceInspect:
		return "check its aud and scopes with oat inspect"
	case oauth.AdviceAddScope:
		return "add it to the profile's scopes"
	}
	return ""
}
