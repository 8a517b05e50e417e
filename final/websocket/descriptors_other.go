//go:build !linux

package websocket

// reserveDescriptors does nothing where the descriptor table does not stall
// the process as it grows (it is a Linux matter: descriptors_linux.go).
func reserveDescriptors(n int) {}
