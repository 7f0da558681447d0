package dicomnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/dimse"
	"github.com/aomas/aomas/rbac"
)

// The permissions DICOMweb asks for: storing is uploading, querying is listing cases.
const (
	StorePermission = "Mutation.uploadVolume"
	QueryPermission = "Query.cases"
)

// enforcer is what DICOMweb needs of rbac.
type enforcer interface {
	Allowed(ctx context.Context, subject, project, obj, act string) (bool, error)
}

// DICOMweb serves STOW-RS (POST /dicomweb/studies) and QIDO-RS (GET /dicomweb/studies,
// GET /dicomweb/studies/{study}/series) for the project of the request: the API token's,
// or the X-Aomas-Project header's for a session (server.Auth decides it, as for GraphQL).
type DICOMweb struct {
	DB       *sqlx.DB
	Receiver *Receiver
	Enforcer enforcer
	// MaxInstanceBytes bounds one part; MaxRequestBytes the whole body.
	MaxInstanceBytes int64
	MaxRequestBytes  int64
	TempDir          string
	Logger           *slog.Logger
}

// Handler routes the DICOMweb requests.
func (d *DICOMweb) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /dicomweb/studies", d.stow)
	mux.HandleFunc("GET /dicomweb/studies", d.studies)
	mux.HandleFunc("GET /dicomweb/studies/{study}/series", d.series)
	return mux
}

func (d *DICOMweb) log() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// authorize answers the caller's project, or writes the refusal.
func (d *DICOMweb) authorize(w http.ResponseWriter, r *http.Request, obj, act string) (auth.Principal, string, bool) {
	ctx := r.Context()
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aomas"`)
		httpError(w, http.StatusUnauthorized, "an API token (Authorization: Bearer …) is required")
		return p, "", false
	}
	project := auth.ProjectFrom(ctx)
	allowed, err := d.Enforcer.Allowed(ctx, p.Subject(), project, obj, act)
	if err != nil || !allowed {
		d.audit(ctx, audit.Entry{Action: act, Object: obj + " (DICOMweb)", Outcome: audit.OutcomeDenied, Target: "project " + project})
		httpError(w, http.StatusForbidden, "not allowed in project "+project)
		return p, "", false
	}
	return p, project, true
}

func (d *DICOMweb) audit(ctx context.Context, e audit.Entry) {
	e.Actor = auth.Actor(ctx)
	e.ClientAddr = auth.ClientAddrFrom(ctx)
	if _, err := audit.AppendDB(ctx, d.DB, e); err != nil {
		d.log().Error("audit entry not written", "err", err)
	}
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

// attr is one attribute of the DICOM JSON model (PS3.18 F.2).
type attr struct {
	VR    string `json:"vr"`
	Value []any  `json:"Value,omitempty"`
}

type object map[string]attr

func (d *DICOMweb) stow(w http.ResponseWriter, r *http.Request) {
	p, project, ok := d.authorize(w, r, StorePermission, rbac.ActWrite)
	if !ok {
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" || params["boundary"] == "" {
		httpError(w, http.StatusUnsupportedMediaType, `the body must be multipart/related; type="application/dicom"`)
		return
	}
	if t := params["type"]; t != "" && t != "application/dicom" {
		httpError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("type %q is not accepted: only application/dicom instances are", t))
		return
	}
	body := http.MaxBytesReader(w, r.Body, d.MaxRequestBytes)
	mr := multipart.NewReader(body, params["boundary"])
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := Sender{ID: "stow:" + hex.EncodeToString(b[:]), Project: project, Source: "stow:" + p.Subject()}
	defer d.Receiver.Ended(s)

	var stored, failed []any
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is over %d bytes", d.MaxRequestBytes))
				return
			}
			httpError(w, http.StatusBadRequest, "malformed multipart body: "+err.Error())
			return
		}
		o, err := d.part(r.Context(), s, part)
		_ = part.Close()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is over %d bytes", d.MaxRequestBytes))
				return
			}
			d.log().Error("stow part not stored", "err", err)
			o.Status, o.Code, o.Reason = dimse.StatusOutOfResources, "UNAVAILABLE", "the instance could not be stored; retry later"
		}
		ref := object{}
		if o.SOPClassUID != "" {
			ref["00081150"] = attr{VR: "UI", Value: []any{o.SOPClassUID}}
		}
		if o.SOPInstanceUID != "" {
			ref["00081155"] = attr{VR: "UI", Value: []any{o.SOPInstanceUID}}
		}
		if o.Status == dimse.StatusSuccess {
			stored = append(stored, ref)
			continue
		}
		ref["00081197"] = attr{VR: "US", Value: []any{o.Status}}
		failed = append(failed, ref)
	}
	resp := object{}
	if len(stored) > 0 {
		resp["00081199"] = attr{VR: "SQ", Value: stored}
	}
	if len(failed) > 0 {
		resp["00081198"] = attr{VR: "SQ", Value: failed}
	}
	status := http.StatusOK
	switch {
	case len(failed) > 0 && len(stored) == 0:
		status = http.StatusConflict
	case len(failed) > 0:
		status = http.StatusAccepted
	}
	d.audit(r.Context(), audit.Entry{Action: rbac.ActWrite, Object: "DICOMweb.stow", Outcome: audit.OutcomeOK,
		Target: fmt.Sprintf("project %s: %d stored, %d failed", project, len(stored), len(failed))})
	writeJSON(w, status, resp)
}

// part spools one part and receives it.
func (d *DICOMweb) part(ctx context.Context, s Sender, part *multipart.Part) (Outcome, error) {
	if ct := part.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/dicom" {
			_, err := io.Copy(io.Discard, part)
			return Outcome{Status: dimse.StatusCannotUnderstand, Code: "UNSUPPORTED_MEDIA_TYPE", Reason: "a part of type " + mt}, err
		}
	}
	if err := os.MkdirAll(d.TempDir, 0o750); err != nil {
		return Outcome{}, err
	}
	f, err := os.CreateTemp(d.TempDir, "stow-*.dcm")
	if err != nil {
		return Outcome{}, err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	n, err := io.Copy(f, io.LimitReader(part, d.MaxInstanceBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Outcome{}, err
	}
	if n > d.MaxInstanceBytes {
		_, err := io.Copy(io.Discard, part)
		return Outcome{Status: dimse.StatusOutOfResources, Code: "TOO_LARGE",
			Reason: fmt.Sprintf("over the limit of %d bytes", d.MaxInstanceBytes)}, err
	}
	return d.Receiver.Receive(ctx, s, f.Name(), n, "", "")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/dicom+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// paging reads QIDO's limit and offset (default 100, at most 1000).
func paging(r *http.Request) (int, int, error) {
	limit, offset := 100, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, errors.New("limit must be 1 to 1000")
		}
		limit = n
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return 0, 0, errors.New("offset must be 0 to 1000000")
		}
		offset = n
	}
	return limit, offset, nil
}

func (d *DICOMweb) studies(w http.ResponseWriter, r *http.Request) {
	_, project, ok := d.authorize(w, r, QueryPermission, rbac.ActRead)
	if !ok {
		return
	}
	limit, offset, err := paging(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	study := r.URL.Query().Get("StudyInstanceUID")
	if study == "" {
		study = r.URL.Query().Get("0020000D")
	}
	rows, err := db.DicomStudies(r.Context(), d.DB, project, study, limit, offset)
	if err != nil {
		d.log().Error("qido studies", "err", err)
		httpError(w, http.StatusInternalServerError, "the studies could not be listed")
		return
	}
	out := make([]object, 0, len(rows))
	for _, s := range rows {
		o := object{
			"0020000D": {VR: "UI", Value: []any{s.StudyInstanceUID}},
			"00201206": {VR: "IS", Value: []any{s.Series}},
			"00201208": {VR: "IS", Value: []any{s.Instances}},
			"00080061": {VR: "CS"},
			"00080020": {VR: "DA"},
		}
		if s.Modalities != "" {
			o["00080061"] = attr{VR: "CS", Value: anys(strings.Split(s.Modalities, `\`))}
		}
		if s.StudyDate != nil {
			o["00080020"] = attr{VR: "DA", Value: []any{s.StudyDate.Format("20060102")}}
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, out)
}

func (d *DICOMweb) series(w http.ResponseWriter, r *http.Request) {
	_, project, ok := d.authorize(w, r, QueryPermission, rbac.ActRead)
	if !ok {
		return
	}
	limit, offset, err := paging(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	rows, err := db.DicomSeriesOf(r.Context(), d.DB, project, r.PathValue("study"), limit, offset)
	if err != nil {
		d.log().Error("qido series", "err", err)
		httpError(w, http.StatusInternalServerError, "the series could not be listed")
		return
	}
	out := make([]object, 0, len(rows))
	for _, s := range rows {
		o := object{
			"0020000D": {VR: "UI", Value: []any{s.StudyInstanceUID}},
			"0020000E": {VR: "UI", Value: []any{s.SeriesInstanceUID}},
			"00201209": {VR: "IS", Value: []any{s.Instances}},
			"00080060": {VR: "CS"},
		}
		if s.Modality != "" {
			o["00080060"] = attr{VR: "CS", Value: []any{s.Modality}}
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, out)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
