package apitest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/rbac"
)

// runExample runs one of docs/examples with the server's address and token in its
// environment, and returns its exit code, stdout and stderr.
func (a *api) runExample(token, dir, name string, args ...string) (int, string, string) {
	a.t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "..", "docs", "examples", name))
	require.NoError(a.t, err)
	cmd := exec.Command(script, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AOMAS_URL="+strings.TrimSuffix(a.url, "/graphql"), "AOMAS_TOKEN="+token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(a.t, err)
	}
	return code, stdout.String(), stderr.String()
}

// TestUploadScriptAsScanner: docs/examples/upload.sh works with a scanner's token (it asks
// only for what a scanner may read) and prints the volume id; a bad file, an unknown case
// or a refused token ends it non-zero with the reason.
func TestUploadScriptAsScanner(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-SCRIPT")
	_, tok := a.accountFor(rbac.RoleScanner)
	dir := t.TempDir()
	good, err := filepath.Abs(filepath.Join("..", "..", "ingest", "testdata", "dicom", "1.dcm"))
	require.NoError(t, err)

	code, out, errOut := a.runExample(tok, dir, "upload.sh", caseID, good)
	require.Equal(t, 0, code, "stderr: %s", errOut)
	typ, _, err := gid.Decode(strings.TrimSpace(out))
	require.NoError(t, err, "stdout is the volume id: %q", out)
	require.Equal(t, "Volume", typ)

	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	bad := filepath.Join(dir, "cut.dcm")
	require.NoError(t, os.WriteFile(bad, raw[:len(raw)/3], 0o600))
	code, out, errOut = a.runExample(tok, dir, "upload.sh", caseID, bad)
	require.NotEqual(t, 0, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "INVALID_INPUT", "the reason is named")

	code, _, errOut = a.runExample(tok, dir, "upload.sh", "Q2FzZTo5OTk5OTk", good)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "NOT_FOUND")
	code, _, errOut = a.runExample("not-a-token", dir, "upload.sh", caseID, good)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "HTTP 401")
	code, _, errOut = a.runExample(tok, dir, "upload.sh", caseID, filepath.Join(dir, "missing.dcm"))
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "no such readable file")
}

// TestDensityNotebookExample: docs/examples/density_vs_eccentricity.py reads a cohort's
// table and plots density against eccentricity, or, without matplotlib, says so and writes
// the points as CSV.
func TestDensityNotebookExample(t *testing.T) {
	a := newAPI(t)
	a.namedVolume("S-NB-1", "nb1.dcm", "3.dcm", "cohort-nb")
	_, tok := a.accountFor(rbac.RoleResearcher)
	dir := t.TempDir()
	code, out, errOut := a.runExample(tok, dir, "density_vs_eccentricity.py", "cohort-nb", "plot.png")
	require.Equal(t, 0, code, "stderr: %s", errOut)
	require.Contains(t, out, "1 volumes with cone_density")
	if strings.Contains(errOut, "matplotlib is not installed") {
		b, err := os.ReadFile(filepath.Join(dir, "plot.csv"))
		require.NoError(t, err)
		require.Contains(t, string(b), "S-NB-1,OD,1.5,nb1.dcm,40000,39000,41000")
		return
	}
	st, err := os.Stat(filepath.Join(dir, "plot.png"))
	require.NoError(t, err)
	require.Positive(t, st.Size())
}
