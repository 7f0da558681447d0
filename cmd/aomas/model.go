package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/rbac"
)

// runModel is `aomas model register`.
func runModel(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "register" {
		fmt.Fprintln(stderr, "usage: aomas model register FILE --card CARD [--model NAME --task TASK --modality MODALITY --version V --project P --user EMAIL]")
		return &exitError{code: 2, err: errors.New("model: want register")}
	}
	return runModelRegister(ctx, args[1:], getenv, stdout, stderr)
}

// runModelRegister registers an ONNX file as a CANDIDATE model version of a project, with
// the checks registerModelVersion makes (the same service, against the database and object
// storage directly). Name, task, modality and version default to the card's.
func runModelRegister(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("model register", flag.ContinueOnError)
	fset.SetOutput(stderr)
	cardPath := fset.String("card", "", "the model card (JSON): inputs, normalisation, training data, metrics, intended use, limits")
	name := fset.String("model", "", "the model's name (default: the card's name)")
	task := fset.String("task", "", "cones or capillaries (default: the card's task)")
	modality := fset.String("modality", "", "confocal, split-detector or any (default: the card's modality)")
	version := fset.String("version", "", "the version's label (default: the card's version)")
	project := fset.String("project", auth.DefaultProject, "the project the model belongs to")
	user := fset.String("user", "", "the account the version is recorded as registered by (email)")
	ortLib := fset.String("ort-lib", getenv("AOMAS_ORT_LIB"), "the ONNX Runtime shared library the file is checked with (env AOMAS_ORT_LIB)")
	cf := newConfigFlags(fset, needDB|needRedis|needS3)
	// FILE may come before the flags.
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if done, err := parseFlags(fset, args); done {
		if err == nil {
			err = errExit(0)
		}
		return err
	}
	if file == "" && fset.NArg() == 1 {
		file = fset.Arg(0)
	}
	if file == "" || *cardPath == "" {
		return usageErr("model register: FILE and --card are required")
	}
	card, err := os.ReadFile(*cardPath)
	if err != nil {
		return fmt.Errorf("model register: %w", err)
	}
	var fields struct{ Name, Version, Task, Modality string }
	if err := json.Unmarshal(card, &fields); err != nil {
		return usageErr("model register: the card %s is not JSON: %v", *cardPath, err)
	}
	pick := func(flagValue, cardValue string) string {
		if flagValue != "" {
			return flagValue
		}
		return cardValue
	}
	mod := pick(*modality, fields.Modality)
	if mod == "split" {
		mod = "split-detector"
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("model register: %w", err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("model register: %w", err)
	}
	c, err := cf.load(getenv)
	if err != nil {
		return err
	}
	logger := c.logger(stderr)
	d, err := connect(ctx, c, logger, 30*time.Second)
	if err != nil {
		return err
	}
	defer d.close()
	var by *int64
	actor := "cli"
	if *user != "" {
		accounts, err := auth.NewAccounts(d.db, auth.AccountsConfig{})
		if err != nil {
			return err
		}
		u, err := accounts.ByEmail(ctx, *user)
		if err != nil {
			return fmt.Errorf("model register: --user %s: %w", *user, err)
		}
		by, actor = &u.ID, rbac.UserSubject(u.ID)
	}
	svc := &registry.Service{DB: d.db, Store: d.store, ORTLib: *ortLib}
	r := registry.Registration{Project: *project, Model: pick(*name, fields.Name), Task: pick(*task, fields.Task), Modality: mod,
		Version: pick(*version, fields.Version), Card: card, Size: st.Size(), Weights: f, RegisteredBy: by}
	v, err := svc.Register(ctx, r)
	target := fmt.Sprintf("model %s %s (%s, %s) in %s from %s", r.Model, r.Version, r.Task, r.Modality, r.Project, file)
	entry := audit.Entry{Actor: actor, Action: rbac.ActWrite, Object: "cli.model.register", Outcome: audit.OutcomeOK, Target: target}
	if err != nil {
		entry.Outcome, entry.Reason = audit.OutcomeFailed, err.Error()
	}
	if _, aerr := audit.AppendDB(context.WithoutCancel(ctx), d.db, entry); aerr != nil {
		return errors.Join(err, fmt.Errorf("audit: %w", aerr))
	}
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("model register: %w", err)}
	}
	fmt.Fprintf(stdout, "%s\t%s %s\t%s\tsha256 %s\n", gid.Encode("ModelVersion", v.ID), r.Model, v.Version, v.Stage, v.WeightsSHA256)
	return nil
}
