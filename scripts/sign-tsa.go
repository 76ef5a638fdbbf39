//go:build ignore

// sign-tsa is a throwaway RFC 3161 time-stamp server on loopback, for
// scripts/sign-check: CI has no internet, so the time-stamp step of
// scripts/sign-windows is tried against this one. Each request is answered
// by `openssl ts -reply` with the key and certificate that the openssl
// configuration file names; queries and replies are kept in DIR.
//
//	go run scripts/sign-tsa.go CONFIG DIR
//
// It prints its address (http://127.0.0.1:PORT/) on the first line of
// standard output, then serves until it is killed or its standard input
// closes.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: go run scripts/sign-tsa.go OPENSSL-TS-CONFIG DIR")
	}
	config, dir := os.Args[1], os.Args[2]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	// The caller holds our standard input open while it needs us.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	var mu sync.Mutex // one openssl at a time, and n
	n := 0
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST a time-stamp query", http.StatusMethodNotAllowed)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		query := filepath.Join(dir, fmt.Sprintf("q%d.tsq", n))
		reply := filepath.Join(dir, fmt.Sprintf("r%d.tsr", n))
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err == nil {
			err = os.WriteFile(query, body, 0o600)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := exec.Command("openssl", "ts", "-reply", "-config", config, "-queryfile", query, "-out", reply).CombinedOutput()
		if err != nil {
			log.Printf("openssl ts -reply: %v\n%s", err, out)
			http.Error(w, "openssl ts -reply failed", http.StatusInternalServerError)
			return
		}
		resp, err := os.ReadFile(reply)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	})
	log.Fatal(http.Serve(ln, handler))
}
