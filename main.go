// Command oat manages OAuth2 client-credentials profiles: secrets in the OS keyring,
// cached and inspected access tokens, test calls and checked secret rotation.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "oat: the command line and the app are not built yet; see README.md")
	os.Exit(1)
}
