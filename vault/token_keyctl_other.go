//go:build !linux

package vault

// noKeyOps: no kernel keyring outside Linux; the secret store caches tokens.
type noKeyOps struct{}

func systemKeyOps() KeyOps { return noKeyOps{} }

func (noKeyOps) UserKeyring() (int, error)       { return 0, ErrKeyctlUnsupported }
func (noKeyOps) Search(string) (int, error)      { return 0, ErrKeyctlUnsupported }
func (noKeyOps) Read(int) ([]byte, error)        { return nil, ErrKeyctlUnsupported }
func (noKeyOps) Add(string, []byte) (int, error) { return 0, ErrKeyctlUnsupported }
func (noKeyOps) SetPerm(int, uint32) error       { return ErrKeyctlUnsupported }
func (noKeyOps) SetTimeout(int, uint) error      { return ErrKeyctlUnsupported }
func (noKeyOps) Publish(int) error               { return ErrKeyctlUnsupported }
func (noKeyOps) Invalidate(int) error            { return ErrKeyctlUnsupported }
