package apitest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// seedCases makes n cases, each with two volumes and a run on its second volume, straight
// in SQL (uploads are tested elsewhere), and returns the case ids in creation order.
func (a *api) seedCases(n int, tag string) {
	a.t.Helper()
	for i := 0; i < n; i++ {
		var subject, c int64
		require.NoError(a.t, a.raw.Get(&subject, `INSERT INTO subjects (code) VALUES ($1) RETURNING id`, fmt.Sprintf("S-%s-%d", tag, i)))
		require.NoError(a.t, a.raw.Get(&c, `INSERT INTO cases (subject_id, eye, eccentricity_deg, tags) VALUES ($1, 'OS', $2, ARRAY[$3]) RETURNING id`, subject, float64(i%10), tag))
		var v1, v2, run int64
		for _, v := range []*int64{&v1, &v2} {
			require.NoError(a.t, a.raw.Get(v, `INSERT INTO volumes (case_id, size_bytes, sha256, object_key, status, dim_x, dim_y, dim_z)
				VALUES ($1, 10, encode(sha256(random()::text::bytea), 'hex'), 'k', 'READY', 64, 64, 1) RETURNING id`, c))
		}
		require.NoError(a.t, a.raw.Get(&run, `INSERT INTO runs (volume_id, status) VALUES ($1, 'SUCCEEDED') RETURNING id`, v2))
		_, err := a.raw.Exec(`INSERT INTO metrics (run_id, name, value, unit, ci95_low, ci95_high) VALUES
			($1, 'cone_density', $2::float8, 'cells/mm2', $2::float8 - 500, $2::float8 + 500), ($1, 'nnd', 3.1, 'um', 3.0, 3.2)`, run, 30000+float64(i))
		require.NoError(a.t, err)
	}
}

const casesWithVolumesAndRuns = `query($first: Int, $after: String, $filter: CaseFilter) {
  cases(first: $first, after: $after, filter: $filter, orderBy: {field: CREATED_AT, direction: ASC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id eye tags subject { code } volumes { id status dims { x } } latestRun { id status steps { name } metrics { name value ci95Low ci95High } qcFlags { code } } } }
  }
}`

// TestListingCasesIssuesAConstantNumberOfQueries: the dataloaders keep the number of SQL
// statements the same for 10 and for 100 cases with their volumes and latest runs.
func TestListingCasesIssuesAConstantNumberOfQueries(t *testing.T) {
	a := newAPI(t)
	a.seedCases(100, "cohort-a")
	count := func(first int) (int64, int) {
		a.db.n.Store(0)
		var d struct {
			Cases struct {
				Edges []struct {
					Node struct {
						Volumes   []struct{ ID string }
						LatestRun *struct{ Metrics []struct{ Name string } }
					}
				}
			}
		}
		a.mustQuery(casesWithVolumesAndRuns, map[string]any{"first": first}, &d)
		for _, e := range d.Cases.Edges {
			require.Len(t, e.Node.Volumes, 2)
			require.NotNil(t, e.Node.LatestRun)
			require.Len(t, e.Node.LatestRun.Metrics, 2)
		}
		return a.db.n.Load(), len(d.Cases.Edges)
	}
	small, n10 := count(10)
	large, n100 := count(100)
	require.Equal(t, 10, n10)
	require.Equal(t, 100, n100)
	t.Logf("SQL statements: %d for 10 cases, %d for 100 cases (with volumes, latest run, steps, metrics, QC flags)", small, large)
	require.Equal(t, small, large, "statements must not grow with the number of cases")
	require.LessOrEqual(t, large, int64(10))
}

func TestCasesPaginationAndFilters(t *testing.T) {
	a := newAPI(t)
	a.seedCases(7, "cohort-b")
	a.seedCases(3, "cohort-c")
	type page struct {
		Cases struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Cursor string
				Node   struct {
					ID   string
					Tags []string
				}
			}
		}
	}
	var seen []string
	var after any
	for i := 0; i < 10; i++ {
		var p page
		a.mustQuery(casesWithVolumesAndRuns, map[string]any{"first": 3, "after": after, "filter": map[string]any{"tags": []string{"cohort-b"}}}, &p)
		require.Equal(t, 7, p.Cases.TotalCount)
		for _, e := range p.Cases.Edges {
			require.Equal(t, []string{"cohort-b"}, e.Node.Tags)
			seen = append(seen, e.Node.ID)
		}
		if !p.Cases.PageInfo.HasNextPage {
			break
		}
		after = *p.Cases.PageInfo.EndCursor
	}
	require.Len(t, seen, 7)
	for i := range seen {
		for j := i + 1; j < len(seen); j++ {
			require.NotEqual(t, seen[i], seen[j], "pages do not overlap")
		}
	}

	res := a.query(casesWithVolumesAndRuns, map[string]any{"first": 100000})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	res = a.query(casesWithVolumesAndRuns, map[string]any{"first": 2, "after": "garbage"})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
}

func TestMetricsFilterAndNode(t *testing.T) {
	a := newAPI(t)
	a.seedCases(4, "cohort-m")
	a.seedCases(2, "cohort-n")
	type metrics struct {
		Metrics struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID                string
					Name, Unit        string
					Value             float64
					Ci95Low, Ci95High *float64
					Run               struct{ ID string }
				}
			}
		}
	}
	var m metrics
	a.mustQuery(`query($f: MetricFilter) { metrics(filter: $f) { totalCount edges { node { id name value unit ci95Low ci95High run { id } } } } }`,
		map[string]any{"f": map[string]any{"cohortTag": "cohort-m", "name": "cone_density"}}, &m)
	require.Equal(t, 4, m.Metrics.TotalCount)
	for _, e := range m.Metrics.Edges {
		require.Equal(t, "cone_density", e.Node.Name)
		require.Less(t, *e.Node.Ci95Low, e.Node.Value)
		require.Greater(t, *e.Node.Ci95High, e.Node.Value)
	}

	runID := m.Metrics.Edges[0].Node.Run.ID
	var byRun metrics
	a.mustQuery(`query($f: MetricFilter) { metrics(filter: $f) { totalCount edges { node { name } } } }`,
		map[string]any{"f": map[string]any{"runId": runID}}, &byRun)
	require.Equal(t, 2, byRun.Metrics.TotalCount)

	// node(id) resolves any global id to its type.
	var n struct {
		Node struct {
			Typename string `json:"__typename"`
			ID       string
		}
	}
	a.mustQuery(`query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": runID}, &n)
	require.Equal(t, "Run", n.Node.Typename)
	require.Equal(t, runID, n.Node.ID)

	// Filter values are bind parameters, never SQL.
	for _, evil := range []string{"x' OR '1'='1", "'; DROP TABLE metrics; --", `\'`} {
		var none metrics
		a.mustQuery(`query($f: MetricFilter) { metrics(filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"cohortTag": evil, "name": "cone_density"}}, &none)
		require.Zero(t, none.Metrics.TotalCount)
		// A name no metric has is refused as such (issue 14), and still never read as SQL.
		res := a.query(`query($f: MetricFilter) { metrics(filter: $f) { totalCount } }`, map[string]any{"f": map[string]any{"name": evil}})
		require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	}
	var total int
	require.NoError(t, a.raw.Get(&total, `SELECT count(*) FROM metrics`))
	require.Equal(t, 12, total)

	res := a.query(`query($id: ID!) { run(id: $id) { id } }`, map[string]any{"id": "Q2FzZToxMjM"}) // a Case id
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
}
