// Step2-client serves a page whose script opens a WebSocket, and prints the
// upgrade request the browser then sends, header by header.
//
// It mirrors section 2 of the article (2.客户端连接): the browser's
// `new WebSocket("ws://127.0.0.1:8002/xxoo")` sends an HTTP request asking to
// switch protocols and waits for the answer. Step 1 printed raw bytes; this
// step reads them as an HTTP request head (up to the empty line), answers a
// plain GET / with the page, and prints an upgrade request without answering
// it: the page stays "connecting" until step 3 answers the handshake.
//
// Read along: docs/step2-client.md.
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
	fmt.Printf("step2: listening on %s; open http://%s/ in a browser (Ctrl-C to stop)\n", ln.Addr(), ln.Addr())
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
// upgrade (printed, not answered), GET / (answered with the page), or anything
// else (404 or 400).
func handleConn(conn net.Conn, logger *log.Logger) {
	defer conn.Close()
	who := conn.RemoteAddr()
	conn.SetReadDeadline(time.Now().Add(idleTimeout))

	lines, err := readHead(bufio.NewReader(conn))
	switch {
	case errors.Is(err, io.EOF):
		logger.Printf("%s connected and left without sending anything (browsers open spare connections)", who)
		return
	case err != nil:
		logger.Printf("%s: could not read a request head: %v; answered 400", who, err)
		reply(conn, "400 Bad Request", "text/plain", "bad request: "+err.Error()+"\n")
		return
	}
	method, path, ok := strings.Cut(lines[0], " ")
	path, _, _ = strings.Cut(path, " ")
	switch {
	case !ok:
		logger.Printf("%s: %q is not an HTTP request line; answered 400", who, lines[0])
		reply(conn, "400 Bad Request", "text/plain", "bad request line\n")
	case isUpgrade(lines):
		logger.Printf("%s asks to upgrade %s %s to a WebSocket; its header lines:\n%s", who, method, path, describeHead(lines))
		logger.Printf("%s: not answering (step 3 sends the handshake answer); the browser keeps waiting", who)
		waitForClose(conn)
		logger.Printf("%s closed the connection", who)
	case method == "GET" && isPage(path):
		reply(conn, "200 OK", "text/html; charset=utf-8", page)
		logger.Printf("%s: GET / → sent the page (%d bytes)", who, len(page))
	default:
		reply(conn, "404 Not Found", "text/plain", "not found\n")
		logger.Printf("%s: %s %s → 404", who, method, path)
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

// waitForClose discards whatever the client sends until it hangs up, for at
// most idleTimeout.
func waitForClose(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(idleTimeout))
	io.Copy(io.Discard, conn)
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

// splitHeader splits a header line "Name: value" into its name and its value
// without the surrounding spaces.
func splitHeader(line string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(line, ":")
	return name, strings.TrimSpace(value), ok
}

// isUpgrade reports whether the head carries "Upgrade: websocket". Header
// names and this value are case-insensitive (RFC 9110 §5.1, RFC 6455 §4.2.1).
func isUpgrade(lines []string) bool {
	for _, line := range lines[1:] {
		name, value, ok := splitHeader(line)
		if ok && strings.EqualFold(name, "Upgrade") && strings.EqualFold(value, "websocket") {
			return true
		}
	}
	return false
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
