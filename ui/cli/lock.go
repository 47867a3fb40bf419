package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/vault"
)

// lockOptions are the inputs of `oat lock`.
type lockOptions struct {
	status bool
}

func (a *App) lockCmd() *cobra.Command {
	var opts lockOptions
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Forget the unlocked file store key, keyring copies and cached tokens now",
		Long: `The file store's key, once unlocked with the passphrase, is kept for the login
session (on Linux, in the kernel keyring) until it has not been used for
OAT_UNLOCK_IDLE (default 15m; 0 turns the cache off). Under the keyring store, a
secret read from the OS keyring is kept there the same way, so later commands need
no D-Bus round trips. oat lock forgets all of it at once, and the tokens cached in
the kernel keyring with it.
--status says where they are kept and whether the store is unlocked, and changes
nothing (it does not count as a use: the idle time is not renewed).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLock(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.status, "status", false, "say where the unlocked key is kept and whether it is unlocked; forget nothing")
	return cmd
}

func (a *App) runLock(opts lockOptions) error {
	v, err := a.Vault()
	if err != nil {
		return err
	}
	switch st := v.Secrets.(type) {
	case *vault.FileStore:
		if opts.status {
			state := "locked"
			if st.Unlocked() {
				state = "unlocked"
			}
			fmt.Fprintf(a.Out, "file store %s: %s\nunlock cache: %s\n", st.Dir(), state, st.CacheName())
			return nil
		}
		if err := v.Lock(); err != nil {
			return err
		}
		fmt.Fprintf(a.Out, "locked: the file store's key and the cached tokens are forgotten; the next command asks for the passphrase\nunlock cache: %s\n", st.CacheName())
	case *vault.KeyringStore:
		if opts.status {
			fmt.Fprintf(a.Out, "keyring store: %d profiles' secrets kept after their first read\nunlock cache: %s\n", v.CachedSecrets(), st.CacheName())
			return nil
		}
		if err := v.Lock(); err != nil {
			return err
		}
		fmt.Fprintf(a.Out, "locked: the copies of keyring secrets and the cached tokens are forgotten; the next command reads the keyring\nunlock cache: %s\n", st.CacheName())
	default:
		fmt.Fprintf(a.Out, "nothing to lock: the %s store keeps nothing between commands\n", v.Secrets.Name())
	}
	return nil
}

func (a *App) unlockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "Unlock the file store now, so later commands need no passphrase",
		Long: `oat unlock asks for the file store's passphrase (or reads OAT_PASSPHRASE) and keeps
the unlocked key for the login session, as the first command that reads a secret would
(see oat lock). Where no unlock cache is available it says so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			fs, ok := v.Secrets.(*vault.FileStore)
			if !ok {
				fmt.Fprintf(a.Out, "nothing to unlock: the %s store has no passphrase of oat's (oat unlock is for --store file)\n", v.Secrets.Name())
				return nil
			}
			if err := fs.Unlock(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(a.Out, "unlocked\nunlock cache: %s\n", fs.CacheName())
			return nil
		},
	}
}
