//go:build unix

package websocket

import (
	"os"
	"syscall"
)

// readRaw reads from the socket without holding a buffer while it waits.
func (b *readBuffer) readRaw(p []byte, lend bool) (n int, err error) {
	rerr := b.raw.Read(func(fd uintptr) bool {
		if lend {
			b.lend()
			p = b.buf[:]
		}
		for {
			n, err = syscall.Read(int(fd), p)
			if err != syscall.EINTR {
				break
			}
		}
		if err == syscall.EAGAIN {
			b.giveBack() // nothing to read yet: wait without a buffer
			return false
		}
		return true
	})
	if n < 0 {
		n = 0
	}
	if rerr != nil {
		return 0, rerr // a deadline, or the connection was closed
	}
	if err != nil {
		return 0, os.NewSyscallError("read", err)
	}
	return n, nil
}
