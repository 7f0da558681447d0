package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proc is a child process of the binary (serve or a worker) whose memory and CPU time the
// load follows.
type proc struct {
	Name string
	Cmd  *exec.Cmd
	log  *os.File
}

// startWorker starts `aomas worker` with its log in logDir; ctx's end interrupts it.
func startWorker(ctx context.Context, bin, name string, concurrency int, logDir, modelCache string) (*proc, error) {
	f, err := os.Create(filepath.Join(logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "worker", "--concurrency", strconv.Itoa(concurrency), "--model-cache", modelCache)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &proc{Name: name, Cmd: cmd, log: f}, nil
}

// stop interrupts the worker (it finishes its tasks in flight) and kills it after 30 s.
func (p *proc) stop() {
	_ = p.Cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-done
	}
	if p.log != nil {
		_ = p.log.Close()
	}
}

// rssKiB is a process's resident set (VmRSS) in KiB.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

// cpuSeconds is a process's user and system CPU time so far (/proc/PID/stat, in clock
// ticks of 1/100 s on Linux).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields count from after its closing bracket.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("malformed stat")
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (ut + st) / 100, nil
}

// runQueueSeconds is how long a process's threads have waited for a CPU while runnable
// (the second field of each /proc/PID/task/TID/schedstat): on a shared machine, the
// measure of how starved it was.
func runQueueSeconds(pid int) (float64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no schedstat for %d", pid)
	}
	var ns float64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that ended meanwhile
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			v, err := strconv.ParseFloat(f[1], 64)
			if err == nil {
				ns += v
			}
		}
	}
	return ns / 1e9, nil
}

// makeTokens makes n accounts of role (prefix-1@load.aomas.local …) with the binary and a
// personal API token for each, eight at a time.
func makeTokens(ctx context.Context, bin, role, prefix string, n int) ([]string, error) {
	tokens := make([]string, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			email := fmt.Sprintf("%s-%d@load.aomas.local", prefix, i+1)
			if out, err := exec.CommandContext(ctx, bin, "user", "create", "--email", email, "--role", role).CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("create %s: %w: %s", email, err, out)
				return
			}
			out, err := exec.CommandContext(ctx, bin, "token", "create", "--email", email, "--ttl", "1d", "--name", "load").Output()
			if err != nil {
				errs[i] = fmt.Errorf("token for %s: %w", email, err)
				return
			}
			tokens[i] = strings.TrimSpace(string(out))
		})
	}
	wg.Wait()
	return tokens, errors.Join(errs...)
}
