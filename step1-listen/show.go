//go:build !exercise

package main

import (
	"fmt"
	"strings"
)

// showBytes renders raw bytes so that a person can read them: printable ASCII
// as itself, carriage return and line feed as the escapes \r and \n (a line
// break follows each \n, so an HTTP request reads line by line), a tab as \t,
// and every other byte as \xNN in hexadecimal.
//
// HTTP ends each line with the two bytes \r\n and ends the whole head with an
// empty line, \r\n\r\n (RFC 9112 §2.1); showBytes makes both visible.
func showBytes(data []byte) string {
	var b strings.Builder
	for _, c := range data {
		switch {
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString("\\n\n")
		case c == '\t':
			b.WriteString(`\t`)
		case c >= ' ' && c <= '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}
