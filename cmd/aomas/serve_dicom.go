package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/dicomnet"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/rbac"
)

// dicomParts are the DICOM network service's parts that serve wires in.
type dicomParts struct {
	receiver *dicomnet.Receiver
	web      *dicomnet.DICOMweb
}

func newDicom(c *config, conn *sqlx.DB, in *intake.Service, policy *rbac.Enforcer, logger *slog.Logger) *dicomParts {
	log := logger.With("component", "dicom")
	r := &dicomnet.Receiver{DB: conn, Intake: in, SubjectKey: c.SubjectKey, Limits: ingest.Options{MaxBytes: c.MaxUpload},
		Dir: filepath.Join(c.DataDir, "dicom"), Quiet: c.DICOM.Quiet, Logger: log}
	return &dicomParts{receiver: r, web: &dicomnet.DICOMweb{DB: conn, Receiver: r, Enforcer: policy,
		MaxInstanceBytes: min(c.DICOM.MaxInstanceBytes, c.MaxUpload), MaxRequestBytes: 4 * c.MaxUpload,
		TempDir: filepath.Join(c.DataDir, "tmp"), Logger: log}}
}

// allowConfigured writes the AE titles of --dicom-allow into the allow list, audited.
func allowConfigured(ctx context.Context, conn *sqlx.DB, allow map[string]string) error {
	for ae, project := range allow {
		if _, err := db.PutDicomPeer(ctx, conn, ae, project, "config", true); err != nil {
			return err
		}
		if _, err := audit.AppendDB(ctx, conn, audit.Entry{Actor: "config", Action: rbac.ActWrite, Object: "DicomPeer:" + ae,
			Outcome: audit.OutcomeOK, Target: "calling AE " + ae + " may send to project " + project}); err != nil {
			return err
		}
	}
	return nil
}

// serveDicom runs the C-STORE SCP until ctx ends.
func (p *dicomParts) serve(ctx context.Context, c *config, conn *sqlx.DB, logger *slog.Logger) (<-chan error, error) {
	if err := allowConfigured(ctx, conn, c.DICOM.Allow); err != nil {
		return nil, fmt.Errorf("dicom allow list: %w", err)
	}
	srv := dicomnet.NewServer(c.DICOM.AETitle, &dicomnet.SCP{DB: conn, Receiver: p.receiver})
	srv.MaxAssociations, srv.MaxInstanceBytes = c.DICOM.MaxAssociations, c.DICOM.MaxInstanceBytes
	srv.Idle, srv.ARTIM = c.DICOM.Idle, c.DICOM.ARTIM
	srv.TempDir, srv.Logger = filepath.Join(c.DataDir, "tmp"), logger.With("component", "dimse")
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.DICOM.Listen)
	if err != nil {
		return nil, fmt.Errorf("dicom listen on %s: %w", c.DICOM.Listen, err)
	}
	logger.Info("aomas DICOM service", "address", ln.Addr().String(), "ae_title", c.DICOM.AETitle)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, ln) }()
	return errc, nil
}
