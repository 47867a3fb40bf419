package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/ui/cli"
	"github.com/oatcli/oat/vault"
)

// TestAuthRuleIsTheSameInTheAppAndTheCLI: both front ends apply vault's one rule for
// the auth method: choosing the same method keeps what auto detected, choosing another
// forgets it. (The CLI used to forget it whenever --auth was given.)
func TestAuthRuleIsTheSameInTheAppAndTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	detected := func() oauth.AuthMethod {
		t.Helper()
		p, err := h.v.Get("eds")
		if err != nil {
			t.Fatal(err)
		}
		return p.DetectedAuth
	}
	runCLI := func(args ...string) {
		t.Helper()
		var errb bytes.Buffer
		a := &cli.App{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errb, Getenv: func(string) string { return "" },
			IsTerminal: func(any) bool { return false }, Store: h.v.Secrets}
		if code := cli.Execute(context.Background(), a, append([]string{"--config-dir", h.v.Dir}, args...)); code != 0 {
			t.Fatalf("oat %v: %d %s", args, code, errb.String())
		}
	}
	saveForm := func(auth string) {
		t.Helper()
		h.reloadSelect("eds")
		f := h.editForm("eds")
		f.set(fAuth, auth)
		h.press("ctrl+s")
		if h.m.overlay != nil {
			t.Fatalf("the form did not save:\n%s", h.view())
		}
	}
	fetch := func() {
		t.Helper()
		if _, err := h.b.Token(context.Background(), "eds", true, 0); err != nil {
			t.Fatal(err)
		}
	}

	fetch()
	learnt := detected()
	if learnt == "" {
		t.Fatal("auto detected nothing")
	}
	runCLI("edit", "eds", "--auth", "auto")
	if detected() != learnt {
		t.Fatal("CLI: the same method forgot what auto detected")
	}
	saveForm("auto")
	if detected() != learnt {
		t.Fatal("app: the same method forgot what auto detected")
	}
	saveForm("basic")
	if detected() != "" {
		t.Fatal("app: another method kept what auto detected")
	}
	runCLI("edit", "eds", "--auth", "auto")
	fetch()
	if detected() != learnt {
		t.Fatal("auto did not detect again")
	}
	runCLI("edit", "eds", "--auth", "post")
	if detected() != "" {
		t.Fatal("CLI: another method kept what auto detected")
	}
}

// TestFormSavesOnlyWhatItChanged: the CLI changes a profile while the app's form is open
// on it; saving the form keeps that change.
func TestFormSavesOnlyWhatItChanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	f := h.editForm("eds")
	h.editOutside("eds", func(p *vault.Profile) { p.Environment = "prod" })
	f.set(fNotes, "edited in the app")
	h.press("ctrl+s")
	p, err := h.v.Get("eds")
	if err != nil {
		t.Fatal(err)
	}
	if p.Environment != "prod" || p.Notes != "edited in the app" {
		t.Fatalf("environment %q, notes %q: the form undid the other change or lost its own", p.Environment, p.Notes)
	}
}

// TestFormFollowsARenameFromOutside: the CLI renames the profile while the app's form is
// open on it; saving the form changes the renamed profile and keeps the new name.
func TestFormFollowsARenameFromOutside(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	f := h.editForm("eds")
	h.editOutside("eds", func(p *vault.Profile) { p.Name = "eds-renamed" })
	f.set(fNotes, "edited in the app")
	h.press("ctrl+s")
	if h.m.overlay != nil {
		t.Fatalf("the form did not save:\n%s", h.view())
	}
	p, err := h.v.Get("eds-renamed")
	if err != nil || p.Notes != "edited in the app" {
		t.Fatalf("renamed profile: %+v %v", p, err)
	}
}

// TestFormSaysWhenItReplacedAnotherChange: the CLI and the form change the same field;
// the form's value is saved, and the status line says the other change was replaced.
func TestFormSaysWhenItReplacedAnotherChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	f := h.editForm("eds")
	h.editOutside("eds", func(p *vault.Profile) { p.Environment = "prodcli" })
	f.set(fEnv, "qa")
	h.press("ctrl+s")
	p, _ := h.v.Get("eds")
	if p.Environment != "qa" {
		t.Fatalf("environment %q", p.Environment)
	}
	h.mustContain("another oat had changed environment meanwhile")
}
