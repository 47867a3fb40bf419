// Command oat manages OAuth2 client-credentials profiles: secrets in the OS keyring,
// cached and inspected access tokens, test calls and checked secret rotation.
package main

import (
	"context"
	"os"

	"github.com/oatcli/oat/ui"
	"github.com/oatcli/oat/ui/cli"
)

func main() {
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
