package handlers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"hash/maphash"
	"html/template"
	"io"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/flate"
)

// Pages assembled from fragments compressed once (issue 15).
//
// Most of a questionnaire section page is questions rendered before and
// kept (renderQuestions) and the questionnaire's list of items (the same on
// every page of a version). Compressing them again on every page was a third
// of the page's CPU. So each kept fragment is also kept compressed, as raw
// deflate blocks ended by a sync flush: byte-aligned, not final, and with no
// reference to anything before it. A deflate stream may be cut into such
// pieces and put together again, each made by its own compressor, so a
// page is sent as its own parts compressed now (the gzip header, what the
// template wrote around the fragments) and the fragments' stored bytes,
// then a final empty block and the gzip trailer (the CRC-32 and length of
// the whole page, computed over the plain bytes). A browser sees one
// ordinary gzip stream. TestSplicedPageExpands checks the stream with
// compress/gzip, and the question cache test compares whole pages.
//
// The template writes a placeholder where a fragment goes: a NUL, the
// fragment's index, a NUL. A NUL never reaches the page otherwise:
// html/template replaces it in text and attributes, and HTMLEscapeString
// too.

// fragment is a piece of a page kept rendered: its HTML and the same
// compressed (raw deflate ending in a sync flush).
type fragment struct {
	// html is kept as bytes, not a string: the page's CRC-32 is computed
	// over it on every page, and a string would be copied to bytes for
	// that each time (8 % of what the respondent's path allocated).
	html []byte
	gz   []byte
}

func (f fragment) size() int { return len(f.html) + len(f.gz) + 48 }

var flateWriters = sync.Pool{New: func() any { w, _ := flate.NewWriter(io.Discard, flate.BestSpeed); return w }}

// deflateFlushed compresses b as raw deflate blocks ended by a sync flush,
// appended to out.
func deflateFlushed(out *bytes.Buffer, b []byte) {
	w := flateWriters.Get().(*flate.Writer)
	w.Reset(out)
	_, _ = w.Write(b) // writes to a bytes.Buffer do not fail
	_ = w.Flush()
	flateWriters.Put(w)
}

// layoutPiece is the kept fragment of a run of the layout's text: the
// frame, the navigation and the footer of a questionnaire page, and the
// parts of its content that are not this response's, are the same on every
// page of a user's visit, and were most of what each page compressed
// (issue 15). The text is its own key (a hash of it, checked against the
// text kept), so no list of what the text depends on can fall out of date.
func (s *Server) layoutPiece(text []byte) fragment {
	h := maphash.Bytes(s.pieceSeed, text)
	s.piecesMu.RLock()
	f, ok := s.pieces[h]
	s.piecesMu.RUnlock()
	if ok && bytes.Equal(f.html, text) {
		return f
	}
	f = newFragment(string(text))
	s.piecesMu.Lock()
	if len(s.pieces) >= maxPieces { // start again rather than grow: the pieces in use come back at once
		clear(s.pieces)
	}
	s.pieces[h] = f
	s.piecesMu.Unlock()
	return f
}

// maxPieces bounds the pieces kept (at most about a megabyte): those of
// every page, by language, role and section, are a few dozen, and each
// institution answering adds its own few (its name and addresses).
const maxPieces = 512

// storedBelow is the length under which a part of a page written now goes
// out as a stored deflate block, uncompressed: a CSRF token, an address, a
// URL between two kept fragments. Compressing them would cost more than
// the few bytes it saves.
const storedBelow = 256

// storeFlushed appends b as one stored (uncompressed) deflate block,
// byte-aligned and not final, as deflateFlushed leaves its output. b is
// shorter than storedBelow.
func storeFlushed(out *bytes.Buffer, b []byte) {
	n := uint16(len(b)) // #nosec G115 -- shorter than storedBelow
	var hdr [5]byte     // BFINAL 0, BTYPE 00 (stored), padded to the byte; LEN; NLEN
	binary.LittleEndian.PutUint16(hdr[1:], n)
	binary.LittleEndian.PutUint16(hdr[3:], ^n)
	out.Write(hdr[:])
	out.Write(b)
}

// newFragment renders nothing: it compresses html for keeping.
func newFragment(html string) fragment {
	var buf bytes.Buffer
	deflateFlushed(&buf, []byte(html))
	return fragment{html: []byte(html), gz: buf.Bytes()}
}

// fragmentRef adds f to the page's fragments and returns its placeholder.
func (v *view) fragmentRef(f fragment) template.HTML {
	v.frags = append(v.frags, f)
	return template.HTML("\x00" + strconv.Itoa(len(v.frags)-1) + "\x00") // #nosec G203 -- a placeholder, replaced before the page is sent
}

var errPlaceholder = errors.New("handlers: a page holds a broken fragment placeholder")

// splice walks page, calling text for the bytes the template wrote and
// frag for each fragment in its place.
func splice(page []byte, frags []fragment, text func([]byte), frag func(fragment)) error {
	for len(page) > 0 {
		i := bytes.IndexByte(page, 0)
		if i < 0 {
			text(page)
			return nil
		}
		if i > 0 {
			text(page[:i])
		}
		j := bytes.IndexByte(page[i+1:], 0)
		if j < 0 {
			return errPlaceholder
		}
		n, err := strconv.Atoi(string(page[i+1 : i+1+j]))
		if err != nil || n < 0 || n >= len(frags) {
			return errPlaceholder
		}
		frag(frags[n])
		page = page[i+2+j:]
	}
	return nil
}

// gzipHeader is a gzip member header: deflate, no name, no time, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// writeSplicedPage answers with a page whose placeholders stand for frags:
// gzip-compressed from the fragments' stored bytes when the client takes
// it, else expanded.
func (s *Server) writeSplicedPage(c *gin.Context, status int, page []byte, frags []fragment) {
	c.Header("Vary", "Accept-Encoding")
	out := pageBuffers.Get().(*bytes.Buffer)
	out.Reset()
	defer func() {
		if out.Cap() <= maxPooledPage {
			pageBuffers.Put(out)
		}
	}()
	var err error
	if !acceptsGzip(c.Request) {
		err = splice(page, frags, func(b []byte) { out.Write(b) }, func(f fragment) { out.Write(f.html) })
		if err != nil {
			s.serverError(c, err)
			return
		}
		writeHTML(c, status, out.Bytes())
		return
	}
	out.Write(gzipHeader)
	crc, n := crc32.NewIEEE(), 0
	err = splice(page, frags, func(b []byte) {
		if len(b) < storedBelow {
			storeFlushed(out, b)
		} else {
			deflateFlushed(out, b)
		}
		_, _ = crc.Write(b)
		n += len(b)
	}, func(f fragment) {
		out.Write(f.gz)
		_, _ = crc.Write(f.html)
		n += len(f.html)
	})
	if err != nil {
		s.serverError(c, err)
		return
	}
	out.Write([]byte{0x03, 0x00}) // a final, empty block of fixed codes
	out.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(n))) // #nosec G115 -- ISIZE is the length modulo 2^32 by definition
	c.Header("Content-Encoding", "gzip")
	writeHTML(c, status, out.Bytes())
}
