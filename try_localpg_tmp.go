//go:build ignore

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"resetdesk/data/localpg"
)

func main() {
	ctx := context.Background()
	t0 := time.Now()
	c, err := localpg.Start(ctx, os.Args[1])
	fmt.Println("start", time.Since(t0), err)
	if err != nil {
		return
	}
	fmt.Println("port", c.Port())
	if len(os.Args) > 2 {
		t0 = time.Now()
		fmt.Println("stop", c.Stop(), time.Since(t0))
	}
}
