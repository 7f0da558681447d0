package dimse

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
)

type recorder struct {
	mu     sync.Mutex
	got    map[string]int64 // SOP instance UID → size
	ended  int
	status uint16
}

func (r *recorder) Accept(_ context.Context, calling string, _ net.Addr) (any, error) {
	if calling != "SCANNER1" {
		return nil, errors.New("unknown")
	}
	return calling, nil
}

func (r *recorder) Store(_ context.Context, a *Association, in Instance) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := os.ReadFile(in.Path)
	if err != nil || string(b[128:132]) != "DICM" || int64(len(b)) != in.Size || a.Peer != "SCANNER1" {
		return Result{StatusCannotUnderstand, "bad file"}
	}
	r.got[in.SOPInstanceUID] = in.Size
	return Result{Status: r.status}
}

func (r *recorder) Ended(*Association, bool) { r.mu.Lock(); r.ended++; r.mu.Unlock() }

func startServer(t *testing.T, rec *recorder, adjust func(*Server)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &Server{AETitle: "AOMAS", Handler: rec, TempDir: t.TempDir(),
		AbstractSyntaxes: map[string]bool{
			"1.2.840.10008.5.1.4.1.1.128": true, "1.2.840.10008.5.1.4.1.1.4": true,
			"1.2.840.10008.5.1.4.1.1.1": true, "1.2.840.10008.5.1.4.1.1.2.1": true},
		TransferSyntaxes: []string{"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}}
	if adjust != nil {
		adjust(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	return ln.Addr().String()
}

func dcmtk(t *testing.T, tool string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, testenv.Dcmtk(t, tool), args...).CombinedOutput()
	return string(out), err
}

func hostPort(t *testing.T, addr string) (string, string) {
	h, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return h, p
}

func TestEchoAndStoreWithDcmtk(t *testing.T) {
	rec := &recorder{got: map[string]int64{}}
	h, p := hostPort(t, startServer(t, rec, nil))

	out, err := dcmtk(t, "echoscu", "-aet", "SCANNER1", "-aec", "AOMAS", h, p)
	require.NoError(t, err, out)

	files, _ := filepath.Glob("../../ingest/testdata/dicom/*.dcm")
	require.Len(t, files, 5)
	// A small PDU limit on the sender's side makes every data set arrive in many fragments.
	args := append([]string{"-aet", "SCANNER1", "-aec", "AOMAS", "--max-send-pdu", "4096", h, p}, files...)
	out, err = dcmtk(t, "storescu", args...)
	require.NoError(t, err, out)
	rec.mu.Lock()
	require.Len(t, rec.got, 5, out)
	rec.mu.Unlock()

	// Unknown calling AE title and wrong called AE title: refused at association.
	out, err = dcmtk(t, "echoscu", "-aet", "INTRUDER", "-aec", "AOMAS", h, p)
	require.Error(t, err)
	require.Contains(t, out, "Calling AE Title Not Recognized", out)
	out, err = dcmtk(t, "echoscu", "-aet", "SCANNER1", "-aec", "OTHER", h, p)
	require.Error(t, err)
	require.Contains(t, out, "Called AE Title Not Recognized", out)
}

func TestStoreStatusesWithDcmtk(t *testing.T) {
	rec := &recorder{got: map[string]int64{}, status: StatusCannotUnderstand}
	h, p := hostPort(t, startServer(t, rec, func(s *Server) { s.MaxInstanceBytes = 100 << 10 }))
	// 1.dcm (65 kB) reaches the handler, which refuses it; 4.dcm (7.5 MB) is over the
	// instance limit and is refused with "out of resources" without being stored.
	out, _ := dcmtk(t, "storescu", "-v", "-nh", "-aet", "SCANNER1", "-aec", "AOMAS", h, p,
		"../../ingest/testdata/dicom/1.dcm", "../../ingest/testdata/dicom/4.dcm")
	require.Contains(t, out, "Error: CannotUnderstand", out)
	require.Contains(t, out, "Refused: OutOfResources", out)
	rec.mu.Lock()
	require.Len(t, rec.got, 1)
	rec.mu.Unlock()
}

func TestAssociationLimit(t *testing.T) {
	rec := &recorder{got: map[string]int64{}}
	addr := startServer(t, rec, func(s *Server) { s.MaxAssociations = 1; s.ARTIM = 2 * time.Second })
	// Hold one association open with a raw connection that has sent an A-ASSOCIATE-RQ.
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(sampleRQ())
	require.NoError(t, err)
	r := pduReader{r: c}
	typ, _, err := r.next(1 << 16)
	require.NoError(t, err)
	require.Equal(t, byte(pduAssociateAC), typ)

	h, p := hostPort(t, addr)
	out, err := dcmtk(t, "echoscu", "-aet", "SCANNER1", "-aec", "AOMAS", h, p)
	require.Error(t, err)
	require.Contains(t, out, "Local Limit Exceeded", out)
}
