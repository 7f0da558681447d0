package dimse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func sampleRQ() []byte {
	var w pduWriter
	w.start(pduAssociateRQ)
	w.b = append(w.b, 0, 1, 0, 0)
	w.b = append(w.b, padAE("AOMAS")...)
	w.b = append(w.b, padAE("SCANNER1")...)
	w.b = append(w.b, make([]byte, 32)...)
	w.item(0x10, []byte(appContext))
	pc := []byte{1, 0, 0, 0}
	sub := func(typ byte, s string) {
		pc = append(pc, typ, 0)
		pc = binary.BigEndian.AppendUint16(pc, uint16(len(s)))
		pc = append(pc, s...)
	}
	sub(0x30, "1.2.840.10008.5.1.4.1.1.7")
	sub(0x40, "1.2.840.10008.1.2.1")
	sub(0x40, "1.2.840.10008.1.2")
	w.item(0x20, pc)
	w.item(0x50, []byte{0x51, 0, 0, 4, 0, 0, 0x40, 0})
	return append([]byte(nil), w.finish()...)
}

func samplePData() []byte {
	var w pduWriter
	msg := response(cmdCStoreRQ, 7, "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4", 0, "")
	return append(pdataPDUs(&w, 1, true, msg, 40), pdataPDUs(&w, 1, false, []byte("data set bytes"), 0)...)
}

// FuzzPDUReader feeds arbitrary bytes to the PDU reader and to the parsers of what it
// returns. Nothing may panic, allocate beyond the limit, or fail with an error other than
// a protocol error or a short read.
func FuzzPDUReader(f *testing.F) {
	f.Add(sampleRQ())
	f.Add(samplePData())
	f.Add([]byte{pduReleaseRQ, 0, 0, 0, 0, 4, 0, 0, 0, 0})
	f.Add([]byte{pduAbort, 0, 0, 0, 0, 4, 0, 0, 2, 0})
	f.Add([]byte{pduDataTF, 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		const limit = 1 << 16
		r := pduReader{r: bufio.NewReader(bytes.NewReader(b))}
		var pdvs []pdv
		for range 64 {
			typ, body, err := r.next(limit)
			if err != nil {
				if !errors.Is(err, ErrProtocol) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(body) > limit || cap(r.buf) > limit {
				t.Fatalf("body of %d bytes (buffer %d) over the limit", len(body), cap(r.buf))
			}
			switch typ {
			case pduAssociateRQ:
				rq, err := parseAssociateRQ(body)
				if err == nil {
					if len(rq.Contexts) > maxContexts {
						t.Fatalf("%d contexts", len(rq.Contexts))
					}
					s := &Server{AbstractSyntaxes: map[string]bool{"1.2.840.10008.5.1.4.1.1.7": true}, TransferSyntaxes: []string{"1.2.840.10008.1.2.1"}}
					var w pduWriter
					ac := associateAC(&w, rq, s.negotiate(rq), 1<<16)
					if int(binary.BigEndian.Uint32(ac[2:])) != len(ac)-6 {
						t.Fatal("A-ASSOCIATE-AC length field wrong")
					}
				}
			case pduDataTF:
				pdvs, err = parsePDVs(body, pdvs)
				if err == nil {
					for _, v := range pdvs {
						if v.command {
							_, _ = parseCommand(v.data)
						}
					}
				}
			}
		}
	})
}

func TestPDURoundTrip(t *testing.T) {
	r := pduReader{r: bytes.NewReader(sampleRQ())}
	typ, body, err := r.next(1 << 16)
	if err != nil || typ != pduAssociateRQ {
		t.Fatalf("next: %v %d", err, typ)
	}
	rq, err := parseAssociateRQ(body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.CalledAE != "AOMAS" || rq.CallingAE != "SCANNER1" || rq.MaxPDU != 0x4000 || len(rq.Contexts) != 1 ||
		rq.Contexts[0].AbstractSyntax != "1.2.840.10008.5.1.4.1.1.7" || len(rq.Contexts[0].TransferSyntaxes) != 2 {
		t.Fatalf("parsed %+v", rq)
	}
	// A response fragmented to a 40-byte peer limit reassembles to the same command.
	r = pduReader{r: bytes.NewReader(samplePData())}
	var cmd []byte
	for {
		typ, body, err := r.next(1 << 16)
		if err != nil {
			t.Fatal(err)
		}
		if typ != pduDataTF || len(body) > 40 {
			t.Fatalf("PDU 0x%02x of %d bytes", typ, len(body))
		}
		pdvs, err := parsePDVs(body, nil)
		if err != nil {
			t.Fatal(err)
		}
		cmd = append(cmd, pdvs[0].data...)
		if pdvs[0].last {
			break
		}
	}
	c, err := parseCommand(cmd)
	if err != nil || c.field != cmdCStoreRQ || c.messageID != 0 || c.sopInstance != "1.2.3.4" {
		t.Fatalf("command %+v %v", c, err)
	}
	// A length over the limit is refused before the body is read or allocated.
	r = pduReader{r: bytes.NewReader([]byte{pduDataTF, 0, 0x7F, 0xFF, 0xFF, 0xFF})}
	if _, _, err := r.next(1 << 16); !errors.Is(err, ErrProtocol) || cap(r.buf) != 0 {
		t.Fatalf("oversized PDU: %v, buffer %d", err, cap(r.buf))
	}
}
