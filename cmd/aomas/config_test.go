package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// envMap answers from m, and for required secrets that m does not mention, with valid
// values, so that each case tests only the value it names.
func envMap(m map[string]string) func(string) string {
	defaults := map[string]string{"AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b", "AOMAS_SUBJECT_KEY": "0123456789abcdef"}
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return defaults[k]
	}
}

func TestBadConfigValueExitsWithOneLineNamingIt(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"unparseable database URL", []string{"migrate", "status"}, map[string]string{"AOMAS_DATABASE_URL": "postgres://%zz"}, "config: AOMAS_DATABASE_URL: not a URL"},
		{"wrong database scheme", []string{"migrate", "status"}, map[string]string{"AOMAS_DATABASE_URL": "mysql://x@h/db"}, "config: AOMAS_DATABASE_URL: scheme \"mysql\""},
		{"flag wins over env and is named", []string{"migrate", "--database-url", "nonsense", "status"}, map[string]string{"AOMAS_DATABASE_URL": "postgres://ok@h/db"}, "config: --database-url:"},
		{"bad redis URL", []string{"serve"}, map[string]string{"AOMAS_REDIS_URL": "http://x", "AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}, "config: AOMAS_REDIS_URL: not a Redis URL"},
		{"missing S3 key", []string{"serve"}, map[string]string{"AOMAS_S3_ACCESS_KEY": ""}, "config: AOMAS_S3_ACCESS_KEY: required"},
		{"bad bucket", []string{"serve"}, map[string]string{"AOMAS_S3_BUCKET": "Bad_Bucket", "AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}, "config: AOMAS_S3_BUCKET:"},
		{"bad listen", []string{"serve"}, map[string]string{"AOMAS_LISTEN": "8080", "AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}, "config: AOMAS_LISTEN: \"8080\" is not HOST:PORT"},
		{"bad port", []string{"serve"}, map[string]string{"AOMAS_S3_ENDPOINT": "minio:99999", "AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}, "config: AOMAS_S3_ENDPOINT: port \"99999\""},
		{"bad depth", []string{"serve"}, map[string]string{"AOMAS_GRAPHQL_MAX_DEPTH": "-3", "AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}, "config: AOMAS_GRAPHQL_MAX_DEPTH:"},
		{"bad log level", []string{"migrate", "status"}, map[string]string{"AOMAS_LOG_LEVEL": "loud"}, "config: AOMAS_LOG_LEVEL:"},
		{"bad bool", []string{"worker"}, map[string]string{"AOMAS_S3_SECURE": "maybe", "AOMAS_S3_ACCESS_KEY": "a", "AOMAS_S3_SECRET_KEY": "b"}, "config: AOMAS_S3_SECURE: \"maybe\" is not true or false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, envMap(tc.env), &stdout, &stderr)
			code := exitCode(err, &stderr)
			require.Equal(t, 2, code)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			require.Len(t, lines, 1, "one line per bad value: %q", stderr.String())
			require.Contains(t, lines[0], tc.wantErr)
			require.NotContains(t, stderr.String(), "%zz", "values that may hold secrets are not echoed")
		})
	}
}

func TestEveryBadValueGetsItsOwnLine(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envMap(map[string]string{
		"AOMAS_DATABASE_URL": "::", "AOMAS_REDIS_URL": "nope", "AOMAS_LISTEN": "x",
		"AOMAS_S3_ACCESS_KEY": "", "AOMAS_S3_SECRET_KEY": "", "AOMAS_SUBJECT_KEY": "short",
	}), &bytes.Buffer{}, &stderr)
	require.Equal(t, 2, exitCode(err, &stderr))
	out := stderr.String()
	for _, v := range []string{"AOMAS_DATABASE_URL", "AOMAS_REDIS_URL", "AOMAS_LISTEN", "AOMAS_S3_ACCESS_KEY", "AOMAS_S3_SECRET_KEY", "AOMAS_SUBJECT_KEY"} {
		require.Contains(t, out, "config: "+v+":")
	}
}

func TestDefaultsAreValid(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"version"}, envMap(nil), &stdout, &stderr))
	require.Contains(t, stdout.String(), "aomas ")
	for _, s := range settings() {
		if s.def == "" {
			continue
		}
		require.NoError(t, s.apply(&config{}, s.def), s.env)
	}
}

func TestUnknownCommand(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, envMap(nil), &bytes.Buffer{}, &stderr)
	require.Equal(t, 2, exitCode(err, &stderr))
	require.Contains(t, stderr.String(), `unknown command "frobnicate"`)
	require.Contains(t, stderr.String(), "serve")
}

func TestParseQueues(t *testing.T) {
	q, err := parseQueues("interactive=6, batch=2,maintenance")
	require.NoError(t, err)
	require.Equal(t, map[string]int{"interactive": 6, "batch": 2, "maintenance": 1}, q)
	_, err = parseQueues("a=0")
	require.Error(t, err)
	q, err = parseQueues("")
	require.NoError(t, err)
	require.Contains(t, q, "interactive")
}
