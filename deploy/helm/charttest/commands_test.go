package charttest

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

var update = flag.Bool("update", false, "rewrite testdata/commands.json from the chart")

// commandsFile is the contract with the service's module: cmd/aomas's tests parse every
// command line in it with the binary's own flag sets and load its environment with the
// binary's own settings (the chart module cannot import package main, nor the other way).
const commandsFile = "testdata/commands.json"

// Container is one container the chart runs aomas in.
type Container struct {
	ValueSet string   `json:"value_set"`
	Owner    string   `json:"owner"`
	Args     []string `json:"args"`
	// Env is every variable the container gets from the ConfigMap, the Secret and its own
	// env; Complete is false when part of it lives in a Secret the deployer makes.
	Env      map[string]string `json:"env"`
	Complete bool              `json:"complete"`
}

func containers(t *testing.T) []Container {
	var out []Container
	for _, vs := range valueSets() {
		o := index(render(t, vs.vals))
		for _, p := range pods(o) {
			for _, c := range p.spec.Containers {
				env, complete := resolveEnv(t, o, c)
				out = append(out, Container{ValueSet: vs.name, Owner: p.owner, Args: c.Args, Env: env, Complete: complete})
			}
		}
	}
	return out
}

func resolveEnv(t *testing.T, o objects, c corev1.Container) (map[string]string, bool) {
	t.Helper()
	env, complete := map[string]string{}, true
	secret := func(name string) (*corev1.Secret, bool) {
		m, ok := o["Secret/"+name]
		if !ok {
			return nil, false
		}
		return m.obj.(*corev1.Secret), true
	}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			for k, v := range get[*corev1.ConfigMap](t, o, "ConfigMap/"+from.ConfigMapRef.Name).Data {
				env[k] = v
			}
		case from.SecretRef != nil:
			s, ok := secret(from.SecretRef.Name)
			if !ok {
				complete = false
				continue
			}
			for k, v := range s.StringData {
				env[k] = v
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			s, ok := secret(e.ValueFrom.SecretKeyRef.Name)
			if !ok {
				complete = false
				env[e.Name] = ""
				continue
			}
			env[e.Name] = s.StringData[e.ValueFrom.SecretKeyRef.Key]
		default:
			t.Fatalf("%s: env %s from something other than a Secret", c.Name, e.Name)
		}
	}
	return env, complete
}

// TestCommandsFile: testdata/commands.json is what the chart renders (go test -update
// rewrites it).
func TestCommandsFile(t *testing.T) {
	b, err := json.MarshalIndent(containers(t), "", "  ")
	require.NoError(t, err)
	b = append(b, '\n')
	if *update {
		require.NoError(t, os.WriteFile(commandsFile, b, 0o644))
	}
	old, err := os.ReadFile(commandsFile)
	require.NoError(t, err)
	require.Equal(t, string(old), string(b), "the chart's commands changed: go test -run TestCommandsFile -update, then the cmd/aomas tests check them")
}
