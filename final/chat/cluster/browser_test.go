//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/websocket"
)

// TestPagesOnTwoServersTalk opens the chat page on each of two servers, in
// one headless Chromium: what each one says, the other one shows.
func TestPagesOnTwoServersTalk(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	devtools := startChromium(t)
	ns := startBus(t)
	a, b := startChat(t, ns.ClientURL(), "a"), startChat(t, ns.ClientURL(), "b")
	alice := devtools.open("http://" + a.addr + "/?name=alice")
	devtools.shows(alice, "* alice joined (1 here)", "alice's page is in the room on a")
	bob := devtools.open("http://" + b.addr + "/?name=bob&auto=" + url.QueryEscape("你好, alice"))
	devtools.shows(alice, "bob@b: 你好, alice", "a page on a shows what a page on b says")
	devtools.shows(bob, "bob: 你好, alice", "and the page on b shows it once, as its own server sends it")
	devtools.eval(alice, `socket.send("hello from a"), "sent"`)
	devtools.shows(bob, "alice@a: hello from a", "a page on b shows what a page on a says")
}

// chromium is a headless Chromium driven over its DevTools protocol: the
// least of final/internal/wstest's Browser that this test needs (that
// package is internal to the root module).
type chromium struct {
	t    *testing.T
	ws   *websocket.Conn
	next int
}

// startChromium starts Chromium for the length of the test; without one
// the test is skipped (failed under CI).
func startChromium(t *testing.T) *chromium {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium on PATH; CI must run this test (see .ci/run)")
		}
		t.Skip("skipping the browser test: no chromium on PATH")
	}
	profile, err := os.MkdirTemp("", "chromium-")
	require.NoError(t, err)
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir="+profile,
		"--remote-debugging-port=0", "--remote-allow-origins=http://127.0.0.1", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers go with it
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		os.RemoveAll(profile)
	})
	found := make(chan string, 1)
	go func() { // Chromium says where it listens: "DevTools listening on ws://…"
		for lines := bufio.NewScanner(stderr); lines.Scan(); {
			if _, url, ok := strings.Cut(lines.Text(), "DevTools listening on "); ok {
				found <- url
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(waitFor):
		t.Fatal("chromium did not say where its DevTools listen")
	}
	ws, err := websocket.Dial(url, "", "http://127.0.0.1")
	require.NoError(t, err, "connecting to Chromium's DevTools")
	t.Cleanup(func() { ws.Close() })
	return &chromium{t: t, ws: ws}
}

// call sends one DevTools command and decodes its result into result.
func (c *chromium) call(session, method string, params, result any) {
	c.t.Helper()
	c.next++
	require.NoError(c.t, websocket.JSON.Send(c.ws, map[string]any{"id": c.next, "sessionId": session, "method": method, "params": params}))
	for {
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		c.ws.SetReadDeadline(time.Now().Add(waitFor))
		require.NoError(c.t, websocket.JSON.Receive(c.ws, &reply), "reading Chromium's answer to %s", method)
		if reply.ID == c.next { // events in between are skipped
			require.NoError(c.t, json.Unmarshal(reply.Result, result), "Chromium's answer to %s", method)
			return
		}
	}
}

// open opens url in a new page and returns the page's session.
func (c *chromium) open(url string) string {
	var target struct{ TargetID string }
	c.call("", "Target.createTarget", map[string]any{"url": url}, &target)
	var attached struct{ SessionID string }
	c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	return attached.SessionID
}

// eval runs a JavaScript expression in the page and returns its value as text.
func (c *chromium) eval(page, expr string) string {
	var result struct{ Result struct{ Value any } }
	c.call(page, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &result)
	s, _ := result.Result.Value.(string)
	return s
}

// shows waits until the page's log has the line want.
func (c *chromium) shows(page, want, hint string) {
	c.t.Helper()
	var log []string
	for deadline := time.Now().Add(waitFor); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		log = strings.Split(c.eval(page, `Array.from(document.querySelectorAll("#log li"), li => li.textContent).join("\n")`), "\n")
		if slices.Contains(log, want) {
			return
		}
	}
	c.t.Fatalf("the page should show %q (%s); it shows %q", want, hint, log[max(0, len(log)-5):])
}
