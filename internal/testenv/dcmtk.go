package testenv

import (
	"os/exec"
	"testing"
)

// Dcmtk returns the path of a dcmtk tool (echoscu, storescu, storescp, dcmodify, …); a
// missing one fails the test: DICOM network tests need a real peer.
func Dcmtk(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("dcmtk's %s is not installed (make deps installs it: scripts/apt.sh dcmtk): %v", tool, err)
	}
	return p
}

// Tool returns the path of a program the tests drive (curl, …); a missing one fails the test.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: %v", name, err)
	}
	return p
}
