package dimse

import (
	"encoding/binary"
	"strings"
)

// Command fields (PS3.7 E.1).
const (
	cmdCStoreRQ = 0x0001
	cmdCEchoRQ  = 0x0030
	cmdRSP      = 0x8000
	noDataSet   = 0x0101
)

// Status codes a response carries (PS3.7 C, PS3.4 B.2.3).
const (
	StatusSuccess           uint16 = 0x0000
	StatusOutOfResources    uint16 = 0xA700
	StatusDataSetMismatch   uint16 = 0xA900
	StatusCannotUnderstand  uint16 = 0xC000
	StatusUnrecognizedOp    uint16 = 0x0211
	StatusSOPClassNotSupp   uint16 = 0x0122
	StatusDuplicateInstance uint16 = 0x0111
)

// command is a decoded DIMSE command set (group 0000, implicit VR little endian).
type command struct {
	field       uint16
	messageID   uint16
	dataSetType uint16
	sopClass    string
	sopInstance string
}

const maxCommandBytes = 64 << 10

// parseCommand reads the elements of a command set that the SCP uses.
func parseCommand(b []byte) (command, error) {
	var c command
	seenField := false
	for len(b) > 0 {
		if len(b) < 8 {
			return c, protoErr("command element header of %d bytes", len(b))
		}
		group, elem := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:])
		n := binary.LittleEndian.Uint32(b[4:])
		if group != 0 {
			return c, protoErr("command set holds group %04x", group)
		}
		if uint64(n) > uint64(len(b)-8) {
			return c, protoErr("command element (0000,%04x) of %d bytes in %d remaining", elem, n, len(b)-8)
		}
		v := b[8 : 8+n]
		us := func() uint16 {
			if len(v) >= 2 {
				return binary.LittleEndian.Uint16(v)
			}
			return 0
		}
		switch elem {
		case 0x0002:
			c.sopClass = uidString(v)
		case 0x0100:
			c.field, seenField = us(), len(v) >= 2
		case 0x0110:
			c.messageID = us()
		case 0x0800:
			c.dataSetType = us()
		case 0x1000:
			c.sopInstance = uidString(v)
		}
		b = b[8+n:]
	}
	if !seenField {
		return c, protoErr("command set without a command field")
	}
	return c, nil
}

// response encodes a response command set with no data set.
func response(field, respondingTo uint16, sopClass, sopInstance string, status uint16, comment string) []byte {
	var body []byte
	el := func(elem uint16, v []byte) {
		body = binary.LittleEndian.AppendUint16(body, 0)
		body = binary.LittleEndian.AppendUint16(body, elem)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(v)))
		body = append(body, v...)
	}
	us := func(x uint16) []byte { return binary.LittleEndian.AppendUint16(nil, x) }
	if sopClass != "" {
		el(0x0002, evenUID(sopClass))
	}
	el(0x0100, us(field))
	el(0x0120, us(respondingTo))
	el(0x0800, us(noDataSet))
	el(0x0900, us(status))
	if comment != "" && status != StatusSuccess {
		// LO: at most 64 characters, even length, no backslash.
		comment = strings.ReplaceAll(comment, `\`, "/")
		if len(comment) > 64 {
			comment = comment[:64]
		}
		if len(comment)%2 == 1 {
			comment += " "
		}
		el(0x0902, []byte(comment))
	}
	if sopInstance != "" {
		el(0x1000, evenUID(sopInstance))
	}
	out := make([]byte, 0, 12+len(body))
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint32(out, 4)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

func evenUID(s string) []byte {
	b := []byte(s)
	if len(b)%2 == 1 {
		b = append(b, 0)
	}
	return b
}
