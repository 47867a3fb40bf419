// Command oat manages OAuth2 client-credentials profiles: secrets in the OS keyring,
// cached and inspected access tokens, test calls and checked secret rotation.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/oatcli/oat/ui"
	"github.com/oatcli/oat/ui/cli"
	"github.com/oatcli/oat/vault/harden"
)

func main() {
	// First, before any secret is read: no core dump of this process, no ptrace by
	// other processes of the user (see package harden for what this does not cover).
	if err := harden.Process(); err != nil {
		fmt.Fprintln(os.Stderr, "oat: warning:", err)
	}
	app := cli.NewApp()
	app.RunApp = func(ctx context.Context, a *cli.App, opts cli.AppOptions) error {
		b, err := a.Broker()
		if err != nil {
			return err
		}
		return ui.Run(ctx, b, ui.Options{Theme: opts.Theme, NoColor: opts.NoColor, Demo: opts.Demo})
	}
	os.Exit(cli.Execute(context.Background(), app, os.Args[1:]))
}
