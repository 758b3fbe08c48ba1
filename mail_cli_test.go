package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMailSettings: the password comes from the environment or a file,
// never a flag; incomplete settings stop the server at start.
func TestMailSettings(t *testing.T) {
	parse := func(args ...string) (mailConfig, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var mc mailConfig
		addMailFlags(fs, &mc)
		return mc, fs.Parse(args)
	}
	if _, err := parse("--smtp-password", "secret"); err == nil {
		t.Fatal("a --smtp-password flag exists: its value would show in ps")
	}
	t.Setenv("MARSAD_SMTP_PASSWORD", "from-env")
	mc, err := parse("--smtp-host", "smtp.example.ps", "--mail-from", "marsad@example.ps", "--smtp-user", "u")
	if err != nil {
		t.Fatal(err)
	}
	set, err := mc.settings()
	if err != nil || set.Password != "from-env" || set.Domain() != "example.ps" || !set.Configured() {
		t.Fatalf("settings %+v, %v", set, err)
	}
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mc, _ = parse("--smtp-host", "smtp.example.ps", "--mail-from", "marsad@example.ps", "--smtp-user", "u", "--smtp-password-file", file)
	if set, err := mc.settings(); err != nil || set.Password != "from-file" {
		t.Fatalf("password file: %q, %v", set.Password, err)
	}
	t.Setenv("MARSAD_SMTP_PASSWORD", "")
	for _, bad := range [][]string{
		{"--smtp-host", "smtp.example.ps"},                                                    // no sender
		{"--smtp-host", "smtp.example.ps", "--mail-from", "not an address"},                   // bad sender
		{"--smtp-host", "smtp.example.ps", "--mail-from", "m@example.ps", "--smtp-user", "u"}, // no password
		{"--smtp-host", "smtp.example.ps", "--mail-from", "m@example.ps", "--smtp-tls", "maybe"},
		{"--smtp-host", "smtp.example.ps", "--mail-from", "m@example.ps", "--mail-lease", "10ms"},
	} {
		mc, err := parse(bad...)
		if err == nil {
			_, err = mc.settings()
		}
		if err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
	// serve refuses to start with them, saying why.
	var stderr bytes.Buffer
	err = run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "m.db"), "--smtp-host", "smtp.example.ps"},
		nil, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--mail-from") {
		t.Fatalf("serve with half the settings: %v", err)
	}
	// Without any, mail is off: nothing to check.
	mc, _ = parse()
	if set, err := mc.settings(); err != nil || set.Configured() {
		t.Fatalf("no settings: %+v, %v", set, err)
	}
}
