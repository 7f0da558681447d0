package resolvers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aomas/aomas/graph/model"
)

// maxPage bounds first so that one request cannot ask for the whole table.
const maxPage = 500

// maxOffset bounds a cursor's offset: far past any listing, and its successor still an int
// PostgreSQL takes as an OFFSET.
const maxOffset = 1 << 40

// Cursors are opaque offsets into the ordered listing.
func cursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// pageArgs turns first/after into a limit and an offset.
func pageArgs(first *int, after *string, def int) (limit, offset int, err error) {
	limit = def
	if first != nil {
		limit = *first
	}
	if limit < 0 || limit > maxPage {
		return 0, 0, invalidInput(fmt.Sprintf("first must be between 0 and %d", maxPage))
	}
	if after != nil && *after != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(*after)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(raw), "o:"))
		if derr != nil || perr != nil || !strings.HasPrefix(string(raw), "o:") || n < 0 || n > maxOffset {
			return 0, 0, invalidInput(fmt.Sprintf("%q is not a cursor from this listing", *after))
		}
		offset = n + 1
	}
	return limit, offset, nil
}

func pageInfo(offset, count, total int) *model.PageInfo {
	pi := &model.PageInfo{HasPreviousPage: offset > 0, HasNextPage: offset+count < total}
	if count > 0 {
		s, e := cursor(offset), cursor(offset+count-1)
		pi.StartCursor, pi.EndCursor = &s, &e
	}
	return pi
}
