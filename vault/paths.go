package vault

import (
	"os"
	"path/filepath"
	"strings"
)

// ExpandPath expands a leading ~, $HOME or ${HOME} in a path typed by a person (the
// app's .env and CA file fields, --ca-file=~/ca.pem, which the shell leaves alone) to
// the home directory. ~user and other variables are left as they are: a path is not a
// shell word, and expanding more would surprise. A path whose home cannot be found is
// returned unchanged.
func ExpandPath(p string) string {
	var rest string
	switch {
	case p == "~" || p == "$HOME" || p == "${HOME}":
	case strings.HasPrefix(p, "~/"):
		rest = p[2:]
	case strings.HasPrefix(p, "$HOME/"):
		rest = p[len("$HOME/"):]
	case strings.HasPrefix(p, "${HOME}/"):
		rest = p[len("${HOME}/"):]
	default:
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, rest)
}
