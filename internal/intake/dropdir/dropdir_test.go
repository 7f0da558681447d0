package dropdir_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/intake/dropdir"
	"github.com/aomas/aomas/internal/testenv"
)

func dicom(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "ingest", "testdata", "dicom", name))
	require.NoError(t, err)
	return b
}

type fixture struct {
	dir string
	svc *intake.Service
	w   *dropdir.Watcher
}

func newFixture(t *testing.T) *fixture {
	conn := testenv.Postgres(t)
	store := testenv.Store(t)
	key := []byte("drop-folder-test-key")
	svc := &intake.Service{DB: conn, Store: store, SubjectKey: key, TempDir: t.TempDir()}
	dir := t.TempDir()
	return &fixture{dir: dir, svc: svc, w: &dropdir.Watcher{Dir: dir, Intake: svc, Settle: 300 * time.Millisecond, Scan: 100 * time.Millisecond,
		Cases: &intake.Cases{DB: conn, SubjectKey: key}}}
}

func (f *fixture) run(t *testing.T) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return cancel
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func TestDropFolderSortsFilesIntoDoneAndRejected(t *testing.T) {
	f := newFixture(t)
	conn := f.svc.DB
	var caseID int64
	var subject int64
	require.NoError(t, sqlxGet(conn, &subject, `INSERT INTO subjects (code) VALUES ('S-drop') RETURNING id`))
	require.NoError(t, sqlxGet(conn, &caseID, `INSERT INTO cases (subject_id, eye) VALUES ($1, 'OS') RETURNING id`, subject))
	caseDir := filepath.Join(f.dir, gid.Encode("Case", caseID))
	require.NoError(t, os.MkdirAll(caseDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(caseDir, "mr.dcm"), dicom(t, "3.dcm"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(caseDir, "notes.dcm"), []byte("not a dicom at all, just text"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "loose.tif"), []byte("II*\x00garbage"), 0o644))
	f.run(t)

	require.Eventually(t, func() bool {
		return exists(filepath.Join(f.dir, "done", gid.Encode("Case", caseID), "mr.dcm")) &&
			exists(filepath.Join(f.dir, "rejected", gid.Encode("Case", caseID), "notes.dcm")) &&
			exists(filepath.Join(f.dir, "rejected", "loose.tif"))
	}, 20*time.Second, 50*time.Millisecond)
	reason, err := os.ReadFile(filepath.Join(f.dir, "rejected", gid.Encode("Case", caseID), "notes.dcm.reason.txt"))
	require.NoError(t, err)
	require.Contains(t, string(reason), "NOT_DICOM")
	reason, err = os.ReadFile(filepath.Join(f.dir, "rejected", "loose.tif.reason.txt"))
	require.NoError(t, err)
	require.Contains(t, string(reason), "folder named after their case id")

	var statuses []string
	require.NoError(t, sqlxSelect(conn, &statuses, `SELECT status FROM volumes WHERE case_id = $1 ORDER BY id`, caseID))
	require.ElementsMatch(t, []string{"READY", "REJECTED"}, statuses)
}

// TestDropFolderWaitsForAFileToBeCompleteAndResumesAfterACrash: a file still being written
// is not taken; a file ingested just before a crash (not yet moved) is not ingested twice.
func TestDropFolderWaitsForAFileToBeCompleteAndResumesAfterACrash(t *testing.T) {
	f := newFixture(t)
	conn := f.svc.DB
	var subject, caseID int64
	require.NoError(t, sqlxGet(conn, &subject, `INSERT INTO subjects (code) VALUES ('S-slow') RETURNING id`))
	require.NoError(t, sqlxGet(conn, &caseID, `INSERT INTO cases (subject_id, eye) VALUES ($1, 'OD') RETURNING id`, subject))
	caseDir := filepath.Join(f.dir, gid.Encode("Case", caseID))
	require.NoError(t, os.MkdirAll(caseDir, 0o755))

	// A volume ingested by a server that died before moving the file.
	crashed := dicom(t, "1.dcm")
	path := filepath.Join(caseDir, "crashed.dcm")
	require.NoError(t, os.WriteFile(path, crashed, 0o644))
	file, err := os.Open(path)
	require.NoError(t, err)
	_, err = f.svc.IngestFile(context.Background(), file, int64(len(crashed)), intake.Input{CaseID: caseID, Filename: "crashed.dcm"})
	file.Close()
	require.NoError(t, err)

	// A file the scanner is still writing, in pieces slower than nothing but faster than Settle.
	full := dicom(t, "2.dcm")
	slow := filepath.Join(caseDir, "slow.dcm")
	out, err := os.Create(slow)
	require.NoError(t, err)
	f.run(t)
	for i := 0; i < len(full); i += len(full) / 8 {
		_, err := out.Write(full[i:min(i+len(full)/8, len(full))])
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
		require.False(t, exists(filepath.Join(f.dir, "rejected", gid.Encode("Case", caseID), "slow.dcm")), "taken before it was complete")
	}
	require.NoError(t, out.Close())

	require.Eventually(t, func() bool {
		return exists(filepath.Join(f.dir, "done", gid.Encode("Case", caseID), "slow.dcm")) &&
			exists(filepath.Join(f.dir, "done", gid.Encode("Case", caseID), "crashed.dcm"))
	}, 20*time.Second, 50*time.Millisecond)
	var n int
	require.NoError(t, sqlxGet(conn, &n, `SELECT count(*) FROM volumes WHERE case_id = $1 AND status = 'READY'`, caseID))
	require.Equal(t, 2, n, "the crashed file is not ingested twice and the slow one once, whole")
}

func TestTopLevelDICOMWithoutLateralityIsRejectedWithReason(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "x.dcm"), dicom(t, "3.dcm"), 0o644))
	f.run(t)
	require.Eventually(t, func() bool { return exists(filepath.Join(f.dir, "rejected", "x.dcm.reason.txt")) }, 20*time.Second, 50*time.Millisecond)
}
