// Step3-handshake answers the WebSocket opening handshake, then prints the
// bytes of the first frames, still undecoded.
//
// It mirrors section 3 of the article (3.建立链接【握手】): parse the request
// head into headers (getHeaders), take Sec-WebSocket-Key, append the magic
// string, hash it with SHA-1, encode it in base64 and send it back in a
// "101 Switching Protocols" answer. Step 2 only printed the request; now the
// browser's socket opens. What the browser sends next is not text but frames,
// which step 4 decodes.
//
// Read along: docs/step3-handshake.md.
package main

import (
	"bufio"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

// idleTimeout closes a connection that has sent nothing for this long.
const idleTimeout = 2 * time.Minute

//go:embed page.html
var page string

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("step3: listening on %s; open http://%s/ in a browser (Ctrl-C to stop)\n", ln.Addr(), ln.Addr())
	log.Fatal(serve(ln, os.Stdout))
}

// serve accepts connections until ln is closed and handles each one in its own
// goroutine. Everything it has to say goes to out, one line at a time.
func serve(ln net.Listener, out io.Writer) error {
	logger := log.New(out, "", log.Ltime)
	var delay time.Duration // the wait before the next Accept; 0 while Accept works
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		// Any other error is retried after 5ms, 10ms, 20ms … at most 1s apart,
		// as net/http's Server.Serve does. The usual one is "too many open
		// files" (EMFILE): each connection holds a file descriptor, and with a
		// low `ulimit -n` they run out until some clients leave. Server.Serve
		// retries only errors whose Temporary() is true, but Temporary is
		// deprecated (not well defined), and a server has nothing better to
		// do than wait: only a closed listener ends serve. Not to flood the
		// log, one line says when a run of failures begins, one when it ends.
		if err != nil {
			if delay == 0 {
				delay = 5 * time.Millisecond
				logger.Printf("accept failed: %v; retrying in %v, then up to every 1s", err, delay)
			} else {
				delay = min(2*delay, time.Second)
			}
			time.Sleep(delay)
			continue
		}
		if delay != 0 {
			logger.Printf("accept works again")
			delay = 0
		}
		go handleConn(conn, logger)
	}
}

// handleConn reads one request head and decides what it is: a WebSocket
// upgrade (answered with 101, then its frames are printed), GET / (answered
// with the page), or anything else (404 or 400).
func handleConn(conn net.Conn, logger *log.Logger) {
	defer conn.Close()
	who := conn.RemoteAddr()
	conn.SetReadDeadline(time.Now().Add(idleTimeout))

	r := bufio.NewReader(conn)
	lines, err := readHead(r)
	switch {
	case errors.Is(err, io.EOF):
		logger.Printf("%s connected and left without sending anything (browsers open spare connections)", who)
		return
	case err != nil:
		logger.Printf("%s: could not read a request head: %v; answered 400", who, err)
		reply(conn, "400 Bad Request", "text/plain", "bad request: "+err.Error()+"\n")
		return
	}
	req, err := getHeaders(lines)
	if err != nil {
		logger.Printf("%s: %v; answered 400", who, err)
		reply(conn, "400 Bad Request", "text/plain", "bad request: "+err.Error()+"\n")
		return
	}
	switch {
	case isUpgrade(req):
		logger.Printf("%s asks to upgrade %s %s to a WebSocket; its header lines:\n%s", who, req.method, req.url, describeHead(lines))
		key := req.header.Get("Sec-WebSocket-Key")
		if key == "" {
			logger.Printf("%s: no Sec-WebSocket-Key; answered 400", who)
			reply(conn, "400 Bad Request", "text/plain", "missing Sec-WebSocket-Key\n")
			return
		}
		accept := acceptKey(key)
		fmt.Fprintf(conn, responseTemplate, accept)
		logger.Printf("%s: answered 101 Switching Protocols, Sec-WebSocket-Accept: %s\n"+
			"    = base64(SHA-1(%q + magicString))", who, accept, key)
		printFrames(conn, r, logger)
	case req.method == "GET" && isPage(req.url):
		reply(conn, "200 OK", "text/html; charset=utf-8", page)
		logger.Printf("%s: GET / → sent the page (%d bytes)", who, len(page))
	default:
		reply(conn, "404 Not Found", "text/plain", "not found\n")
		logger.Printf("%s: %s %s → 404", who, req.method, req.url)
	}
}

// responseTemplate is the handshake answer (RFC 6455 §4.2.2). Unlike the
// article's template it has a space after "Upgrade:", and no
// WebSocket-Location header, which belonged to a draft before the RFC.
const responseTemplate = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Accept: %s\r\n" +
	"\r\n"

// printFrames prints, in hexadecimal, every chunk of bytes the client sends
// after the handshake, until it hangs up or stays silent for idleTimeout.
// They are WebSocket frames: a header, a masking key and the masked payload,
// which is why the text typed in the page is nowhere to be seen. Step 4
// decodes them.
func printFrames(conn net.Conn, r *bufio.Reader, logger *log.Logger) {
	who := conn.RemoteAddr()
	buf := make([]byte, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		n, err := r.Read(buf)
		if n > 0 {
			logger.Printf("%s sent %d bytes, not decoded yet (step 4 decodes frames):\n    % x", who, n, buf[:n])
		}
		if err != nil {
			logger.Printf("%s: connection ended: %v", who, err)
			return
		}
	}
}

// isPage reports whether url asks for the page: "/", with or without a query
// string such as "/?auto=hello".
func isPage(url string) bool {
	path, _, _ := strings.Cut(url, "?")
	return path == "/"
}

// reply writes a complete HTTP/1.1 response and asks the client to close the
// connection afterwards (one request per connection keeps this step simple).
func reply(w io.Writer, status, contentType, body string) {
	fmt.Fprintf(w, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, contentType, len(body), body)
}

// importantHeaders are the header lines of the opening handshake that a
// WebSocket server reads (RFC 6455 §4.1 and §4.2.1), with what each one says.
var importantHeaders = map[string]string{
	"upgrade":                  "the protocol the client wants to switch to",
	"connection":               "must list Upgrade: this connection is to change protocol",
	"sec-websocket-key":        "a random 16-byte nonce in base64; step 3 answers it",
	"sec-websocket-version":    "13 means RFC 6455",
	"origin":                   "the page that opened the socket; a server may refuse others",
	"sec-websocket-extensions": "extensions the browser offers; a server may ignore them",
}

// isUpgrade reports whether the request carries "Upgrade: websocket". The
// value is case-insensitive (RFC 6455 §4.2.1); Header.Get already takes care
// of the name.
func isUpgrade(req request) bool {
	return strings.EqualFold(req.header.Get("Upgrade"), "websocket")
}

// describeHead lists the header lines one per line and marks with * the ones
// that matter to a WebSocket server, saying why.
func describeHead(lines []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    %s\n", lines[0])
	for _, line := range lines[1:] {
		name, _, _ := splitHeader(line)
		if why, ok := importantHeaders[strings.ToLower(name)]; ok {
			fmt.Fprintf(&b, "  * %-46s ← %s\n", line, why)
		} else {
			fmt.Fprintf(&b, "    %s\n", line)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
