package main

import "errors"

// maxHeadSize bounds a request head, like net/http's DefaultMaxHeaderBytes
// does, so that a client sending header lines forever costs a bounded amount.
const maxHeadSize = 8 << 10

var (
	errHeadTooLarge = errors.New("request head larger than 8 KiB")
	errEmptyHead    = errors.New("empty line where the request line should be")
)
