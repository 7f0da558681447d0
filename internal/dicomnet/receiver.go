// Package dicomnet receives DICOM from the network — C-STORE (through internal/dimse) and
// DICOMweb STOW-RS — into volumes through intake, exactly like uploads, and lists what
// arrived for QIDO-RS.
//
// Grouping: a received instance is read (ingest.Parse) and answered at once; an instance
// that is accepted waits, on local disk, in a group keyed by (project, case,
// SeriesInstanceUID, AcquisitionNumber). A group is closed when every association (or STOW
// request) that added to it has ended and a quiet period has passed with nothing added.
// A closed group of two or more single-frame, single-sample, integer instances of one size
// — the frames of one acquisition sent one per instance — becomes one multi-frame volume,
// its frames in InstanceNumber order; anything else (a multi-frame instance, a lone frame,
// frames that differ) becomes a volume per instance.
package dicomnet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/dimse"
	"github.com/aomas/aomas/internal/intake"
)

// Rejection codes of instances that never reached intake.
const (
	// CodeNoCase: no patient ID or laterality, so no case to file the instance in.
	CodeNoCase = "NO_CASE"
	// CodeDataSetMismatch: the data set's SOP class or instance differs from its command's.
	CodeDataSetMismatch = "DATA_SET_MISMATCH"
)

// Receiver turns received instances into volumes.
type Receiver struct {
	DB         db.DB
	Intake     *intake.Service
	SubjectKey []byte
	// Limits bound what an instance may decode to (as for uploads).
	Limits ingest.Options
	// Dir holds accepted instances until their group is closed.
	Dir string
	// Quiet is how long a group waits, after its last sender ended, for more instances.
	Quiet  time.Duration
	Logger *slog.Logger

	mu     sync.Mutex
	groups map[groupKey]*group
	flushQ sync.WaitGroup
	sem    chan struct{}
}

type groupKey struct {
	project, series, acquisition string
	caseID                       int64
}

type member struct {
	id   int64 // dicom_instances row
	sop  string
	path string
	res  *ingest.Result
}

type group struct {
	key     groupKey
	members map[string]*member
	senders map[string]bool
	timer   *time.Timer
}

// Sender is who sends: an association (its calling AE title) or a STOW-RS request.
type Sender struct {
	// ID is unique among senders under way.
	ID string
	// Project receives the instances.
	Project string
	// Source is recorded with each instance: "ae:TITLE" or "stow:user:ID".
	Source string
}

// Outcome is what became of one received instance, as the sender is told.
type Outcome struct {
	SOPClassUID    string
	SOPInstanceUID string
	// Status is a DIMSE status (PS3.4 B.2.3): 0 for success.
	Status uint16
	// Code and Reason say why an instance failed.
	Code, Reason string
}

func (r *Receiver) init() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.groups == nil {
		r.groups = map[groupKey]*group{}
		r.sem = make(chan struct{}, 2)
		if r.Logger == nil {
			r.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
	}
}

// Receive takes the instance in the Part 10 file at path (size bytes) from s. sopClass and
// sopInstance are what the sender announced ("" when it announced nothing, as in STOW-RS).
// The file is moved away when accepted and left in place otherwise.
func (r *Receiver) Receive(ctx context.Context, s Sender, path string, size int64, sopClass, sopInstance string) (Outcome, error) {
	r.init()
	out := Outcome{SOPClassUID: sopClass, SOPInstanceUID: sopInstance}
	f, err := os.Open(path)
	if err != nil {
		return out, err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return out, fmt.Errorf("hash instance: %w", err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	res, perr := ingest.Parse(f, size, sopInstance+".dcm", r.limits(size))
	var rej *ingest.RejectError
	if perr != nil && !errors.As(perr, &rej) {
		return out, fmt.Errorf("read instance: %w", perr)
	}
	if sopInstance == "" {
		out.SOPClassUID, out.SOPInstanceUID = res.SOPClassUID, res.Study.SOPInstanceUID
	}
	rec := db.DicomInstance{Project: s.Project, SOPInstanceUID: out.SOPInstanceUID, SOPClassUID: out.SOPClassUID,
		StudyInstanceUID: res.Study.StudyInstanceUID, SeriesInstanceUID: res.Study.SeriesInstanceUID,
		StudyDate: dicomDate(res.Study.StudyDate), Modality: res.Modality, TransferSyntaxUID: res.TransferSyntaxUID,
		Source: s.Source, SHA256: sha, SizeBytes: size, Status: "PENDING"}
	if rec.SOPInstanceUID == "" {
		// Nothing to file it under (a STOW-RS part that is not DICOM): refused, not recorded.
		return r.fail(out, dimse.StatusCannotUnderstand, rej, ingest.CodeNotDICOM, "the part is not a DICOM instance with a SOP Instance UID"), nil
	}
	// The same bytes again: answer as before.
	if prev, err := db.DicomInstanceByUID(ctx, r.DB, s.Project, rec.SOPInstanceUID); err == nil && prev.SHA256 == sha {
		if prev.Status == "REJECTED" {
			return r.fail(out, statusFor(deref(prev.ErrorCode)), nil, deref(prev.ErrorCode), deref(prev.Error)), nil
		}
		return out, nil
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		return out, err
	}

	mismatch := sopClass != "" && (res.SOPClassUID != sopClass || res.Study.SOPInstanceUID != sopInstance)
	var caseID int64
	var caseErr error
	if res.Format == ingest.FormatDICOM {
		caseID, caseErr = intake.CaseForDICOM(ctx, r.DB, r.SubjectKey, s.Project, res, "dicom-network")
		if caseErr != nil && !errors.Is(caseErr, intake.ErrNoCase) {
			return out, caseErr
		}
	} else {
		caseErr = intake.ErrNoCase
	}
	switch {
	case rej != nil && caseErr == nil:
		// Filed like a rejected upload: a REJECTED volume in its case, with the reason.
		o, err := r.Intake.IngestFile(ctx, f, size, intake.Input{CaseID: caseID, Filename: rec.SOPInstanceUID + ".dcm"})
		if err != nil {
			return out, err
		}
		rec.VolumeID = &o.Volume.ID
		return r.record(ctx, rec, out, rej.Code, rej.Reason)
	case rej != nil:
		return r.record(ctx, rec, out, rej.Code, rej.Reason)
	case mismatch:
		return r.record(ctx, rec, out, CodeDataSetMismatch, fmt.Sprintf(
			"the data set is SOP class %s instance %s but was sent as %s instance %s", res.SOPClassUID, res.Study.SOPInstanceUID, sopClass, sopInstance))
	case caseErr != nil:
		return r.record(ctx, rec, out, CodeNoCase, caseErr.Error())
	}
	rec, err = db.PutDicomInstance(ctx, r.DB, rec)
	if err != nil {
		return out, err
	}
	if err := os.MkdirAll(r.Dir, 0o750); err != nil {
		return out, err
	}
	kept := filepath.Join(r.Dir, fmt.Sprintf("%d-%s.dcm", rec.ID, sha[:16]))
	if err := os.Rename(path, kept); err != nil {
		return out, fmt.Errorf("keep instance: %w", err)
	}
	r.add(s, groupKey{project: s.Project, series: res.Study.SeriesInstanceUID, acquisition: res.Study.AcquisitionNumber, caseID: caseID},
		&member{id: rec.ID, sop: rec.SOPInstanceUID, path: kept, res: res})
	return out, nil
}

func (r *Receiver) limits(size int64) ingest.Options {
	o := r.Limits
	o.MaxBytes = max(o.MaxBytes, size)
	return o
}

// record keeps a rejected instance and words its failure.
func (r *Receiver) record(ctx context.Context, rec db.DicomInstance, out Outcome, code, reason string) (Outcome, error) {
	rec.Status, rec.ErrorCode, rec.Error = "REJECTED", &code, &reason
	if _, err := db.PutDicomInstance(ctx, r.DB, rec); err != nil {
		return out, err
	}
	return r.fail(out, statusFor(code), nil, code, reason), nil
}

func (r *Receiver) fail(out Outcome, status uint16, rej *ingest.RejectError, code, reason string) Outcome {
	if rej != nil {
		code, reason = rej.Code, rej.Reason
	}
	out.Status, out.Code, out.Reason = status, code, reason
	return out
}

// statusFor maps a rejection to a C-STORE status: too large is "refused: out of
// resources", a mismatch with the command "data set does not match SOP class", anything
// else unreadable "error: cannot understand".
func statusFor(code string) uint16 {
	switch code {
	case ingest.CodeTooLarge:
		return dimse.StatusOutOfResources
	case CodeDataSetMismatch:
		return dimse.StatusDataSetMismatch
	}
	return dimse.StatusCannotUnderstand
}

func (r *Receiver) add(s Sender, k groupKey, m *member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.groups[k]
	if g == nil {
		g = &group{key: k, members: map[string]*member{}, senders: map[string]bool{}}
		r.groups[k] = g
	}
	if g.timer != nil {
		if g.timer.Stop() {
			r.flushQ.Done() // the close it would have run
		}
		g.timer = nil
	}
	if old, ok := g.members[m.sop]; ok {
		_ = os.Remove(old.path)
	}
	g.members[m.sop] = m
	g.senders[s.ID] = true
}

// Ended says that sender s is done: its groups close after the quiet period unless
// another sender adds to them.
func (r *Receiver) Ended(s Sender) {
	r.init()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, g := range r.groups {
		if !g.senders[s.ID] {
			continue
		}
		delete(g.senders, s.ID)
		if len(g.senders) == 0 && g.timer == nil {
			g := g
			r.flushQ.Add(1)
			g.timer = time.AfterFunc(r.Quiet, func() { r.close(g) })
		}
	}
}

// close ingests a group unless it was reopened meanwhile.
func (r *Receiver) close(g *group) {
	defer r.flushQ.Done()
	r.mu.Lock()
	if r.groups[g.key] != g || len(g.senders) > 0 {
		r.mu.Unlock()
		return
	}
	delete(r.groups, g.key)
	r.mu.Unlock()
	r.sem <- struct{}{}
	defer func() { <-r.sem }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := r.ingestGroup(ctx, g); err != nil {
		r.Logger.Error("dicom group not ingested", "series", g.key.series, "case_id", g.key.caseID, "err", err)
	}
}

// Drain closes every waiting group now and waits until all are ingested.
func (r *Receiver) Drain() {
	r.init()
	r.mu.Lock()
	for _, g := range r.groups {
		if g.timer != nil && g.timer.Stop() {
			g.timer = nil
			r.flushQ.Done()
		}
		g.senders = map[string]bool{}
		r.flushQ.Add(1)
		go r.close(g)
	}
	r.mu.Unlock()
	r.flushQ.Wait()
}

// ingestGroup turns a closed group into volumes and records which.
func (r *Receiver) ingestGroup(ctx context.Context, g *group) error {
	defer func() {
		for _, m := range g.members {
			_ = os.Remove(m.path)
		}
	}()
	ms := sortedMembers(g.members)
	if r.stackable(ms) {
		return r.ingestStack(ctx, g.key.caseID, ms)
	}
	var errs []error
	for _, m := range ms {
		errs = append(errs, r.ingestOne(ctx, g.key.caseID, m))
	}
	return errors.Join(errs...)
}

func (r *Receiver) ingestOne(ctx context.Context, caseID int64, m *member) error {
	f, err := os.Open(m.path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	o, err := r.Intake.IngestFile(ctx, f, st.Size(), intake.Input{CaseID: caseID, Filename: m.sop + ".dcm"})
	if err != nil {
		return err
	}
	return r.settle(ctx, []*member{m}, o)
}

func (r *Receiver) settle(ctx context.Context, ms []*member, o intake.Outcome) error {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	status := "READY"
	var code, reason *string
	if o.Reject != nil {
		status, code, reason = "REJECTED", &o.Reject.Code, &o.Reject.Reason
	}
	return db.SetDicomInstancesVolume(ctx, r.DB, ids, o.Volume.ID, status, code, reason)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func dicomDate(s string) *time.Time {
	t, err := time.Parse("20060102", s)
	if err != nil {
		return nil
	}
	return &t
}
