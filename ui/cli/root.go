package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// Version is set at build time with -ldflags "-X github.com/oatcli/oat/ui/cli.Version=…".
var Version = ""

// AppRunner starts the terminal app on a broker. It is a field so that the CLI does not
// import the app (and tests can replace it).
type AppRunner func(ctx context.Context, a *App, opts AppOptions) error

// AppOptions are the app-wide settings from the command line.
type AppOptions struct {
	Theme   string
	NoColor bool
	Demo    bool
}

// App is one invocation of oat: its streams, its environment and the stores and client
// built from the global flags. Nothing in it is global, so tests run many side by side.
type App struct {
	// notedBound says noteHandedBound has spoken in this command.
	notedBound bool
	In         io.Reader
	Out        io.Writer
	Err        io.Writer
	Getenv     func(string) string
	// IsTerminal reports whether a stream is an interactive terminal.
	IsTerminal func(any) bool
	// ReadPassword prompts on the terminal with echo off.
	ReadPassword func(prompt string) (string, error)
	// Store, when set, is used instead of the one --store names (tests, the demo).
	Store vault.SecretStore
	// Client, when set, replaces the default HTTP client.
	Client *oauth.Client
	// Now is the clock.
	Now func() time.Time
	// RunApp starts the terminal app.
	RunApp AppRunner
	// KeyOps, when set, replaces the kernel keyring calls of the token cache (tests
	// refuse them, as Docker's seccomp profile does).
	KeyOps vault.KeyOps

	storeKind string
	configDir string
	timeout   time.Duration
	noColor   bool
	theme     string

	vault  *vault.Vault
	broker *vault.Broker
	// budget bounds the running command as a whole (--timeout).
	budget       *budget
	cancelBudget context.CancelFunc
}

// unbounded marks a command that runs until the user stops it (the app, the demo
// server): --timeout bounds each of its network calls, not the command.
var unbounded = map[string]string{"oat.unbounded": "runs until stopped"}

// NewApp returns an App on the process's real streams and environment.
//
// OAT_PASSPHRASE is taken out of the process's environment at once: oat keeps it for
// itself, and no child process (exec's command, a clipboard helper such as xclip, a
// browser) inherits the file store's master passphrase.
func NewApp() *App {
	pass, hasPass := os.LookupEnv("OAT_PASSPHRASE")
	_ = os.Unsetenv("OAT_PASSPHRASE")
	getenv := func(k string) string {
		if k == "OAT_PASSPHRASE" && hasPass {
			return pass
		}
		return os.Getenv(k)
	}
	return &App{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: getenv, Now: time.Now,
		IsTerminal: func(f any) bool {
			if fd, ok := f.(interface{ Fd() uintptr }); ok {
				return term.IsTerminal(int(fd.Fd()))
			}
			return false
		},
		ReadPassword: readPasswordTTY,
	}
}

// readPasswordTTY prompts on stderr and reads a line from the terminal with echo off.
func readPasswordTTY(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read from the terminal: %w", err)
	}
	return string(b), nil
}

const exitCodesHelp = `Exit codes:
  0  success
  1  other failure (including an API answer of 4xx / 5xx other than 401 / 403)
  2  usage error (unknown command, flag or profile argument)
  3  authorization rejected (an OAuth error from the token endpoint, or 401 / 403 from the API;
     inspect --verify: the signature check failed; inspect: the token is bound to another
     client certificate than the profile's)
  4  network failure (DNS, refused, TLS, timeout)
  5  secret store failure (keyring unreachable, wrong passphrase, value too large)
  exec: the command's own code; 126 it cannot be run, 127 it was not found,
  128+N it was killed by signal N`

// Command builds the root command and its subcommands.
func (a *App) Command() *cobra.Command {
	root := &cobra.Command{
		Use:   "oat",
		Short: "OAuth2 client-credentials profiles, tokens and secret rotation in your terminal",
		Long: `oat keeps OAuth2 client-credentials profiles: client secrets in the OS keyring,
access tokens fetched, cached and inspected, test calls against the API, and secret
rotation as a checked, reversible step. Run oat with no arguments for the app.

Secrets are never taken from flags: they come from a hidden prompt or from stdin.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   unbounded,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.RunApp == nil {
				return cmd.Help()
			}
			return a.RunApp(cmd.Context(), a, AppOptions{Theme: a.theme, NoColor: a.noColorWanted()})
		},
	}
	root.Version = versionString()
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("oat {{.Version}}\n")
	root.SetIn(a.In)
	root.SetOut(a.Out)
	root.SetErr(a.Err)
	pf := root.PersistentFlags()
	pf.StringVar(&a.storeKind, "store", "", "secret store: keyring, file or memory (default $OAT_STORE, else keyring)")
	pf.StringVar(&a.configDir, "config-dir", "", "config directory (default $OAT_CONFIG_DIR, else the user config dir + /oat)")
	pf.DurationVar(&a.timeout, "timeout", oauth.DefaultTimeout, "time limit of the whole command (prompts excepted); in the app, of each network call")
	pf.BoolVar(&a.noColor, "no-color", false, "no colours (also NO_COLOR=1)")
	pf.StringVar(&a.theme, "theme", "", "app theme: default, high-contrast or solarized (default $OAT_THEME)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr(err) })
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if a.theme == "" {
			a.theme = a.Getenv("OAT_THEME")
		}
		if _, err := theme.Lookup(a.theme); err != nil {
			return usageErr(err)
		}
		if a.timeout <= 0 {
			return usageErr(fmt.Errorf("--timeout %s: give a positive duration such as 15s", a.timeout))
		}
		if cmd.Annotations["oat.unbounded"] == "" {
			a.budget, a.cancelBudget = newBudget(cmd.Context(), a.timeout)
			cmd.SetContext(a.budget)
		}
		return nil
	}
	root.AddCommand(a.lsCmd(), a.addCmd(), a.keygenCmd(), a.editCmd(), a.rmCmd(), a.tokenCmd(), a.inspectCmd(),
		a.callCmd(), a.execCmd(), a.proxyCmd(), a.envCmd(), a.importCmd(), a.rotateCmd(), a.checkCmd(), a.lockCmd(), a.unlockCmd(), a.demoCmd(), a.versionCmd())
	root.AddCommand(a.doctorCmd())
	root.InitDefaultCompletionCmd()
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 || (len(args) > 0 && target == root) {
				return usageErr(fmt.Errorf("unknown help topic %q", strings.Join(args, " ")))
			}
			return target.Help()
		},
	})
	return root
}

func (a *App) noColorWanted() bool {
	return a.noColor || a.Getenv("NO_COLOR") != ""
}

// Vault opens the vault on the configured directory and store (once).
func (a *App) Vault() (*vault.Vault, error) {
	if a.vault != nil {
		return a.vault, nil
	}
	dir := a.configDir
	if dir == "" {
		dir = a.Getenv("OAT_CONFIG_DIR")
	}
	if dir == "" {
		d, err := vault.ConfigDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	store := a.Store
	if store == nil {
		kind := a.storeKind
		if kind == "" {
			kind = a.Getenv("OAT_STORE")
		}
		idle, err := vault.ParseUnlockIdle(a.Getenv("OAT_UNLOCK_IDLE"))
		if err != nil {
			return nil, usageErr(err)
		}
		var s vault.SecretStore
		s, err = vault.OpenStore(kind, vault.StoreOptions{ConfigDir: dir, UnlockIdle: idle, Passphrase: func() (string, error) {
			f, ok := s.(*vault.FileStore)
			return a.passphrase(ok && f.Exists(), filepath.Join(dir, "secrets"))
		}})
		if err != nil {
			return nil, usageErr(err)
		}
		store = s
	}
	v := vault.Open(dir, store)
	// An unreadable state file (a cache) is set aside and oat carries on: say so once.
	v.State.SetWarn(func(msg string) { fmt.Fprintf(a.Err, "oat: warning: %s\n", oauth.Sanitize(msg)) })
	switch tc := a.Getenv("OAT_TOKEN_CACHE"); tc {
	case "", "keyctl":
		v.Tokens = vault.NewTokenCache(dir, a.KeyOps) // the kernel keyring where keyctl works, else the store
	case "store":
		// Turned off: every process of the user can read the user keyring, containers
		// of the same UID included, where keyctl is allowed.
	default:
		return nil, usageErr(fmt.Errorf("OAT_TOKEN_CACHE=%q: want keyctl (the default, where it works) or store", oauth.OneLine(tc)))
	}
	if a.Now != nil {
		v.Now = a.Now
	}
	if p := a.Getenv("OAT_ROTATION_DAYS"); p != "" {
		var days int
		if _, err := fmt.Sscanf(p, "%d", &days); err == nil && days > 0 {
			v.RotationPolicy = time.Duration(days) * 24 * time.Hour
		}
	}
	a.vault = v
	return v, nil
}

// passphrase for the file store: $OAT_PASSPHRASE, else a prompt on the terminal. It is
// asked only to unlock the store's key (once per login session where the key can be
// cached, see `oat lock --status`) or to create the store; a new store's passphrase is
// asked twice: a typo would lock every secret away.
func (a *App) passphrase(existing bool, store string) (string, error) {
	if p := a.Getenv("OAT_PASSPHRASE"); p != "" {
		return p, nil
	}
	if a.IsTerminal(a.In) && a.ReadPassword != nil {
		if existing {
			return a.prompt("Passphrase for the oat secrets store: ")
		}
		// A typo or an empty answer asks again (three tries), rather than throwing away
		// the secret the user has just typed for the command.
		for try := 0; try < 3; try++ {
			p, err := a.prompt("New passphrase for the oat secrets store " + store + ": ")
			if err != nil {
				return "", err
			}
			if strings.TrimSpace(p) == "" {
				fmt.Fprintln(a.Err, "oat: the passphrase is empty; type one (it protects every secret in the store)")
				continue
			}
			again, err := a.prompt("The same passphrase again: ")
			if err != nil {
				return "", err
			}
			if p == again {
				return p, nil
			}
			fmt.Fprintln(a.Err, "oat: the two passphrases differ; again")
		}
		return "", errors.New("no passphrase agreed after three tries; nothing was stored")
	}
	return "", vault.ErrNeedPassphrase
}

// Broker returns the token broker on the vault.
func (a *App) Broker() (*vault.Broker, error) {
	if a.broker != nil {
		return a.broker, nil
	}
	v, err := a.Vault()
	if err != nil {
		return nil, err
	}
	c := a.Client
	if c == nil {
		c = oauth.NewClient()
	}
	c.Timeout = a.timeout
	if c.Timeout <= 0 {
		c.Timeout = oauth.DefaultTimeout
	}
	if a.Now != nil {
		c.Now = a.Now
	}
	a.broker = &vault.Broker{Vault: v, Client: c, Margin: vault.DefaultMargin}
	return a.broker, nil
}

// Execute runs oat with the process's arguments and returns the exit code.
func Execute(ctx context.Context, a *App, args []string) int {
	cmd := a.Command()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if a.cancelBudget != nil {
		a.cancelBudget()
	}
	if err == nil {
		return 0
	}
	if a.budget.expired() && !strings.Contains(err.Error(), "--timeout") {
		err = fmt.Errorf("%w\n  the whole command is bounded by --timeout %s", err, a.timeout)
	}
	var xe *exitError
	if errors.As(err, &xe) && xe.silent {
		return xe.code
	}
	err = a.suggest(cmd, err)
	fmt.Fprintf(a.Err, "oat: %s\n", vault.InWords(oauth.Sanitize(err.Error())))
	return exitCode(err)
}

// versionString is the version set at build time, else the module version of a `go
// install`, else "dev" — with the VCS revision (and "dirty") when the build recorded it.
func versionString() string {
	v := Version
	bi, ok := debug.ReadBuildInfo()
	if v == "" {
		v = "dev"
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	if ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = ", modified"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && !strings.Contains(v, rev) { // a pseudo-version names it already
			v += " (" + rev + dirty + ")"
		}
	}
	return v
}

func (a *App) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print oat's version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.Out, "oat %s\n", versionString())
			return nil
		},
	}
}

// completeProfiles completes profile names for the first argument.
func (a *App) completeProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	v, err := a.Vault()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	ps, err := v.List()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, p := range ps {
		if strings.HasPrefix(p.Name, toComplete) {
			desc := p.Environment
			if desc == "" {
				desc = p.ClientID
			}
			// A tab or a line break would break the completion protocol, and shells print
			// descriptions as they are: escaped like every profile field shown.
			out = append(out, p.Name+"\t"+oauth.OneLine(desc))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
