// Command oat manages OAuth2 client-credentials profiles: secrets in the OS keyring,
// cached and inspected access tokens, test calls and checked secret rotation.
package main

import (
	"context"
	"os"

	"github.com/oatcli/oat/ui/cli"
)

func main() {
	os.Exit(cli.Execute(context.Background(), cli.NewApp(), os.Args[1:]))
}
