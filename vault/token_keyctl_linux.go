//go:build linux

package vault

import "golang.org/x/sys/unix"

// sysKeyOps are the keyctl system calls, from golang.org/x/sys/unix; only their sequence
// is written here.
type sysKeyOps struct{}

func systemKeyOps() KeyOps { return sysKeyOps{} }

func (sysKeyOps) UserKeyring() (int, error) {
	return unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true)
}

// Search looks in the user keyring only (not the session keyrings request_key(2) would
// search), and never calls /sbin/request-key.
func (sysKeyOps) Search(desc string) (int, error) {
	return unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
}

func (sysKeyOps) Read(key int) ([]byte, error) {
	buf := make([]byte, 4096)
	for {
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, key, buf, 0)
		if err != nil {
			return nil, err
		}
		if n <= len(buf) {
			return buf[:n], nil
		}
		clear(buf)
		buf = make([]byte, n) // the key grew between the calls: read it whole
	}
}

func (sysKeyOps) Add(desc string, payload []byte) (int, error) {
	return unix.AddKey("user", desc, payload, unix.KEY_SPEC_PROCESS_KEYRING)
}

func (sysKeyOps) Publish(key int) error {
	if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, key, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
		return err
	}
	_, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, key, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
	return err
}

func (sysKeyOps) SetPerm(key int, perm uint32) error { return unix.KeyctlSetperm(key, perm) }

func (sysKeyOps) SetTimeout(key int, seconds uint) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, key, int(seconds), 0, 0)
	return err
}

func (sysKeyOps) Invalidate(key int) error {
	if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, key, 0, 0, 0); err != nil {
		// Kernels before 3.5: unlinking from the user keyring drops the last reference.
		_, err = unix.KeyctlInt(unix.KEYCTL_UNLINK, key, unix.KEY_SPEC_USER_KEYRING, 0, 0)
		return err
	}
	return nil
}
