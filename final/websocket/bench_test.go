package websocket

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

// BenchmarkUnmask compares the article's byte-at-a-time XOR (kept here only
// as the baseline) with maskBytes, which XORs eight bytes at a time.
func BenchmarkUnmask(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	data := make([]byte, 64<<10)
	b.Run("byte", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			maskBytesRef(key, data)
		}
	})
	b.Run("word", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			maskBytes(key, data)
		}
	})
}

func BenchmarkFrameHeader(b *testing.B) {
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, maxFrameHeaderSize)
		for b.Loop() {
			buf = appendFrameHeader(buf[:0], binaryFrame, 65536)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		wire := []byte{0x82, 0xfe, 0x01, 0x00, 0x37, 0xfa, 0x21, 0x3d}
		r := bytes.NewReader(wire)
		br := bufio.NewReader(r)
		buf := make([]byte, maxFrameHeaderSize)
		for b.Loop() {
			r.Reset(wire)
			br.Reset(r)
			if _, _, err := readFrameHeader(br, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEcho sends small text messages through the whole server over
// loopback TCP and waits for each echo: one round trip per operation.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			_, addr, _ := startServer(b, testServer())
			c := wstest.Connect(b, addr)
			frame := wstest.ClientFrame(0x81, bytes.Repeat([]byte("a"), size))
			reply := make([]byte, len(appendFrameHeader(nil, textFrame, size))+size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Conn.Write(frame); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c.BR, reply); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteMasked measures what masking costs a client's write: the
// same message written unmasked, as a server writes it, and masked with a
// fresh key, as a client does (RFC 6455 §5.3), to a connection that
// discards it.
func BenchmarkWriteMasked(b *testing.B) {
	for _, size := range []int{16, 1024, 64 << 10} {
		for _, client := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dB/%s", size, map[bool]string{false: "unmasked", true: "masked"}[client]), func(b *testing.B) {
				server, peer := net.Pipe()
				go io.Copy(io.Discard, peer)
				defer server.Close()
				c := newConn(server, nil, Options{PingInterval: -1, WriteTimeout: -1, IdleTimeout: -1}, client)
				msg := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.WriteMessage(BinaryMessage, msg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkMaskKey compares the two ways to draw an unpredictable masking
// key (RFC 6455 §5.3, §10.3): crypto/rand for each frame, and the ChaCha8
// seeded from it once per connection that newMaskKey uses.
func BenchmarkMaskKey(b *testing.B) {
	b.Run("crypto/rand", func(b *testing.B) {
		var key [4]byte
		for b.Loop() {
			rand.Read(key[:])
		}
	})
	b.Run("ChaCha8", func(b *testing.B) {
		c := &Conn{masks: newMasks()}
		for b.Loop() {
			c.newMaskKey()
		}
	})
}
