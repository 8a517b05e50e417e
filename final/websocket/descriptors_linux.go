package websocket

import "syscall"

// reserveDescriptors makes room in the process's descriptor table for n
// more connections before the first one comes. Linux grows the table by
// doubling it as descriptors are opened, and in a process with more than
// one thread (every Go program) each doubling waits for an RCU grace
// period: for 7–25 ms here, no connection can be accepted, on any thread. A
// crowd of 5 000 clients met five such stalls, at 256, 512, 1 024, 2 048
// and 4 096 descriptors (docs/performance.md#the-descriptor-tables-doublings).
// Duplicating a descriptor to a number past n grows the table once, now;
// it never shrinks, so closing the copy keeps the room. The table costs 8
// bytes of kernel memory a slot. Failing is harmless: the table then grows
// as it always did.
func reserveDescriptors(n int) {
	var limit syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit) != nil || limit.Cur < 2 {
		return
	}
	target := min(uint64(n)+descriptorsBeside, limit.Cur-1)
	fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer syscall.Close(fd)
	// F_DUPFD_CLOEXEC: the lowest free descriptor at or above target.
	high, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, uintptr(target))
	if errno == 0 {
		syscall.Close(int(high))
	}
}

// descriptorsBeside is room for the descriptors a server holds besides its
// WebSocket connections: the listener, the poller, the log, the pages'
// connections and the heads being read.
const descriptorsBeside = 256
