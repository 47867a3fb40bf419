// Package vaulttest holds test doubles for the vault's system interfaces, shared by the
// tests of every front end.
package vaulttest

import "errors"

// ErrPerm is what keyctl answers where a seccomp profile refuses it.
var ErrPerm = errors.New("operation not permitted")

// BlockedKeys is a vault.KeyOps as Docker's default seccomp profile leaves keyctl: every
// call fails with ErrPerm.
type BlockedKeys struct{}

func (BlockedKeys) UserKeyring() (int, error)       { return 0, ErrPerm }
func (BlockedKeys) Search(string) (int, error)      { return 0, ErrPerm }
func (BlockedKeys) Read(int) ([]byte, error)        { return nil, ErrPerm }
func (BlockedKeys) Add(string, []byte) (int, error) { return 0, ErrPerm }
func (BlockedKeys) SetPerm(int, uint32) error       { return ErrPerm }
func (BlockedKeys) SetTimeout(int, uint) error      { return ErrPerm }
func (BlockedKeys) Publish(int) error               { return ErrPerm }
func (BlockedKeys) Invalidate(int) error            { return ErrPerm }
