package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// The exit codes, listed in --help and the README.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	ExitAuth    = 3
	ExitNetwork = 4
	ExitStore   = 5
)

// exitError carries a chosen exit code. silent ones print nothing more (the command
// already said what happened, or passes a child's exit code through).
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(err error) error { return &usageError{err: err} }

// exitCode maps an error to oat's documented exit codes.
func exitCode(err error) int {
	var xe *exitError
	var ue *usageError
	var fe *vault.FieldError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &xe):
		return xe.code
	case errors.As(err, &ue), errors.As(err, &fe), errors.Is(err, vault.ErrProfileNotFound), strings.HasPrefix(err.Error(), "unknown command"),
		strings.HasPrefix(err.Error(), "accepts "), strings.HasPrefix(err.Error(), "requires "):
		return ExitUsage
	case oauth.IsNetwork(err):
		return ExitNetwork
	case oauth.IsAuthRejected(err):
		return ExitAuth
	case errors.Is(err, vault.ErrStoreUnavailable), errors.Is(err, vault.ErrValueTooLarge), errors.Is(err, vault.ErrWrongPassphrase):
		return ExitStore
	}
	var ae *oauth.AutoError
	if errors.As(err, &ae) {
		return ExitAuth
	}
	return ExitFailure
}

// exactArgs is cobra.ExactArgs with usage-error classification.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			if n == 1 {
				return usageErr(fmt.Errorf("%s takes one profile name (see `oat ls`, and `oat %s --help`), got %d arguments", cmd.Name(), cmd.Name(), len(args)))
			}
			return usageErr(fmt.Errorf("%s takes %d arguments, got %d", cmd.Name(), n, len(args)))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr(fmt.Errorf("%s takes no arguments", cmd.Name()))
	}
	return nil
}

// readSecret reads a secret: from a hidden prompt when stdin is a terminal, else all of
// stdin (the white space around it removed). Secrets never come from argv.
func (a *App) readSecret(prompt string) (string, error) {
	var s string
	if a.IsTerminal(a.In) && a.ReadPassword != nil {
		var err error
		if s, err = a.prompt(prompt); err != nil {
			return "", err
		}
	} else {
		b, err := a.readStdin(64 << 10)
		if err != nil {
			return "", fmt.Errorf("read the secret from stdin: %w", err)
		}
		s = string(b)
	}
	s = vault.CleanSecret(s) // a paste's line break, spaces around it
	if s == "" {
		return "", usageErr(errors.New("no secret given: type it at the prompt, or pipe it on stdin (e.g. `pass show x | oat add …`)"))
	}
	if kind, m := vault.LooksLikeKeyMaterial(s); kind != "" {
		with := "--auth " + string(m)
		switch {
		case strings.HasPrefix(kind, "binary"):
			with = "--pkcs12 and --auth tls_client_auth or self_signed_tls_client_auth when it is a .p12/.pfx"
		case m.IsTLSAuth():
			with = "--auth tls_client_auth or self_signed_tls_client_auth (the certificate and its key)"
		}
		return "", usageErr(fmt.Errorf("that is %s, not a client secret: it goes with %s; nothing was saved", kind, with))
	}
	if strings.ContainsAny(s, "\n\r") {
		return "", usageErr(errors.New("the secret has a line break in it; give exactly one line on stdin"))
	}
	return s, nil
}

// prompt asks on the terminal with echo off, with the command's clock stopped.
func (a *App) prompt(question string) (s string, err error) {
	a.atPrompt(func() { s, err = a.ReadPassword(question) })
	return s, err
}

// readStdin reads at most limit bytes of stdin, within the command's time: a pipe that
// never closes must not hold oat forever. More than limit is an error that says so (a
// cut key or certificate chain gave misleading parse errors, or a chain cut short was
// stored), and nothing is read past it.
func (a *App) readStdin(limit int64) ([]byte, error) {
	b, err := a.readStdinUpTo(limit + 1)
	if err == nil && int64(len(b)) > limit {
		clear(b)
		return nil, usageErr(fmt.Errorf("stdin holds more than %s, more than oat takes here: nothing was read into the profile (is it the right file?)", vault.SizeText(limit)))
	}
	return b, err
}

func (a *App) readStdinUpTo(limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(a.In, limit))
		ch <- result{b, err}
	}()
	var done <-chan struct{}
	if a.budget != nil {
		done = a.budget.Done()
	}
	select {
	case r := <-ch:
		return r.b, r.err
	case <-done:
		return nil, fmt.Errorf("stdin was not closed within --timeout %s", a.timeout)
	}
}

// confirm asks a yes/no question on the terminal; without a terminal it refuses.
func (a *App) confirm(question string) (bool, error) {
	if !a.IsTerminal(a.In) {
		return false, usageErr(errors.New("not a terminal: pass --yes to confirm"))
	}
	fmt.Fprintf(a.Err, "%s [y/N] ", question)
	var line string
	a.atPrompt(func() { line, _ = bufio.NewReader(a.In).ReadString('\n') })
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes", nil
}

// table is a tabwriter over a buffer: tabwriter writes each cell separately, which on an
// unbuffered stdout is a system call per cell (10,000 for `oat ls` of 1,000 profiles).
type table struct {
	*tabwriter.Writer
	buf *bufio.Writer
}

func newTable(w io.Writer) *table {
	buf := bufio.NewWriterSize(w, 64<<10)
	return &table{Writer: tabwriter.NewWriter(buf, 2, 4, 2, ' ', 0), buf: buf}
}

// Flush writes the aligned table out.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	return t.buf.Flush()
}
