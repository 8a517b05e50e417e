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
	// TODO(exercise): return data as the comment above describes. Every
	// byte of data appears in the result, in order, as exactly one of: itself
	// (printable ASCII, ' ' to '~'), \r, \n plus a line break, \t, or \x with
	// two lower-case hex digits. Nothing is dropped, nothing is added.
	//
	// Read docs/step1-listen.md § Exercise (its hints open one at a time)
	// and RFC 9112 §2.1 for why \r\n matters. Then run:
	//   go test -tags exercise ./step1-listen
	return ""
}
