// Package dimse is the part of the DICOM upper layer (PS3.8) and message exchange (PS3.7)
// that a storage SCP needs: association negotiation, P-DATA reassembly, release and abort,
// and the C-ECHO and C-STORE services. No maintained Go library for it is served by the
// module proxy (grailbio/go-netdicom is unmaintained since 2019 and built on another DICOM
// parser); every length read from the network is checked before anything is allocated.
package dimse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PDU types (PS3.8 9.3).
const (
	pduAssociateRQ = 0x01
	pduAssociateAC = 0x02
	pduAssociateRJ = 0x03
	pduDataTF      = 0x04
	pduReleaseRQ   = 0x05
	pduReleaseRP   = 0x06
	pduAbort       = 0x07
)

// ErrProtocol marks a peer that broke the upper-layer protocol; the association is aborted.
var ErrProtocol = errors.New("dicom upper-layer protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// pduReader reads PDUs into a buffer it reuses; a PDU's body is valid until the next read.
type pduReader struct {
	r   io.Reader
	hdr [6]byte
	buf []byte
}

// next reads one PDU whose body is at most limit bytes. The length field is checked against
// limit before the body is read or its buffer grown.
func (p *pduReader) next(limit uint32) (byte, []byte, error) {
	if _, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
		return 0, nil, err
	}
	typ := p.hdr[0]
	n := binary.BigEndian.Uint32(p.hdr[2:])
	if typ < pduAssociateRQ || typ > pduAbort {
		return typ, nil, protoErr("unknown PDU type 0x%02x", typ)
	}
	if n > limit {
		return typ, nil, protoErr("PDU type 0x%02x of %d bytes is over the limit of %d", typ, n, limit)
	}
	if uint32(cap(p.buf)) < n {
		p.buf = make([]byte, n)
	}
	p.buf = p.buf[:n]
	if _, err := io.ReadFull(p.r, p.buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return typ, nil, err
	}
	return typ, p.buf, nil
}

// pdv is one presentation data value of a P-DATA-TF PDU.
type pdv struct {
	ctxID   byte
	command bool
	last    bool
	data    []byte
}

// parsePDVs splits a P-DATA-TF body into its PDVs; data aliases body.
func parsePDVs(body []byte, out []pdv) ([]pdv, error) {
	out = out[:0]
	for len(body) > 0 {
		if len(body) < 6 {
			return nil, protoErr("PDV item header of %d bytes", len(body))
		}
		n := binary.BigEndian.Uint32(body)
		if n < 2 || uint64(n) > uint64(len(body)-4) {
			return nil, protoErr("PDV item of %d bytes in %d remaining", n, len(body)-4)
		}
		mch := body[5]
		if mch&^3 != 0 {
			return nil, protoErr("PDV message control header 0x%02x", mch)
		}
		out = append(out, pdv{ctxID: body[4], command: mch&1 != 0, last: mch&2 != 0, data: body[6 : 4+n]})
		body = body[4+n:]
	}
	if len(out) == 0 {
		return nil, protoErr("P-DATA-TF without PDVs")
	}
	return out, nil
}

// PresentationContext is one proposed context of an A-ASSOCIATE-RQ.
type PresentationContext struct {
	ID               byte
	AbstractSyntax   string
	TransferSyntaxes []string
}

// AssociateRQ is what a requestor proposes.
type AssociateRQ struct {
	ProtocolVersion    uint16
	CalledAE           string
	CallingAE          string
	ApplicationContext string
	Contexts           []PresentationContext
	// MaxPDU is the largest P-DATA-TF body the requestor receives; 0: no limit.
	MaxPDU              uint32
	ImplementationClass string
	ImplementationName  string
}

const (
	maxContexts  = 128 // PS3.8: odd ids 1..255
	maxSyntaxes  = 64
	maxUIDLength = 64
)

// parseAssociateRQ reads the body of an A-ASSOCIATE-RQ.
func parseAssociateRQ(b []byte) (*AssociateRQ, error) {
	if len(b) < 68 {
		return nil, protoErr("A-ASSOCIATE-RQ of %d bytes", len(b))
	}
	rq := &AssociateRQ{
		ProtocolVersion: binary.BigEndian.Uint16(b),
		CalledAE:        aeTitle(b[4:20]),
		CallingAE:       aeTitle(b[20:36]),
	}
	err := items(b[68:], func(typ byte, v []byte) error {
		switch typ {
		case 0x10:
			rq.ApplicationContext = uidString(v)
		case 0x20:
			if len(rq.Contexts) >= maxContexts {
				return protoErr("more than %d presentation contexts", maxContexts)
			}
			if len(v) < 4 {
				return protoErr("presentation context item of %d bytes", len(v))
			}
			pc := PresentationContext{ID: v[0]}
			err := items(v[4:], func(st byte, sv []byte) error {
				switch st {
				case 0x30:
					pc.AbstractSyntax = uidString(sv)
				case 0x40:
					if len(pc.TransferSyntaxes) >= maxSyntaxes {
						return protoErr("more than %d transfer syntaxes in a context", maxSyntaxes)
					}
					pc.TransferSyntaxes = append(pc.TransferSyntaxes, uidString(sv))
				}
				return nil
			})
			if err != nil {
				return err
			}
			rq.Contexts = append(rq.Contexts, pc)
		case 0x50:
			return items(v, func(st byte, sv []byte) error {
				switch st {
				case 0x51:
					if len(sv) != 4 {
						return protoErr("maximum length item of %d bytes", len(sv))
					}
					rq.MaxPDU = binary.BigEndian.Uint32(sv)
				case 0x52:
					rq.ImplementationClass = uidString(sv)
				case 0x55:
					rq.ImplementationName = strings.TrimSpace(string(sv))
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rq, nil
}

// items walks type(1) reserved(1) length(2) items.
func items(b []byte, fn func(typ byte, v []byte) error) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return protoErr("item header of %d bytes", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n > len(b)-4 {
			return protoErr("item 0x%02x of %d bytes in %d remaining", b[0], n, len(b)-4)
		}
		if err := fn(b[0], b[4:4+n]); err != nil {
			return err
		}
		b = b[4+n:]
	}
	return nil
}

func aeTitle(b []byte) string { return strings.TrimSpace(strings.TrimRight(string(b), "\x00")) }

func uidString(b []byte) string {
	if len(b) > maxUIDLength {
		b = b[:maxUIDLength]
	}
	return strings.TrimRight(string(b), "\x00 ")
}

// pduWriter builds PDUs in a reused buffer.
type pduWriter struct{ b []byte }

func (w *pduWriter) start(typ byte) { w.b = append(w.b[:0], typ, 0, 0, 0, 0, 0) }

func (w *pduWriter) finish() []byte {
	binary.BigEndian.PutUint32(w.b[2:], uint32(len(w.b)-6))
	return w.b
}

func (w *pduWriter) item(typ byte, v []byte) {
	w.b = append(w.b, typ, 0)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(len(v)))
	w.b = append(w.b, v...)
}

func padAE(s string) []byte {
	b := []byte(fmt.Sprintf("%-16s", s))
	return b[:16]
}

// Context negotiation results (PS3.8 9.3.3.2).
const (
	pcAccept                  = 0
	pcUserReject              = 1
	pcNoReason                = 2
	pcAbstractNotSupported    = 3
	pcTransferSyntaxesNotSupp = 4
)

// acceptedContext is the answer to one proposed context.
type acceptedContext struct {
	id     byte
	result byte
	ts     string
}

// associateAC encodes an A-ASSOCIATE-AC answering rq.
func associateAC(w *pduWriter, rq *AssociateRQ, ctxs []acceptedContext, maxPDU uint32) []byte {
	w.start(pduAssociateAC)
	w.b = append(w.b, 0, 1, 0, 0)
	w.b = append(w.b, padAE(rq.CalledAE)...)
	w.b = append(w.b, padAE(rq.CallingAE)...)
	w.b = append(w.b, make([]byte, 32)...)
	w.item(0x10, []byte(appContext))
	for _, c := range ctxs {
		ts := c.ts
		if c.result != pcAccept {
			ts = "" // the syntax item is present but not significant
		}
		sub := make([]byte, 0, 8+len(ts))
		sub = append(sub, c.id, 0, c.result, 0, 0x40, 0)
		sub = binary.BigEndian.AppendUint16(sub, uint16(len(ts)))
		sub = append(sub, ts...)
		w.item(0x21, sub)
	}
	var ui []byte
	ui = append(ui, 0x51, 0, 0, 4)
	ui = binary.BigEndian.AppendUint32(ui, maxPDU)
	ui = append(ui, 0x52, 0)
	ui = binary.BigEndian.AppendUint16(ui, uint16(len(ImplementationClassUID)))
	ui = append(ui, ImplementationClassUID...)
	ui = append(ui, 0x55, 0)
	ui = binary.BigEndian.AppendUint16(ui, uint16(len(ImplementationVersion)))
	ui = append(ui, ImplementationVersion...)
	w.item(0x50, ui)
	return w.finish()
}

// Reject is the rejection of an association (PS3.8 9.3.4).
type Reject struct {
	Result, Source, Reason byte
}

// Rejections the SCP sends.
var (
	RejectCallingAE   = Reject{Result: 1, Source: 1, Reason: 3} // calling AE title not recognized
	RejectCalledAE    = Reject{Result: 1, Source: 1, Reason: 7} // called AE title not recognized
	RejectAppContext  = Reject{Result: 1, Source: 1, Reason: 2} // application context name not supported
	RejectVersion     = Reject{Result: 1, Source: 2, Reason: 2} // protocol version not supported
	RejectLocalLimit  = Reject{Result: 2, Source: 3, Reason: 2} // local limit exceeded (transient)
	RejectUnavailable = Reject{Result: 2, Source: 3, Reason: 1} // temporary congestion
)

func associateRJ(w *pduWriter, r Reject) []byte {
	w.start(pduAssociateRJ)
	w.b = append(w.b, 0, r.Result, r.Source, r.Reason)
	return w.finish()
}

func abortPDU(w *pduWriter, source, reason byte) []byte {
	w.start(pduAbort)
	w.b = append(w.b, 0, 0, source, reason)
	return w.finish()
}

func releaseRP(w *pduWriter) []byte {
	w.start(pduReleaseRP)
	w.b = append(w.b, 0, 0, 0, 0)
	return w.finish()
}

// pdataPDUs encodes msg as PDVs of context id no larger than the peer accepts (maxPDU,
// 0: no limit), one PDV per PDU.
func pdataPDUs(w *pduWriter, id byte, command bool, msg []byte, maxPDU uint32) []byte {
	chunk := len(msg)
	if maxPDU > 12 && int(maxPDU)-6 < chunk {
		chunk = int(maxPDU) - 6
	}
	var out []byte
	for first := true; first || len(msg) > 0; first = false {
		n := min(chunk, len(msg))
		mch := byte(0)
		if command {
			mch |= 1
		}
		if n == len(msg) {
			mch |= 2
		}
		w.start(pduDataTF)
		w.b = binary.BigEndian.AppendUint32(w.b, uint32(n+2))
		w.b = append(w.b, id, mch)
		w.b = append(w.b, msg[:n]...)
		out = append(out, w.finish()...)
		msg = msg[n:]
	}
	return out
}
