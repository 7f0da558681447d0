// Command rbacprobe runs one policy-propagation probe (see package probe):
// go run ./rbac/internal/rbacprobe -database-url URL -redis-url URL.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aomas/aomas/rbac/internal/probe"
)

func main() {
	if err := probe.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rbacprobe:", err)
		os.Exit(1)
	}
}
