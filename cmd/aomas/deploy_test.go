package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The deployments (docker-compose.yml, the Helm chart in deploy/helm/aomas, the Dockerfile)
// run this binary; these tests parse each command line with the binary's own flag set and
// load each environment with its own settings, so that a flag or variable the binary does
// not have, or a value it refuses, fails here rather than in a cluster.

const repoRoot = "../.."

// commandFlags builds the flag set of a subcommand the deployments run, as the command
// itself builds it, with getenv as its environment.
func commandFlags(t *testing.T, name string, getenv func(string) string) (*flag.FlagSet, *configFlags) {
	t.Helper()
	switch name {
	case "serve":
		f := newServeFlags(getenv, io.Discard)
		return f.fs, f.cf
	case "worker":
		f := newWorkerFlags(getenv, io.Discard)
		return f.fs, f.cf
	case "migrate":
		f := newMigrateFlags(io.Discard)
		return f.fs, f.cf
	}
	t.Fatalf("the deployments run %q, which is not a service command (serve, worker, migrate)", name)
	return nil, nil
}

// readsEnv is every variable command name reads, found by running its flag definitions and
// its settings' loading against an environment that records each lookup.
func readsEnv(t *testing.T, name string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	record := func(k string) string { seen[k] = true; return "" }
	fs, cf := commandFlags(t, name, record)
	require.NoError(t, fs.Parse(nil))
	_, _ = cf.load(record) // errors expected: nothing is set
	return seen
}

// checkCommand parses args (a subcommand and its flags) as the binary would and loads its
// settings from the image's environment with the deployment's (own) over it. Serve and the
// workers share one set of variables (the chart's ConfigMap and Secret, compose's anchor),
// so each of own's AOMAS_* variables must be one that some service command reads. complete
// is false when part of the environment lives in a Secret the deployer makes; then only the
// names are checked.
func checkCommand(t *testing.T, where string, args []string, image, own map[string]string, complete bool) {
	t.Helper()
	require.NotEmpty(t, args, where)
	_, ok := commands()[args[0]]
	require.True(t, ok, "%s: %q is not an aomas command", where, args[0])
	reads := map[string]bool{}
	for _, c := range []string{"serve", "worker", "migrate"} {
		for k := range readsEnv(t, c) {
			reads[k] = true
		}
	}
	for k := range own {
		if strings.HasPrefix(k, "AOMAS_") {
			require.True(t, reads[k], "%s: no aomas command reads %s", where, k)
		}
	}
	env := withImageEnv(image, own)
	getenv := func(k string) string { return env[k] }
	fs, cf := commandFlags(t, args[0], getenv)
	var out strings.Builder
	fs.SetOutput(&out)
	require.NoError(t, fs.Parse(args[1:]), "%s: %v: %s", where, args, out.String())
	switch args[0] {
	case "migrate":
		require.Equal(t, []string{"up"}, fs.Args(), "%s: migrate takes one action", where)
	default:
		require.Empty(t, fs.Args(), "%s: %s takes no arguments", where, args[0])
	}
	if args[0] == "worker" {
		// What runWorker checks after parsing, before it connects to anything.
		q, err := parseQueues(fs.Lookup("queues").Value.String())
		require.NoError(t, err, where)
		require.NotEmpty(t, q)
		require.Contains(t, []string{"cpu", "cuda", "auto"}, fs.Lookup("device").Value.String(), where)
		require.NotEmpty(t, fs.Lookup("ort-lib").Value.String(), "%s: no ONNX Runtime library (AOMAS_ORT_LIB)", where)
	}
	if !complete {
		return
	}
	c, err := cf.load(getenv)
	require.NoError(t, err, "%s: %v", where, args)
	if args[0] == "serve" {
		require.NotEmpty(t, c.SubjectKey)
		require.NotZero(t, c.MemoryLimit)
		require.True(t, strings.HasPrefix(c.Listen, "0.0.0.0:"), "%s: serve must listen beyond loopback in a container: %s", where, c.Listen)
	}
}

// dockerfile is the Dockerfile's instructions, continuation lines joined.
type instruction struct {
	stage, cmd, args string
}

func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	defer f.Close()
	var out []instruction
	var stage, cur string
	sc := bufio.NewScanner(f)
	flush := func() {
		// Runs of blanks (continuation lines' indentation) read as one.
		line := strings.Join(strings.Fields(cur), " ")
		cur = ""
		if line == "" {
			return
		}
		cmd, rest, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			if _, name, ok := strings.Cut(rest, " AS "); ok {
				stage = strings.TrimSpace(name)
			} else {
				stage = "final"
			}
		}
		out = append(out, instruction{stage, cmd, strings.TrimSpace(rest)})
	}
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		cur += l
		flush()
	}
	require.NoError(t, sc.Err())
	return out
}

// imageEnv is the final stage's ENV: what every container of the image starts with.
func imageEnv(t *testing.T, ins []instruction) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, in := range ins {
		if in.stage == "final" && in.cmd == "ENV" {
			for _, kv := range strings.Fields(in.args) {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "ENV %s: write KEY=VALUE", kv)
				env[k] = v
			}
		}
	}
	return env
}

func withImageEnv(base, env map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range env {
		out[k] = v
	}
	return out
}

func jsonArgs(t *testing.T, s string) []string {
	t.Helper()
	var v []string
	require.NoError(t, json.Unmarshal([]byte(s), &v), "exec form: %s", s)
	return v
}

// TestDockerfile: the image builds this binary with the SPA and the ONNX Runtime library of
// the version scripts/ort.sh fetches, at the path AOMAS_ORT_LIB names; every file it copies
// from the repository exists; its settings are the binary's; its folders are the ones the
// chart and compose point the binary at, owned by the user the chart runs as.
func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t)
	env := imageEnv(t, ins)
	var copied, runs []string
	var ortFrom, ortTo string
	var entry, cmd []string
	var user string
	for _, in := range ins {
		switch in.cmd {
		case "COPY":
			parts := strings.Fields(in.args)
			if strings.HasPrefix(parts[0], "--from=") {
				if parts[0] == "--from=ort" {
					ortFrom, ortTo = parts[1], parts[2]
				}
				continue
			}
			copied = append(copied, parts[:len(parts)-1]...)
		case "RUN":
			runs = append(runs, in.stage+": "+in.args)
		case "ENTRYPOINT":
			entry = jsonArgs(t, in.args)
		case "CMD":
			cmd = jsonArgs(t, in.args)
		case "USER":
			user = in.args
		}
	}
	for _, p := range copied {
		_, err := os.Stat(filepath.Join(repoRoot, p))
		require.NoError(t, err, "COPY %s", p)
	}
	require.Contains(t, copied, "frontend/package-lock.json")
	require.Contains(t, copied, "graph/schema", "the SPA's codegen reads the schema")
	all := strings.Join(runs, "\n")
	require.Contains(t, all, "web: mkdir -p /src/internal/web/dist && npm run build")
	require.Regexp(t, `build: CGO_ENABLED=1 go build .*-o /out/aomas \./cmd/aomas`, all)
	require.Contains(t, all, "-X main.version=", "the version the binary reports")

	// The SPA lands where the binary embeds it from, and vite writes it there.
	vite, err := os.ReadFile(filepath.Join(repoRoot, "frontend", "vite.config.ts"))
	require.NoError(t, err)
	require.Contains(t, string(vite), "outDir: '../internal/web/dist'")
	require.Contains(t, ins, instruction{"build", "COPY", "--from=web /src/internal/web/dist /src/internal/web/dist"})

	// ONNX Runtime: the version and file scripts/ort.sh (make deps) uses.
	ortSh, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "ort.sh"))
	require.NoError(t, err)
	ver := regexp.MustCompile(`(?m)^ORT_VERSION=(\S+)$`).FindStringSubmatch(string(ortSh))
	require.NotNil(t, ver)
	require.Contains(t, ins, instruction{"ort", "ARG", "ORT_VERSION=" + ver[1]})
	require.Contains(t, string(ortSh), "package/bin/napi-v6/linux/x64/libonnxruntime.so.1")
	require.Contains(t, all, "ort: cd /tmp && npm pack onnxruntime-node@${ORT_VERSION} && tar -xzf onnxruntime-node-${ORT_VERSION}.tgz package/bin/napi-v6/linux/x64/libonnxruntime.so.1")
	require.Equal(t, "/out/libonnxruntime.so.1", ortFrom)
	require.Equal(t, env["AOMAS_ORT_LIB"], ortTo, "AOMAS_ORT_LIB names the library the image carries")

	// Go: the toolchain image is the go.mod's Go.
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	gover := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(gomod))
	require.NotNil(t, gover)
	require.Contains(t, ins, instruction{"build", "FROM", "golang:" + gover[1] + "-bookworm AS build"})

	// The command: aomas, serve by default, as compose's and the chart's serve.
	require.Equal(t, []string{"aomas"}, entry)
	require.Equal(t, []string{"serve"}, cmd)
	checkCommand(t, "Dockerfile CMD", cmd, env, map[string]string{
		"AOMAS_S3_ACCESS_KEY": "k", "AOMAS_S3_SECRET_KEY": "s", "AOMAS_SUBJECT_KEY": "0123456789abcdef"}, true)
	for k := range env {
		require.True(t, readsEnv(t, "serve")[k] || readsEnv(t, "worker")[k], "ENV %s is read by no command", k)
	}
	listen := strings.TrimPrefix(env["AOMAS_LISTEN"], "0.0.0.0:")
	require.Contains(t, ins, instruction{"final", "HEALTHCHECK", "--interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:" + listen + "/healthz || exit 1"})

	// The user the chart runs the pods as, owning the folders the binary writes.
	var values struct {
		PodSecurityContext struct {
			RunAsUser  int `yaml:"runAsUser"`
			RunAsGroup int `yaml:"runAsGroup"`
		} `yaml:"podSecurityContext"`
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "helm", "aomas", "values.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &values))
	require.Equal(t, "10001:10001", user)
	require.Equal(t, 10001, values.PodSecurityContext.RunAsUser)
	require.Equal(t, 10001, values.PodSecurityContext.RunAsGroup)
	require.Contains(t, all, "useradd --system --uid 10001 --gid 10001 --home-dir "+env["AOMAS_DATA_DIR"]+" --create-home aomas")
	require.Contains(t, all, "install -d -o aomas -g aomas /var/cache/aomas/models")

	// What the build context leaves out: local services, caches and installed modules.
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	require.NoError(t, err)
	for _, p := range []string{".local", "frontend/node_modules", "bin", ".git"} {
		require.Contains(t, strings.Split(string(ignore), "\n"), p)
	}
}

// composeServices loads docker-compose.yml as docker compose does (the compose
// specification's schema included) and returns the services built from this repository.
func composeServices(t *testing.T) map[string]types.ServiceConfig {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(repoRoot, "docker-compose.yml")},
		cli.WithWorkingDirectory(repoRoot), cli.WithName("aomas"), cli.WithEnv(nil))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err)
	out := map[string]types.ServiceConfig{}
	for name, s := range p.Services {
		if s.Build != nil {
			require.Equal(t, "Dockerfile", s.Build.Dockerfile, name)
			out[name] = s
		}
	}
	return out
}

func composeEnv(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

// chartContainer is one container of testdata/commands.json, which the chart's own test
// (deploy/helm/charttest) renders.
type chartContainer struct {
	ValueSet string            `json:"value_set"`
	Owner    string            `json:"owner"`
	Args     []string          `json:"args"`
	Env      map[string]string `json:"env"`
	Complete bool              `json:"complete"`
}

func chartContainers(t *testing.T) []chartContainer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "helm", "charttest", "testdata", "commands.json"))
	require.NoError(t, err)
	var cs []chartContainer
	require.NoError(t, json.Unmarshal(b, &cs))
	require.NotEmpty(t, cs)
	return cs
}

// TestComposeCommands: every aomas service of docker-compose.yml runs a command the binary
// parses, with variables it reads and accepts.
func TestComposeCommands(t *testing.T) {
	base := imageEnv(t, readDockerfile(t))
	svcs := composeServices(t)
	names := make([]string, 0, len(svcs))
	for n := range svcs {
		names = append(names, n)
	}
	slices.Sort(names)
	require.Equal(t, []string{"migrate", "serve", "worker"}, names)
	for _, n := range names {
		s := svcs[n]
		require.Empty(t, s.Entrypoint, "%s: the image's entrypoint (aomas) runs", n)
		checkCommand(t, "docker-compose.yml "+n, s.Command, base, composeEnv(s), true)
	}
}

// TestChartCommands: the same for every container the chart makes, in every value set its
// test renders.
func TestChartCommands(t *testing.T) {
	base := imageEnv(t, readDockerfile(t))
	owners := map[string]bool{}
	for _, c := range chartContainers(t) {
		checkCommand(t, "chart "+c.ValueSet+" "+c.Owner, c.Args, base, c.Env, c.Complete)
		owners[c.Owner] = true
	}
	require.True(t, owners["Deployment/aomas-serve"] && owners["Deployment/aomas-worker-cpu"] &&
		owners["Deployment/aomas-worker-gpu"] && owners["Job/aomas-migrate"], "%v", owners)
}

// TestComposeMatchesChart: compose runs what the chart's defaults run: the same command
// lines for migrate, serve and the cpu worker pool, with the same variables (the values
// differ: addresses and secrets are each deployment's own).
func TestComposeMatchesChart(t *testing.T) {
	svcs := composeServices(t)
	chart := map[string]chartContainer{}
	for _, c := range chartContainers(t) {
		if c.ValueSet == "defaults" {
			chart[c.Owner] = c
		}
	}
	for svc, owner := range map[string]string{
		"migrate": "Job/aomas-migrate",
		"serve":   "Deployment/aomas-serve",
		"worker":  "Deployment/aomas-worker-cpu",
	} {
		c, ok := chart[owner]
		require.True(t, ok, owner)
		s := svcs[svc]
		require.Equal(t, c.Args, []string(s.Command), "%s and %s run different command lines", svc, owner)
		require.Equal(t, sortedKeys(c.Env), sortedKeys(composeEnv(s)), "%s and %s set different variables", svc, owner)
	}
	// The migration has variables of its own: only what `aomas migrate` reads.
	reads := readsEnv(t, "migrate")
	for k := range composeEnv(svcs["migrate"]) {
		require.True(t, reads[k], "aomas migrate does not read %s", k)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
