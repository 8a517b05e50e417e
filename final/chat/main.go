// Chat is the chat room the article points to at its end (基于Tornado框架的Web
// 聊天室), on the package final/websocket: open http://127.0.0.1:8002/ in
// two tabs, give each a name, and what one says, everyone sees. The room
// itself is the package chatroom, which final/chat/cluster serves on
// several servers.
//
// Read along: docs/chat.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/wsfromscratch/websocket-go/final/chat/chatroom"
)

func main() {
	var f chatroom.Flags
	f.Add(flag.CommandLine)
	s := chatroom.NewServer(os.Stdout, &f.Room)
	s.AddFlags(flag.CommandLine)
	flag.Parse()
	if err := f.Check(); err != nil {
		log.Fatal(err)
	}
	chatroom.Run(s, &f)
	fmt.Println("chat: stopped")
}
