package app

import (
	"net"
	"strings"
)

// IsLoopbackHost reports whether host names this machine: "localhost",
// 127.0.0.0/8 or ::1 (bracketed or not), a Unix socket's folder or
// abstract name, or "" (a driver's default, the local socket). It is the
// one check of where a password may go without TLS and what counts as on
// this machine, for the database, the mail server and the sink.
func IsLoopbackHost(host string) bool {
	if host == "" || strings.EqualFold(host, "localhost") || strings.HasPrefix(host, "/") || strings.HasPrefix(host, "@") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a connection's address is on this
// machine: a Unix socket, or a loopback IP.
func IsLoopbackAddr(a net.Addr) bool {
	switch a := a.(type) {
	case *net.UnixAddr:
		return true
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	}
	return false
}
