package dicomnet

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/dimse"
)

// StorageSOPClasses are the image storage SOP classes accepted: those whose pixel data
// ingest reads (single- and multi-frame grey or RGB images). Others are refused per
// presentation context at association.
var StorageSOPClasses = []string{
	"1.2.840.10008.5.1.4.1.1.1",        // Computed Radiography
	"1.2.840.10008.5.1.4.1.1.1.1",      // Digital X-Ray (presentation)
	"1.2.840.10008.5.1.4.1.1.1.1.1",    // Digital X-Ray (processing)
	"1.2.840.10008.5.1.4.1.1.2",        // CT
	"1.2.840.10008.5.1.4.1.1.2.1",      // Enhanced CT
	"1.2.840.10008.5.1.4.1.1.4",        // MR
	"1.2.840.10008.5.1.4.1.1.4.1",      // Enhanced MR
	"1.2.840.10008.5.1.4.1.1.6.1",      // Ultrasound
	"1.2.840.10008.5.1.4.1.1.3.1",      // Ultrasound Multi-frame
	"1.2.840.10008.5.1.4.1.1.7",        // Secondary Capture
	"1.2.840.10008.5.1.4.1.1.7.1",      // Multi-frame Single Bit SC (refused by ingest: 1 bit)
	"1.2.840.10008.5.1.4.1.1.7.2",      // Multi-frame Grayscale Byte SC
	"1.2.840.10008.5.1.4.1.1.7.3",      // Multi-frame Grayscale Word SC
	"1.2.840.10008.5.1.4.1.1.7.4",      // Multi-frame True Color SC
	"1.2.840.10008.5.1.4.1.1.12.1",     // X-Ray Angiographic
	"1.2.840.10008.5.1.4.1.1.20",       // Nuclear Medicine
	"1.2.840.10008.5.1.4.1.1.128",      // PET
	"1.2.840.10008.5.1.4.1.1.77.1.4",   // VL Photographic
	"1.2.840.10008.5.1.4.1.1.77.1.5.1", // Ophthalmic Photography 8 Bit
	"1.2.840.10008.5.1.4.1.1.77.1.5.2", // Ophthalmic Photography 16 Bit
	"1.2.840.10008.5.1.4.1.1.77.1.5.4", // Ophthalmic Tomography
	"1.2.840.10008.5.1.4.1.1.77.1.5.5", // Wide Field Ophthalmic Photography Stereographic
	"1.2.840.10008.5.1.4.1.1.77.1.5.6", // Wide Field Ophthalmic Photography 3D
	"1.2.840.10008.5.1.4.1.1.77.1.5.7", // Ophthalmic OCT En Face
	"1.2.840.10008.5.1.4.1.1.77.1.5.8", // Ophthalmic OCT B-scan Volume Analysis
}

// TransferSyntaxes are those ingest decodes, in the order preferred when a context offers
// several; JPEG-LS, JPEG 2000, RLE and the rest are refused per presentation context.
var TransferSyntaxes = []string{
	"1.2.840.10008.1.2.1",    // Explicit VR Little Endian
	"1.2.840.10008.1.2",      // Implicit VR Little Endian
	"1.2.840.10008.1.2.1.99", // Deflated Explicit VR Little Endian
	"1.2.840.10008.1.2.2",    // Explicit VR Big Endian (retired)
	"1.2.840.10008.1.2.4.50", // JPEG Baseline (8-bit)
}

// SCP is the dimse.Handler that admits the allowed calling AE titles and hands what they
// send to a Receiver.
type SCP struct {
	DB       db.DB
	Receiver *Receiver
}

// ErrUnknownAE refuses a calling AE title that is not on the list.
var ErrUnknownAE = fmt.Errorf("calling AE title not allowed")

// Accept admits a calling AE title that an admin allowed; its project receives what it sends.
func (s *SCP) Accept(ctx context.Context, callingAE string, _ net.Addr) (any, error) {
	p, err := db.DicomPeerByAE(ctx, s.DB, callingAE)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrUnknownAE, callingAE, err)
	}
	return p, nil
}

func sender(a *dimse.Association) Sender {
	p := a.Peer.(db.DicomPeer)
	return Sender{ID: "assoc:" + strconv.FormatUint(a.ID, 10), Project: p.Project, Source: "ae:" + p.AETitle}
}

// Store receives one instance.
func (s *SCP) Store(ctx context.Context, a *dimse.Association, in dimse.Instance) dimse.Result {
	o, err := s.Receiver.Receive(ctx, sender(a), in.Path, in.Size, in.SOPClassUID, in.SOPInstanceUID)
	if err != nil {
		s.Receiver.Logger.Error("dicom instance not received", "association", a.ID, "err", err)
		return dimse.Result{Status: dimse.StatusOutOfResources, Comment: "the instance could not be stored; retry later"}
	}
	if o.Status == dimse.StatusSuccess {
		return dimse.Result{}
	}
	return dimse.Result{Status: o.Status, Comment: o.Code + ": " + o.Reason}
}

// Ended closes the association's groups after the quiet period.
func (s *SCP) Ended(a *dimse.Association, _ bool) { s.Receiver.Ended(sender(a)) }

// NewServer is a dimse.Server for aetitle that accepts StorageSOPClasses in TransferSyntaxes.
func NewServer(aetitle string, h dimse.Handler) *dimse.Server {
	abs := map[string]bool{}
	for _, c := range StorageSOPClasses {
		abs[c] = true
	}
	return &dimse.Server{AETitle: aetitle, Handler: h, AbstractSyntaxes: abs, TransferSyntaxes: TransferSyntaxes}
}
