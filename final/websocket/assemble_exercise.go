//go:build exercise

package websocket

import "fmt"

// The exercise of final: write the message layer, from frames to messages
// (RFC 6455 §5.4-§5.5, §7.4), on top of what is given: readFrameHeader and
// noEOF (frame.go), readData and readControlPayload (message.go), sendMsg
// (write.go), validCloseCode and the errors (frame.go). Read docs/final.md,
// "The message layer as an exercise", then run
//
//	go test -tags exercise ./final/websocket
//	go run -tags exercise ./final     # your message layer, with a browser

// readMessage reads the frames of the next data message into c.msg, each
// data frame's payload with readData, and returns the message's opcode.
// Control frames may come between fragments (§5.4) and are answered at once
// (readControl). Any frame that breaks the rules ends the message with the
// error that names the rule: c.maskError() for a frame masked wrongly for
// this side (§5.1: a client's frames masked, a server's not; c.client says
// which side this is), errNothingToContinue and
// errMessageUnfinished (§5.4); readData reports the size, memory and UTF-8
// errors. A text message is UTF-8 as a whole: a code point may be split
// between two fragments (§8.1; see readData's checked).
func (c *Conn) readMessage() (byte, error) {
	// TODO(exercise): read frames until the one with FIN; keep what must
	// survive from one fragment to the next. docs/final.md has hints.
	return 0, errNotWritten("readMessage")
}

// readControl reads a control frame and answers it: a ping gets a pong with
// the same payload (§5.5.2), a close frame is answered (closeReceived), a
// pong is ignored (§5.5.3).
func (c *Conn) readControl(h frameHeader, raw []byte) error {
	// TODO(exercise): RFC 6455 §5.5.2 and §5.5.3. After our own close
	// frame, sendMsg refuses a pong (errCloseSent): that is no error here.
	return errNotWritten("readControl")
}

// closeReceived answers the client's close frame with the same code, or with
// an empty close if it had none (§5.5.1), and returns a *CloseError with what
// the client sent. A payload of 1 byte, a code no close frame may carry
// (§7.4) or a reason that is not UTF-8 returns errClosePayload1Byte,
// errInvalidCloseCode or errInvalidCloseReason instead.
func (c *Conn) closeReceived(payload []byte) error {
	// TODO(exercise): RFC 6455 §5.5.1 and §7.4.
	return errNotWritten("closeReceived")
}

// errNotWritten says which function of the exercise is still a stub.
func errNotWritten(name string) error {
	return fmt.Errorf("websocket: %s is not written yet (final/websocket/assemble_exercise.go; docs/final.md, the message layer as an exercise)", name)
}
