package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// BenchmarkView1000 renders the main screen with 1,000 profiles (target: under 1 ms on a
// quiet machine), with the stock bubbles list as the reference measured in the same run.
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
	// The reference, in the same run: the stock bubbles list with its default delegate
	// drawing the same 1,000 names at the same size. Reported as x-bubbles-list.
	var refNs float64
	b.Run("bubbles-list", func(b *testing.B) {
		items := make([]list.Item, 1000)
		for i := range items {
			items[i] = refItem(fmt.Sprintf("profile-%04d", i))
		}
		ref := list.New(items, list.NewDefaultDelegate(), 160, 48)
		for b.Loop() {
			_ = ref.View()
		}
		refNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("oat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = m.View()
		}
		if refNs > 0 {
			b.ReportMetric((float64(b.Elapsed().Nanoseconds())/float64(b.N))/refNs, "x-bubbles-list")
		}
	})
}

// refItem is an item of the reference list.
type refItem string

func (r refItem) Title() string       { return string(r) }
func (r refItem) Description() string { return "staging · https://sso.example.com" }
func (r refItem) FilterValue() string { return string(r) }
