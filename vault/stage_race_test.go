package vault

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/oatcli/oat/oauth"
)

// Two oat processes started `oat rotate NAME --keygen` at once: each checked that no key
// was staged, generated one, staged it and showed it once as "staged" — and the store
// kept only one of them. The user registered the other at the provider, and --continue
// failed on a key nobody had shown. The check and the staging are one step under a
// lock: one process stages, the others are told a key is staged already, and the key
// the store holds is the one shown.
func TestConcurrentKeyStagingStagesOne(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		v, _, _ := newTestVault(t)
		k, _, err := GenerateKey("ES256")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Add(context.Background(), Profile{Name: "k", TokenURL: "https://127.0.0.1:1/token", ClientID: "svc",
			AuthMethod: oauth.AuthPrivateKeyJWT}, k.PEM); err != nil {
			t.Fatal(err)
		}
		const n = 6
		var wg sync.WaitGroup
		shown := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each process opens the vault itself.
				w := Open(v.Dir, v.Secrets)
				w.Now = v.Now
				var sk StagedKey
				if i%2 == 0 {
					_, sk, errs[i] = w.GenerateStagedKeyIfNone(context.Background(), "k", "")
				} else {
					nk, _, gerr := GenerateKey("ES256")
					if gerr != nil {
						errs[i] = gerr
						return
					}
					_, sk, errs[i] = w.StageKeyIfNone(context.Background(), "k", nk.PEM, "")
				}
				shown[i] = sk.Key.Thumbprint
			}()
		}
		wg.Wait()
		p, _ := v.Get("k")
		staged, err := v.StagedKeyOf(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for i := range n {
			var already *StagedAlreadyError
			switch {
			case errs[i] == nil:
				ok++
				if shown[i] != staged.Key.Thumbprint {
					t.Errorf("round %d: process %d showed key %s as staged; the store holds %s", round, i, shown[i], staged.Key.Thumbprint)
				}
			case errors.As(errs[i], &already):
				if already.Thumbprint != staged.Key.Thumbprint {
					t.Errorf("round %d: refused naming %s, staged is %s", round, already.Thumbprint, staged.Key.Thumbprint)
				}
			default:
				t.Errorf("round %d: process %d: %v", round, i, errs[i])
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d processes staged a key, want 1", round, ok)
		}
	}
}
