//go:build unix

package websocket

import (
	"os"
	"syscall"
)

// readRaw reads from the socket without holding a buffer while it waits.
func (b *readBuffer) readRaw(p []byte, lend bool) (int, error) {
	b.rawP, b.rawLend = p, lend
	if b.rawFunc == nil {
		b.rawFunc = b.rawRead // made once: a closure per read would be garbage per read
	}
	err := b.raw.Read(b.rawFunc)
	n, rerr := max(b.rawN, 0), b.rawErr
	b.rawP, b.rawErr = nil, nil
	switch {
	case err != nil:
		return 0, err // a deadline, or the connection was closed
	case rerr != nil:
		return 0, os.NewSyscallError("read", rerr)
	}
	return n, nil
}

// rawRead is the read function of readRaw: it tries one read and reports
// whether to stop; false makes the runtime wait until the socket is readable.
func (b *readBuffer) rawRead(fd uintptr) bool {
	if b.rawLend {
		b.lend()
		b.rawP = b.buf[:]
	}
	for {
		b.rawN, b.rawErr = syscall.Read(int(fd), b.rawP)
		if b.rawErr != syscall.EINTR {
			break
		}
	}
	if b.rawErr == syscall.EAGAIN {
		b.giveBack() // nothing to read yet: wait without a buffer
		return false
	}
	return true
}
