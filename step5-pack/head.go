package main

import (
	"bufio"
	"io"
	"strings"
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
	var lines []string
	size := 0
	for {
		line, err := r.ReadSlice('\n')
		size += len(line)
		if err == bufio.ErrBufferFull || size > maxHeadSize {
			return nil, errHeadTooLarge
		}
		if err != nil {
			if err == io.EOF && size > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		text := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
		if text == "" {
			if len(lines) == 0 {
				return nil, errEmptyHead
			}
			return lines, nil
		}
		lines = append(lines, text)
	}
}
