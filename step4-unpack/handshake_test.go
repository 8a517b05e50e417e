package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const handshakeHint = "docs/step3-handshake.md § Exercise, RFC 6455 §4.2"

// The keys of RFC 6455 §1.3 and of the article, and their answers.
const (
	rfcSampleKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	rfcSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
	articleKey      = "mnwFxiOlctXFN/DeMt1Amg=="
	articleAccept   = "oRjiwsm8ZS/eLqIQ6p82z1wgGHE="
	rfcGUID         = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" // RFC 6455 §1.3
)

func TestSplitHeader(t *testing.T) {
	tests := []struct {
		line        string
		name, value string
		ok          bool
		hint        string
	}{
		{"Upgrade: websocket", "Upgrade", "websocket", true, "the name is before the colon, the value after it"},
		{"Host: 127.0.0.1:8002", "Host", "127.0.0.1:8002", true, "only the first colon separates: strings.Cut, not strings.Split"},
		{"Upgrade:websocket", "Upgrade", "websocket", true, "the space after the colon is optional: cut at \":\", not \": \""},
		{"Upgrade:   websocket  ", "Upgrade", "websocket", true, "spaces around the value are not part of it"},
		{"Host 127.0.0.1", "", "", false, "a line without a colon is not a header: ok is false"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			name, value, ok := splitHeader(tt.line)
			if ok != tt.ok || ok && (name != tt.name || value != tt.value) {
				t.Errorf("splitHeader(%q) = %q, %q, %v; want %q, %q, %v: %s (%s)",
					tt.line, name, value, ok, tt.name, tt.value, tt.ok, tt.hint, handshakeHint)
			}
		})
	}
}

// TestGetHeadersMistakes looks for the mistakes the chapter warns about, one
// case each: a case fails only when the result is wrong the way its mistake
// makes it (looks), naming the mistake. TestGetHeaders and
// TestGetHeadersRejects check everything else.
func TestGetHeadersMistakes(t *testing.T) {
	tests := []struct {
		mistake string
		about   string // the input, for the message
		lines   []string
		key     string   // the header to look up
		want    []string // its values
		looks   func(req request, err error) bool
		hint    string
	}{
		{
			mistake: "the request line taken for a header",
			about:   "the article's request",
			lines:   articleLines(),
			key:     "Upgrade",
			want:    []string{"websocket"},
			looks: func(_ request, err error) bool {
				return err != nil && strings.Contains(err.Error(), "GET /chatsocket HTTP/1.1")
			},
			hint: "lines[0] is the request line, METHOD URL PROTOCOL; the header lines are lines[1:]",
		},
		{
			mistake: "the space after the colon required",
			about:   `"Upgrade:websocket"`,
			lines:   []string{"GET / HTTP/1.1", "Upgrade:websocket"},
			key:     "Upgrade",
			want:    []string{"websocket"},
			looks: func(req request, err error) bool {
				return err != nil && strings.Contains(err.Error(), "Upgrade:websocket") || req.header.Get("Upgrade:websocket") != ""
			},
			hint: "RFC 9112 §5.1 makes that space optional, and Upgrade:websocket is a valid line: cut at the colon alone, then trim the value",
		},
		{
			mistake: "the line split at every colon",
			about:   `"Host: 127.0.0.1:8002"`,
			lines:   []string{"GET / HTTP/1.1", "Host: 127.0.0.1:8002"},
			key:     "Host",
			want:    []string{"127.0.0.1:8002"},
			looks:   func(req request, _ error) bool { return slices.Contains(req.header.Values("Host"), "127.0.0.1") },
			hint:    "only the first colon ends the name; a value may hold colons (strings.Cut, not strings.Split)",
		},
		{
			mistake: "the value not trimmed",
			about:   `"Upgrade:   websocket  "`,
			lines:   []string{"GET / HTTP/1.1", "Upgrade:   websocket  "},
			key:     "Upgrade",
			want:    []string{"websocket"},
			looks: func(req request, _ error) bool {
				v := req.header.Get("Upgrade")
				return v != "" && v != strings.TrimSpace(v)
			},
			hint: "spaces around a value are not part of it (RFC 9112 §5.1)",
		},
		{
			mistake: "Set instead of Add",
			about:   `"Connection: keep-alive", "Connection: Upgrade"`,
			lines:   []string{"GET / HTTP/1.1", "Connection: keep-alive", "Connection: Upgrade"},
			key:     "Connection",
			want:    []string{"keep-alive", "Upgrade"},
			looks: func(req request, _ error) bool {
				return slices.Equal(req.header.Values("Connection"), []string{"Upgrade"})
			},
			hint: "header.Set keeps only the last of two lines; header.Add keeps both, in order",
		},
		{
			mistake: "the names stored as sent",
			about:   `"sec-websocket-key: abc"`,
			lines:   []string{"GET / HTTP/1.1", "sec-websocket-key: abc"},
			key:     "Sec-WebSocket-Key",
			want:    []string{"abc"},
			looks: func(req request, _ error) bool {
				for name := range req.header { // the name as sent, not in canonical form
					if name == "sec-websocket-key" {
						return true
					}
				}
				return false
			},
			hint: "header.Get looks a name up in its canonical form (Sec-Websocket-Key): fill the header with header.Add, which stores names that way",
		},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			req, err := getHeaders(tt.lines)
			var problem string
			switch {
			case err != nil:
				problem = fmt.Sprintf("error %q", err)
			case req.header == nil || !slices.Equal(req.header.Values(tt.key), tt.want):
				problem = fmt.Sprintf("header %s is %q, want %q", tt.key, req.header.Values(tt.key), tt.want)
			default:
				return
			}
			if tt.looks(req, err) {
				t.Errorf("getHeaders(%s): %s: that is the mistake \"%s\": %s", tt.about, problem, tt.mistake, tt.hint)
			}
		})
	}
}

func TestGetHeaders(t *testing.T) {
	t.Run("parses the article's request", func(t *testing.T) {
		req, err := getHeaders(articleLines())
		if err != nil {
			t.Fatalf("getHeaders(the article's request): error %q (%s)", err, handshakeHint)
		}
		check := func(what, got, want, hint string) {
			t.Helper()
			if got != want {
				t.Errorf("%s is %q, want %q: %s (%s)", what, got, want, hint, handshakeHint)
			}
		}
		check("the method", req.method, "GET", "the first word of the request line")
		check("the url", req.url, "/chatsocket", "the second word")
		check("the protocol", req.protocol, "HTTP/1.1", "the third word")
		check("Sec-WebSocket-Key", req.header.Get("Sec-WebSocket-Key"), "mnwFxiOlctXFN/DeMt1Amg==", "the value after the first colon, trimmed")
		check("Sec-WebSocket-Extensions", req.header.Get("Sec-WebSocket-Extensions"), "permessage-deflate; client_max_window_bits",
			"only the first colon separates the name from the value")
		if len(req.header) != 9 {
			t.Errorf("the header has %d names, want 9: one per header line (%s)", len(req.header), handshakeHint)
		}
	})

	tests := []struct {
		name  string
		lines []string
		key   string
		want  []string
	}{
		{"names are case-insensitive", []string{"GET / HTTP/1.1", "sec-websocket-key: abc"}, "Sec-WebSocket-Key", []string{"abc"}},
		{"spaces around a value are dropped", []string{"GET / HTTP/1.1", "Upgrade:   websocket  "}, "Upgrade", []string{"websocket"}},
		{"no space after the colon is fine", []string{"GET / HTTP/1.1", "Upgrade:websocket"}, "Upgrade", []string{"websocket"}},
		{"a value may hold colons", []string{"GET / HTTP/1.1", "Host: 127.0.0.1:8002"}, "Host", []string{"127.0.0.1:8002"}},
		{"a repeated field keeps every value", []string{"GET / HTTP/1.1", "Connection: keep-alive", "Connection: Upgrade"}, "Connection", []string{"keep-alive", "Upgrade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := getHeaders(tt.lines)
			if err != nil {
				t.Fatalf("getHeaders(%q): error %q (%s)", tt.lines, err, handshakeHint)
			}
			if got := req.header.Values(tt.key); !slices.Equal(got, tt.want) {
				t.Errorf("getHeaders(%q): header %s is %q, want %q (%s)", tt.lines, tt.key, got, tt.want, handshakeHint)
			}
		})
	}
}

func TestGetHeadersRejects(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{"a request line with two words", []string{"GET /"}},
		{"a request line with four words", []string{"GET / HTTP/1.1 extra"}},
		{"a header line without a colon", []string{"GET / HTTP/1.1", "Host 127.0.0.1"}},
		{"a header with an empty name", []string{"GET / HTTP/1.1", ": value"}},
		{"a header name with a space", []string{"GET / HTTP/1.1", "Bad Name: value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := getHeaders(tt.lines)
			bad := tt.lines[len(tt.lines)-1]
			switch {
			case err == nil:
				t.Errorf("getHeaders(%q) must fail, not guess (%s)", tt.lines, handshakeHint)
			case !strings.Contains(err.Error(), bad):
				t.Errorf("getHeaders(%q): error %q must quote the wrong line, %q (%s)", tt.lines, err, bad, handshakeHint)
			}
		})
	}
}

// TestAcceptKeyMistakes has one case for each mistake the chapter warns
// about: wrong computes what the mistake gives, and a result equal to it is
// named for the mistake. The value itself is checked by TestAcceptKey.
// The GUID is written out here: a misspelt magicString must not spell the
// mistakes the same way.
func TestAcceptKeyMistakes(t *testing.T) {
	sha := func(s string) []byte { sum := sha1.Sum([]byte(s)); return sum[:] }
	hmacSHA1 := func(key, msg string) []byte {
		mac := hmac.New(sha1.New, []byte(key))
		mac.Write([]byte(msg))
		return mac.Sum(nil)
	}
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		mistake string
		wrong   func(key string) string
		hint    string
	}{
		{"the GUID before the key", func(k string) string { return b64(sha(rfcGUID + k)) },
			"hash the key followed by the GUID, key + magicString (RFC 6455 §4.2.2, item 5.4)"},
		{"the misspelt GUID 285EAFA5-…", func(k string) string { return b64(sha(k + "285EAFA5-E914-47DA-95CA-C5AB0DC85B11")) },
			"the GUID starts 258EAFA5 (RFC 6455 §1.3); use the constant magicString"},
		{"HMAC-SHA1 instead of SHA-1", func(k string) string { return b64(hmacSHA1(rfcGUID, k)) },
			`the article's "hmac1" is plain SHA-1 of key + magicString: there is no secret, no HMAC`},
		{"HMAC-SHA1 keyed with the key", func(k string) string { return b64(hmacSHA1(k, rfcGUID)) },
			`the article's "hmac1" is plain SHA-1 of key + magicString: there is no secret, no HMAC`},
		{"the key decoded from base64 first", func(k string) string {
			raw, _ := base64.StdEncoding.DecodeString(k)
			return b64(sha(string(raw) + rfcGUID))
		}, "hash the key as it was sent, its 24 characters of base64, not the 16 bytes they encode"},
		{"hex instead of base64", func(k string) string { return hex.EncodeToString(sha(k + rfcGUID)) },
			"the 20 bytes of the hash are sent in base64 (28 characters), not in hex"},
		{"base64 with the URL alphabet", func(k string) string { return base64.URLEncoding.EncodeToString(sha(k + rfcGUID)) },
			"use base64.StdEncoding, with + and /: URLEncoding writes - and _"},
		{"base64 without its padding", func(k string) string { return base64.RawStdEncoding.EncodeToString(sha(k + rfcGUID)) },
			"use base64.StdEncoding, which ends the 20 bytes with one =; RawStdEncoding drops it"},
	}
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			for _, kw := range [][2]string{{rfcSampleKey, rfcSampleAccept}, {articleKey, articleAccept}} {
				key, want := kw[0], kw[1]
				if got := acceptKey(key); got != want && got == tt.wrong(key) {
					t.Errorf("acceptKey(%q) = %q: that is the mistake \"%s\": %s", key, got, tt.mistake, tt.hint)
					return
				}
			}
		})
	}
}

func TestAcceptKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want string
	}{
		{"the RFC 6455 §1.3 sample key", rfcSampleKey, rfcSampleAccept},
		{"the article's key", articleKey, articleAccept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := acceptKey(tt.key); got != tt.want {
				t.Errorf("acceptKey(%q) = %q, want %q: base64 of the SHA-1 (not HMAC) of key + magicString (%s)",
					tt.key, got, tt.want, handshakeHint)
			}
		})
	}
}
