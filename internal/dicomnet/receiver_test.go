package dicomnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/testenv"
)

// TestGroupsCloseAfterTheirSendersAndTheQuietPeriod: frames of one acquisition sent by two
// senders become one volume only after both ended and nothing came for the quiet period;
// a frame that arrives during the quiet period joins the group.
func TestGroupsCloseAfterTheirSendersAndTheQuietPeriod(t *testing.T) {
	conn := testenv.Postgres(t)
	store := testenv.Store(t)
	in := &intake.Service{DB: conn, Store: store, SubjectKey: []byte("test-subject-key-0123"), TempDir: t.TempDir()}
	r := &Receiver{DB: conn, Intake: in, SubjectKey: in.SubjectKey, Dir: t.TempDir(), Quiet: 400 * time.Millisecond}
	ctx := context.Background()
	src := t.TempDir()
	frame := func(s Sender, n int) {
		t.Helper()
		d := testenv.DICOMImage{SOPClassUID: "1.2.840.10008.5.1.4.1.1.7", SOPInstanceUID: fmt.Sprintf("2.25.9100%d", n), StudyUID: "2.25.91",
			SeriesUID: "2.25.92", PatientID: "P-Q", Laterality: "R", Acquisition: 1, Instance: n, Rows: 16, Cols: 8}
		p := filepath.Join(src, fmt.Sprintf("%d.dcm", n))
		require.NoError(t, os.WriteFile(p, d.DICOM(), 0o644))
		o, err := r.Receive(ctx, s, p, int64(len(d.DICOM())), d.SOPClassUID, d.SOPInstanceUID)
		require.NoError(t, err)
		require.Zero(t, o.Status, o.Reason)
	}
	states := func() map[string]int {
		var rows []struct {
			Status string `db:"status"`
			N      int    `db:"n"`
		}
		require.NoError(t, conn.Select(&rows, `SELECT status, count(DISTINCT coalesce(volume_id, -id)) AS n FROM dicom_instances GROUP BY status`))
		out := map[string]int{}
		for _, x := range rows {
			out[x.Status] = x.N
		}
		return out
	}
	a := Sender{ID: "a", Project: "default", Source: "ae:A"}
	b := Sender{ID: "b", Project: "default", Source: "ae:B"}
	frame(a, 1)
	frame(b, 2)
	frame(a, 3)
	r.Ended(a)
	time.Sleep(800 * time.Millisecond)
	require.Equal(t, map[string]int{"PENDING": 3}, states(), "b is still sending")
	r.Ended(b)
	time.Sleep(100 * time.Millisecond)
	frame(a, 4) // within the quiet period: the group takes it
	r.Ended(a)
	require.Eventually(t, func() bool { return states()["READY"] == 1 }, 10*time.Second, 50*time.Millisecond, "%v", states())
	require.Equal(t, map[string]int{"READY": 1}, states(), "four frames, one volume")
	var z int
	require.NoError(t, conn.Get(&z, `SELECT dim_z FROM volumes`))
	require.Equal(t, 4, z)
	r.Drain()
	entries, err := os.ReadDir(r.Dir)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing is left behind on disk")
}
