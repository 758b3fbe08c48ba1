package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The bare program (bench/bare): the baseline of issue 15's autosave
// comparison, a minimal net/http + SQLite server with Marsad's save API
// and SQLite settings. The bench builds it from the module it runs in,
// starts it with startServer like Marsad (serve --addr --db plus
// bareArgs) and drives it with the same client code, authenticating each
// institution with bareToken.

// buildBare builds bench/bare of the module that holds the current
// directory, as Marsad's release build is built, into dir/bare.
func buildBare(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	gomod, err := exec.CommandContext(ctx, goTool, "env", "GOMOD").Output() // #nosec G204 -- the go tool with fixed arguments
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	modFile := strings.TrimSpace(string(gomod))
	mod, err := os.ReadFile(modFile) // #nosec G304 -- the go.mod the go tool named
	if err != nil || !bytes.Contains(mod, []byte("module marsad")) {
		return "", errors.New("run from inside the marsad module to build bench/bare")
	}
	out := filepath.Join(dir, "bare")
	args := []string{"build", "-trimpath", "-tags", releaseTags, "-ldflags", "-s -w", "-o", out, "./bench/bare"}
	cmd := exec.CommandContext(ctx, goTool, args...) // #nosec G204 -- the go tool with the bench's own arguments
	cmd.Dir = filepath.Dir(modFile)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./bench/bare: %w", err)
	}
	return out, nil
}

// bareToken is the API token the bare program seeds for institution code.
func bareToken(code string) string { return "bare-token-" + code }

// bareArgs writes the items the respondents answer, with the values they
// send, to dir/bare-items.json and returns the arguments that follow
// serve --addr --db: the bare program seeds institutions I0001… with one
// session each, and these items, on its empty database.
func bareArgs(dir string, items []answerable, institutions int, round int64) ([]string, error) {
	type bareItem struct {
		ID     string   `json:"id"`
		Values []string `json:"values"`
	}
	out := make([]bareItem, len(items))
	for i, it := range items {
		out[i] = bareItem{ID: it.id, Values: it.vals}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "bare-items.json")
	if err := os.MkdirAll(dir, 0o755); err != nil { // #nosec G301 -- developer-machine temporary directories
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil { // #nosec G306 -- the tool's own temporary file
		return nil, err
	}
	return []string{"--institutions", strconv.Itoa(institutions), "--round", strconv.FormatInt(round, 10), "--items", path}, nil
}
