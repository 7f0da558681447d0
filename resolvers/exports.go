package resolvers

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/rbac"
)

// exportLinkTTL is how long an export's download links are valid.
const exportLinkTTL = time.Hour

// maxCoordsUpload bounds a coordinate file brought in by importMarks.
const maxCoordsUpload = 16 << 20

func (r *Resolver) exports() (*export.Service, error) {
	if r.Exports == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "exports are not configured on this server"}
	}
	return r.Exports, nil
}

// mayReadIdentity reports whether the caller may read subjects' identity in the request's
// project: the one thing that lets identity into an export.
func (r *Resolver) mayReadIdentity(ctx context.Context) (bool, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || r.Enforcer == nil {
		return false, nil
	}
	return r.Enforcer.Allowed(ctx, p.Subject(), auth.ProjectFrom(ctx), "SubjectIdentity.patientId", rbac.ActRead)
}

// startExport checks what only the resolver knows (the caller, identity, the destination)
// and hands the request to the export service.
func (r *Resolver) startExport(ctx context.Context, kind string, format model.ExportFormat, dest model.ExportDestination, identity *bool, f export.Filter) (*db.Export, error) {
	s, err := r.exports()
	if err != nil {
		return nil, err
	}
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return nil, auth.ErrUnauthenticated
	}
	if kind == export.KindMetrics && format == model.ExportFormatAoCoords {
		return nil, invalidInput("AO_COORDS files hold marks only: export metrics as CSV or PARQUET")
	}
	if !s.Configured(string(dest)) {
		return nil, invalidInput(fmt.Sprintf("the %s export destination is not configured on this server", dest))
	}
	withID := identity != nil && *identity
	if withID {
		ok, err := r.mayReadIdentity(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, forbidden("includeIdentity: the caller may not read subjects' identity, so no export of theirs holds it")
		}
	}
	e, err := s.Create(ctx, export.Request{Project: auth.ProjectFrom(ctx), OwnerID: p.UserID, OwnerEmail: p.Email, Kind: kind,
		Format: string(format), Destination: string(dest), Filter: f, IncludeIdentity: withID})
	if errors.Is(err, export.ErrInput) {
		return nil, invalidInput(err.Error())
	}
	if err != nil {
		return nil, err
	}
	noteTarget(ctx, "export %d (%s %s to %s)", e.ID, kind, format, dest)
	return &e, nil
}

func (r *Resolver) exportMetrics(ctx context.Context, filter *model.ExportMetricsFilter, format model.ExportFormat, dest model.ExportDestination, identity *bool) (*db.Export, error) {
	var f export.Filter
	if filter != nil {
		var err error
		if f.CaseID, err = r.ownedOptional(ctx, filter.CaseID, "Case"); err != nil {
			return nil, err
		}
		if filter.CohortTag != nil {
			f.CohortTag = *filter.CohortTag
		}
		if filter.Metric != nil {
			if err := r.checkMetricName(ctx, *filter.Metric); err != nil {
				return nil, err
			}
			f.Metric = *filter.Metric
		}
		f.From, f.To = filter.From, filter.To
		f.IncludeSuperseded = filter.IncludeSuperseded != nil && *filter.IncludeSuperseded
	}
	return r.startExport(ctx, export.KindMetrics, format, dest, identity, f)
}

func (r *Resolver) exportMarks(ctx context.Context, filter *model.ExportMarksFilter, format model.ExportFormat, dest *model.ExportDestination, identity *bool) (*db.Export, error) {
	var f export.Filter
	if filter != nil {
		var err error
		if f.CaseID, err = r.ownedOptional(ctx, filter.CaseID, "Case"); err != nil {
			return nil, err
		}
		if f.VolumeID, err = r.ownedOptional(ctx, filter.VolumeID, "Volume"); err != nil {
			return nil, err
		}
		if filter.CohortTag != nil {
			f.CohortTag = *filter.CohortTag
		}
		f.ApprovedOnly = filter.ApprovedOnly != nil && *filter.ApprovedOnly
	}
	d := model.ExportDestinationS3
	if dest != nil {
		d = *dest
	}
	return r.startExport(ctx, export.KindMarks, format, d, identity, f)
}

// ownedOptional is ownedID for an optional id: another project's row is NOT_FOUND.
func (r *Resolver) ownedOptional(ctx context.Context, id *string, want string) (*int64, error) {
	if id == nil {
		return nil, nil
	}
	n, err := r.ownedID(ctx, *id, want)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// ownExport returns export id when it is the caller's, in the request's project; any
// other is NOT_FOUND.
func (r *Resolver) ownExport(ctx context.Context, id string) (db.Export, error) {
	n, err := idOf(id, "Export")
	if err != nil {
		return db.Export{}, err
	}
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return db.Export{}, auth.ErrUnauthenticated
	}
	e, err := db.ExportByID(ctx, r.DB, n)
	if errors.Is(err, db.ErrNotFound) || (err == nil && (e.OwnerID != p.UserID || e.Project != auth.ProjectFrom(ctx))) {
		return db.Export{}, notFound("export", n)
	}
	return e, err
}

func (r *Resolver) exportFile(ctx context.Context, e *db.Export, w export.Written) *model.ExportFile {
	f := &model.ExportFile{Name: w.Name, SizeBytes: w.Size, Sha256: w.SHA256, Rows: w.Rows}
	if r.Exports != nil && e.Status == db.ExportSucceeded {
		if u, err := r.Exports.FileURL(ctx, *e, w.Name, exportLinkTTL); err == nil {
			f.URL = &u
		}
	}
	return f
}

// importMarks reads a coordinate file and saves it as the volume's next cone label version.
func (r *Resolver) importMarks(ctx context.Context, volumeID string, file graphql.Upload) (*db.Label, error) {
	n, err := r.ownedID(ctx, volumeID, "Volume")
	if err != nil {
		return nil, err
	}
	v, err := load(ctx, r.loaders(ctx).volume, n, "volume")
	if err != nil {
		return nil, err
	}
	if file.Size > maxCoordsUpload {
		return nil, invalidInput(fmt.Sprintf("a coordinate file is at most %d bytes", maxCoordsUpload))
	}
	if ext := filepath.Ext(file.Filename); ext != "" && ext != ".csv" && ext != ".txt" {
		return nil, invalidInput("a coordinate file is a .csv (x,y) or .txt (x<TAB>y) file")
	}
	pts, err := labels.ParseCoords(file.File)
	if err != nil {
		return nil, err
	}
	l, err := r.Labels.ImportMarks(ctx, *v, pts, actor(ctx))
	if err != nil {
		return nil, err
	}
	noteTarget(ctx, "%d marks from %s into %s", len(pts), file.Filename, volumeName(v))
	return &l, nil
}
