package handlers

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// Cached pages are kept gzip-compressed: HTML shrinks five- to sevenfold,
// so the same memory holds that many more pages (1,500 scorecards or the
// popular catalog searches fit in a few MB), and a browser that accepts
// gzip, as all do, gets the stored bytes as they are: a public page costs
// no rendering and no compression, and a phone abroad downloads a sixth
// of it. Anyone else gets it expanded.
//
// Pages rendered for one person (writePage) are compressed as they are
// sent: a questionnaire section is 40 KB of HTML and 10 KB compressed.
// klauspost/compress does it in about half the CPU of compress/gzip at the
// same level (70 µs against 138 for a section page, measured for issue 15),
// with the same format.

var (
	gzWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}
	gzReaders sync.Pool
)

// gzipBytes compresses a rendered page for the cache.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	w := gzWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	_, _ = w.Write(b) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	gzWriters.Put(w)
	return buf.Bytes()
}

// gunzipBytes expands what gzipBytes made.
func gunzipBytes(gz []byte) ([]byte, error) {
	r, _ := gzReaders.Get().(*gzip.Reader)
	var err error
	if r == nil {
		r, err = gzip.NewReader(bytes.NewReader(gz))
	} else {
		err = r.Reset(bytes.NewReader(gz))
	}
	if err != nil {
		return nil, err
	}
	defer gzReaders.Put(r)
	return io.ReadAll(r)
}

// acceptsGzip says whether the client takes a gzip-encoded answer.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// writeGzipPage answers with a page kept compressed.
func (s *Server) writeGzipPage(c *gin.Context, status int, gz []byte) {
	c.Header("Vary", "Accept-Encoding")
	if acceptsGzip(c.Request) {
		c.Header("Content-Encoding", "gzip")
		writeHTML(c, status, gz)
		return
	}
	body, err := gunzipBytes(gz)
	if err != nil {
		s.serverError(c, err)
		return
	}
	writeHTML(c, status, body)
}

// minGzip is the smallest page worth compressing: below a packet, the
// header and the work cost more than the bytes saved.
const minGzip = 1400

// writePage answers with a page rendered for this request, compressed
// when the client takes gzip.
func (s *Server) writePage(c *gin.Context, status int, body []byte) {
	c.Header("Vary", "Accept-Encoding")
	if len(body) < minGzip || !acceptsGzip(c.Request) {
		writeHTML(c, status, body)
		return
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	w := gzWriters.Get().(*gzip.Writer)
	w.Reset(buf)
	_, _ = w.Write(body) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	gzWriters.Put(w)
	c.Header("Content-Encoding", "gzip")
	writeHTML(c, status, buf.Bytes())
	if buf.Cap() <= maxPooledPage {
		pageBuffers.Put(buf)
	}
}

// writeHTML sends a page as it is: personal pages are never kept by
// browsers or proxies.
func writeHTML(c *gin.Context, status int, body []byte) {
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", body)
}
