//go:build exercise

package main

import (
	"bufio"
	"errors"
)

// readHead reads an HTTP request head from r: the request line and the header
// lines, up to and including the empty line that ends the head (RFC 9112
// §2.1). It returns the lines without their line endings, the request line
// first. A lone \n is accepted as a line ending as well as \r\n.
//
// TCP delivers a stream of bytes, so the head may arrive in many reads, or
// share a read with the bytes that follow it: readHead takes exactly the head
// from r and leaves anything after the empty line unread in r.
//
// It fails with errHeadTooLarge once the head passes maxHeadSize bytes, and
// with io.ErrUnexpectedEOF if the client hangs up in the middle of it.
func readHead(r *bufio.Reader) ([]string, error) {
	// TODO(exercise): return the lines of the head as the comment above
	// says. The contract, which the server and step 3 rely on:
	//   - every line ending (\r\n or a bare \n) is gone from the lines;
	//   - r is left just after the empty line, whatever the reads looked
	//     like (the next bytes may be a frame, or a second request);
	//   - a client cannot make you read, or keep, more than maxHeadSize
	//     bytes, even in one endless line (errHeadTooLarge);
	//   - a client that sends nothing gives io.EOF, one that stops in the
	//     middle io.ErrUnexpectedEOF, an empty first line errEmptyHead.
	// Read docs/step2-client.md § Exercise (its hints open one at a time),
	// RFC 9112 §2.1 and §2.2, and the doc of bufio.Reader. Then run:
	//   go test -tags exercise ./step2-client
	return nil, errors.New("readHead is not written yet (the exercise TODO in head_exercise.go)")
}
