//go:build !linux

package devpg

import "syscall"

// sysProcAttr runs PostgreSQL in its own process group, so a Ctrl-C at the
// terminal reaches us and not the server.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}
