package devpg

import "syscall"

// sysProcAttr runs PostgreSQL in its own process group, so a Ctrl-C at the
// terminal reaches us and not the server, and has the kernel stop the
// server if we die without calling Stop.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT, Credential: cred}
}
