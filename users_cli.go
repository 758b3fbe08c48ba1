package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"marsad/survey"
	"marsad/survey/sqlstore"
)

// userSetActive is `marsad user activate|deactivate --email E`: the
// coordinator's switch from the command line, for when nobody can sign in
// to do it (the audit log records it as done by the system). Deactivating
// ends the person's sessions; the last active coordinator stays.
func userSetActive(ctx context.Context, active bool, args []string, stdout, stderr io.Writer) error {
	name := "user deactivate"
	if active {
		name = "user activate"
	}
	var (
		cfg   config
		email string
	)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&email, "email", "", "the account's e-mail address")
	addDBFlag(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("%s: --email is required", name)
	}
	store, err := openStore(ctx, cfg.db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByEmail(ctx, email)
	if errors.Is(err, survey.ErrNotFound) {
		return fmt.Errorf("%s: no account with e-mail %s", name, survey.NormalizeEmail(email))
	}
	if err != nil {
		return err
	}
	// The system acts (actor 0) with a coordinator's rights: whoever runs
	// this holds the database file.
	after, err := store.SetUserActive(ctx, survey.Actor{Role: survey.RoleAdmin}, u.ID, active)
	if errors.Is(err, survey.ErrLastAdmin) {
		return fmt.Errorf("%s: %s is the last active coordinator and cannot be deactivated; add or reactivate another first", name, u.Email)
	}
	if err != nil {
		return err
	}
	u = after
	state := "deactivated (sessions ended)"
	if u.Active {
		state = "active"
	}
	fmt.Fprintf(stdout, "%s (%s) id %d: %s\n", u.Email, u.Role, u.ID, state)
	return nil
}
