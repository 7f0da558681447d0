package db_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
)

func TestFindOrCreateCaseMakesOneCasePerSubjectEyeAndDay(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	device := "Acme AO-1"
	n := db.NewCase{Project: "p1", SubjectCode: "S1", Eye: "OD", AcquiredOn: &day, Device: &device, Tags: []string{"drop-folder"}}

	// Files of one study arriving together land in one case.
	ids := make([]int64, 8)
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			c, err := db.FindOrCreateCase(ctx, conn, n)
			ids[i], errs[i] = c.ID, err
		})
	}
	wg.Wait()
	for i, id := range ids {
		require.NoError(t, errs[i])
		require.Equal(t, ids[0], id)
	}
	c, err := db.CaseByID(ctx, conn, ids[0])
	require.NoError(t, err)
	require.Equal(t, "OD", c.Eye)
	require.Equal(t, []string{"drop-folder"}, c.Tags())
	require.NotNil(t, c.Device)
	require.Equal(t, device, *c.Device)

	other := n
	other.Eye = "OS"
	left, err := db.FindOrCreateCase(ctx, conn, other)
	require.NoError(t, err)
	require.NotEqual(t, ids[0], left.ID)

	// A case with no date is found again by a study with no date.
	undated := n
	undated.AcquiredOn, undated.Device = nil, nil
	first, err := db.FindOrCreateCase(ctx, conn, undated)
	require.NoError(t, err)
	require.NotEqual(t, ids[0], first.ID)
	require.Nil(t, first.Device)
	again, err := db.FindOrCreateCase(ctx, conn, undated)
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)

	projects, err := db.ProjectsWithSubjects(ctx, conn)
	require.NoError(t, err)
	require.Equal(t, []string{"p1"}, projects)
}

func TestModelByIDReportsAMissingModel(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	_, err := db.ModelByID(ctx, conn, 42)
	require.ErrorIs(t, err, db.ErrNotFound)

	var id int64
	require.NoError(t, conn.GetContext(ctx, &id, `INSERT INTO models (name, task) VALUES ('cones', 'detect') RETURNING id`))
	m, err := db.ModelByID(ctx, conn, id)
	require.NoError(t, err)
	require.Equal(t, "cones", m.Name)
	ms, err := db.Models(ctx, conn, "default")
	require.NoError(t, err)
	require.Len(t, ms, 1)
	vs, err := db.ModelVersions(ctx, conn, id)
	require.NoError(t, err)
	require.Empty(t, vs)
}
