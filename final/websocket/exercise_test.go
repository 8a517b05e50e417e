//go:build exercise

package websocket

func init() { exercise = true }
