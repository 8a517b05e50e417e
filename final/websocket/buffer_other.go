//go:build !unix

package websocket

// readRaw is never called where there is no unix socket.
func (b *readBuffer) readRaw(p []byte, lend bool) (int, error) {
	if lend {
		b.lend()
		p = b.buf[:]
	}
	return b.conn.Read(p)
}

// writeRaw writes in pieces where there is no unix socket.
func (w *socketWriter) writeRaw(p []byte) (int, error) { return w.writeChunks(p) }

// rawWrite is never called where there is no unix socket.
func (w *socketWriter) rawWrite(uintptr) bool { return true }
