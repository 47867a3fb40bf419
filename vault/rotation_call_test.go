package vault

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// rotationServer serves a client "c" with secrets old and new, and a profile "p" whose
// test call goes to path (under /api).
func rotationServer(t *testing.T, path string) (*Broker, *oauthtest.Server) {
	t.Helper()
	srv, err := oauthtest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddClient(oauthtest.Client{ID: "c", Secrets: []string{"old", "new"}})
	b := newBroker(t)
	if _, err := b.Vault.Add(context.Background(), Profile{Name: "p", TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "c",
		AuthMethod: oauth.AuthPost, APIBaseURL: srv.URL + "/api", TestRequest: TestRequest{Path: path}}, "old"); err != nil {
		t.Fatal(err)
	}
	return b, srv
}

func activeAndStaged(t *testing.T, b *Broker) (string, bool, Profile) {
	t.Helper()
	p, err := b.Vault.Get("p")
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Vault.Secret(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	_, staged, _ := b.Vault.optional(context.Background(), stagedKey(p.ID))
	return s, staged, p
}

// TestRotateTestCallFailureSaysTheSecretWorked: the provider issues a token for the new
// secret and only the test call fails (403): nothing is stored, and the error says the
// token step passed and which call failed. Asked to, the rotation activates the new
// secret despite the failed call, the old one kept aside, the call's failure reported.
func TestRotateTestCallFailureSaysTheSecretWorked(t *testing.T) {
	t.Parallel()
	b, _ := rotationServer(t, "/write")
	ctx := context.Background()
	_, err := b.Rotate(ctx, "p", "new", nil)
	var re *RotationError
	if !errors.As(err, &re) || !re.TokenOK || !strings.Contains(re.Call, "GET") || !strings.Contains(re.Call, "/write") {
		t.Fatalf("error %v (%#v)", err, re)
	}
	var se *oauth.CallStatusError
	if !errors.As(err, &se) || se.Status != 403 {
		t.Fatalf("the cause is not the 403: %v", err)
	}
	if s, staged, _ := activeAndStaged(t, b); s != "old" || staged {
		t.Fatalf("after the failed call: active %q staged %v", s, staged)
	}

	rep, err := b.RotateWith(ctx, "p", "new", RotateOptions{ActivateIfCallFails: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.CallErr == nil || !errors.As(rep.CallErr, &se) {
		t.Fatalf("the failed call is not reported: %v", rep.CallErr)
	}
	s, staged, p := activeAndStaged(t, b)
	if s != "new" || staged || p.PreviousFingerprint != Fingerprint("old") {
		t.Fatalf("after activating anyway: active %q staged %v previous %q", s, staged, p.PreviousFingerprint)
	}
	if rep.Token == nil {
		t.Fatal("no token for the new secret")
	}
}

// TestRotateTokenFailureIsNotCallOnly: a refused new secret is not "only the call".
func TestRotateTokenFailureIsNotCallOnly(t *testing.T) {
	t.Parallel()
	b, _ := rotationServer(t, "/write")
	_, err := b.RotateWith(context.Background(), "p", "wrong", RotateOptions{ActivateIfCallFails: true}, nil)
	var re *RotationError
	if !errors.As(err, &re) || re.TokenOK {
		t.Fatalf("error %v (%#v)", err, re)
	}
	if s, staged, _ := activeAndStaged(t, b); s != "old" || staged {
		t.Fatalf("active %q staged %v", s, staged)
	}
}

// TestRotateCancelledLeavesTheOldSecret: cancelled at any step, the rotation leaves the
// old secret active and nothing staged, and says it was cancelled.
func TestRotateCancelledLeavesTheOldSecret(t *testing.T) {
	t.Parallel()
	for _, at := range []string{StepToken, StepCall, StepPromote} {
		t.Run(at, func(t *testing.T) {
			b, _ := rotationServer(t, "/hang")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var started []string
			opts := RotateOptions{Starting: func(step string) {
				started = append(started, step)
				if step == at {
					cancel()
				}
			}}
			if at == StepPromote {
				b.Vault.Edit(ctx, "p", func(p *Profile) error { p.TestRequest.Path = "/read"; return nil })
			}
			_, err := b.RotateWith(ctx, "p", "new", opts, nil)
			var re *RotationError
			if !errors.As(err, &re) || !re.Cancelled || !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v (%#v); started %v", err, re, started)
			}
			if s, staged, p := activeAndStaged(t, b); s != "old" || staged || p.PreviousFingerprint != "" {
				t.Fatalf("active %q staged %v previous %q", s, staged, p.PreviousFingerprint)
			}
		})
	}
}
