package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
	"github.com/spf13/cobra"
)

func (a *App) inspectCmd() *cobra.Command {
	var verify, asJSON, force bool
	cmd := &cobra.Command{
		Use:   "inspect NAME",
		Short: "Show what is inside the profile's token: header, claims, scopes, expiry, signature",
		Long: `Show what is inside the profile's token: header, claims, scopes, expiry. Every claim is
on one line; control characters in it are shown escaped (\n, \x1b, \u202e), never
interpreted.

--verify checks the signature against the issuer's published keys (discovery from the
token's iss, then its JWKS). A profile set up with --discover accepts only tokens of
the issuer it was discovered from. With --verify the exit code is the outcome:
  0  verified
  3  failed: bad signature, unknown key, alg none or HMAC, wrong issuer, expired
  1  not verifiable: an opaque token, no iss, or the issuer's keys could not be found`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, res, err := a.profileToken(cmd, args[0], force, 0)
			if err != nil {
				return err
			}
			now := b.Vault.Now()
			in := oauth.Inspect(res.Token.AccessToken, res.Profile.Scopes, res.Token.Scopes, now)
			var ver *oauth.Verification
			if verify {
				ver = b.Client.Verify(cmd.Context(), res.Token.AccessToken, res.Profile.Issuer)
			}
			if asJSON {
				if err := writeJSON(a.Out, inspectJSON(in, ver, res.Token.ExpiresAt, res.Token.TokenType), false); err != nil {
					return err
				}
			} else {
				writeInspection(a.Out, res.Profile.Name, res.Token.TokenType, res.Token.ExpiresAt, in, ver, now)
			}
			return verifyExit(ver)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "verify the signature against the issuer's published keys (discovery + JWKS); exits 0 verified, 3 failed, 1 not verifiable")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "fetch a new token first")
	return cmd
}

// verifyExit is the exit of inspect --verify: nil when verified (or not asked), 3 when
// verification failed, 1 when the token could not be verified.
func verifyExit(ver *oauth.Verification) error {
	switch {
	case ver == nil || ver.Status == oauth.Verified:
		return nil
	case ver.Status == oauth.VerifyFailed:
		return &exitError{code: ExitAuth, silent: true}
	}
	return &exitError{code: ExitFailure, silent: true}
}

// writeJSON writes v as JSON that is safe on a terminal: encoding/json escapes C0
// controls but leaves C1 and bidi controls raw, which JSONSafe escapes.
func writeJSON(w io.Writer, v any, indent bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(oauth.JSONSafe(buf.Bytes()))
	return err
}

func inspectJSON(in *oauth.Inspection, ver *oauth.Verification, exp time.Time, typ string) map[string]any {
	out := map[string]any{"token_type": typ, "length": in.Length, "jwt": in.IsJWT,
		"requested_scopes": in.Requested, "granted_scopes": in.Scopes, "missing_scopes": in.Missing}
	if !exp.IsZero() {
		out["expires_at"] = exp.UTC().Format(time.RFC3339)
	}
	if in.DecodeErr != nil {
		out["decode_error"] = in.DecodeErr.Error()
	}
	if in.JWT != nil {
		hdr := map[string]any{}
		for k, v := range in.JWT.Header {
			hdr[oauth.Sanitize(k)] = v
		}
		claims := map[string]any{}
		for _, c := range in.Claims {
			claims[c.Name] = c.Raw
		}
		out["header"], out["claims"] = hdr, claims
	}
	if ver != nil {
		out["verification"] = map[string]any{"status": ver.Status, "reason": ver.Reason, "kid": ver.KeyID, "jwks_uri": ver.JWKSURI}
	}
	return out
}

// writeInspection prints an inspection as readable text.
func writeInspection(w io.Writer, name, typ string, exp time.Time, in *oauth.Inspection, ver *oauth.Verification, now time.Time) {
	kind := "opaque token"
	if in.IsJWT {
		kind = "JWT"
	} else if in.DecodeErr != nil {
		kind = "malformed JWT: " + in.DecodeErr.Error()
	}
	fmt.Fprintf(w, "%s: %s %s, %d characters\n", name, typ, kind, in.Length)
	if !exp.IsZero() {
		fmt.Fprintf(w, "expires   %s (%s)\n", exp.Local().Format("2006-01-02 15:04:05 MST"), oauth.Relative(exp, now))
	} else {
		fmt.Fprintln(w, "expires   unknown (no expiry given)")
	}
	if in.JWT != nil {
		fmt.Fprintf(w, "\nheader    alg=%s kid=%s typ=%s\n", oauth.OneLine(in.JWT.Alg), oauth.OneLine(in.JWT.Kid), oauth.OneLine(in.JWT.Typ))
		fmt.Fprintln(w, "\nclaims")
		tw := newTable(w)
		times := map[string]oauth.TimeClaim{}
		for _, t := range in.Times {
			times[t.Name] = t
		}
		for _, c := range in.Claims {
			val := c.Value
			if t, ok := times[c.Name]; ok {
				val = fmt.Sprintf("%s  (%s, %s)", c.Value, t.Time.Local().Format("2006-01-02 15:04:05"), t.Relative)
			}
			fmt.Fprintf(tw, "  %s\t%s\n", c.Name, val)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "scopes    requested: %s\n", orNone(in.Requested))
	fmt.Fprintf(w, "          granted:   %s\n", orNone(in.Scopes))
	if len(in.Missing) > 0 {
		fmt.Fprintf(w, "          ⚠ not granted: %s\n", strings.Join(in.Missing, " "))
	}
	if ver != nil {
		mark := map[oauth.VerifyStatus]string{oauth.Verified: "✓", oauth.NotVerifiable: "?", oauth.VerifyFailed: "✗"}[ver.Status]
		fmt.Fprintf(w, "signature %s %s: %s\n", mark, ver.Status, oauth.Sanitize(ver.Reason))
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, " ")
}

// maxBodyFile bounds a request body given as -d @FILE: a test call's body, so a few MiB
// at most; eight times the answer oat reads back (oauth.DefaultMaxBody), for uploads.
const maxBodyFile = 8 << 20

func (a *App) callCmd() *cobra.Command {
	var method, data string
	var headers []string
	var force, verbose bool
	cmd := &cobra.Command{
		Use:   "call NAME [PATH|URL]",
		Short: "Call the API with the profile's token: status to stderr, body to stdout",
		Long: `Call the API with the profile's token. The status line, timing and telling headers go
to stderr, the body to stdout: pretty-printed JSON on a terminal, the raw bytes when
piped. 401 and 403 are explained from the WWW-Authenticate header. Without PATH the
profile's test request is sent.`,
		Example: `  oat call ecoinvent /v0/versions
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
			b, res, err := a.profileToken(cmd, args[0], force, 0)
			if err != nil {
				return err
			}
			req := oauth.CallFor(res.Profile, res.Token.AccessToken)
			if len(args) == 2 {
				req.Target, req.Headers, req.Body = args[1], nil, nil
				req.Method = ""
			}
			if cmd.Flags().Changed("request") {
				req.Method = method
			}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, ":")
				if !ok {
					return usageErr(fmt.Errorf("-H %q: want 'Key: Value'", h))
				}
				if req.Headers == nil {
					req.Headers = map[string]string{}
				}
				req.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			if data != "" {
				if strings.HasPrefix(data, "@") {
					body, err := vault.ReadFileLimited(data[1:], maxBodyFile)
					if err != nil {
						return usageErr(fmt.Errorf("-d: %w", err)) // the error names the file
					}
					req.Body = body
				} else {
					req.Body = []byte(data)
				}
				if req.Method == "" {
					req.Method = "POST"
				}
			}
			out, err := b.Client.Call(cmd.Context(), req)
			if err != nil {
				return err
			}
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
			if out.Explanation != "" {
				fmt.Fprintf(a.Err, "why: %s\n", out.Explanation)
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
		},
	}
	cmd.Flags().StringVarP(&method, "request", "X", "", "HTTP method (default GET, or POST with -d)")
	cmd.Flags().StringArrayVarP(&headers, "header", "H", nil, "request header 'Key: Value' (repeatable)")
	cmd.Flags().StringVarP(&data, "data", "d", "", "request body, or @FILE (a regular file of at most 8 MiB)")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "fetch a new token first")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show all telling headers")
	return cmd
}
