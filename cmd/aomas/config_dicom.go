package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aomas/aomas/db"
)

// dicomConfig is the DICOM network service's part of the configuration.
type dicomConfig struct {
	// Listen is the C-STORE SCP's address; empty: no DICOM network service.
	Listen  string
	AETitle string
	// Allow maps calling AE titles to projects; written to the allow list at start
	// (admins change the list later through the API).
	Allow            map[string]string
	MaxAssociations  int
	MaxInstanceBytes int64
	Idle, ARTIM      time.Duration
	// Quiet is how long a series waits for more instances after its senders ended.
	Quiet time.Duration
}

var projectRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// parseDicomAllow reads CALLING_AE=PROJECT[,…].
func parseDicomAllow(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range splitList(v) {
		ae, project, ok := strings.Cut(p, "=")
		ae, project = strings.TrimSpace(ae), strings.TrimSpace(project)
		switch {
		case !ok:
			return nil, fmt.Errorf("%q is not CALLING_AE=PROJECT", p)
		case !db.ValidAETitle(ae):
			return nil, fmt.Errorf("%q is not an AE title (1 to 16 printable ASCII characters, no backslash)", ae)
		case !projectRe.MatchString(project):
			return nil, fmt.Errorf("%q is not a project name (a-z, 0-9, _ and -)", project)
		}
		if _, dup := out[ae]; dup {
			return nil, fmt.Errorf("AE title %q is listed twice", ae)
		}
		out[ae] = project
	}
	return out, nil
}

func dicomSettings() []setting {
	dur := func(dst func(c *config) *time.Duration) func(c *config, v string) error {
		return func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (e.g. 30s)", v)
			}
			*dst(c) = d
			return nil
		}
	}
	return []setting{
		{"dicom-listen", "AOMAS_DICOM_LISTEN", "", "DICOM C-STORE/C-ECHO listen address host:port (empty: off)", needDICOM, func(c *config, v string) error {
			if v == "" {
				return nil
			}
			if err := hostPort(v); err != nil {
				return err
			}
			c.DICOM.Listen = v
			return nil
		}},
		{"dicom-ae-title", "AOMAS_DICOM_AE_TITLE", "AOMAS", "the AE title callers must address (called AE title)", needDICOM, func(c *config, v string) error {
			if !db.ValidAETitle(v) {
				return errors.New("not an AE title (1 to 16 printable ASCII characters, no backslash)")
			}
			c.DICOM.AETitle = v
			return nil
		}},
		{"dicom-allow", "AOMAS_DICOM_ALLOW", "", "calling AE titles allowed to send, each into a project: CALLING_AE=PROJECT,… (added to the allow list at start)", needDICOM, func(c *config, v string) error {
			m, err := parseDicomAllow(v)
			c.DICOM.Allow = m
			return err
		}},
		{"dicom-max-associations", "AOMAS_DICOM_MAX_ASSOCIATIONS", "16", "concurrent DICOM associations; more are refused (transient)", needDICOM, func(c *config, v string) error {
			return positiveInt(v, &c.DICOM.MaxAssociations)
		}},
		{"dicom-max-instance-bytes", "AOMAS_DICOM_MAX_INSTANCE_BYTES", "2147483648", "largest DICOM instance received, in bytes (larger: status A700)", needDICOM, func(c *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("%q is not a positive whole number of bytes", v)
			}
			c.DICOM.MaxInstanceBytes = n
			return nil
		}},
		{"dicom-idle-timeout", "AOMAS_DICOM_IDLE_TIMEOUT", "5m", "how long an association may send nothing", needDICOM, dur(func(c *config) *time.Duration { return &c.DICOM.Idle })},
		{"dicom-artim", "AOMAS_DICOM_ARTIM", "30s", "ARTIM timeout: the wait for an association request and for the close after release", needDICOM, dur(func(c *config) *time.Duration { return &c.DICOM.ARTIM })},
		{"dicom-quiet", "AOMAS_DICOM_QUIET", "5s", "how long a received series waits for more instances after its senders ended, before it becomes volumes", needDICOM, dur(func(c *config) *time.Duration { return &c.DICOM.Quiet })},
	}
}
