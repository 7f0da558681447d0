package testenv

import (
	"bytes"
	"sync"
)

// LogBuffer collects output that other goroutines write while the test reads it: a child
// process's (written by exec's copying goroutine) or a logger's.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
