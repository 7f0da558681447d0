//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aomas/aomas/internal/testenv"
)

// Everything the test makes is named with prefix, so that a run can remove what a crashed
// earlier run left; every address is in subnet, a private range nothing else here uses.
const (
	prefix   = "aomasc-"
	subnet   = "10.219.19"
	bridgeNS = prefix + "br"
	rootLink = prefix + "root"
)

// ip runs the ip (or tc) command and fails the test with its output when it fails.
func ip(t testing.TB, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func output(args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, args[0], args[1:]...).Output()
	return string(out)
}

// removeLeftovers kills the processes in the namespaces named with prefix and removes the
// namespaces and the root namespace's link. It returns what it removed.
func removeLeftovers() []string {
	var gone []string
	for _, line := range strings.Split(output("ip", "netns", "list"), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		for _, pid := range strings.Fields(output("ip", "netns", "pids", name)) {
			var n int
			if _, err := fmt.Sscan(pid, &n); err == nil && n > 1 {
				_ = syscall.Kill(n, syscall.SIGKILL)
			}
		}
		// A namespace whose processes are still exiting may refuse to go at once.
		for range 50 {
			if exec.Command("ip", "netns", "del", name).Run() == nil { //nolint:noctx // short, local
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		gone = append(gone, name)
	}
	if exec.Command("ip", "link", "del", rootLink).Run() == nil { //nolint:noctx // short, local
		gone = append(gone, rootLink)
	}
	return gone
}

// network is a bridge in a namespace of its own with one veth port per host; the root
// namespace (the test) is on it too, through rootLink.
type network struct {
	t     testing.TB
	hosts map[string]*host
}

// host is a network namespace on the bridge with one address.
type host struct {
	name, ns, addr string
	// port is the bridge's end of the host's link: down, the host is off the network.
	port string
}

func newNetwork(t testing.TB) *network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the multi-host test makes network namespaces and must run as root")
	}
	if gone := removeLeftovers(); len(gone) > 0 {
		t.Logf("removed leftovers of an earlier run: %v", gone)
	}
	if routes := output("ip", "-4", "route", "show"); strings.Contains(routes, subnet+".") {
		t.Fatalf("the root namespace already routes %s.0/24; the test needs it private:\n%s", subnet, routes)
	}
	t.Cleanup(func() { removeLeftovers() })
	n := &network{t: t, hosts: map[string]*host{}}
	ip(t, "ip", "netns", "add", bridgeNS)
	ip(t, "ip", "-n", bridgeNS, "link", "set", "lo", "up")
	ip(t, "ip", "-n", bridgeNS, "link", "add", "br0", "type", "bridge")
	ip(t, "ip", "-n", bridgeNS, "link", "set", "br0", "up")
	ip(t, "ip", "link", "add", rootLink, "type", "veth", "peer", "name", "p-root", "netns", bridgeNS)
	n.port("p-root")
	ip(t, "ip", "addr", "add", subnet+".1/24", "dev", rootLink)
	ip(t, "ip", "link", "set", rootLink, "up")
	return n
}

func (n *network) port(name string) {
	ip(n.t, "ip", "-n", bridgeNS, "link", "set", name, "master", "br0")
	ip(n.t, "ip", "-n", bridgeNS, "link", "set", name, "up")
}

// add makes a namespace for host name at subnet.octet, linked to the bridge.
func (n *network) add(name string, octet int) *host {
	h := &host{name: name, ns: prefix + name, addr: fmt.Sprintf("%s.%d", subnet, octet), port: "p-" + name}
	ip(n.t, "ip", "netns", "add", h.ns)
	ip(n.t, "ip", "-n", h.ns, "link", "set", "lo", "up")
	ip(n.t, "ip", "-n", bridgeNS, "link", "add", h.port, "type", "veth", "peer", "name", "eth0", "netns", h.ns)
	n.port(h.port)
	ip(n.t, "ip", "-n", h.ns, "addr", "add", h.addr+"/24", "dev", "eth0")
	ip(n.t, "ip", "-n", h.ns, "link", "set", "eth0", "up")
	n.hosts[name] = h
	return h
}

// unplug takes h off the network: its packets are dropped silently, as with a pulled cable.
func (n *network) unplug(h *host) {
	ip(n.t, "ip", "-n", bridgeNS, "link", "set", h.port, "down")
}

// plug puts h back on the network.
func (n *network) plug(h *host) {
	ip(n.t, "ip", "-n", bridgeNS, "link", "set", h.port, "up")
}

// cutPort drops every packet h sends to TCP port: an HTB class whose queue holds nothing,
// and a u32 filter sending the port there (this kernel has no gact/netem/iptables).
func (n *network) cutPort(h *host, port int) {
	tc := []string{"ip", "netns", "exec", h.ns, "tc"}
	ip(n.t, append(tc, "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "htb", "default", "1")...)
	ip(n.t, append(tc, "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit")...)
	ip(n.t, append(tc, "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:2", "htb", "rate", "8bit")...)
	ip(n.t, append(tc, "qdisc", "add", "dev", "eth0", "parent", "1:2", "handle", "20:", "pfifo", "limit", "0")...)
	ip(n.t, append(tc, "filter", "add", "dev", "eth0", "parent", "1:", "protocol", "ip", "prio", "1", "u32",
		"match", "ip", "dport", fmt.Sprint(port), "0xffff", "flowid", "1:2")...)
}

// uncut removes what cutPort set up.
func (n *network) uncut(h *host) {
	ip(n.t, "ip", "netns", "exec", h.ns, "tc", "qdisc", "del", "dev", "eth0", "root")
}

// proc is a process the test started in a namespace.
type proc struct {
	name string
	cmd  *exec.Cmd
	logs testenv.LogBuffer
	done chan struct{}
}

// start runs args in h's namespace with only env (and PATH) as its environment; it is
// interrupted, then killed, after t.
func start(t testing.TB, name string, h *host, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, done: make(chan struct{})}
	//nolint:noctx // a process that outlives any one context: stop ends it, after t
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", h.ns}, args...)...)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.logs, &p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			logs := p.logs.String()
			if len(logs) > 6000 {
				logs = "…" + logs[len(logs)-6000:]
			}
			t.Logf("--- %s log:\n%s", name, logs)
		}
	})
	return p
}

// pid is the process's id: ip netns exec execs the command, so it is the command's own.
func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}
