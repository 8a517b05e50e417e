package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/wsfromscratch/websocket-go/final/internal/wstest"
)

func TestThePageHasTheElementsAndScript(t *testing.T) {
	addr, _ := startEcho(t)
	resp := wstest.RoundTrip(t, addr, "GET / HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	doc, err := html.Parse(resp.Body)
	require.NoError(t, err)

	ids := map[string]string{} // id → element name
	var scripts []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == "id" {
				ids[a.Val] = n.Data
			}
		}
		if n.Data == "script" && n.FirstChild != nil {
			scripts = append(scripts, n.FirstChild.Data)
		}
	}
	for id, element := range map[string]string{"log": "ul", "msg": "input", "send": "button", "status": "span"} {
		assert.Equal(t, element, ids[id], "the page needs a <%s id=%q> (a headless browser reads it)", element, id)
	}
	require.Len(t, scripts, 1, "one inline script opens the WebSocket")
	script := scripts[0]
	for _, want := range []string{"location.host", "/xxoo", "new WebSocket", "onopen", "onmessage", "onclose", "onerror", "auto"} {
		assert.Contains(t, script, want, "the script builds ws://<location.host>/xxoo and logs every event")
	}
}
