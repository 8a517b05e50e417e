package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShowBytes(t *testing.T) {
	const hint = "see docs/step1-listen.md, \"Exercise\""
	tests := []struct {
		name string
		data string
		want string
	}{
		{"printable text is shown as it is", "GET / HTTP/1.1", "GET / HTTP/1.1"},
		{"a line ends with a visible \\r\\n and a line break", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\\r\\n\n"},
		{"the empty line that ends the head shows as \\r\\n on its own",
			"Host: a\r\n\r\n", "Host: a\\r\\n\n\\r\\n\n"},
		{"a tab is shown as \\t", "a\tb", `a\tb`},
		{"other bytes are two hex digits after \\x",
			"\x81\x85\x37\xfa\x21\x3d\x7f", `\x81\x857\xfa!=\x7f`},
		{"a zero byte is \\x00", "\x00", `\x00`},
		{"nothing gives nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := showBytes([]byte(tt.data))
			assert.Equal(t, tt.want, got, "showBytes(%q): got %q want %q (%s)", tt.data, got, tt.want, hint)
		})
	}
}
