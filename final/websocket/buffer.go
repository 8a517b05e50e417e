package websocket

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
)

// readBufferSize is the size of a connection's read buffer: a small frame,
// or several, arrive in one read.
const readBufferSize = 4096

// writeBufferSize is the size of a socketWriter's buffer: small frames, one
// or several, leave in one write call.
const writeBufferSize = 4096

// readBuffers lends read buffers to connections while bytes wait in them.
var readBuffers = sync.Pool{New: func() any { return new([readBufferSize]byte) }}

// readBuffer is a connection's buffered reader. Its buffer is lent from a
// pool only while bytes are waiting in it: a connection whose client is
// silent holds none. The trick is to wait for the socket to become readable
// without a buffer: syscall.RawConn.Read runs our read function, and if the
// socket has nothing yet (EAGAIN) we give the buffer back before the
// runtime parks the goroutine until the socket is readable. This costs no
// extra system call: net.Conn.Read makes the same failed read before it
// parks.
type readBuffer struct {
	conn     net.Conn
	raw      syscall.RawConn // nil where the connection has no socket of its own (a test's pipe)
	buf      *[readBufferSize]byte
	r, w     int          // buf[r:w] is what has been read but not yet taken
	progress func() error // called after every read that got bytes; an error ends the read

	// readRaw's arguments and results, kept here so that its read function
	// is made once, not once per read.
	rawFunc func(fd uintptr) bool
	rawP    []byte
	rawLend bool
	rawN    int
	rawErr  error
}

// newReadBuffer reads from conn, starting with what br already holds (the
// HTTP server may have read frames that came with the handshake).
func newReadBuffer(conn net.Conn, br *bufio.Reader, progress func() error) *readBuffer {
	b := &readBuffer{conn: conn, progress: progress}
	if sc, ok := conn.(syscall.Conn); ok {
		b.raw, _ = sc.SyscallConn()
	}
	if br != nil && br.Buffered() > 0 {
		n := br.Buffered()
		b.buf = readBuffers.Get().(*[readBufferSize]byte)
		b.w, _ = io.ReadFull(br, b.buf[:min(n, readBufferSize)])
	}
	return b
}

// Read reads from the buffer, filling it when it is empty; a read as large
// as the buffer goes straight into p.
func (b *readBuffer) Read(p []byte) (int, error) {
	if b.r == b.w {
		if len(p) >= readBufferSize {
			return b.readSocket(p, false)
		}
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.buf[b.r:b.w])
	b.r += n
	return n, nil
}

// fill waits for bytes if the buffer is empty, and reads them.
func (b *readBuffer) fill() error {
	if b.r < b.w {
		return nil
	}
	n, err := b.readSocket(nil, true)
	b.r, b.w = 0, n
	return err
}

// readSocket reads into p, or into a lent buffer if lend is set.
func (b *readBuffer) readSocket(p []byte, lend bool) (int, error) {
	var n int
	var err error
	if b.raw == nil {
		if lend {
			b.lend()
			p = b.buf[:]
		}
		n, err = b.conn.Read(p)
	} else {
		n, err = b.readRaw(p, lend)
	}
	if n > 0 {
		return n, b.progress()
	}
	if err == nil {
		err = io.EOF
	}
	return 0, err
}

func (b *readBuffer) lend() {
	if b.buf == nil {
		b.buf = readBuffers.Get().(*[readBufferSize]byte)
	}
}

// giveBack returns the buffer to the pool; the buffer must be empty.
func (b *readBuffer) giveBack() {
	if b.buf != nil {
		readBuffers.Put(b.buf)
		b.buf = nil
	}
}

// socketWriter is a connection's write buffer and what it writes through:
// a frame leaves in as few system calls as the kernel allows, yet a write
// that makes progress is never cut off by the write deadline. On a socket
// (writeRaw) each write call takes what the kernel's buffer has room for,
// and each piece that leaves while more remains is progress
// (Conn.writeProgress moves the deadline on); elsewhere (TLS, a test's pipe)
// the pieces are writeChunk bytes. A 1 MiB echo on loopback then takes 2
// write calls (the buffer's 4 KiB, then the rest) where 64 KiB pieces took
// 17 (docs/performance.md, large messages). It is lent from writers only
// while a frame leaves, so an idle connection holds none.
type socketWriter struct {
	bw *bufio.Writer // writes into the socketWriter
	c  *Conn         // the connection being written, while it is

	// writeRaw's argument and result, kept here so that its write function
	// is made once per socketWriter, not once per write.
	rawFunc func(fd uintptr) bool
	rawP    []byte
	rawErr  error
}

// writers lends socketWriters to connections while they send.
var writers = sync.Pool{New: func() any {
	w := &socketWriter{}
	w.bw = bufio.NewWriterSize(w, writeBufferSize)
	w.rawFunc = w.rawWrite
	return w
}}

// lendWriter lends c a socketWriter, empty, for the frames it sends now.
func lendWriter(c *Conn) *socketWriter {
	w := writers.Get().(*socketWriter)
	w.c = c
	w.bw.Reset(w)
	return w
}

// giveBack returns w to writers once its frames have left.
func (w *socketWriter) giveBack() {
	w.c = nil
	writers.Put(w)
}

// Write writes all of p, with progress between the pieces.
func (w *socketWriter) Write(p []byte) (int, error) {
	if w.c.br.raw != nil {
		return w.writeRaw(p)
	}
	return w.writeChunks(p)
}

// writeChunks writes p to a connection that is not a socket of its own, in
// pieces of writeChunk.
func (w *socketWriter) writeChunks(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := w.c.rwc.Write(p[done:min(len(p), done+writeChunk)])
		if done += n; err != nil {
			return done, err
		}
		if done < len(p) {
			w.c.writeProgress()
		}
	}
	return done, nil
}

// writeError says what a failed write call on the socket says through
// net.Conn.Write: "write tcp a->b: write: broken pipe".
func (w *socketWriter) writeError(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) { // from RawConn.Write: a deadline, or the connection closed
		opErr.Op = "write"
		return opErr
	}
	conn := w.c.rwc
	return &net.OpError{Op: "write", Net: conn.LocalAddr().Network(), Source: conn.LocalAddr(), Addr: conn.RemoteAddr(), Err: err}
}
