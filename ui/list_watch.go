package ui

import (
	"fmt"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/vault"
)

// The list watches the profiles and state files with a stat every second (on the clock's
// tick): the CLI in another shell, a second app or check-all write them, and the list
// would otherwise show what was true when it loaded. Two stats a second cost nothing and
// work on every platform and file system, where fsnotify would need a watcher on the
// directory (the files are replaced by rename).

// filesPolledMsg is the size and modification time of the profiles and state files.
type filesPolledMsg struct{ sig string }

// pollFilesCmd stats the vault's two files.
func pollFilesCmd(v *vault.Vault) tea.Cmd {
	return func() tea.Msg { return filesPolledMsg{sig: filesSig(v.Profiles.Path, v.State.Path)} }
}

func filesSig(paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			b.WriteString("-;")
			continue
		}
		fmt.Fprintf(&b, "%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return b.String()
}

// onFilesPolled reloads when a file changed since the last poll.
func (l *listScreen) onFilesPolled(msg filesPolledMsg) tea.Cmd {
	changed := l.fileSig != "" && msg.sig != l.fileSig
	l.fileSig = msg.sig
	if !changed {
		return nil
	}
	return l.reload()
}
