package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestUTF8Reader(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
	}{
		{"", true},
		{"hello, websocket", true},
		{"你好，世界 👋 ok", true},
		{"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true}, // RFC 6455 test vector "κόσμε"
		{"abc\xff", false},
		{"\xe4\xbd", false},     // truncated rune at the end of the message
		{"\xed\xa0\x80", false}, // surrogate
		{"\xc0\xaf", false},     // overlong
		{"ok\x80ok", false},     // stray continuation byte
		{"你好\xe4\xbdX", false},  // rune cut short by ASCII
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for _, tt := range tests {
		for name, wrap := range readers {
			var out bytes.Buffer
			_, err := io.Copy(&out, &utf8Reader{r: wrap(strings.NewReader(tt.in))})
			if tt.valid {
				if err != nil || out.String() != tt.in {
					t.Errorf("%s %q: got %q, %v; want it back unchanged", name, tt.in, out.String(), err)
				}
			} else if !errors.Is(err, errInvalidUTF8) {
				t.Errorf("%s %q: err = %v, want errInvalidUTF8", name, tt.in, err)
			}
		}
	}
}
