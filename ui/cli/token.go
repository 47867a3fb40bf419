package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// tokenOptions are oat token's flags and arguments.
type tokenOptions struct {
	name     string
	force    bool
	minValid time.Duration
	format   string
	asJSON   bool
	write    string
	watch    bool
}

// tokenFormats are the names --format takes.
var tokenFormats = []string{"bare", "header", "json", "curl", "exec-credential"}

func (a *App) tokenCmd() *cobra.Command {
	var o tokenOptions
	cmd := &cobra.Command{
		Use:   "token NAME",
		Short: "Print a valid access token (cached while valid) and nothing else on stdout",
		Long: `Print a valid access token: the cached one while it is valid for longer than the 60s
margin (or --min-valid), else a new one.

--format chooses what is printed:
  bare             the token alone (the default)
  header           Authorization: Bearer <token>
  json             token, type, expires_at, scopes and from_cache (also --json)
  curl             a curl config line, for curl -K: the token never in curl's argv
  exec-credential  a Kubernetes client.authentication.k8s.io/v1 ExecCredential, for a
                   kubeconfig users[].user.exec plugin

--write FILE writes it to FILE instead (0600, replaced atomically: a reader sees the old
token or the new one, never half of one; bare is written without a line break). With
--watch oat keeps FILE fresh until stopped (Ctrl-C, SIGTERM): a new token before the
old one's expiry (at the 60s margin, or half its lifetime if that is shorter), one line
on stderr per refresh, retries with exponential backoff when a refresh fails, and the
old token stays in FILE while it is valid (removed once it expired). The first token
must come: a watch that cannot start exits with the error.`,
		Example: `  oat token eds --format header | curl -H @- https://api.example.com/v1/items   # not in curl's argv
  oat token eds --format curl | curl -K - https://api.example.com/v1/items
  oat token eds --min-valid 10m   # at least 10 minutes left, else fetch anew
  oat token eds --write /run/eds/token --watch`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			if cmd.Flags().Changed("write") && strings.TrimSpace(o.write) == "" {
				return usageErr(errors.New("--write needs a file name"))
			}
			if o.asJSON {
				if cmd.Flags().Changed("format") && o.format != "json" {
					return usageErr(fmt.Errorf("--json is --format json; it cannot go with --format %s", oauth.OneLine(o.format)))
				}
				o.format = "json"
			}
			return a.runToken(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.force, "force", "f", false, "fetch a new token even if the cached one is valid")
	f.DurationVar(&o.minValid, "min-valid", 0, "the token must be valid for at least this long: a shorter-lived cached one is replaced, and a fresh one that cannot last so long is an error (exit 1)")
	f.StringVar(&o.format, "format", "bare", "output: "+strings.Join(tokenFormats, ", "))
	f.BoolVar(&o.asJSON, "json", false, "same as --format json")
	f.StringVar(&o.write, "write", "", "write to `FILE` (0600, atomically) instead of stdout")
	f.BoolVar(&o.watch, "watch", false, "with --write: keep FILE fresh until stopped")
	return cmd
}

func (a *App) runToken(ctx context.Context, o tokenOptions) error {
	known := false
	for _, f := range tokenFormats {
		known = known || o.format == f
	}
	if !known {
		return usageErr(fmt.Errorf("--format %q: want one of %s", oauth.OneLine(o.format), strings.Join(tokenFormats, ", ")))
	}
	if o.watch && o.write == "" {
		return usageErr(errors.New("--watch keeps a file fresh: give it with --write FILE"))
	}
	if o.minValid < 0 {
		return usageErr(fmt.Errorf("--min-valid %s: give a positive duration such as 10m", o.minValid))
	}
	if o.watch {
		return a.runTokenWatch(ctx, o)
	}
	_, res, err := a.lastingToken(ctx, o.name, o.force, o.minValid)
	if err != nil {
		return err
	}
	a.noteHandedBound(res)
	out := formatToken(o.format, res)
	if o.write == "" {
		_, err := a.Out.Write(out)
		return err
	}
	if err := writeTokenFile(o.write, fileBytes(o.format, out)); err != nil {
		return err
	}
	fmt.Fprintf(a.Err, "oat: wrote the token of %s to %s%s\n", o.name, oauth.OneLine(o.write), a.validUntil(res.Token))
	return nil
}

// formatToken is what oat token prints in format (one of tokenFormats).
func formatToken(format string, res *vault.TokenResult) []byte {
	tok := res.Token
	var exp any
	if !tok.ExpiresAt.IsZero() {
		exp = tok.ExpiresAt.UTC().Format(time.RFC3339)
	}
	var b strings.Builder
	switch format {
	case "header":
		fmt.Fprintf(&b, "Authorization: Bearer %s\n", tok.AccessToken)
	case "curl":
		// A curl config line (curl -K): the token reaches curl through a pipe or a file,
		// never through its argv. A token is base64url and dots; quoted all the same.
		fmt.Fprintf(&b, "header = \"Authorization: Bearer %s\"\n", strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(tok.AccessToken))
	case "json":
		out := map[string]any{"access_token": tok.AccessToken, "token_type": tok.TokenType,
			"scopes": tok.Scopes, "from_cache": res.FromCache, "expires_at": exp}
		_ = writeJSON(&b, out, false)
	case "exec-credential":
		status := map[string]any{"token": tok.AccessToken}
		if exp != nil {
			status["expirationTimestamp"] = exp
		}
		_ = writeJSON(&b, map[string]any{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
			"status": status}, false)
	default:
		fmt.Fprintln(&b, tok.AccessToken)
	}
	return []byte(b.String())
}

// fileBytes is what --write puts in the file: a bare token without its line break (a
// token file holds the token and nothing else), any other format as printed.
func fileBytes(format string, out []byte) []byte {
	if format == "bare" {
		return []byte(strings.TrimSuffix(string(out), "\n"))
	}
	return out
}

// lastingToken is profileToken with --min-valid kept: the broker replaces a cached
// token that lives shorter, and a fresh token that cannot live that long is an error
// (exit 1) rather than a token that expires mid-job.
func (a *App) lastingToken(ctx context.Context, name string, force bool, minValid time.Duration) (*vault.Broker, *vault.TokenResult, error) {
	b, res, err := a.profileToken(ctx, name, force, minValid)
	if err != nil || minValid <= 0 {
		return b, res, err
	}
	exp := res.Token.ExpiresAt
	if exp.IsZero() {
		fmt.Fprintf(a.Err, "oat: note: the token of %s has no known expiry; --min-valid %s cannot be checked\n", name, minValid)
		return b, res, nil
	}
	if left := exp.Sub(a.now()); left < minValid {
		lifetime := left
		if !res.Token.FetchedAt.IsZero() {
			lifetime = exp.Sub(res.Token.FetchedAt)
		}
		return nil, nil, &exitError{code: ExitFailure, err: fmt.Errorf(
			"--min-valid %s: even a fresh token of %s is valid for only %s (the provider's token lifetime is %s); ask for less than that, or run the job in parts",
			minValid, name, left.Round(time.Second), lifetime.Round(time.Second))}
	}
	return b, res, nil
}

// warnBinding says on stderr, once, when res's token is bound (RFC 8705 cnf x5t#S256)
// to another certificate than the profile's: an API that checks the binding refuses
// it. It names the two thumbprints, never the token.
func (a *App) warnBinding(res *vault.TokenResult) {
	if res != nil {
		a.warnBindingOf(res.Profile, res.Token.AccessToken)
	}
}

// noteHandedBound says on stderr, once per command, that the token handed out (oat
// token, env, exec, a watch) is bound to the profile's client certificate: the
// program that takes it must present that certificate, whose key stays in oat's store,
// so an API that checks the binding refuses it there; oat call and oat proxy present it.
func (a *App) noteHandedBound(res *vault.TokenResult) {
	if res == nil || a.notedBound || res.Profile.TokenBinding(res.Token.AccessToken).Status != oauth.BoundToCert {
		return
	}
	a.notedBound = true
	fmt.Fprintf(a.Err, "oat: note: the token of %s is bound to its client certificate (RFC 8705): an API that checks the binding refuses it without that certificate, whose key stays in oat; oat call and oat proxy %s present it\n",
		oauth.OneLine(res.Profile.Name), oauth.OneLine(res.Profile.Name))
}

// warnBindingOf is warnBinding for p's token tok; it says whether it warned.
func (a *App) warnBindingOf(p vault.Profile, tok string) bool {
	m := p.TokenBinding(tok).Mismatch()
	if m != "" {
		fmt.Fprintf(a.Err, "oat: warning: %s: %s; an API that checks the binding refuses it (oat token %s --force fetches a new one)\n",
			oauth.OneLine(p.Name), m, oauth.OneLine(p.Name))
	}
	return m != ""
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// validUntil says when tok expires, for the lines on stderr.
func (a *App) validUntil(tok vault.CachedToken) string {
	if tok.ExpiresAt.IsZero() {
		return " (no known expiry)"
	}
	return fmt.Sprintf(" (valid until %s, in %s)", tok.ExpiresAt.Local().Format(time.TimeOnly), tok.ExpiresAt.Sub(a.now()).Round(time.Second))
}

// writeTokenFile replaces path with data atomically: a temp file in the same directory
// (so the rename does not cross file systems), 0600 from its creation, synced, then
// renamed over path. A reader sees the old token or the new one, never a mix, and never
// a file that others can read.
func writeTokenFile(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return usageErr(fmt.Errorf("--write %s: not a regular file; oat replaces only a regular file", oauth.OneLine(path)))
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErr(fmt.Errorf("--write %s: the directory %s does not exist", oauth.OneLine(path), oauth.OneLine(dir)))
	}
	removeStaleTokenTemps(dir, base)
	f, err := os.CreateTemp(dir, "."+base+".oat-tmp-*") // CreateTemp: 0600
	if err != nil {
		return fmt.Errorf("write %s: %w", oauth.OneLine(path), err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		f.Close()
		return fmt.Errorf("write %s: %w", oauth.OneLine(path), err)
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", oauth.OneLine(path), err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: rename: %w", oauth.OneLine(path), err)
	}
	return nil
}

// removeStaleTokenTemps deletes the temp files a killed oat left beside the token file:
// each may hold a token. Only regular files of oat's own name pattern are touched.
func removeStaleTokenTemps(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, "."+base+".oat-tmp-*"))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() {
			_ = os.Remove(m)
		}
	}
}

// Backoff after a failed refresh: doubled from the first, up to the last.
const (
	watchBackoffFirst = time.Second
	watchBackoffMax   = 2 * time.Minute
	// watchNoExpiry is how often a token without a known expiry is replaced.
	watchNoExpiry = 15 * time.Minute
)

// runTokenWatch keeps o.write fresh until SIGINT or SIGTERM. It runs until stopped, so
// --timeout bounds each refresh rather than the command.
func (a *App) runTokenWatch(ctx context.Context, o tokenOptions) error {
	if a.cancelBudget != nil {
		a.cancelBudget()
	}
	ctx, stop := signal.NotifyContext(context.WithoutCancel(ctx), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := a.Broker(); err != nil {
		return err
	}
	file := oauth.OneLine(o.write)
	var cur vault.CachedToken // the token in the file; zero before the first
	inFile := false
	force := o.force
	backoff := time.Duration(0)
	for {
		rctx, cancel := context.WithTimeout(ctx, a.timeout)
		_, res, err := a.lastingToken(rctx, o.name, force, o.minValid)
		cancel()
		if err == nil {
			a.noteHandedBound(res)
		}
		if err == nil {
			err = writeTokenFile(o.write, fileBytes(o.format, formatToken(o.format, res)))
		}
		if ctx.Err() != nil {
			return a.watchStopped(file, cur, inFile)
		}
		stamp := a.now().Local().Format(time.TimeOnly)
		if err != nil {
			if !inFile && cur.AccessToken == "" || exitCode(err) == ExitUsage {
				return err // a watch that cannot start, or a profile gone: not for retrying
			}
			backoff = min(max(2*backoff, watchBackoffFirst), watchBackoffMax)
			wait := backoff
			kept := "no valid token is left in " + file
			if inFile {
				kept = "the token in " + file + " stays" + a.validUntil(cur)
				if left := cur.ExpiresAt.Sub(a.now()); !cur.ExpiresAt.IsZero() && left < wait {
					wait = max(left, 0)
				}
			}
			fmt.Fprintf(a.Err, "oat: %s refresh failed: %s; %s; next try in %s\n", stamp, oauth.OneLine(vault.FirstLine(err)), kept, wait.Round(time.Millisecond))
			if !sleepCtx(ctx, wait) {
				return a.watchStopped(file, cur, inFile)
			}
			if inFile && !cur.ExpiresAt.IsZero() && !a.now().Before(cur.ExpiresAt) {
				inFile = false
				if removeIfHolds(o.write, cur.AccessToken) {
					fmt.Fprintf(a.Err, "oat: %s the token in %s expired; removed it, still trying\n", a.now().Local().Format(time.TimeOnly), file)
				}
			}
			continue
		}
		backoff, force, cur, inFile = 0, false, res.Token, true
		next := a.refreshAt(res.Token, o.minValid)
		if res.Token.ExpiresAt.IsZero() {
			force = true // the cache cannot tell when it is stale
		}
		what := "a new token"
		if res.FromCache {
			what = "the cached token"
		}
		fmt.Fprintf(a.Err, "oat: %s wrote %s of %s to %s%s; next refresh at %s\n", stamp, what, o.name, file, a.validUntil(res.Token), next.Local().Format(time.TimeOnly))
		if !sleepCtx(ctx, next.Sub(a.now())) {
			return a.watchStopped(file, cur, inFile)
		}
	}
}

// refreshAt is when the watch replaces tok: at the broker's margin (or --min-valid)
// before its expiry, or half-way through its life if that is sooner, and no sooner than
// half a second from now (a server that issues tokens about to expire must not be
// hammered).
func (a *App) refreshAt(tok vault.CachedToken, minValid time.Duration) time.Time {
	now := a.now()
	if tok.ExpiresAt.IsZero() {
		return now.Add(watchNoExpiry)
	}
	before := max(vault.DefaultMargin, minValid)
	if a.broker != nil && a.broker.Margin > before {
		before = a.broker.Margin
	}
	from := tok.FetchedAt
	if from.IsZero() || from.After(now) {
		from = now
	}
	if half := tok.ExpiresAt.Sub(from) / 2; half < before {
		before = half
	}
	at := tok.ExpiresAt.Add(-before)
	if at.Sub(now) < 500*time.Millisecond {
		at = now.Add(500 * time.Millisecond)
	}
	return at
}

// watchStopped ends a watch on a signal: exit 0, the file left for its readers.
func (a *App) watchStopped(file string, cur vault.CachedToken, inFile bool) error {
	if inFile {
		fmt.Fprintf(a.Err, "oat: stopped; %s keeps the last token%s\n", file, a.validUntil(cur))
	} else {
		fmt.Fprintln(a.Err, "oat: stopped")
	}
	return nil
}

// removeIfHolds removes path if it still holds token (and not what someone else wrote).
func removeIfHolds(path, token string) bool {
	data, err := vault.ReadFileLimited(path, 1<<20)
	if err != nil || !strings.Contains(string(data), token) {
		return false
	}
	return os.Remove(path) == nil
}

// sleepCtx waits d, and says false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// profileToken is the start of every command that works with a profile's token: the
// broker, then a token (cached while valid unless force).
func (a *App) profileToken(ctx context.Context, name string, force bool, minValid time.Duration) (*vault.Broker, *vault.TokenResult, error) {
	b, err := a.Broker()
	if err != nil {
		return nil, nil, err
	}
	res, err := b.Token(ctx, name, force, minValid)
	if err != nil {
		return nil, nil, err
	}
	if res.CacheWarning != nil {
		fmt.Fprintf(a.Err, "oat: note: token not cached: %v\n", res.CacheWarning)
	}
	a.warnBinding(res) // token, env, exec, a watch's each new token, proxy's start
	return b, res, nil
}
