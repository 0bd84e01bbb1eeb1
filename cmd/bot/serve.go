package main

import (
	"context"
	"fmt"
	"io"
)

// runServe starts the chat surfaces and the operations endpoints.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "bot serve: not available yet in this build; use bot check")
	return exitFail
}
