// Package ui is oat's terminal app (Bubble Tea). The root model (app.go) owns what is
// app-wide (the size, the clock, the status line, the clipboard timer, help) and routes
// every other message to the open screen: the profile list (list.go, drawn by
// main_view.go) or one screen opened over it (form, one-time secret, confirmation,
// inspector, test call, rotation, check-all), one file each with its own keys,
// messages and commands. messages.go holds the messages more than one screen uses.
//
// It may import vault, oauth and theme. vault and oauth are reached only from commands
// (tea.Cmd), which report back by message, so the screen never freezes.
package ui
