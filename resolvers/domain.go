package resolvers

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/intake"
)

const (
	uploadTicketTTL = time.Hour
	downloadURLTTL  = 15 * time.Minute
)

type readerAt interface {
	io.ReaderAt
}

func (r *Resolver) presign(ctx context.Context, key *string, filename string) (*string, error) {
	if key == nil || *key == "" || r.Store == nil {
		return nil, nil
	}
	u, err := r.Store.PresignGet(ctx, *key, downloadURLTTL, filename)
	if err != nil {
		return nil, err
	}
	s := u.String()
	return &s, nil
}

func (r *Resolver) node(ctx context.Context, id string) (db.Node, error) {
	typ, n, err := parseID(id)
	if err != nil {
		return nil, err
	}
	if ok, err := r.inProject(ctx, typ, n); err != nil || !ok {
		return nil, err // another project's row reads as a missing one
	}
	l := r.loaders(ctx)
	// Typed nils would make a non-nil interface: return a plain nil for missing rows.
	wrap := func(v db.Node, isNil bool, err error) (db.Node, error) {
		if err != nil || isNil {
			return nil, err
		}
		return v, nil
	}
	switch typ {
	case "Case":
		v, err := l.caseByID.Load(ctx, n)
		return wrap(v, v == nil, err)
	case "Subject":
		v, err := l.subject.Load(ctx, n)
		return wrap(v, v == nil, err)
	case "Volume":
		v, err := l.volume.Load(ctx, n)
		return wrap(v, v == nil, err)
	case "Run":
		v, err := l.run.Load(ctx, n)
		return wrap(v, v == nil, err)
	case "Model":
		v, err := r.model(ctx, n)
		return wrap(v, v == nil, err)
	}
	return nil, invalidInput(fmt.Sprintf("node(id) does not look up %s ids", typ))
}

func (r *Resolver) model(ctx context.Context, id int64) (*db.Model, error) {
	m, err := db.ModelByID(ctx, r.DB, id)
	if err != nil {
		return nil, notFound("model", id)
	}
	return &m, nil
}

// models lists the registry by name: the shared models and the request's project's.
func (r *Resolver) models(ctx context.Context) ([]*db.Model, error) {
	ms, err := db.Models(ctx, r.DB, auth.ProjectFrom(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]*db.Model, len(ms))
	for i := range ms {
		out[i] = &ms[i]
	}
	return out, nil
}

func (r *Resolver) modelVersions(ctx context.Context, modelID int64) ([]*db.ModelVersion, error) {
	vs, err := db.ModelVersions(ctx, r.DB, modelID)
	if err != nil {
		return nil, err
	}
	out := make([]*db.ModelVersion, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out, nil
}

func (r *Resolver) newCase(ctx context.Context, in model.CreateCaseInput) (db.NewCase, error) {
	project := auth.ProjectFrom(ctx) // a subject belongs to the project it was created in
	code := strings.TrimSpace(in.SubjectCode)
	if code == "" || len(code) > 64 {
		return db.NewCase{}, invalidInput("subjectCode must be 1 to 64 characters")
	}
	if in.EccentricityDeg != nil {
		if err := ingest.CheckEccentricityDeg(*in.EccentricityDeg); err != nil {
			return db.NewCase{}, invalidInput(err.Error())
		}
	}
	n := db.NewCase{Project: project, SubjectCode: code, Eye: string(in.Eye), EccentricityDeg: in.EccentricityDeg,
		Meridian: in.Meridian, AcquiredOn: in.AcquiredOn, Device: in.Device, Tags: in.Tags}
	if in.Notes != nil {
		n.Notes = *in.Notes
	}
	for _, t := range in.Tags {
		if strings.TrimSpace(t) == "" || len(t) > 64 {
			return db.NewCase{}, invalidInput("tags must be 1 to 64 characters each")
		}
	}
	return n, nil
}

func (r *Resolver) intakeInput(ctx context.Context, caseID, filename string, umPerPx *float64, modality, sidecar *string) (intake.Input, error) {
	id, err := r.ownedID(ctx, caseID, "Case")
	if err != nil {
		return intake.Input{}, err
	}
	in := intake.Input{CaseID: id, Filename: filename, UmPerPx: umPerPx}
	if umPerPx != nil {
		if err := ingest.CheckUmPerPx(*umPerPx); err != nil {
			return in, invalidInput(err.Error())
		}
	}
	if modality != nil {
		in.Modality = *modality
	}
	if sidecar != nil {
		in.Sidecar = []byte(*sidecar)
	}
	return in, nil
}

// uploadOwner is the signed-in account and project a two-step upload belongs to.
func uploadOwner(ctx context.Context) (intake.Owner, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return intake.Owner{}, auth.ErrUnauthenticated
	}
	return intake.Owner{UserID: p.UserID, Project: auth.ProjectFrom(ctx)}, nil
}

// uploadPayload answers an upload: a rejected volume is kept and returned, and the
// response also carries a typed error saying why.
func (r *Resolver) uploadPayload(ctx context.Context, out intake.Outcome, err error) (*model.UploadVolumePayload, error) {
	if err != nil {
		return nil, err
	}
	noteTarget(ctx, "%s", volumeName(&out.Volume))
	if out.Reject != nil {
		gqlErr := PresentError(ctx, out.Reject)
		gqlErr.Extensions["volumeId"] = globalID(&out.Volume)
		gqlErr.Path = graphql.GetPath(ctx)
		graphql.AddError(ctx, &gqlerror.Error{Message: gqlErr.Message, Path: gqlErr.Path, Extensions: gqlErr.Extensions})
	}
	return &model.UploadVolumePayload{Volume: &out.Volume, Duplicate: out.Duplicate}, nil
}

func caseFilter(f *model.CaseFilter) db.CaseListFilter {
	var out db.CaseListFilter
	if f == nil {
		return out
	}
	if f.SubjectCode != nil {
		out.SubjectCode = *f.SubjectCode
	}
	if f.Eye != nil {
		out.Eye = string(*f.Eye)
	}
	out.Tags, out.AcquiredFrom, out.AcquiredTo = f.Tags, f.AcquiredFrom, f.AcquiredTo
	if f.SubjectPrefix != nil {
		out.SubjectPrefix = strings.TrimSpace(*f.SubjectPrefix)
	}
	if f.TagPrefix != nil {
		out.TagPrefix = strings.TrimSpace(*f.TagPrefix)
	}
	return out
}

func caseOrder(o *model.CaseOrder) db.CaseListOrder {
	if o == nil {
		return db.CaseListOrder{Column: "created_at", Desc: true}
	}
	col := map[model.CaseOrderField]string{
		model.CaseOrderFieldCreatedAt:    "created_at",
		model.CaseOrderFieldAcquiredOn:   "acquired_on",
		model.CaseOrderFieldEccentricity: "eccentricity_deg",
	}[o.Field]
	return db.CaseListOrder{Column: col, Desc: o.Direction == model.SortDirectionDesc}
}

func runFilter(f *model.RunFilter) (db.RunListFilter, error) {
	var out db.RunListFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.CaseID, err = optionalID(f.CaseID, "Case"); err != nil {
		return out, err
	}
	if out.VolumeID, err = optionalID(f.VolumeID, "Volume"); err != nil {
		return out, err
	}
	if f.Status != nil {
		out.Status = string(*f.Status)
	}
	return out, nil
}

func metricFilter(f *model.MetricFilter) (db.MetricListFilter, error) {
	var out db.MetricListFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.CaseID, err = optionalID(f.CaseID, "Case"); err != nil {
		return out, err
	}
	if out.RunID, err = optionalID(f.RunID, "Run"); err != nil {
		return out, err
	}
	if f.CohortTag != nil {
		out.CohortTag = *f.CohortTag
	}
	if f.Name != nil {
		out.Name = *f.Name
	}
	out.From, out.To = f.From, f.To
	out.IncludeSuperseded = f.IncludeSuperseded != nil && *f.IncludeSuperseded
	return out, nil
}
