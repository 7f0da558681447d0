package dimse

import (
	"bufio"
	"bytes"
	"testing"
)

// BenchmarkPDUReader reads and splits P-DATA-TF PDUs of 256 KiB: the path every received
// byte takes.
func BenchmarkPDUReader(b *testing.B) {
	var w pduWriter
	data := make([]byte, 256<<10-6)
	one := append([]byte(nil), pdataPDUs(&w, 1, false, data, 256<<10)...)
	stream := bytes.Repeat(one, 64)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var pdvs []pdv
	for b.Loop() {
		r := pduReader{r: bufio.NewReaderSize(bytes.NewReader(stream), 256<<10)}
		for range 64 {
			_, body, err := r.next(256 << 10)
			if err != nil {
				b.Fatal(err)
			}
			if pdvs, err = parsePDVs(body, pdvs); err != nil || len(pdvs[0].data) != len(data) {
				b.Fatal(err)
			}
		}
	}
}
