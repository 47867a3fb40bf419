package vault

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// flakyStore fails the n-th call (1-based) of any kind, like a keyring that dies or a
// process that is killed at that point: nothing after the failure runs.
type flakyStore struct {
	*MemoryStore
	calls, failAt int
}

var errInjected = errors.New("injected store failure")

func (f *flakyStore) tick() error {
	f.calls++
	if f.calls == f.failAt {
		return errInjected
	}
	return nil
}
func (f *flakyStore) Get(ctx context.Context, k string) (string, error) {
	if err := f.tick(); err != nil {
		return "", err
	}
	return f.MemoryStore.Get(ctx, k)
}
func (f *flakyStore) Set(ctx context.Context, k, v string) error {
	if err := f.tick(); err != nil {
		return err
	}
	return f.MemoryStore.Set(ctx, k, v)
}
func (f *flakyStore) Delete(ctx context.Context, k string) error {
	if err := f.tick(); err != nil {
		return err
	}
	return f.MemoryStore.Delete(ctx, k)
}

// checkInvariant: the active secret is one of old/new, the profile describes it, and the
// other one is still somewhere in the store unless the step meant to drop it.
func checkInvariant(t *testing.T, v *Vault, name, old, new string, otherMayBeGone bool) string {
	t.Helper()
	ctx := context.Background()
	p, err := v.Recover(ctx, name)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	active, err := v.Secret(ctx, p)
	if err != nil {
		t.Fatalf("no active secret: %v", err)
	}
	if active != old && active != new {
		t.Fatalf("active secret is neither old nor new")
	}
	if p.SecretFingerprint != Fingerprint(active) {
		t.Fatalf("profile fingerprint %s does not describe the active secret %s", p.SecretFingerprint, Fingerprint(active))
	}
	other := old
	if active == old {
		other = new
	}
	st, _ := v.Secrets.Get(ctx, stagedKey(p.ID))
	pr, _ := v.Secrets.Get(ctx, previousKey(p.ID))
	if st != other && pr != other && !otherMayBeGone {
		t.Fatalf("the other secret was lost (active=%s staged=%q previous=%q)", Fingerprint(active), st, pr)
	}
	if pr != "" && p.PreviousFingerprint != Fingerprint(pr) {
		t.Fatalf("previous fingerprint %q does not describe the kept secret", p.PreviousFingerprint)
	}
	return active
}

func TestRotationHappyPath(t *testing.T) {
	t.Parallel()
	v, _, clk := newTestVault(t)
	ctx := context.Background()
	p := mustAdd(t, v, "eds", "old-secret")
	clk.Advance(100 * 24 * time.Hour)
	if !v.Overdue(p) {
		t.Fatal("100-day-old secret not overdue")
	}
	if _, err := v.StageSecret(ctx, "eds", "old-secret"); err == nil {
		t.Fatal("staging the same secret accepted")
	}
	if _, err := v.StageSecret(ctx, "eds", "new-secret"); err != nil {
		t.Fatal(err)
	}
	if s, _ := v.StagedSecret(ctx, p); s != "new-secret" {
		t.Fatal("staged secret not readable")
	}
	if s, _ := v.Secret(ctx, p); s != "old-secret" {
		t.Fatal("staging changed the active secret")
	}
	p, err := v.Promote(ctx, "eds")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := v.Secret(ctx, p); s != "new-secret" {
		t.Fatal("promote did not activate")
	}
	if s, _ := v.PreviousSecret(ctx, p); s != "old-secret" {
		t.Fatal("old secret not kept aside")
	}
	if p.SecretFingerprint != Fingerprint("new-secret") || p.PreviousFingerprint != Fingerprint("old-secret") || !p.SecretSetAt.Equal(clk.t) {
		t.Fatalf("bookkeeping: %+v", p)
	}
	if v.Overdue(p) {
		t.Fatal("fresh secret overdue")
	}
	if _, err := v.StageSecret(ctx, "eds", "newer"); !errors.Is(err, ErrPreviousPending) {
		t.Fatalf("staging over a kept secret: %v", err)
	}
	p, err = v.DropPrevious(ctx, "eds")
	if err != nil || p.PreviousFingerprint != "" {
		t.Fatal(err)
	}
	if _, err := v.PreviousSecret(ctx, p); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("previous after drop: %v", err)
	}
}

func TestRotationRollBackAndDiscard(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	ctx := context.Background()
	p := mustAdd(t, v, "a", "old")
	v.StageSecret(ctx, "a", "bad-new")
	if err := v.DiscardStaged(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Promote(ctx, "a"); !errors.Is(err, ErrNothingStaged) {
		t.Fatalf("promote without staged: %v", err)
	}
	v.StageSecret(ctx, "a", "new")
	v.Promote(ctx, "a")
	p, err := v.RollBack(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := v.Secret(ctx, p); s != "old" || p.SecretFingerprint != Fingerprint("old") || p.PreviousFingerprint != "" {
		t.Fatalf("rollback: %q %+v", s, p)
	}
	if _, err := v.RollBack(ctx, "a"); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("second rollback: %v", err)
	}
}

// TestRotationFailureAtEveryStep injects a failure at each store call of each step in
// turn and checks that one active, described secret remains and the other is not lost.
func TestRotationFailureAtEveryStep(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name       string
		prepare    func(v *Vault)
		run        func(v *Vault) error
		dropsOther bool
	}{
		{"stage", func(v *Vault) {}, func(v *Vault) error { _, err := v.StageSecret(context.Background(), "p", "new"); return err }, false},
		{"promote", func(v *Vault) { v.StageSecret(context.Background(), "p", "new") },
			func(v *Vault) error { _, err := v.Promote(context.Background(), "p"); return err }, false},
		{"rollback", func(v *Vault) { v.StageSecret(context.Background(), "p", "new"); v.Promote(context.Background(), "p") },
			func(v *Vault) error { _, err := v.RollBack(context.Background(), "p"); return err }, true},
		{"drop", func(v *Vault) { v.StageSecret(context.Background(), "p", "new"); v.Promote(context.Background(), "p") },
			func(v *Vault) error { _, err := v.DropPrevious(context.Background(), "p"); return err }, true},
	}
	for _, step := range steps {
		for failAt := 1; ; failAt++ {
			v, mem, _ := newTestVault(t)
			mustAdd(t, v, "p", "old")
			step.prepare(v)
			fs := &flakyStore{MemoryStore: mem, failAt: failAt}
			v.Secrets = fs
			err := step.run(v)
			injected := fs.calls >= failAt
			t.Run(fmt.Sprintf("%s/fail-at-%d", step.name, failAt), func(t *testing.T) {
				if injected && err == nil {
					// A failure in best-effort cleanup may be tolerated; the invariant decides.
					t.Logf("step succeeded despite injected failure at call %d", failAt)
				}
				fs.failAt = -1
				// A step that drops a secret on purpose (drop, rollback) may lose it once it
				// reports success; a failed stage leaves the new secret with the caller.
				// After a rollback has made the old secret active again, the new one is
				// forgotten on purpose, even if a later cleanup call failed.
				mayLose := (step.dropsOther && err == nil) || (step.name == "stage" && err != nil)
				if step.name == "rollback" {
					p, _ := v.Get("p")
					mayLose = mayLose || p.SecretFingerprint == Fingerprint("old")
				}
				checkInvariant(t, v, "p", "old", "new", mayLose)
			})
			if !injected {
				break // the step ran to the end without reaching the failure
			}
		}
	}
}
