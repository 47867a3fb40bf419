package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// BenchmarkView1000 renders the main screen with 1,000 profiles (target: under 1 ms).
func BenchmarkView1000(b *testing.B) {
	v := vault.Open(b.TempDir(), vault.NewMemoryStore())
	now := time.Now().UTC().Truncate(time.Second)
	err := v.Profiles.Update(context.Background(), func(ps *[]vault.Profile) error {
		for i := 0; i < 1000; i++ {
			*ps = append(*ps, vault.Profile{ID: vault.NewID(), Name: fmt.Sprintf("profile-%04d", i), Environment: "staging",
				TokenURL: "https://sso.example.com/realms/r/protocol/openid-connect/token", ClientID: "c", AuthMethod: oauth.AuthAuto,
				APIBaseURL: "https://api.example.com", CreatedAt: now, SecretFingerprint: "0badc0de", SecretSetAt: now})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	broker := &vault.Broker{Vault: v, Client: oauth.NewClient(), Margin: vault.DefaultMargin}
	m := New(Deps{Broker: broker, Clipboard: &fakeClipboard{}, Styles: theme.NewStyles(theme.Default, false),
		After: func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }})
	nm, _ := m.Update(loadCmd(v)())
	nm, _ = nm.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m = nm.(Model)
	if len(m.main.list.Items()) != 1000 {
		b.Fatal("profiles not loaded")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}
