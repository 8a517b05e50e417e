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

// writeRaw writes p to the socket, as many bytes per write call as the
// kernel takes, waiting (up to the write deadline) while its buffer is full.
func (w *socketWriter) writeRaw(p []byte) (int, error) {
	w.rawP = p
	err := w.c.br.raw.Write(w.rawFunc)
	n, rerr := len(p)-len(w.rawP), w.rawErr
	w.rawP, w.rawErr = nil, nil
	switch {
	case err != nil:
		return n, w.writeError(err)
	case rerr != nil:
		return n, w.writeError(os.NewSyscallError("write", rerr))
	}
	return n, nil
}

// rawWrite is the write function of writeRaw: it writes until all of rawP
// has left, the socket's buffer is full (false: the runtime waits until it
// has room), or a write fails.
func (w *socketWriter) rawWrite(fd uintptr) bool {
	for len(w.rawP) > 0 {
		n, err := syscall.Write(int(fd), w.rawP)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false
		case err != nil:
			w.rawErr = err
			return true
		}
		if w.rawP = w.rawP[n:]; len(w.rawP) > 0 {
			w.c.writeProgress()
		}
	}
	return true
}
