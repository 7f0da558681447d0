// Package shared finds the read-only shared folder beside the repository that holds the real
// AOSLO images with manual cone marks. It imports nothing of the project, so any package's
// tests can use it without an import cycle.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir is $AOMAS_SHARED_DIR, else the folder "shared" next to the directory holding go.mod.
// A missing folder fails the test; it never skips.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("AOMAS_SHARED_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared")
			if _, err := os.Stat(d); err != nil {
				t.Fatalf("shared data folder missing: expected %s next to the repository (or set AOMAS_SHARED_DIR): %v", d, err)
			}
			return d
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("no go.mod above %s, cannot locate the shared data folder", wd)
		}
	}
}
