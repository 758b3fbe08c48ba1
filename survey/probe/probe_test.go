package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"marsad/survey"
)

// loopback is the allowlist the tests need to reach their own servers.
var loopback = []string{"127.0.0.0/8", "::1/128"}

func newChecker(t *testing.T, opt Options) *Checker {
	t.Helper()
	if opt.Allow == nil {
		opt.Allow = loopback
	}
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func check(t *testing.T, c *Checker, u string) survey.URLCheck {
	t.Helper()
	return c.Check(context.Background(), survey.CheckTarget{Kind: survey.TargetService, Ref: "1", URL: u})
}

const goodPage = `<!doctype html><html lang="ar" dir="rtl"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>  خدمة   تجديد الجواز </title></head><body>
<img src="a.png"><img src="b.png" alt=""><img src="c.png">
<label for="n">الاسم</label><input id="n" name="n">
<label>الهاتف <input name="p"></label>
<input name="orphan"><input type="hidden" name="h"><input type="submit">
<select name="s"></select><textarea aria-label="ملاحظات"></textarea>
</body></html>`

func TestCheckPlainPage(t *testing.T) {
	var ua atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		fmt.Fprint(w, goodPage)
	})
	srv := httptest.NewServer(mux) // any other path: 404
	defer srv.Close()
	c := newChecker(t, Options{SiteURL: "https://marsad.example.ps"})
	r := check(t, c, srv.URL+"/")
	if !r.Reachable || r.Status != 200 || r.Error != "" {
		t.Fatalf("reachable %v status %d error %q", r.Reachable, r.Status, r.Error)
	}
	if r.Lang != "ar" || r.Dir != "rtl" || !r.Viewport || r.Title != "خدمة تجديد الجواز" {
		t.Errorf("page = %+v", r.Page)
	}
	if r.ImagesNoAlt != 2 || r.Unlabelled != 2 { // orphan input, select
		t.Errorf("images without alt %d (want 2), unlabelled %d (want 2)", r.ImagesNoAlt, r.Unlabelled)
	}
	if r.HTTPS || r.Secure() || r.HTTPUpgrade == nil || *r.HTTPUpgrade || r.TLSVersion != "" {
		t.Errorf("plain http: https %v secure %v upgrade %v tls %q", r.HTTPS, r.Secure(), r.HTTPUpgrade, r.TLSVersion)
	}
	if r.NotFound != survey.NotFoundAnswers404 {
		t.Errorf("unknown path: %q, want 404", r.NotFound)
	}
	if r.Bytes != int64(len(goodPage)) || r.Truncated {
		t.Errorf("bytes %d truncated %v, want %d", r.Bytes, r.Truncated, len(goodPage))
	}
	if r.TotalMs < r.TTFBMs {
		t.Errorf("total %d ms before first byte %d ms", r.TotalMs, r.TTFBMs)
	}
	if got := ua.Load().(string); got != "Marsad-checker/1.0 (+https://marsad.example.ps)" {
		t.Errorf("User-Agent %q", got)
	}
}

func TestCheckTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		fmt.Fprint(w, goodPage)
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c := newChecker(t, Options{RootCAs: pool})
	r := check(t, c, srv.URL)
	if !r.Reachable || !r.HTTPS || !r.HSTS || r.CertError != "" || !r.Secure() {
		t.Fatalf("reachable %v https %v hsts %v cert %q secure %v (error %q)", r.Reachable, r.HTTPS, r.HSTS, r.CertError, r.Secure(), r.Error)
	}
	if r.TLSVersion != "1.3" {
		t.Errorf("TLS version %q", r.TLSVersion)
	}
	if !r.CertExpires.Equal(srv.Certificate().NotAfter) {
		t.Errorf("certificate expires %v, want %v", r.CertExpires, srv.Certificate().NotAfter)
	}
	// The same server without its root: reachable, but not trusted.
	r = check(t, newChecker(t, Options{}), srv.URL)
	if !r.Reachable || r.CertError != "untrusted" || r.Secure() {
		t.Errorf("without the root: reachable %v cert %q secure %v", r.Reachable, r.CertError, r.Secure())
	}
}

func TestCheckHTTPRedirectsToHTTPS(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, goodPage) }))
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tlsSrv.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer plain.Close()
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	r := check(t, newChecker(t, Options{RootCAs: pool}), plain.URL+"/svc")
	if !r.Reachable || !r.HTTPS || r.HTTPUpgrade == nil || !*r.HTTPUpgrade {
		t.Fatalf("reachable %v https %v upgrade %v (error %q)", r.Reachable, r.HTTPS, r.HTTPUpgrade, r.Error)
	}
	if len(r.Redirects) != 1 || r.Redirects[0] != tlsSrv.URL+"/svc" || r.FinalURL != tlsSrv.URL+"/svc" {
		t.Errorf("redirects %v final %q", r.Redirects, r.FinalURL)
	}
}

func TestCheckFailures(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusFound) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	mux.HandleFunc("/many/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		http.Redirect(w, r, fmt.Sprintf("/many/%d", n+1), http.StatusFound)
	})
	mux.HandleFunc("/inward", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/inward10", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.1.2.3/", http.StatusFound)
	})
	big := strings.Repeat("<p>مرصد</p>", 1<<20) // about 12 MB
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html lang="en"><title>big</title>`, big)
	})
	mux.HandleFunc("/en", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html lang="EN"><head><title>Passport</title></head><body><img src=x></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newChecker(t, Options{Timeout: 300 * time.Millisecond, MaxBody: 1 << 20, MaxRedirects: 5})

	cases := []struct {
		path      string
		reachable bool
		err       string
	}{
		{"/slow", false, survey.CheckErrTimeout},
		{"/500", false, survey.CheckErrStatus},
		{"/nowhere", false, survey.CheckErrStatus},
		{"/a", false, survey.CheckErrRedirects},
		{"/many/0", false, survey.CheckErrRedirects},
		{"/inward", false, survey.CheckErrBlocked},
		{"/inward10", false, survey.CheckErrBlocked},
	}
	for _, tc := range cases {
		start := time.Now()
		r := check(t, c, srv.URL+tc.path)
		if r.Reachable != tc.reachable || r.Error != tc.err {
			t.Errorf("%s: reachable %v error %q, want %v %q", tc.path, r.Reachable, r.Error, tc.reachable, tc.err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("%s took %v: the timeout did not hold", tc.path, time.Since(start))
		}
		if r.NotFound != survey.NotFoundSkipped {
			t.Errorf("%s: unknown path probed on a failed site: %q", tc.path, r.NotFound)
		}
	}

	// A checker with time to read the cap, also under -race.
	r := check(t, newChecker(t, Options{MaxBody: 1 << 20}), srv.URL+"/huge")
	if !r.Reachable || !r.Truncated || r.Bytes != 1<<20 || r.Lang != "en" || r.Title != "big" {
		t.Errorf("huge: reachable %v truncated %v bytes %d lang %q title %q (error %q, %d ms)", r.Reachable, r.Truncated, r.Bytes, r.Lang, r.Title, r.Error, r.TotalMs)
	}
	r = check(t, c, srv.URL+"/en")
	if r.Lang != "en" || r.Dir != "" || r.Viewport || r.ImagesNoAlt != 1 {
		t.Errorf("wrong lang: %+v", r.Page)
	}
	if r := check(t, c, "ftp://"+strings.TrimPrefix(srv.URL, "http://")); r.Error != survey.CheckErrURL {
		t.Errorf("ftp URL: error %q", r.Error)
	}
}

// selfSigned makes a certificate for 127.0.0.1 valid between from and to.
func selfSigned(t *testing.T, from, to time.Time) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(17), Subject: pkix.Name{CommonName: "test"},
		NotBefore: from, NotAfter: to, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, cert
}

func TestCheckExpiredCertificate(t *testing.T) {
	now := time.Now()
	pair, cert := selfSigned(t, now.AddDate(-2, 0, 0), now.AddDate(0, 0, -3))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, goodPage) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	r := check(t, newChecker(t, Options{RootCAs: pool}), srv.URL)
	if !r.Reachable || !r.HTTPS || r.CertError != "expired" || r.Secure() {
		t.Fatalf("reachable %v https %v cert %q secure %v (error %q)", r.Reachable, r.HTTPS, r.CertError, r.Secure(), r.Error)
	}
	if !r.CertExpires.Equal(cert.NotAfter.UTC()) || !r.CertExpires.Before(now) {
		t.Errorf("expires %v, want %v", r.CertExpires, cert.NotAfter)
	}
}

func TestRobotsAndSoft404(t *testing.T) {
	var probed atomic.Int32
	robots := "User-agent: *\nDisallow:\n"
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			mu.Lock()
			fmt.Fprint(w, robots)
			mu.Unlock()
		case strings.HasPrefix(r.URL.Path, "/marsad-check-"):
			probed.Add(1)
			fmt.Fprint(w, "home") // a soft 404
		default:
			fmt.Fprint(w, goodPage)
		}
	}))
	defer srv.Close()
	c := newChecker(t, Options{})
	if r := check(t, c, srv.URL+"/svc"); r.NotFound != survey.NotFoundSoft {
		t.Errorf("soft 404: %q", r.NotFound)
	}
	if probed.Load() != 1 {
		t.Fatalf("probed %d times, want 1", probed.Load())
	}
	mu.Lock()
	robots = "User-agent: Googlebot\nDisallow:\n\nUser-agent: marsad-checker\nDisallow: /marsad\n"
	mu.Unlock()
	if r := check(t, c, srv.URL+"/svc"); r.NotFound != survey.NotFoundSkipped || !r.Reachable {
		t.Errorf("robots.txt disallows: %q reachable %v", r.NotFound, r.Reachable)
	}
	if probed.Load() != 1 {
		t.Errorf("the unknown path was fetched although robots.txt disallows it")
	}
}

// TestPrivateTargetsRefused: without an allowlist, nothing inward is
// visited, whether named by address or by a name that resolves inward, and
// the loopback server never sees a request.
func TestPrivateTargetsRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	c, err := New(Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		srv.URL,
		"http://localhost:" + port + "/",
		"http://127.0.0.2:" + port + "/",
		"http://0.0.0.0:" + port + "/",
		"http://[::1]:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://10.0.0.1/",
		"http://172.16.5.4/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/",
		"http://[fe80::1]/",
		"http://224.0.0.1/",
		"https://127.0.0.1:" + port + "/",
	} {
		r := check(t, c, u)
		if r.Error != survey.CheckErrBlocked || r.Reachable {
			t.Errorf("%s: error %q reachable %v, want blocked", u, r.Error, r.Reachable)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the loopback server got %d requests", hits.Load())
	}
	// A host name on the allowlist is let through, and only that name.
	c = newChecker(t, Options{Allow: []string{"localhost"}})
	if r := check(t, c, "http://localhost:"+port+"/"); !r.Reachable {
		t.Errorf("allowlisted localhost: error %q", r.Error)
	}
	if r := check(t, c, srv.URL); r.Error != survey.CheckErrBlocked {
		t.Errorf("127.0.0.1 with only localhost allowed: error %q", r.Error)
	}
}

func TestBlocked(t *testing.T) {
	for ip, want := range map[string]bool{
		"127.0.0.1": true, "10.9.8.7": true, "172.31.255.255": true, "192.168.0.1": true, "100.127.0.1": true,
		"169.254.169.254": true, "0.0.0.0": true, "224.1.2.3": true, "255.255.255.255": true, "::1": true, "::": true,
		"fe80::1": true, "fc00::1": true, "ff02::1": true, "::ffff:10.0.0.1": true, "64:ff9b::a00:1": true,
		"8.8.8.8": false, "185.10.20.30": false, "2a00:1450:4001::1": false, "172.32.0.1": false, "100.128.0.1": false,
	} {
		if got := Blocked(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Blocked(%s) = %v, want %v", ip, got, want)
		}
	}
	if _, err := New(Options{Allow: []string{"not a cidr/x"}}); err == nil {
		t.Error("a bad allowlist entry was accepted")
	}
}

func TestRunBoundsConcurrencyPerHost(t *testing.T) {
	var now, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		defer now.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, goodPage)
	}))
	defer srv.Close()
	c := newChecker(t, Options{Concurrency: 8, PerHost: 2})
	var targets []survey.CheckTarget
	for i := range 12 {
		targets = append(targets, survey.CheckTarget{Kind: survey.TargetService, Ref: fmt.Sprint(i), URL: fmt.Sprintf("%s/s%d", srv.URL, i)})
	}
	seen := map[string]bool{}
	err := c.Run(context.Background(), targets, func(r survey.URLCheck) error {
		if !r.Reachable {
			t.Errorf("%s: %q", r.URL, r.Error)
		}
		seen[r.Ref] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(targets) {
		t.Errorf("recorded %d of %d", len(seen), len(targets))
	}
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak requests at once on one host %d, want 1..2", p)
	}
}

// TestRunProbesEachSiteOnce: within a run, robots.txt and the unknown path
// are asked once per site, not once per service; every service's check
// still carries the outcome. The next run asks again.
func TestRunProbesEachSiteOnce(t *testing.T) {
	var robots, probes, pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			robots.Add(1)
			fmt.Fprint(w, "User-agent: *\nDisallow:\n")
		case strings.HasPrefix(r.URL.Path, "/marsad-check-"):
			probes.Add(1)
			time.Sleep(20 * time.Millisecond) // others reach the site meanwhile
			http.NotFound(w, r)
		default:
			pages.Add(1)
			fmt.Fprint(w, goodPage)
		}
	}))
	defer srv.Close()
	c := newChecker(t, Options{Concurrency: 4, PerHost: 3})
	var targets []survey.CheckTarget
	for i := range 9 {
		targets = append(targets, survey.CheckTarget{Kind: survey.TargetService, Ref: fmt.Sprint(i), URL: fmt.Sprintf("%s/s%d", srv.URL, i)})
	}
	for run := 1; run <= 2; run++ {
		err := c.Run(context.Background(), targets, func(r survey.URLCheck) error {
			if r.NotFound != survey.NotFoundAnswers404 {
				t.Errorf("run %d, %s: unknown path %q, want 404", run, r.URL, r.NotFound)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if robots.Load() != int32(run) || probes.Load() != int32(run) || pages.Load() != int32(9*run) {
			t.Errorf("after run %d: %d robots.txt, %d unknown paths, %d pages; want %d, %d, %d",
				run, robots.Load(), probes.Load(), pages.Load(), run, run, 9*run)
		}
	}
}

// TestRunPaced: a run starts at most PerSecond visits a second, however
// fast the sites answer.
func TestRunPaced(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, goodPage) }))
	defer srv.Close()
	c := newChecker(t, Options{Concurrency: 8, PerHost: 8, PerSecond: 20})
	var targets []survey.CheckTarget
	for i := range 11 {
		targets = append(targets, survey.CheckTarget{Kind: survey.TargetService, Ref: fmt.Sprint(i), URL: fmt.Sprintf("%s/s%d", srv.URL, i)})
	}
	start := time.Now()
	if err := c.Run(context.Background(), targets, func(survey.URLCheck) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// 11 visits at 20 a second: the last starts 0.5 s after the first.
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("11 visits at 20 a second took %s", took)
	}
}
