//go:build !exercise

package websocket

import (
	"encoding/binary"
	"unicode/utf8"
)

// The message layer: from frames to messages (RFC 6455 §5.4-§5.5). The
// frame codec (frame.go) and the payload reader (readData, in message.go)
// are given; this file puts them together, and is the exercise of final
// (assemble_exercise.go, docs/final.md).

// readMessage reads the frames of the next data message into c.msg, each
// data frame's payload with readData, and returns the message's opcode.
// Control frames may come between fragments (§5.4) and are answered at once
// (readControl). Any frame that breaks the rules ends the message with the
// error that names the rule.
func (c *Conn) readMessage() (byte, error) {
	var opcode byte // the message's, from its first frame
	checked := 0    // (*c.msg)[:checked] is whole, valid UTF-8
	for {
		h, raw, err := readFrameHeader(c.br, c.hdr[:])
		switch {
		case err != nil:
			return 0, noEOF(err) // waitMessage has seen the message begin
		case h.masked == c.client:
			return 0, c.maskError() // §5.1: a client masks every frame, a server none
		case isControl(h.opcode):
			if err := c.readControl(h, raw); err != nil {
				return 0, err
			}
			continue
		case h.opcode == continuationFrame && opcode == 0:
			return 0, errNothingToContinue
		case h.opcode != continuationFrame && opcode != 0:
			return 0, errMessageUnfinished
		case opcode == 0:
			opcode = h.opcode
		}
		if checked, err = c.readData(h, raw, opcode, checked); err != nil {
			return 0, err
		}
		if h.fin {
			return opcode, nil
		}
	}
}

// readControl reads a control frame and answers it: a ping gets a pong with
// the same payload (§5.5.2), a close frame is answered (closeReceived), a
// pong is ignored (§5.5.3: unsolicited pongs are allowed, and mean nothing).
func (c *Conn) readControl(h frameHeader, raw []byte) error {
	payload, err := c.readControlPayload(h, raw)
	if err != nil {
		return err
	}
	switch h.opcode {
	case pingFrame:
		if err := c.sendMsg(pongFrame, payload); err != errCloseSent {
			return err
		}
	case closeFrame:
		return c.closeReceived(payload)
	}
	return nil
}

// closeReceived answers the client's close frame with the same code, or with
// an empty close if it had none (§5.5.1), and returns the *CloseError. A
// close frame that breaks §5.5.1 or §7.4 returns the error that names the
// rule instead.
func (c *Conn) closeReceived(payload []byte) error {
	if len(payload) == 0 {
		c.sendMsg(closeFrame, nil) // errCloseSent: we began, and this ends it
		return &CloseError{Code: CloseNoStatus}
	}
	code, reason := 0, payload[min(len(payload), 2):]
	if len(payload) >= 2 {
		code = int(binary.BigEndian.Uint16(payload))
	}
	switch {
	case len(payload) == 1:
		return errClosePayload1Byte
	case !validCloseCode(code):
		return errInvalidCloseCode
	case !utf8.Valid(reason):
		return errInvalidCloseReason
	}
	c.sendMsg(closeFrame, payload[:2])
	return &CloseError{Code: code, Reason: string(reason)}
}
