package ui

import (
	"time"

	"github.com/oatcli/oat/vault"
)

// tickMsg is the once-a-second clock. gen is the loop's generation: a tick from an older
// loop ends that loop, so there is never more than one.
type tickMsg struct {
	gen int
	at  time.Time
}

// sizeMsg gives an opened screen the cells it is drawn in (the terminal less the status
// and help lines): when it opens, and again on every resize.
type sizeMsg struct{ width, height int }

// statusMsg shows a transient message in the status line.
type statusMsg struct {
	text string
	bad  bool
}

// clearStatusMsg clears the status line if it still shows message number seq.
type clearStatusMsg struct{ seq int }

// copyMsg asks the root to copy value (it owns the clipboard and its 45 s timer); what
// names it in the status line ("token", "secret"). plain is set for a value that holds
// no secret (a client ID): it gets no clear countdown.
type copyMsg struct {
	what, value string
	plain       bool
}

// tokenReplacedMsg tells the list that a call or a rotation changed the profile's token:
// the API rejected it or its secret changed (dropped for good) and, when res is set, a
// new one replaced it (a rotation's: the token the new secret earned).
type tokenReplacedMsg struct {
	id       string
	res      *vault.TokenResult
	rejected bool
}
