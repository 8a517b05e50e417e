// Step5-pack answers the browser: it packs server frames and sends them back,
// so the page shows a reply, and prints each sent frame the way step 4 prints
// a received one.
//
// It mirrors section 4, second half, of the article (第二步【封包】,
// send_msg): a server frame is a header (FIN and opcode, then the payload
// length in 7, 16 or 64 bits) followed by the payload, never masked. Step 4
// only read frames; now every text frame gets an answer, and a close frame
// gets a close frame back.
//
// Read along: docs/step5-pack.md.
package main

import (
	"bufio"
	"bytes"
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

// writeTimeout closes a connection that takes longer than this to accept a
// frame: a client that never reads fills the socket buffers, and then Write
// would wait forever, holding the goroutine. It is a variable, not a
// constant, only so that a test can shorten it.
var writeTimeout = 10 * time.Second

//go:embed page.html
var page string

func main() {
	addr := flag.String("addr", "127.0.0.1:8002", "address to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("step5: listening on %s; open http://%s/ in a browser (Ctrl-C to stop)\n", ln.Addr(), ln.Addr())
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
		readFrames(conn, r, logger)
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

// readFrames reads the client's frames one after the other, prints each one
// and answers it, until the client closes, hangs up, stays silent for
// idleTimeout, or sends something readFrame cannot read.
func readFrames(conn net.Conn, r *bufio.Reader, logger *log.Logger) {
	who := conn.RemoteAddr()
	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		f, err := readFrame(r, maxPayloadSize)
		switch {
		case err == nil:
			logger.Printf("%s sent a frame:\n%s", who, describeFrame("in", f))
			if !answer(conn, f, logger) {
				return
			}
		case errors.Is(err, io.EOF):
			logger.Printf("%s closed the connection", who)
			return
		default:
			logger.Printf("%s: cannot read a frame: %v; closing", who, err)
			return
		}
	}
}

// answer replies to a frame from the client and reports whether to go on
// reading: a text frame gets a text frame back, a close frame gets a close
// frame with the same status code, after which the connection ends (RFC 6455
// §5.5.1). Other frames are only printed; final handles them all.
func answer(conn net.Conn, f frame, logger *log.Logger) bool {
	switch f.opcode {
	case textFrame:
		return sendMsg(conn, textFrame, []byte("you said: "+string(f.payload)), logger) == nil
	case closeFrame:
		var code []byte // the client's status code, if it sent one (a 1-byte payload is not one)
		if len(f.payload) >= 2 {
			code = f.payload[:2]
		}
		if sendMsg(conn, closeFrame, code, logger) == nil {
			logger.Printf("%s: close answered; closing the connection", conn.RemoteAddr())
		}
		return false
	}
	logger.Printf("%s: step 5 answers only text and close frames (final answers the rest)", conn.RemoteAddr())
	return true
}

// sendMsg packs msg into a frame, sends it, and prints it. To print it, it
// reads the frame back with readFrame: packing and unpacking are two
// directions of the same layout. A frame the client does not take within
// writeTimeout is an error too, and the caller closes the connection.
func sendMsg(conn net.Conn, opcode byte, msg []byte, logger *log.Logger) error {
	data := packFrame(opcode, msg)
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := conn.Write(data); err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			logger.Printf("%s: could not send a frame in %v, the client is not reading; closing", conn.RemoteAddr(), writeTimeout)
		} else {
			logger.Printf("%s: cannot send: %v", conn.RemoteAddr(), err)
		}
		return err
	}
	sent, err := readFrame(bytes.NewReader(data), uint64(len(data)))
	if err != nil {
		logger.Printf("%s: sent % x, which is not a frame: %v", conn.RemoteAddr(), data, err)
		return err
	}
	logger.Printf("%s: sent a frame back:\n%s", conn.RemoteAddr(), describeFrame("out", sent))
	return nil
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
