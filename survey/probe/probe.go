// Package probe visits service URLs and institution websites and records
// what it found (survey.URLCheck; issue 17, part 2). It is the one place in
// Marsad with an HTTP client: package survey stays free of network code
// (DESIGN), and reading a page, robots.txt and the record live there.
//
// It is polite and safe. Every connection, redirects included, is checked
// after DNS resolution in the dialer: private, loopback, link-local,
// shared (CGNAT), multicast, unspecified, documentation and metadata
// addresses are refused unless Options.Allow names them, so a public name
// cannot be pointed inward. No proxy from the environment is used (it would
// hide the address). Concurrency is bounded overall and per host, each
// visit has a timeout, bodies are read up to a cap, redirects are limited,
// and the only path fetched beyond the URL given (the unknown-path probe)
// is fetched only when robots.txt allows it.
package probe

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"marsad/survey"
)

// Options tune a Checker; the zero value gets the defaults below.
type Options struct {
	// UserAgent is sent with every request; default
	// "Marsad-checker/1.0 (+SiteURL)".
	UserAgent string
	// SiteURL is Marsad's public address, named in the User-Agent so a
	// site's operator can find who visits.
	SiteURL string
	// Allow names addresses that may be visited although private: CIDRs
	// ("10.1.0.0/16", "127.0.0.1/32") or host names ("intranet.gov.ps",
	// matched before resolution). Empty: none.
	Allow []string
	// Timeout bounds one visit of a URL, redirects and body included;
	// default 15 s.
	Timeout time.Duration
	// MaxBody is how much of a page is read; default 2 MB.
	MaxBody int64
	// MaxRedirects is how many redirects are followed; default 10.
	MaxRedirects int
	// Concurrency is how many URLs are visited at once; default 16.
	Concurrency int
	// PerHost is how many URLs of one host are visited at once; default 2.
	PerHost int
	// PerSecond is how many visits a run starts a second at most; default
	// 100, negative for no limit. Against fast sites concurrency alone
	// would let a run take the server's every core (and its pages' speed):
	// at 100 a second a 30,000-URL catalog takes five minutes.
	PerSecond int
	// RootCAs verify certificates; nil uses the system's (tests give
	// their test server's).
	RootCAs *x509.CertPool
	// Resolver looks names up; nil uses the system's. Tests give one that
	// knows no names, so that no test reaches the network.
	Resolver *net.Resolver
}

// Checker visits URLs. Safe for concurrent use.
type Checker struct {
	opt       Options
	allowNets []netip.Prefix
	allowHost map[string]bool
	transport *http.Transport

	mu    sync.Mutex
	hosts map[string]chan struct{}
}

// ErrBlocked is returned (wrapped) when an address is not to be visited.
var ErrBlocked = errors.New("probe: address not allowed")

// blocked are the ranges never visited without an allowlist entry.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network", unspecified
		"10.0.0.0/8",         // private
		"100.64.0.0/10",      // shared address space (CGNAT)
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link-local, cloud metadata (169.254.169.254)
		"172.16.0.0/12",      // private
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // documentation
		"192.88.99.0/24",     // 6to4 relay
		"192.168.0.0/16",     // private
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // documentation
		"203.0.113.0/24",     // documentation
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved, broadcast
		"::/128",             // unspecified
		"::1/128",            // loopback
		"64:ff9b::/96",       // NAT64: may embed any IPv4 address
		"64:ff9b:1::/48",     // local NAT64
		"100::/64",           // discard
		"2001::/23",          // IETF protocol assignments (Teredo, ORCHIDs…)
		"2001:db8::/32",      // documentation
		"2002::/16",          // 6to4: embeds an IPv4 address
		"fc00::/7",           // unique local (incl. fd00:ec2::254 metadata)
		"fe80::/10",          // link-local
		"ff00::/8",           // multicast
		"::ffff:0:0/96",      // IPv4-mapped (unmapped before checking; kept as a guard)
		"::ffff:0:0:0/96",    // IPv4-translated
		"fec0::/10",          // site-local (deprecated)
		"2620:4f:8000::/48",  // AS112
		"3fff::/20",          // documentation (RFC 9637)
		"5f00::/16",          // segment routing SIDs
		"2001:20::/28",       // ORCHIDv2
		"2001:2::/48",        // benchmarking
		"2001:10::/28",       // ORCHID
		"192.31.196.0/24",    // AS112
		"192.52.193.0/24",    // AMT
		"192.175.48.0/24",    // AS112
		"255.255.255.255/32", // broadcast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Blocked says whether ip is in a range never visited without an allowlist
// entry.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// New makes a Checker; it fails on an allowlist entry that is neither a
// CIDR nor a host name.
func New(opt Options) (*Checker, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 15 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 2 << 20
	}
	if opt.MaxRedirects <= 0 {
		opt.MaxRedirects = 10
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 16
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 2
	}
	if opt.PerSecond == 0 {
		opt.PerSecond = 100
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "Marsad-checker/1.0"
		if opt.SiteURL != "" {
			opt.UserAgent += " (+" + opt.SiteURL + ")"
		}
	}
	c := &Checker{opt: opt, allowHost: map[string]bool{}, hosts: map[string]chan struct{}{}}
	for _, a := range opt.Allow {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p, err := netip.ParsePrefix(a); err == nil {
			c.allowNets = append(c.allowNets, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			c.allowNets = append(c.allowNets, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		if strings.ContainsAny(a, "/ :") {
			return nil, fmt.Errorf("probe: allowlist entry %q is neither a CIDR nor a host name", a)
		}
		c.allowHost[strings.ToLower(strings.TrimSuffix(a, "."))] = true
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, ControlContext: c.control, Resolver: opt.Resolver}
	c.transport = &http.Transport{
		Proxy: nil, // a proxy would hide the address the dialer checks
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if c.allowHost[strings.ToLower(strings.TrimSuffix(host, "."))] {
				ctx = context.WithValue(ctx, allowedHostKey{}, true)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		// The certificate is verified after the answer (verifyCert), so a
		// site with an expired certificate is still seen and the reason
		// recorded; nothing is sent that a bad certificate could expose.
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10}, // #nosec G402 -- verified by hand in verifyCert
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opt.Timeout,
		// Enough idle connections for a run going round hundreds of sites
		// to find its connection to a site again (about 25 kB each).
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: opt.PerHost,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   true,
		DisableCompression:  false,
	}
	return c, nil
}

type allowedHostKey struct{}

// control runs after resolution, for every connection (redirects too):
// address is the IP the socket is about to connect to.
func (c *Checker) control(ctx context.Context, network, address string, _ syscall.RawConn) error {
	if v, _ := ctx.Value(allowedHostKey{}).(bool); v {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlocked, address)
	}
	ip := ap.Addr().Unmap()
	for _, p := range c.allowNets {
		if p.Contains(ip) {
			return nil
		}
	}
	if Blocked(ip) {
		return fmt.Errorf("%w: %s", ErrBlocked, ip)
	}
	return nil
}

// hostSlot takes one of host's PerHost slots; the returned func gives it back.
func (c *Checker) hostSlot(ctx context.Context, host string) (func(), error) {
	c.mu.Lock()
	ch := c.hosts[host]
	if ch == nil {
		ch = make(chan struct{}, c.opt.PerHost)
		c.hosts[host] = ch
	}
	c.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Run visits targets, at most Concurrency at once, and hands each result
// to record (called from one goroutine at a time). It stops early when ctx
// ends or record fails.
func (c *Checker) Run(ctx context.Context, targets []survey.CheckTarget, record func(survey.URLCheck) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan survey.CheckTarget)
	results := make(chan survey.URLCheck)
	sites := &siteFacts{sites: map[string]*siteProbe{}}
	var wg sync.WaitGroup
	for range min(c.opt.Concurrency, max(len(targets), 1)) {
		wg.Go(func() {
			for t := range jobs {
				r := c.check(ctx, t, sites)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		var pace <-chan time.Time
		if c.opt.PerSecond > 0 {
			tk := time.NewTicker(time.Second / time.Duration(c.opt.PerSecond))
			defer tk.Stop()
			pace = tk.C
		}
		for i, t := range targets {
			if pace != nil && i > 0 {
				select {
				case <-pace:
				case <-ctx.Done():
					return
				}
			}
			select {
			case jobs <- t:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var err error
	for r := range results {
		if err == nil {
			if err = record(r); err != nil {
				cancel()
			}
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// siteFacts are what a run learns once per site (the scheme and host of a
// final URL): the unknown-path probe's outcome, robots.txt included. A
// catalog lists many services on one portal; asking its robots.txt and an
// unknown path once per run rather than once per service is politer to the
// site and a third of the requests. Kept for one run only: the next run
// asks again.
type siteFacts struct {
	mu    sync.Mutex
	sites map[string]*siteProbe
}

// siteProbe is one site's probe: the first check to reach the site makes
// it; the others wait for its outcome.
type siteProbe struct {
	done     chan struct{}
	notFound string
}

// notFound is the site's probe outcome, made by probe the first time. A
// waiter holds a slot of its own host while the first holds one of the
// site's, so waiting cannot deadlock.
func (f *siteFacts) notFound(ctx context.Context, site string, probe func() string) string {
	if f == nil {
		return probe()
	}
	f.mu.Lock()
	p, ok := f.sites[site]
	if !ok {
		p = &siteProbe{done: make(chan struct{})}
		f.sites[site] = p
		f.mu.Unlock()
		p.notFound = probe()
		close(p.done)
		return p.notFound
	}
	f.mu.Unlock()
	select {
	case <-p.done:
		return p.notFound
	case <-ctx.Done():
		return survey.NotFoundSkipped
	}
}

// Check visits one target: the URL itself, its http:// form when it is
// https (does it redirect?), and an unknown path when robots.txt allows.
func (c *Checker) Check(ctx context.Context, t survey.CheckTarget) survey.URLCheck {
	return c.check(ctx, t, nil)
}

// check is Check within a run, whose sites' probe outcomes are shared
// (nil: none).
func (c *Checker) check(ctx context.Context, t survey.CheckTarget, sites *siteFacts) survey.URLCheck {
	r := survey.URLCheck{Kind: t.Kind, Ref: t.Ref, URL: t.URL, CheckedAt: time.Now().UTC(), NotFound: survey.NotFoundSkipped}
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		r.Error = survey.CheckErrURL
		return r
	}
	release, err := c.hostSlot(ctx, strings.ToLower(u.Hostname()))
	if err != nil {
		r.Error = survey.CheckErrTimeout
		return r
	}
	defer release()

	c.visit(ctx, u, &r)
	if !r.Reachable {
		return r
	}
	if u.Scheme == "https" {
		h := *u
		h.Scheme = "http"
		var plain survey.URLCheck
		c.fetch(ctx, &h, &plain, 64<<10, nil)
		if plain.Status > 0 {
			up := plain.HTTPS && plain.Status < 400
			r.HTTPUpgrade = &up
		}
	} else {
		up := r.HTTPS
		r.HTTPUpgrade = &up
	}
	final, err := url.Parse(r.FinalURL)
	if err == nil {
		site := strings.ToLower(final.Scheme + "://" + final.Host)
		r.NotFound = sites.notFound(ctx, site, func() string { return c.probe404(ctx, final) })
	}
	return r
}

// visit fetches u into r with the whole page: timings, TLS, HSTS, the page's facts.
func (c *Checker) visit(ctx context.Context, u *url.URL, r *survey.URLCheck) {
	c.fetch(ctx, u, r, c.opt.MaxBody, func(body io.Reader) { r.Page = survey.ReadPage(body) })
	// A login page (401, 403) is a service that is up; a 404 or a 5xx
	// is not.
	switch {
	case r.Status == 0:
	case r.Status < 400 || r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		r.Reachable = true
		r.Error = ""
	default:
		r.Error = survey.CheckErrStatus
	}
}

// fetch GETs u following redirects, filling status, chain, TLS and
// timings into r, and hands up to limit bytes of the body to read (nil:
// they are read and dropped). The body is streamed, never held whole: a
// run's memory does not grow with the pages' size.
func (c *Checker) fetch(ctx context.Context, u *url.URL, r *survey.URLCheck, limit int64, read func(io.Reader)) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	var firstByte time.Time
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotFirstResponseByte: func() { firstByte = time.Now() },
	})
	client := &http.Client{
		Transport: c.transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > c.opt.MaxRedirects {
				return errTooManyRedirects
			}
			for _, v := range via {
				if v.URL.String() == req.URL.String() {
					return errTooManyRedirects
				}
			}
			r.Redirects = append(r.Redirects, req.URL.String())
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		r.Error = survey.CheckErrURL
		return
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	req.Header.Set("Accept-Language", "ar,en;q=0.8")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		r.Error = classify(err)
		r.TotalMs = time.Since(start).Milliseconds()
		return
	}
	defer resp.Body.Close()
	if !firstByte.IsZero() {
		r.TTFBMs = firstByte.Sub(start).Milliseconds()
	}
	r.Status = resp.StatusCode
	r.FinalURL = resp.Request.URL.String()
	r.HTTPS = resp.Request.URL.Scheme == "https"
	if resp.TLS != nil {
		r.TLSVersion = tlsVersion(resp.TLS.Version)
		if len(resp.TLS.PeerCertificates) > 0 {
			r.CertExpires = resp.TLS.PeerCertificates[0].NotAfter.UTC()
		}
		r.CertError = c.verifyCert(resp.TLS, resp.Request.URL.Hostname())
		r.HSTS = hstsOn(resp.Header.Get("Strict-Transport-Security"))
	}
	cr := &countReader{r: io.LimitReader(resp.Body, limit)}
	if read != nil {
		read(cr)
	}
	_, _ = io.Copy(io.Discard, cr) // what read left, to count it and time the whole
	// A body cut short (time out, connection dropped) is a page not read
	// whole: the site answered, so it is marked truncated, not failed.
	r.Truncated = cr.err != nil
	r.Bytes = cr.n
	if cr.n == limit {
		// One byte more says whether the page went on.
		var one [1]byte
		if n, _ := io.ReadFull(resp.Body, one[:]); n == 1 {
			r.Truncated = true
		}
	}
	r.TotalMs = time.Since(start).Milliseconds()
}

// countReader counts what is read through it and keeps the first error
// other than EOF.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

var errTooManyRedirects = errors.New("probe: too many redirects")

// verifyCert checks the chain the server gave against the roots, as the
// handshake would have.
func (c *Checker) verifyCert(cs *tls.ConnectionState, host string) string {
	if len(cs.PeerCertificates) == 0 {
		return "untrusted"
	}
	inter := x509.NewCertPool()
	for _, ic := range cs.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	leaf := cs.PeerCertificates[0]
	_, err := leaf.Verify(x509.VerifyOptions{Roots: c.opt.RootCAs, Intermediates: inter, DNSName: host})
	var inv x509.CertificateInvalidError
	var hn x509.HostnameError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		if time.Now().Before(leaf.NotBefore) {
			return "not_yet_valid"
		}
		return "expired"
	case errors.As(err, &hn):
		return "name"
	default:
		return "untrusted"
	}
}

func hstsOn(h string) bool {
	for part := range strings.SplitSeq(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(k, "max-age") {
			v = strings.Trim(v, `"`)
			return v != "" && v != "0"
		}
	}
	return false
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return "?"
}

// classify names why a request failed.
func classify(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, ErrBlocked):
		return survey.CheckErrBlocked
	case errors.Is(err, errTooManyRedirects):
		return survey.CheckErrRedirects
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return survey.CheckErrTimeout
	case errors.As(err, &dnsErr):
		return survey.CheckErrDNS
	case errors.As(err, &certErr), errors.As(err, &recErr):
		return survey.CheckErrTLS
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return survey.CheckErrTimeout
	}
	if strings.Contains(err.Error(), "tls:") {
		return survey.CheckErrTLS
	}
	return survey.CheckErrConnect
}

// probe404 asks the final URL's site for a path that cannot exist, if its
// robots.txt allows: a site should answer 404 (or 410), not 200.
func (c *Checker) probe404(ctx context.Context, base *url.URL) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	p := "/marsad-check-" + hex.EncodeToString(b[:])
	robots := *base
	robots.Path, robots.RawPath, robots.RawQuery, robots.Fragment = "/robots.txt", "", "", ""
	var rr survey.URLCheck
	var body strings.Builder
	c.fetch(ctx, &robots, &rr, 512<<10, func(r io.Reader) { _, _ = io.Copy(&body, r) })
	switch {
	case rr.Status >= 500 || rr.Status == 0:
		// RFC 9309: an unreachable robots.txt means "disallow all".
		return survey.NotFoundSkipped
	case rr.Status == http.StatusOK:
		if !survey.RobotsAllows(strings.NewReader(body.String()), c.opt.UserAgent, p) {
			return survey.NotFoundSkipped
		}
	}
	u := *base
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p, "", "", ""
	var nr survey.URLCheck
	c.fetch(ctx, &u, &nr, 64<<10, nil)
	switch {
	case nr.Status == http.StatusNotFound || nr.Status == http.StatusGone:
		return survey.NotFoundAnswers404
	case nr.Status >= 200 && nr.Status < 300:
		return survey.NotFoundSoft
	case nr.Status == 0:
		return survey.NotFoundSkipped
	}
	return survey.NotFoundOther
}
