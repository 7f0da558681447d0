package dimse

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// UIDs the SCP names itself by or negotiates.
const (
	appContext = "1.2.840.10008.3.1.1.1"
	// VerificationSOPClass is C-ECHO's SOP class.
	VerificationSOPClass = "1.2.840.10008.1.1"
	// ImplementationClassUID identifies aomas (a UUID-derived 2.25 root).
	ImplementationClassUID = "2.25.186521308765342837492016873522937144311"
	// ImplementationVersion names the implementation (at most 16 characters).
	ImplementationVersion = "AOMAS_1"
)

// Association is an accepted association as a Handler sees it.
type Association struct {
	ID        uint64
	CallingAE string
	CalledAE  string
	Remote    net.Addr
	// Peer is what Handler.Accept returned for the calling AE title.
	Peer any
}

// Instance is a received data set, written as a DICOM Part 10 file (a file meta group
// built from the command and the context's transfer syntax, then the data set as sent).
type Instance struct {
	SOPClassUID       string
	SOPInstanceUID    string
	TransferSyntaxUID string
	// Path is the file; it is removed after Store returns unless Store moved it away.
	Path string
	// Size is the file's size in bytes.
	Size int64
}

// Result is a C-STORE response's status and error comment.
type Result struct {
	Status  uint16
	Comment string
}

// Handler decides who may associate and what becomes of instances.
type Handler interface {
	// Accept is asked for each association request; an error refuses it with
	// "calling AE title not recognized". Its value is kept as Association.Peer.
	Accept(ctx context.Context, callingAE string, remote net.Addr) (any, error)
	// Store is called once for each received instance, before its response is sent.
	Store(ctx context.Context, a *Association, in Instance) Result
	// Ended is called once when an accepted association ends (released, aborted or broken).
	Ended(a *Association, released bool)
}

// Server is a C-ECHO and C-STORE service class provider.
type Server struct {
	// AETitle is the called AE title the server answers to.
	AETitle string
	Handler Handler
	// AbstractSyntaxes are the storage SOP classes accepted; Verification always is.
	AbstractSyntaxes map[string]bool
	// TransferSyntaxes are those accepted for storage; of those a context proposes, the
	// first in the requestor's order is taken (a sender that puts deflate first wants it).
	TransferSyntaxes []string
	// MaxAssociations bounds concurrent associations; more are refused (transient).
	MaxAssociations int
	// MaxInstanceBytes bounds a data set; a larger one is refused with 0xA700.
	MaxInstanceBytes int64
	// MaxPDU is the largest P-DATA-TF body the server receives (advertised).
	MaxPDU uint32
	// ARTIM bounds the wait for the A-ASSOCIATE-RQ and for the peer's close after release.
	ARTIM time.Duration
	// Idle bounds the wait for the next PDU within an association.
	Idle time.Duration
	// TempDir holds instances while they arrive.
	TempDir string
	Logger  *slog.Logger

	active atomic.Int64
	ids    atomic.Uint64
}

const maxControlPDU = 64 << 10

func (s *Server) defaults() {
	if s.MaxAssociations <= 0 {
		s.MaxAssociations = 16
	}
	if s.MaxInstanceBytes <= 0 {
		s.MaxInstanceBytes = 2 << 30
	}
	if s.MaxPDU == 0 {
		s.MaxPDU = 256 << 10
	}
	if s.ARTIM <= 0 {
		s.ARTIM = 30 * time.Second
	}
	if s.Idle <= 0 {
		s.Idle = 5 * time.Minute
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Serve accepts associations on ln until ctx ends; it then closes ln and waits for the
// associations under way to end (their connections are closed).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.defaults()
	var wg sync.WaitGroup
	conns := sync.Map{}
	stop := context.AfterFunc(ctx, func() {
		_ = ln.Close()
		conns.Range(func(k, _ any) bool { _ = k.(net.Conn).Close(); return true })
	})
	defer stop()
	var err error
	for {
		var c net.Conn
		c, err = ln.Accept()
		if err != nil {
			break
		}
		conns.Store(c, true)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conns.Delete(c)
			s.serveConn(ctx, c)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("dicom accept: %w", err)
}

// conn is one association's state.
type conn struct {
	s      *Server
	c      net.Conn
	r      pduReader
	bw     *bufio.Writer
	w      pduWriter
	a      *Association
	peer   uint32 // peer's maximum P-DATA body; 0: no limit
	ctxs   map[byte]acceptedContext
	abst   map[byte]string
	pdvs   []pdv
	cmdBuf []byte
	// the instance being received
	cur     *command
	curCtx  byte
	file    *os.File
	fw      *bufio.Writer
	size    int64
	over    bool
	failure error
}

func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	defer func() { _ = nc.Close() }()
	c := &conn{s: s, c: nc, bw: bufio.NewWriterSize(nc, 16<<10)}
	c.r.r = bufio.NewReaderSize(nc, 256<<10)
	log := s.Logger.With("remote", nc.RemoteAddr().String())

	_ = nc.SetReadDeadline(time.Now().Add(s.ARTIM))
	typ, body, err := c.r.next(maxControlPDU)
	if err != nil || typ != pduAssociateRQ {
		log.Info("dicom association not requested", "err", err, "pdu", typ)
		c.abort(0)
		return
	}
	rq, err := parseAssociateRQ(body)
	if err != nil {
		log.Info("dicom association request malformed", "err", err)
		c.abort(2)
		return
	}
	log = log.With("calling_ae", rq.CallingAE, "called_ae", rq.CalledAE)
	if n := s.active.Add(1); n > int64(s.MaxAssociations) {
		s.active.Add(-1)
		log.Warn("dicom association refused: too many associations", "limit", s.MaxAssociations)
		c.send(associateRJ(&c.w, RejectLocalLimit))
		return
	}
	defer s.active.Add(-1)
	switch {
	case rq.ProtocolVersion&1 == 0:
		c.send(associateRJ(&c.w, RejectVersion))
		return
	case rq.ApplicationContext != appContext:
		c.send(associateRJ(&c.w, RejectAppContext))
		return
	case rq.CalledAE != s.AETitle:
		log.Info("dicom association refused: called AE title not recognised")
		c.send(associateRJ(&c.w, RejectCalledAE))
		return
	}
	peer, err := s.Handler.Accept(ctx, rq.CallingAE, nc.RemoteAddr())
	if err != nil {
		log.Info("dicom association refused: calling AE title not recognised", "err", err)
		c.send(associateRJ(&c.w, RejectCallingAE))
		return
	}
	c.a = &Association{ID: s.ids.Add(1), CallingAE: rq.CallingAE, CalledAE: rq.CalledAE, Remote: nc.RemoteAddr(), Peer: peer}
	c.peer = rq.MaxPDU
	answers := s.negotiate(rq)
	c.ctxs, c.abst = map[byte]acceptedContext{}, map[byte]string{}
	for i, a := range answers {
		if a.result == pcAccept {
			c.ctxs[a.id] = a
			c.abst[a.id] = rq.Contexts[i].AbstractSyntax
		}
	}
	if !c.send(associateAC(&c.w, rq, answers, s.MaxPDU)) {
		return
	}
	log = log.With("association", c.a.ID)
	released := false
	defer func() {
		c.dropInstance()
		s.Handler.Ended(c.a, released)
	}()
	released, err = c.loop(ctx)
	switch {
	case err == nil:
	case errors.Is(err, ErrProtocol):
		log.Warn("dicom association aborted", "err", err)
		c.abort(2)
	default:
		log.Info("dicom association broken", "err", err)
	}
}

// negotiate answers each proposed context.
func (s *Server) negotiate(rq *AssociateRQ) []acceptedContext {
	out := make([]acceptedContext, 0, len(rq.Contexts))
	for _, pc := range rq.Contexts {
		a := acceptedContext{id: pc.ID, result: pcAbstractNotSupported}
		var accept []string
		switch {
		case pc.AbstractSyntax == VerificationSOPClass:
			accept = []string{"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"}
		case s.AbstractSyntaxes[pc.AbstractSyntax]:
			accept = s.TransferSyntaxes
		}
		if accept != nil {
			a.result = pcTransferSyntaxesNotSupp
		pick:
			for _, ts := range pc.TransferSyntaxes {
				for _, ours := range accept {
					if ts == ours {
						a.result, a.ts = pcAccept, ts
						break pick
					}
				}
			}
		}
		if pc.ID%2 == 0 {
			a.result = pcNoReason // ids are odd (PS3.8 9.3.2.2)
		}
		out = append(out, a)
	}
	return out
}

// loop serves PDUs until the association ends; released is true after an orderly release.
func (c *conn) loop(ctx context.Context) (released bool, err error) {
	for {
		if ctx.Err() != nil {
			c.abort(0)
			return false, nil
		}
		_ = c.c.SetReadDeadline(time.Now().Add(c.s.Idle))
		typ, body, err := c.r.next(max(c.s.MaxPDU, maxControlPDU))
		if err != nil {
			return false, err
		}
		switch typ {
		case pduDataTF:
			if err := c.pdata(ctx, body); err != nil {
				return false, err
			}
		case pduReleaseRQ:
			if c.cur != nil {
				return false, protoErr("release requested in the middle of a message")
			}
			c.send(releaseRP(&c.w))
			// ARTIM: wait for the requestor to close, then close anyway.
			_ = c.c.SetReadDeadline(time.Now().Add(c.s.ARTIM))
			_, _ = io.Copy(io.Discard, io.LimitReader(c.c, 1<<10))
			return true, nil
		case pduAbort:
			return false, nil
		default:
			return false, protoErr("unexpected PDU type 0x%02x in an association", typ)
		}
	}
}

// pdata handles one P-DATA-TF.
func (c *conn) pdata(ctx context.Context, body []byte) error {
	var err error
	if c.pdvs, err = parsePDVs(body, c.pdvs); err != nil {
		return err
	}
	for _, v := range c.pdvs {
		if _, ok := c.ctxs[v.ctxID]; !ok {
			return protoErr("PDV on presentation context %d, which was not accepted", v.ctxID)
		}
		if v.command {
			if c.cur != nil {
				return protoErr("command fragment while a data set is awaited")
			}
			if len(c.cmdBuf)+len(v.data) > maxCommandBytes {
				return protoErr("command set over %d bytes", maxCommandBytes)
			}
			c.cmdBuf = append(c.cmdBuf, v.data...)
			if !v.last {
				continue
			}
			cmd, err := parseCommand(c.cmdBuf)
			c.cmdBuf = c.cmdBuf[:0]
			if err != nil {
				return err
			}
			if err := c.command(ctx, v.ctxID, cmd); err != nil {
				return err
			}
			continue
		}
		if c.cur == nil || v.ctxID != c.curCtx {
			return protoErr("data set fragment without its command")
		}
		c.data(v.data)
		if v.last {
			if err := c.finishStore(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// command starts what a complete command set asks for.
func (c *conn) command(ctx context.Context, ctxID byte, cmd command) error {
	switch cmd.field {
	case cmdCEchoRQ:
		if cmd.dataSetType != noDataSet {
			return protoErr("C-ECHO-RQ with a data set")
		}
		return c.respond(ctxID, cmdCEchoRQ|cmdRSP, cmd.messageID, VerificationSOPClass, "", StatusSuccess, "")
	case cmdCStoreRQ:
		if cmd.dataSetType == noDataSet {
			return protoErr("C-STORE-RQ without a data set")
		}
		c.cur, c.curCtx, c.size, c.over, c.failure = &cmd, ctxID, 0, false, nil
		if cmd.sopClass != c.abst[ctxID] {
			c.failure = fmt.Errorf("SOP class %s was sent on a context for %s", cmd.sopClass, c.abst[ctxID])
			return nil
		}
		if err := c.openInstance(cmd, c.ctxs[ctxID].ts); err != nil {
			c.failure = err
		}
		return nil
	}
	if cmd.dataSetType != noDataSet {
		return protoErr("unsupported command 0x%04x with a data set", cmd.field)
	}
	return c.respond(ctxID, cmd.field|cmdRSP, cmd.messageID, cmd.sopClass, "", StatusUnrecognizedOp, "operation not supported")
}

func (c *conn) openInstance(cmd command, ts string) error {
	if err := os.MkdirAll(c.s.TempDir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.s.TempDir, "dimse-*.dcm")
	if err != nil {
		return err
	}
	c.file = f
	if c.fw == nil {
		c.fw = bufio.NewWriterSize(f, 256<<10)
	} else {
		c.fw.Reset(f)
	}
	_, err = c.fw.Write(fileMeta(cmd.sopClass, cmd.sopInstance, ts, c.a.CallingAE))
	return err
}

// data appends a fragment of the data set, stopping at the size limit.
func (c *conn) data(b []byte) {
	c.size += int64(len(b))
	if c.size > c.s.MaxInstanceBytes && !c.over {
		c.over = true
		c.dropInstance()
	}
	if c.file == nil || c.failure != nil {
		return
	}
	if _, err := c.fw.Write(b); err != nil {
		c.failure = err
		c.dropInstance()
	}
}

func (c *conn) dropInstance() {
	if c.file != nil {
		_ = c.file.Close()
		_ = os.Remove(c.file.Name())
		c.file = nil
	}
}

// finishStore hands a complete instance to the handler and answers it.
func (c *conn) finishStore(ctx context.Context) error {
	cmd, ctxID := c.cur, c.curCtx
	c.cur = nil
	var res Result
	switch {
	case c.over:
		res = Result{StatusOutOfResources, fmt.Sprintf("data set over the limit of %d bytes", c.s.MaxInstanceBytes)}
	case c.failure != nil && c.file == nil && cmd.sopClass != c.abst[ctxID]:
		res = Result{StatusSOPClassNotSupp, "SOP class does not match the presentation context"}
	case c.failure != nil:
		c.s.Logger.Error("dicom instance not spooled", "err", c.failure)
		res = Result{StatusOutOfResources, "the instance could not be stored"}
		c.dropInstance()
	default:
		path := c.file.Name()
		err := c.fw.Flush()
		st, serr := c.file.Stat()
		if cerr := c.file.Close(); err == nil {
			err = cerr
		}
		c.file = nil
		if err == nil {
			err = serr
		}
		if err != nil {
			_ = os.Remove(path)
			c.s.Logger.Error("dicom instance not spooled", "err", err)
			res = Result{StatusOutOfResources, "the instance could not be stored"}
			break
		}
		res = c.s.Handler.Store(ctx, c.a, Instance{SOPClassUID: cmd.sopClass, SOPInstanceUID: cmd.sopInstance,
			TransferSyntaxUID: c.ctxs[ctxID].ts, Path: path, Size: st.Size()})
		_ = os.Remove(path)
	}
	return c.respond(ctxID, cmdCStoreRQ|cmdRSP, cmd.messageID, cmd.sopClass, cmd.sopInstance, res.Status, res.Comment)
}

func (c *conn) respond(ctxID byte, field, msgID uint16, sopClass, sopInstance string, status uint16, comment string) error {
	msg := response(field, msgID, sopClass, sopInstance, status, comment)
	if !c.send(pdataPDUs(&c.w, ctxID, true, msg, c.peer)) {
		return io.ErrClosedPipe
	}
	return nil
}

func (c *conn) send(b []byte) bool {
	_ = c.c.SetWriteDeadline(time.Now().Add(c.s.ARTIM))
	if _, err := c.bw.Write(b); err != nil {
		return false
	}
	return c.bw.Flush() == nil
}

// abort sends an A-ABORT from the service provider with reason.
func (c *conn) abort(reason byte) { c.send(abortPDU(&c.w, 2, reason)) }

// fileMeta is the preamble, "DICM" and file meta group of a Part 10 file.
func fileMeta(sopClass, sopInstance, ts, sourceAE string) []byte {
	var g []byte
	el := func(elem uint16, vr string, v []byte) {
		g = binary.LittleEndian.AppendUint16(g, 2)
		g = binary.LittleEndian.AppendUint16(g, elem)
		g = append(g, vr...)
		if vr == "OB" {
			g = append(g, 0, 0)
			g = binary.LittleEndian.AppendUint32(g, uint32(len(v)))
		} else {
			g = binary.LittleEndian.AppendUint16(g, uint16(len(v)))
		}
		g = append(g, v...)
	}
	el(0x0001, "OB", []byte{0, 1})
	el(0x0002, "UI", evenUID(sopClass))
	el(0x0003, "UI", evenUID(sopInstance))
	el(0x0010, "UI", evenUID(ts))
	el(0x0012, "UI", evenUID(ImplementationClassUID))
	el(0x0013, "SH", []byte(ImplementationVersion+" "))
	if sourceAE != "" {
		ae := sourceAE
		if len(ae)%2 == 1 {
			ae += " "
		}
		el(0x0016, "AE", []byte(ae))
	}
	out := make([]byte, 128, 128+4+12+len(g))
	out = append(out, "DICM"...)
	out = binary.LittleEndian.AppendUint16(out, 2)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = append(out, "UL"...)
	out = binary.LittleEndian.AppendUint16(out, 4)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(g)))
	return append(out, g...)
}
