package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// doctorReport is what `oat doctor --json` prints.
type doctorReport struct {
	ConfigDir   string       `json:"config_dir"`
	Files       []doctorFile `json:"files"`
	Store       string       `json:"secret_store"`
	UnlockCache string       `json:"unlock_cache,omitempty"`
	Unlocked    bool         `json:"unlocked,omitempty"`
	// SecretsKept counts the profiles whose keyring secret is kept in the unlock cache
	// (keyring store only).
	SecretsKept *int           `json:"keyring_secrets_kept,omitempty"`
	TokenCache  string         `json:"token_cache"`
	KeyctlError string         `json:"keyctl_unavailable,omitempty"`
	Cached      map[string]int `json:"tokens_cached"`
	Orphans     []string       `json:"orphan_secrets"`
	NoSecret    []string       `json:"profiles_without_secret"`
	OrphanError string         `json:"orphans_error,omitempty"`
	// StoreError says why the secret store does not answer ("" when it does).
	StoreError string `json:"secret_store_error,omitempty"`
	// Overdue are the profiles whose secret is older than the rotation policy.
	Overdue []string `json:"rotation_overdue"`
	// Expiring are the certificates (mutual TLS, or a key's) that expired or expire
	// within vault.CertExpiryWarning, each as "NAME: what, when; what to do".
	Expiring []string `json:"certificates_expiring"`
	// Unreadable are the profiles whose certificate does not parse (each also a problem).
	Unreadable []string `json:"certificates_unreadable,omitempty"`
	// ProfilesError is why the profiles could not be read: rotation and certificates
	// were then not checked.
	ProfilesError string `json:"profiles_error,omitempty"`
	// Staged are the rotations left half-way: a new key, certificate or secret staged
	// and never made active, each as "NAME: what; what to do" (not checked while the
	// store is locked).
	Staged   []string `json:"rotations_staged"`
	Problems []string `json:"problems"`
}

type doctorFile struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	OK   bool   `json:"ok"`
}

func (a *App) doctorCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Show the secret store, the token cache, file permissions and orphan secrets",
		Long: `doctor says where oat keeps what: the config directory and the permissions of its
files, the secret store, the token cache (the Linux kernel keyring when keyctl works,
else the secret store, with why) and how many tokens each holds, and secrets left in the
store by profiles that no longer exist. Rotation advice: secrets older than the
rotation policy, certificates (mutual TLS, or a key's) that expire within 30 days, and
rotations left half-way (a new key or certificate staged, never made active). It exits
1 when it finds a problem.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			rep := doctorReport{ConfigDir: v.Dir, Store: v.Secrets.Name(), TokenCache: v.TokenCacheName(),
				Cached: map[string]int{}, Orphans: []string{}, NoSecret: []string{}, Problems: []string{}}
			if err := vault.NewKeyctlCache(v.Dir, nil).Available(); err != nil {
				rep.KeyctlError = err.Error()
			} else if a.Getenv("OAT_TOKEN_CACHE") == "store" {
				rep.KeyctlError = "turned off by OAT_TOKEN_CACHE=store"
			}
			check := func(path string, want fs.FileMode) {
				fi, err := os.Lstat(path)
				if errors.Is(err, fs.ErrNotExist) {
					return
				}
				f := doctorFile{Path: path}
				if err != nil {
					f.Mode = err.Error()
				} else {
					f.Mode = fmt.Sprintf("%04o", fi.Mode().Perm())
					f.OK = fi.Mode().Perm()&^want == 0 && (fi.IsDir() || fi.Mode().IsRegular())
				}
				switch {
				case f.OK:
				case err == nil && !fi.IsDir() && !fi.Mode().IsRegular():
					// A symlink, FIFO or device where oat keeps a file: chmod would act on
					// what it points to (a symlink to /etc/passwd), so never advise it.
					f.Mode = fi.Mode().Type().String() + " " + f.Mode
					rep.Problems = append(rep.Problems, fmt.Sprintf("%s is not a regular file (%s): oat never made it; look at it, then remove it (rm %s)", oauth.OneLine(path), fi.Mode().Type(), shellQuote(path)))
				default:
					rep.Problems = append(rep.Problems, fmt.Sprintf("%s is %s: want %04o or less, owned by you (chmod %o %s)", oauth.OneLine(path), f.Mode, want, want, shellQuote(path)))
				}
				rep.Files = append(rep.Files, f)
			}
			check(v.Dir, 0o700)
			ents, _ := os.ReadDir(v.Dir)
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".lock") && !e.IsDir() {
					check(filepath.Join(v.Dir, e.Name()), 0o600)
				}
			}
			if fst, ok := v.Secrets.(*vault.FileStore); ok {
				// The file store's directory: one file per secret, the identity, its key.
				check(fst.Dir(), 0o700)
				ents, _ := os.ReadDir(fst.Dir())
				for _, e := range ents {
					if !strings.HasSuffix(e.Name(), ".lock") {
						check(filepath.Join(fst.Dir(), e.Name()), 0o600)
					}
				}
				rep.UnlockCache, rep.Unlocked = fst.CacheName(), fst.Unlocked()
			}
			if ks, ok := v.Secrets.(*vault.KeyringStore); ok {
				n := v.CachedSecrets()
				rep.UnlockCache, rep.SecretsKept = ks.CacheName(), &n
			}
			states, err := v.TokenStates()
			if err != nil {
				return err
			}
			now := v.Now()
			for _, st := range states {
				if st.Cached && st.ExpiresAt.After(now) {
					where := st.Cache
					if where == "" {
						where = "store"
					}
					rep.Cached[where]++
				}
			}
			// Does the store answer at all? A key that does not exist must come back as
			// "not found", not as an error (a Secret Service that is not running).
			if _, err := v.Secrets.Get(cmd.Context(), "oat-doctor-probe"); err != nil && !errors.Is(err, vault.ErrNotFound) {
				rep.StoreError = vault.FirstLine(err)
				msg := "the secret store does not answer: " + vault.FirstLine(err)
				if h := vault.Hint(err); h != "" {
					msg += "; " + h
				}
				rep.Problems = append(rep.Problems, msg)
			}
			rep.Overdue, rep.Expiring, rep.Staged = []string{}, []string{}, []string{}
			ps, lerr := v.List()
			if lerr != nil {
				rep.ProfilesError = vault.FirstLine(lerr)
			}
			for _, p := range ps {
				if v.Overdue(p) {
					rep.Overdue = append(rep.Overdue, p.Name)
				}
				if line, broken := expiringCert(p, now); broken {
					// The profile cannot authenticate: a problem, not a renewal to plan.
					rep.Problems = append(rep.Problems, line)
					rep.Unreadable = append(rep.Unreadable, p.Name)
				} else if line != "" {
					rep.Expiring = append(rep.Expiring, line)
				}
			}
			d, derr := v.FindDebris(cmd.Context())
			if derr == nil {
				// The store answers and is open: a staged credential is a value in it.
				for _, p := range ps {
					if line := stagedRotation(cmd.Context(), v, p); line != "" {
						rep.Staged = append(rep.Staged, line)
					}
				}
			}
			if rep.ProfilesError != "" && (derr == nil || vault.FirstLine(derr) != rep.ProfilesError) {
				// A locked store says nothing of the profiles: their own problem, once.
				rep.Problems = append(rep.Problems, "the profiles do not load: "+rep.ProfilesError)
			}
			if err := derr; errors.Is(err, vault.ErrNeedPassphrase) {
				// A locked store is healthy: looking inside it needs the passphrase.
				rep.OrphanError = "not checked: the store is locked (oat unlock, then oat doctor again)"
			} else if err != nil {
				rep.OrphanError = vault.FirstLine(err)
				rep.Problems = append(rep.Problems, "could not look for orphan secrets: "+vault.FirstLine(err))
			} else {
				rep.Orphans = append(rep.Orphans, d.OrphanIDs()...)
				for _, p := range d.NoSecret {
					rep.NoSecret = append(rep.NoSecret, p.Name)
				}
				if len(d.Orphans) > 0 {
					rep.Problems = append(rep.Problems, fmt.Sprintf("%d secret(s) of removed profiles are still in the store: oat check --all --prune deletes them", len(d.Orphans)))
				}
				if len(d.NoSecret) > 0 {
					rep.Problems = append(rep.Problems, fmt.Sprintf("profiles without their secret: %s (oat edit NAME --replace-secret)", strings.Join(rep.NoSecret, ", ")))
				}
			}
			if asJSON {
				if err := writeJSON(a.Out, rep, true); err != nil {
					return err
				}
			} else {
				printDoctor(a, rep)
			}
			if len(rep.Problems) > 0 {
				return &exitError{code: 1, silent: true, err: errors.New("problems found")}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// expiringCert is p's certificate (mutual TLS, or its key's) when it expired or expires
// within vault.CertExpiryWarning, as oat ls warns: "NAME: what, when; what to do" ("":
// none, or not soon). broken says the certificate does not even parse (a hand edit of
// profiles.toml): then the line says so, as oat ls does.
func expiringCert(p vault.Profile, now time.Time) (line string, broken bool) {
	n := p.Name
	kind, how := "client certificate", "oat rotate "+n+" < renewed.pem (certificate and key)"
	if p.AuthMethod == oauth.AuthPrivateKeyJWT {
		kind, how = "the key's certificate", "oat rotate "+n+" --keygen (a new key and certificate)"
	}
	info, ok, err := p.CertInfo()
	if err != nil {
		return fmt.Sprintf("%s: %s is unreadable: %s; put it back in profiles.toml, or replace it: %s", n, kind, vault.FirstLine(err), how), true
	}
	if !ok {
		return "", false
	}
	exp, warn := info.Expiry(now)
	if !warn {
		return "", false
	}
	return fmt.Sprintf("%s: %s %s %s; %s", n, kind, info.Subject, exp, how), false
}

// stagedRotation is a rotation of p left half-way, "NAME: what; what to do" ("": none):
// a new key or certificate staged (shown, maybe registered) and never made active.
func stagedRotation(ctx context.Context, v *vault.Vault, p vault.Profile) string {
	if _, err := v.StagedSecret(ctx, p); err != nil {
		return ""
	}
	n := p.Name
	switch vault.CredentialOf(p.AuthMethod) {
	case vault.CredKey:
		return fmt.Sprintf("%s: a new key is staged, never made active: register it at the provider, then oat rotate %s --continue (or start over: oat rotate %s --keygen --restage)", n, n, n)
	case vault.CredCert:
		return fmt.Sprintf("%s: a new certificate is staged, never made active: once the provider knows it, oat rotate %s --continue (or rotate with another: oat rotate %s < new.pem)", n, n, n)
	}
	return fmt.Sprintf("%s: a new secret is staged, never made active: oat rotate %s", n, n)
}

func printDoctor(a *App, rep doctorReport) {
	w := a.Out
	fmt.Fprintf(w, "config dir    %s\n", oauth.OneLine(rep.ConfigDir))
	entries := 0 // the file store's one file per secret: counted, not listed, when all is well
	for _, f := range rep.Files {
		mark, base := "✓", filepath.Base(f.Path)
		if !f.OK {
			mark = "✗"
		} else if strings.HasPrefix(base, "e-") && strings.HasSuffix(base, ".age") {
			entries++
			continue
		}
		fmt.Fprintf(w, "              %s %s %s\n", mark, f.Mode, oauth.OneLine(base))
	}
	if entries > 0 {
		fmt.Fprintf(w, "              ✓ 0600 %d secret files\n", entries)
	}
	store := rep.Store + ": answers"
	if rep.StoreError != "" {
		store = rep.Store + ": does not answer (" + rep.StoreError + ")"
	}
	fmt.Fprintf(w, "secret store  %s\n", store)
	if rep.UnlockCache != "" && rep.SecretsKept != nil {
		fmt.Fprintf(w, "unlock cache  %s; %d profiles' secrets kept after their first read (oat lock forgets them)\n", rep.UnlockCache, *rep.SecretsKept)
	} else if rep.UnlockCache != "" {
		state := "locked (the next command that reads a secret asks for the passphrase)"
		if rep.Unlocked {
			state = "unlocked"
		}
		fmt.Fprintf(w, "unlock cache  %s; %s\n", rep.UnlockCache, state)
	}
	switch rep.TokenCache {
	case vault.KeyctlCacheName:
		fmt.Fprintln(w, "token cache   keyctl: the Linux kernel keyring (your user keyring, in memory, each token removed at its expiry)")
	default:
		why := rep.KeyctlError
		if why == "" {
			why = "no token cache"
		}
		fmt.Fprintf(w, "token cache   store: the secret store (%s)\n", why)
	}
	fmt.Fprintf(w, "tokens        %d valid in keyctl, %d in the secret store\n", rep.Cached[vault.KeyctlCacheName], rep.Cached["store"])
	switch {
	case strings.HasPrefix(rep.OrphanError, "not checked"):
		fmt.Fprintf(w, "orphans       %s\n", rep.OrphanError)
	case rep.OrphanError != "":
		fmt.Fprintf(w, "orphans       not checked: %s\n", oauth.OneLine(rep.OrphanError))
	case len(rep.Orphans) == 0 && len(rep.NoSecret) == 0:
		fmt.Fprintln(w, "orphans       none")
	default:
		fmt.Fprintf(w, "orphans       %d profile ID(s) with secrets left in the store; %d profile(s) without their secret\n", len(rep.Orphans), len(rep.NoSecret))
	}
	if rep.ProfilesError != "" {
		// Said, not vouched for: nothing was read (the reason is among the problems).
		fmt.Fprintln(w, "rotation      not checked: the profiles do not load (below)")
		fmt.Fprintln(w, "certificates  not checked: the profiles do not load (below)")
	} else if len(rep.Overdue) == 0 {
		fmt.Fprintln(w, "rotation      no secret is older than the rotation policy")
	} else {
		fmt.Fprintf(w, "rotation      ⚠ older than the rotation policy: %s (oat rotate NAME, after the provider issues a new secret; for a key: oat rotate NAME --keygen)\n", strings.Join(rep.Overdue, ", "))
	}
	switch {
	case rep.ProfilesError != "":
	case len(rep.Unreadable) > 0:
		fmt.Fprintf(w, "certificates  ✗ unreadable: %s (below)\n", strings.Join(rep.Unreadable, ", "))
	case len(rep.Expiring) == 0:
		fmt.Fprintf(w, "certificates  none expires within %d days\n", int(vault.CertExpiryWarning.Hours()/24))
	}
	for i, line := range rep.Expiring {
		head := "              "
		if i == 0 && len(rep.Unreadable) == 0 {
			head = "certificates  "
		}
		fmt.Fprintf(w, "%s⚠ %s\n", head, oauth.OneLine(line))
	}
	if len(rep.Staged) == 0 && rep.OrphanError == "" {
		fmt.Fprintln(w, "staged        no rotation left half-way")
	}
	for i, line := range rep.Staged {
		head := "              "
		if i == 0 {
			head = "staged        "
		}
		fmt.Fprintf(w, "%s⚠ %s\n", head, oauth.OneLine(line))
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(a.Err, "✗ %s\n", oauth.OneLine(p))
	}
}
