package vault

import (
	"path/filepath"
	"testing"
)

func TestExpandPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		"~":                  home,
		"~/EDS.env":          filepath.Join(home, "EDS.env"),
		"$HOME/certs/ca.pem": filepath.Join(home, "certs", "ca.pem"),
		"${HOME}/x":          filepath.Join(home, "x"),
		"$HOME":              home,
		"/etc/ssl/ca.pem":    "/etc/ssl/ca.pem",
		"rel/~/x":            "rel/~/x",
		"~other/x":           "~other/x",
		"$HOMEX/x":           "$HOMEX/x",
		"$USER/x":            "$USER/x",
		"":                   "",
	} {
		if got := ExpandPath(in); got != want {
			t.Errorf("ExpandPath(%q) = %q, want %q", in, got, want)
		}
	}
}
