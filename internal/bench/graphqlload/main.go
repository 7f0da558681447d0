// Command graphqlload measures what the GraphQL layer costs: it serves a trivial query
// through the real aomas GraphQL handler and the same JSON answer through a plain net/http
// handler, loads both over loopback in the same run, and prints requests/s, p50/p99 latency
// and the ratio. `make bench` runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

const query = `{"query":"{ version { version commit } }"}`

type result struct {
	name     string
	reqs     int
	rps      float64
	p50, p99 time.Duration
}

func main() {
	dur := flag.Duration("duration", 5*time.Second, "load time per handler")
	conc := flag.Int("concurrency", 16, "concurrent clients")
	rounds := flag.Int("rounds", 2, "alternating rounds per handler (noise control)")
	flag.Parse()

	res := &resolvers.Resolver{Build: resolvers.BuildInfo{Version: "bench", Commit: "bench"}}
	guard := resolvers.PublicOnly()
	gql := server.GraphQL(server.Options{
		Schema:        resolvers.Schema(res, guard),
		Guard:         guard,
		MaxDepth:      12,
		MaxComplexity: 5000,
	})
	answer, _ := json.Marshal(map[string]any{"data": map[string]any{"version": map[string]any{"version": "bench", "commit": "bench"}}})
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Query == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	})

	total := map[string][]result{}
	for round := 0; round < *rounds; round++ {
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"plain net/http JSON", plain}, {"aomas GraphQL", gql}} {
			r, err := load(h.name, h.h, *dur, *conc)
			if err != nil {
				fmt.Fprintln(os.Stderr, "graphqlload:", err)
				os.Exit(1)
			}
			total[h.name] = append(total[h.name], r)
		}
	}
	best := func(name string) result {
		rs := total[name]
		slices.SortFunc(rs, func(a, b result) int { return int(b.rps - a.rps) })
		return rs[0]
	}
	p, g := best("plain net/http JSON"), best("aomas GraphQL")
	fmt.Printf("GraphQL overhead (%d clients, %v per run, best of %d, loopback)\n", *conc, *dur, *rounds)
	for _, r := range []result{p, g} {
		fmt.Printf("  %-22s %9.0f req/s   p50 %7.3f ms   p99 %7.3f ms   (%d requests)\n", r.name, r.rps, ms(r.p50), ms(r.p99), r.reqs)
	}
	fmt.Printf("  ratio GraphQL/plain     %.3f   (target >= 0.9)   GraphQL p99 %.3f ms (target <= 20 ms)\n", g.rps/p.rps, ms(g.p99))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func load(name string, h http.Handler, dur time.Duration, conc int) (result, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed on Close
	defer func() { _ = srv.Close() }()
	url := "http://" + ln.Addr().String() + "/graphql"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	lat := make([][]time.Duration, conc)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(query))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("%s answered %d", name, resp.StatusCode)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return result{}, err
	default:
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return result{}, fmt.Errorf("%s: no request completed", name)
	}
	return result{name: name, reqs: len(all), rps: float64(len(all)) / elapsed.Seconds(),
		p50: all[len(all)/2], p99: all[len(all)*99/100]}, nil
}
