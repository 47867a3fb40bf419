package cli

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func (a *App) execCmd() *cobra.Command {
	var varName string
	var force bool
	cmd := &cobra.Command{
		Use:   "exec NAME -- COMMAND [ARGS…]",
		Short: "Run a command with a valid token in an environment variable",
		Long: `Run a command with a valid token in its environment (OAT_ACCESS_TOKEN by default).
stdin, stdout and stderr are the command's own; SIGINT, SIGTERM and SIGHUP are passed
on, and oat exits with the command's exit code.`,
		Example:           `  oat exec eds -- sh -c 'curl -H "Authorization: Bearer $OAT_ACCESS_TOKEN" https://api…'`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash != 1 || len(args) < 2 {
				return usageErr(fmt.Errorf("usage: oat exec NAME -- COMMAND [ARGS…]"))
			}
			_, res, err := a.profileToken(cmd, args[0], force, 0)
			if err != nil {
				return err
			}
			path, err := exec.LookPath(args[1])
			if err != nil {
				return usageErr(fmt.Errorf("command %q not found: %w", args[1], err))
			}
			child := exec.Command(path, args[2:]...)
			child.Stdin, child.Stdout, child.Stderr = a.In, a.Out, a.Err
			child.Env = append(os.Environ(), varName+"="+res.Token.AccessToken)
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer signal.Stop(sigs)
			if err := child.Start(); err != nil {
				return fmt.Errorf("start %s: %w", args[1], err)
			}
			done := make(chan struct{})
			go func() {
				for {
					select {
					case s := <-sigs:
						_ = child.Process.Signal(s)
					case <-done:
						return
					}
				}
			}()
			err = child.Wait()
			close(done)
			if err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					code := ee.ExitCode()
					if code < 0 { // killed by a signal: the shell convention
						if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
							code = 128 + int(ws.Signal())
						} else {
							code = ExitFailure
						}
					}
					return &exitError{code: code, silent: true}
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&varName, "var", "OAT_ACCESS_TOKEN", "name of the environment variable")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "fetch a new token first")
	return cmd
}
