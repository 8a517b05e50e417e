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
	// TODO(exercise): read one line at a time with r.ReadSlice('\n') until
	// you meet the empty line.
	//   - Strip the "\n" and then the "\r" from each line; keep the rest.
	//   - The empty line ends the head: return the lines read so far. If the
	//     very first line is empty, return errEmptyHead.
	//   - Count the bytes: past maxHeadSize, or when ReadSlice says
	//     bufio.ErrBufferFull (a line longer than the buffer), return
	//     errHeadTooLarge, so a client cannot make you read forever.
	//   - io.EOF after some bytes means the client hung up mid-head: return
	//     io.ErrUnexpectedEOF. io.EOF before any byte is just io.EOF.
	// Never read past the empty line: the bytes after it belong to whoever
	// reads r next. Read docs/step2-client.md, "Exercise", then run:
	//   go test -tags exercise ./step2-client
	return nil, errors.New("readHead is not written yet (the exercise TODO in head_exercise.go)")
}
