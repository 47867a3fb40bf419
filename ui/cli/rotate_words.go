package cli

import (
	"fmt"
	"strings"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// replaceSecretWord words a rotation's text about "the secret" for what (a key, a
// certificate).
func replaceSecretWord(text, what string) string {
	return strings.NewReplacer("previous secret", "previous "+what, "old secret", "old "+what, "new secret", "new "+what).Replace(text)
}

// worded is a rotation error about "the old secret" worded for a key or a certificate,
// keeping what it wraps (the exit code comes from that).
type worded struct {
	err  error
	what string
}

func (e *worded) Error() string { return replaceSecretWord(e.err.Error(), e.what) }
func (e *worded) Unwrap() error { return e.err }

func keyWording(err error) error  { return &worded{err: err, what: "key"} }
func certWording(err error) error { return &worded{err: err, what: "certificate"} }

// stepPrinter prints a rotation step as it ends: a mark, its name for what (key,
// certificate), its note; the step unlisted (one said already) is left out.
func (a *App) stepPrinter(what, unlisted string) func(vault.RotationStep) {
	return func(s vault.RotationStep) {
		if s.Name == unlisted {
			return
		}
		mark := "✓"
		switch {
		case s.Skipped:
			mark = "-"
		case !s.OK:
			mark = "✗"
		}
		fmt.Fprintf(a.Err, "%s %s: %s\n", mark, replaceSecretWord(s.Name, what), oauth.Sanitize(s.Note))
	}
}

// stagedRotationFailed says what a stopped rotation of a staged key or certificate
// (what) left: the old one active, the new one staged to try again; retry is the
// hint when the provider refused the new one.
func (a *App) stagedRotationFailed(name, what, retry string, re *vault.RotationError) error {
	text, hints := vault.Explain(re.Err)
	if _, rest, ok := strings.Cut(text, "\n"); ok && !re.Cancelled {
		fmt.Fprintln(a.Err, oauth.Sanitize(rest))
	}
	n := oauth.OneLine(name)
	switch {
	case re.Cancelled:
		fmt.Fprintln(a.Err, "oat: rotation cancelled")
	case re.TokenOK:
		fmt.Fprintf(a.Err, "oat: the provider accepted the new %s (it got a token); only the test call %s failed.\n", what, oauth.OneLine(re.Call))
	}
	fmt.Fprintf(a.Err, "the new %s stays staged, not active; the old %s (%s) is still active\n", what, what, oauth.OneLine(re.OldFingerprint))
	for _, h := range hints {
		fmt.Fprintf(a.Err, "hint: %s\n", oauth.Sanitize(h))
	}
	switch {
	case re.TokenOK:
		fmt.Fprintf(a.Err, "hint: fix the test request (oat edit %s --test-path ...), then oat rotate %s --continue (or --continue --activate-if-call-fails)\n", n, n)
	case re.Step == vault.StepToken && !re.Cancelled:
		fmt.Fprintf(a.Err, "hint: %s\n", retry)
	}
	return &exitError{code: exitCode(re.Err), err: re, silent: true}
}
