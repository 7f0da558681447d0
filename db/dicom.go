package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// aeTitle is a DICOM AE title: 1 to 16 printable ASCII characters, no backslash, no
// leading or trailing space (the table checks the same).
// Printable ASCII is \x20-\x7E; \x5C is the backslash, left out.
var aeTitle = regexp.MustCompile(`^[\x21-\x5B\x5D-\x7E]([\x20-\x5B\x5D-\x7E]{0,14}[\x21-\x5B\x5D-\x7E])?$`)

// ValidAETitle reports whether s is an AE title.
func ValidAETitle(s string) bool { return aeTitle.MatchString(s) }

// DicomPeer is a calling AE title allowed to push DICOM into a project.
type DicomPeer struct {
	AETitle   string    `db:"ae_title"`
	Project   string    `db:"project"`
	CreatedBy string    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
}

// DicomPeerByAE returns the peer with calling AE title ae.
func DicomPeerByAE(ctx context.Context, q sqlx.QueryerContext, ae string) (DicomPeer, error) {
	var p DicomPeer
	err := sqlx.GetContext(ctx, q, &p, `SELECT * FROM dicom_peers WHERE ae_title = $1`, ae)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// DicomPeers lists the peers of projects (all projects when projects is nil), by AE title.
func DicomPeers(ctx context.Context, q sqlx.QueryerContext, projects []string) ([]DicomPeer, error) {
	out := []DicomPeer{}
	var err error
	if projects == nil {
		err = sqlx.SelectContext(ctx, q, &out, `SELECT * FROM dicom_peers ORDER BY ae_title`)
	} else {
		err = sqlx.SelectContext(ctx, q, &out, `SELECT * FROM dicom_peers WHERE project = ANY($1) ORDER BY ae_title`, pq.Array(projects))
	}
	return out, err
}

// ErrPeerElsewhere reports an AE title that another project holds.
var ErrPeerElsewhere = errors.New("the AE title is allowed in another project")

// PutDicomPeer allows ae to push into project. An AE title held by another project is
// ErrPeerElsewhere unless move is set (the configuration's list is authoritative).
func PutDicomPeer(ctx context.Context, q sqlx.QueryerContext, ae, project, by string, move bool) (DicomPeer, error) {
	var p DicomPeer
	err := sqlx.GetContext(ctx, q, &p, `INSERT INTO dicom_peers (ae_title, project, created_by) VALUES ($1, $2, $3)
		ON CONFLICT (ae_title) DO UPDATE SET project = EXCLUDED.project, created_by = EXCLUDED.created_by, created_at = now()
		WHERE $4 OR dicom_peers.project = EXCLUDED.project
		RETURNING *`, ae, project, by, move)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("put dicom peer %q: %w", ae, ErrPeerElsewhere)
	}
	if err != nil {
		return p, fmt.Errorf("put dicom peer %q: %w", ae, err)
	}
	return p, nil
}

// DeleteDicomPeer removes ae from project; ErrNotFound when project does not hold it.
func DeleteDicomPeer(ctx context.Context, q sqlx.QueryerContext, ae, project string) (DicomPeer, error) {
	var p DicomPeer
	err := sqlx.GetContext(ctx, q, &p, `DELETE FROM dicom_peers WHERE ae_title = $1 AND project = $2 RETURNING *`, ae, project)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// DicomInstance is one instance received over the network.
type DicomInstance struct {
	ID                int64      `db:"id"`
	Project           string     `db:"project"`
	SOPInstanceUID    string     `db:"sop_instance_uid"`
	SOPClassUID       string     `db:"sop_class_uid"`
	StudyInstanceUID  string     `db:"study_instance_uid"`
	SeriesInstanceUID string     `db:"series_instance_uid"`
	StudyDate         *time.Time `db:"study_date"`
	Modality          string     `db:"modality"`
	TransferSyntaxUID string     `db:"transfer_syntax_uid"`
	Source            string     `db:"source"`
	SHA256            string     `db:"sha256"`
	SizeBytes         int64      `db:"size_bytes"`
	Status            string     `db:"status"`
	ErrorCode         *string    `db:"error_code"`
	Error             *string    `db:"error"`
	VolumeID          *int64     `db:"volume_id"`
	ReceivedAt        time.Time  `db:"received_at"`
}

// DicomInstanceByUID returns the instance sop in project.
func DicomInstanceByUID(ctx context.Context, q sqlx.QueryerContext, project, sop string) (DicomInstance, error) {
	var d DicomInstance
	err := sqlx.GetContext(ctx, q, &d, `SELECT * FROM dicom_instances WHERE project = $1 AND sop_instance_uid = $2`, project, sop)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

// PutDicomInstance records d, replacing an earlier record of the same instance in the project.
func PutDicomInstance(ctx context.Context, q sqlx.QueryerContext, d DicomInstance) (DicomInstance, error) {
	err := sqlx.GetContext(ctx, q, &d, `INSERT INTO dicom_instances (project, sop_instance_uid, sop_class_uid,
			study_instance_uid, series_instance_uid, study_date, modality, transfer_syntax_uid, source, sha256, size_bytes,
			status, error_code, error, volume_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (project, sop_instance_uid) DO UPDATE SET sop_class_uid = EXCLUDED.sop_class_uid,
			study_instance_uid = EXCLUDED.study_instance_uid, series_instance_uid = EXCLUDED.series_instance_uid,
			study_date = EXCLUDED.study_date, modality = EXCLUDED.modality, transfer_syntax_uid = EXCLUDED.transfer_syntax_uid,
			source = EXCLUDED.source, sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes, status = EXCLUDED.status,
			error_code = EXCLUDED.error_code, error = EXCLUDED.error, volume_id = EXCLUDED.volume_id, received_at = now()
		RETURNING *`,
		d.Project, d.SOPInstanceUID, d.SOPClassUID, d.StudyInstanceUID, d.SeriesInstanceUID, d.StudyDate, d.Modality,
		d.TransferSyntaxUID, d.Source, d.SHA256, d.SizeBytes, d.Status, d.ErrorCode, d.Error, d.VolumeID)
	if err != nil {
		return d, fmt.Errorf("record dicom instance: %w", err)
	}
	return d, nil
}

// SetDicomInstancesVolume records the outcome of the pending instances ids: the volume they
// became (READY) or the rejection.
func SetDicomInstancesVolume(ctx context.Context, q sqlx.ExecerContext, ids []int64, volumeID int64, status string, code, reason *string) error {
	_, err := q.ExecContext(ctx, `UPDATE dicom_instances SET volume_id = $2, status = $3, error_code = $4, error = $5
		WHERE id = ANY($1)`, pq.Array(ids), volumeID, status, code, reason)
	if err != nil {
		return fmt.Errorf("set dicom instances' volume: %w", err)
	}
	return nil
}

// DicomStudy is a study as QIDO-RS lists it.
type DicomStudy struct {
	StudyInstanceUID string     `db:"study_instance_uid"`
	StudyDate        *time.Time `db:"study_date"`
	Modalities       string     `db:"modalities"`
	Series           int        `db:"series"`
	Instances        int        `db:"instances"`
}

// DicomStudies lists the studies received in project (instances that were not rejected),
// newest first, at most limit from offset; studyUID filters to one study when not empty.
func DicomStudies(ctx context.Context, q sqlx.QueryerContext, project, studyUID string, limit, offset int) ([]DicomStudy, error) {
	out := []DicomStudy{}
	err := sqlx.SelectContext(ctx, q, &out, `SELECT study_instance_uid, min(study_date) AS study_date,
			coalesce(string_agg(DISTINCT modality, '\' ORDER BY modality) FILTER (WHERE modality <> ''), '') AS modalities,
			count(DISTINCT series_instance_uid) AS series, count(*) AS instances
		FROM dicom_instances WHERE project = $1 AND status <> 'REJECTED' AND ($2 = '' OR study_instance_uid = $2)
		GROUP BY study_instance_uid ORDER BY max(received_at) DESC, study_instance_uid LIMIT $3 OFFSET $4`,
		project, studyUID, limit, offset)
	return out, err
}

// DicomSeries is a series as QIDO-RS lists it.
type DicomSeries struct {
	StudyInstanceUID  string `db:"study_instance_uid"`
	SeriesInstanceUID string `db:"series_instance_uid"`
	Modality          string `db:"modality"`
	Instances         int    `db:"instances"`
}

// DicomSeriesOf lists the series of study received in project.
func DicomSeriesOf(ctx context.Context, q sqlx.QueryerContext, project, study string, limit, offset int) ([]DicomSeries, error) {
	out := []DicomSeries{}
	err := sqlx.SelectContext(ctx, q, &out, `SELECT study_instance_uid, series_instance_uid, max(modality) AS modality, count(*) AS instances
		FROM dicom_instances WHERE project = $1 AND study_instance_uid = $2 AND status <> 'REJECTED'
		GROUP BY study_instance_uid, series_instance_uid ORDER BY series_instance_uid LIMIT $3 OFFSET $4`,
		project, study, limit, offset)
	return out, err
}
