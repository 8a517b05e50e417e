package main

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wsfromscratch/websocket-go/final/websocket"
)

// The frame view: the page draws every frame of its own echo connection as
// the RFC's picture. The page makes an unguessable token and opens two
// WebSockets with it: first /frames?token=T, the view, on which the server
// sends a JSON description of each frame (the same description that -v
// prints as text), then the echo, /xxoo?token=T. Only the page that made the
// token sees its frames.

// framesPath is where the page opens its view.
const framesPath = "/frames"

// minToken is the shortest token a view may claim: 128 bits in hex.
const minToken = 32

// views binds each view to the echo connection that has its token.
type views struct {
	mu      sync.Mutex
	byToken map[string]*view
}

// view is one page's frame view.
type view struct {
	out     chan []byte  // JSON messages for the page; what does not fit is counted, not queued
	dropped atomic.Int64 // messages that did not fit
	echo    atomic.Pointer[websocket.Conn]
	unwatch func() // stops watching echo; set and called under views.mu
}

// serve is the Handler of a view connection: it sends the page its echo
// connection's frames, and pings the echo connection when the page asks.
func (vs *views) serve(c *websocket.Conn, r *http.Request) error {
	token := r.URL.Query().Get("token")
	v, why := vs.claim(token)
	if v == nil {
		c.Close(websocket.ClosePolicyViolation, why)
		return nil // the server reads the client's answer
	}
	defer vs.release(token)
	done := make(chan error, 1)
	go func() { done <- vs.listen(c, v) }()
	v.push(map[string]string{"kind": "ready"})
	for {
		select {
		case msg := <-v.out:
			if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
				return <-done
			}
		case err := <-done:
			return err
		}
	}
}

// listen reads what the page says on its view: "ping" asks the server to
// ping the echo connection, so the page can show the ping and the browser's
// pong.
func (vs *views) listen(c *websocket.Conn, v *view) error {
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return err
		}
		if echo := v.echo.Load(); echo != nil && string(msg) == "ping" {
			echo.Ping([]byte("ping from the server"))
		}
	}
}

// claim registers a view for token, or says why not.
func (vs *views) claim(token string) (*view, string) {
	if len(token) < minToken {
		return nil, fmt.Sprintf("the frame view needs a token of at least %d characters", minToken)
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if vs.byToken[token] != nil {
		return nil, "that token is taken"
	}
	v := &view{out: make(chan []byte, 256)}
	vs.byToken[token] = v
	return v, ""
}

// release ends the view of token: the token is free again, and its echo
// connection, unwatched, stops paying for a picture of every frame.
func (vs *views) release(token string) {
	vs.mu.Lock()
	if v := vs.byToken[token]; v.unwatch != nil {
		v.unwatch()
	}
	delete(vs.byToken, token)
	vs.mu.Unlock()
}

// watch shows the echo connection c to the view that has its token, if any:
// first the opening handshake, then every frame until the view ends.
func (vs *views) watch(c *websocket.Conn, r *http.Request) {
	token := r.URL.Query().Get("token")
	vs.mu.Lock()
	defer vs.mu.Unlock() // the view cannot end, and miss its unwatch, meanwhile
	v := vs.byToken[token]
	if token == "" || v == nil || !v.echo.CompareAndSwap(nil, c) {
		return // no view, or its echo is another connection
	}
	v.push(describeHandshake(r))
	v.unwatch = c.Watch(func(f websocket.Frame) {
		v.push(struct {
			Kind    string                `json:"kind"`
			Frame   websocket.Description `json:"frame"`
			Dropped int64                 `json:"dropped"`
		}{"frame", f.Describe(), v.dropped.Load()})
	})
}

// push queues msg for the page as JSON; a page that falls behind misses
// messages rather than hold up the echo.
func (v *view) push(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	select {
	case v.out <- b:
	default:
		v.dropped.Add(1)
	}
}

// handshake is the opening handshake as the server received and answered
// it, with the accept key's computation spelled out (RFC 6455 §4.2.2).
type handshake struct {
	Kind     string      `json:"kind"`
	Request  string      `json:"request"`
	Headers  [][2]string `json:"headers"` // as net/http holds them: names in canonical case, in order of name
	Key      string      `json:"key"`
	GUID     string      `json:"guid"`
	SHA1     string      `json:"sha1"` // SHA-1 of key+GUID, in hex
	Accept   string      `json:"accept"`
	Response []string    `json:"response"`
}

func describeHandshake(r *http.Request) handshake {
	h := handshake{Kind: "handshake", Request: r.Method + " " + r.RequestURI + " " + r.Proto,
		Key: r.Header.Get("Sec-WebSocket-Key"), GUID: websocket.MagicString}
	h.Headers = append(h.Headers, [2]string{"Host", r.Host}) // net/http keeps Host apart
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		value := strings.Join(r.Header[name], ", ")
		if name == "Cookie" || name == "Authorization" {
			value = "(not shown: the page's script must not see what HttpOnly hides)"
		}
		h.Headers = append(h.Headers, [2]string{name, value})
	}
	h.SHA1 = fmt.Sprintf("%x", sha1.Sum([]byte(h.Key+h.GUID)))
	h.Accept = websocket.AcceptKey(h.Key)
	h.Response = []string{"HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
		"Sec-WebSocket-Accept: " + h.Accept}
	return h
}
