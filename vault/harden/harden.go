// Package harden makes the oat process a poor place to look for secrets: no core dump,
// and on Linux no reading of its memory by other processes of the same user.
//
// What it covers, on Linux: PR_SET_DUMPABLE 0 stops the kernel writing a core file (or
// handing one to systemd-coredump or apport) when oat crashes or is sent SIGQUIT/SIGABRT,
// and stops processes of the same user without CAP_SYS_PTRACE from attaching with ptrace
// (gdb, gcore, strace), calling process_vm_readv, or reading /proc/PID/mem and
// /proc/PID/environ. RLIMIT_CORE 0 is the second lock on core files. On macOS and the
// other Unix systems only RLIMIT_CORE is set; on Windows nothing is.
//
// What it does not cover: root (or any process with CAP_SYS_PTRACE) can still attach
// and read oat's memory, the kernel's own views of memory (swap, hibernation images) are
// out of reach, and the dumpable flag is reset by execve, so a command started by
// `oat exec` is dumpable again (it inherits the soft core limit of 0, which it may raise).
package harden

// Process applies the protections to the running process. Call it first thing in main,
// before any secret is read: it covers the whole process from then on.
func Process() error { return process() }
