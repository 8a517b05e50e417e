//go:build exercise

package main

// showBytes renders raw bytes so that a person can read them: printable ASCII
// as itself, carriage return and line feed as the escapes \r and \n (a line
// break follows each \n, so an HTTP request reads line by line), a tab as \t,
// and every other byte as \xNN in hexadecimal.
//
// HTTP ends each line with the two bytes \r\n and ends the whole head with an
// empty line, \r\n\r\n (RFC 9112 §2.1); showBytes makes both visible.
func showBytes(data []byte) string {
	// TODO(exercise): loop over data one byte at a time and build the string
	// with a strings.Builder:
	//   '\r' → the two characters `\r`
	//   '\n' → the two characters `\n`, then a real line break
	//   '\t' → `\t`
	//   ' ' … '~' (printable ASCII) → the byte itself
	//   anything else → `\x` and two lower-case hex digits (fmt.Fprintf "%02x")
	// Read docs/step1-listen.md, "Exercise", then run:
	//   go test -tags exercise ./step1-listen
	return ""
}
