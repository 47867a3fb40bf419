// Package ui is oat's terminal app. The root model (app.go) owns the profile list and the
// token panel and routes everything else to one overlay screen at a time (form, one-time
// secret, confirmation, inspector, test call, rotation, check-all). vault and oauth are
// reached only through commands (commands.go) that report back by message.
package ui

import (
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// profilesLoadedMsg carries the profiles and their token metadata, read without touching
// the secret store.
type profilesLoadedMsg struct {
	profiles []vault.Profile
	states   map[string]vault.TokenState
	err      error
	// selectName, when set, selects that profile after loading.
	selectName string
}

// tokenMsg is the outcome of a token request for the profile with ID id; req is the
// request number it answers, so a stale answer (after a cancel or a newer request) is
// dropped.
type tokenMsg struct {
	id  string
	req int
	res *vault.TokenResult
	err error
}

// tickMsg is the once-a-second clock. gen is the loop's generation: a tick from an older
// loop ends that loop, so there is never more than one.
type tickMsg struct {
	gen int
	at  time.Time
}

// statusMsg shows a transient message in the status line.
type statusMsg struct {
	text string
	bad  bool
}

// clearStatusMsg clears the status line if it still shows message number seq.
type clearStatusMsg struct{ seq int }

// clipboardMsg reports a copy: where it went, or why it failed.
type clipboardMsg struct {
	what string // "token" or "secret"
	via  string
	err  error
}

// clipboardClearedMsg reports the timed clearing of the clipboard.
type clipboardClearedMsg struct {
	cleared bool
	err     error
}

// clearedBeforeQuitMsg reports the clearing of the clipboard that quitting waits for.
type clearedBeforeQuitMsg struct{ err error }

// closeScreenMsg asks the root to close the current overlay screen.
type closeScreenMsg struct{}

// savedMsg reports a profile added (secret set: show it once) or edited.
type savedMsg struct {
	profile vault.Profile
	secret  string
	added   bool
	err     error
}

// deletedMsg reports a deleted profile.
type deletedMsg struct {
	name string
	err  error
}

// discoveredMsg carries issuer metadata for the form.
type discoveredMsg struct {
	meta *oauth.Metadata
	err  error
}

// importedEnvMsg carries the credentials read from the .env file at path for the form.
type importedEnvMsg struct {
	path  string
	creds *vault.EnvCredentials
	err   error
}
