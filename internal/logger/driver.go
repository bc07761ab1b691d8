package logger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/docker/go-units"
)

// The log drivers.
const (
	JSONFile = "json-file"
	Local    = "local"
	None     = "none"
	Syslog   = "syslog"
	Journald = "journald"
)

// berth's json-file rotation when a container names none: dockerd keeps
// json-file logs unbounded; berth keeps at most 5 files of 20 MB, the
// local driver's defaults.
const (
	DefaultMaxSize  = 20 << 20
	DefaultMaxFiles = 5
)

// defaultMaxBuffer is the buffer of mode=non-blocking when
// max-buffer-size is not set (dockerd's 1 MB).
const defaultMaxBuffer = 1_000_000

// Driver is where a container's output goes. Append may buffer; Flush
// delivers what was appended (the monitor flushes after each read of a
// pipe); Close flushes and releases the driver.
type Driver interface {
	Append(Message) error
	Flush() error
	Close() error
}

// Reopener is a driver whose file can be opened again at its path (File).
type Reopener interface {
	Reopen() error
}

// Config is a container's log: its driver and options, resolved by the
// daemon so that the monitor needs nothing else.
type Config struct {
	Driver string            // json-file, local, syslog, journald
	Path   string            // the file of json-file and local
	Opts   map[string]string // --log-opt
	Tag    string            // the tag, its template resolved ("" = none)
	Attrs  map[string]string // labels and env chosen by the options, and the tag
	// The container, for journald's fields.
	ID, Name, ImageName string
}

// options are the keys each driver accepts besides mode and
// max-buffer-size, as dockerd's drivers do.
var options = map[string][]string{
	JSONFile: {"max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"},
	Local:    {"max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"},
	Syslog:   {"env", "env-regex", "labels", "labels-regex", "syslog-address", "syslog-facility", "syslog-tls-ca-cert", "syslog-tls-cert", "syslog-tls-key", "syslog-tls-skip-verify", "tag", "syslog-format"},
	Journald: {"env", "env-regex", "labels", "labels-regex", "tag"},
}

// Readable reports whether `logs` can read a driver's output.
func Readable(driver string) bool { return driver == JSONFile || driver == Local || driver == "" }

// Shown is the log path inspect shows: json-file's; dockerd keeps the
// local driver's file out of its API.
func Shown(driver, path string) string {
	if driver == JSONFile || driver == "" {
		return path
	}
	return ""
}

// PathIn is the log file of a container whose dir is dir, where dockerd
// puts it: <dir>/<id>-json.log for json-file, <dir>/local-logs/container.log
// for local; "" for the other drivers.
func PathIn(dir, id, driver string) string {
	switch driver {
	case JSONFile, "":
		return filepath.Join(dir, id+"-json.log")
	case Local:
		return filepath.Join(dir, "local-logs", "container.log")
	}
	return ""
}

// Validate checks a driver's options with dockerd's words.
func Validate(driver string, opts map[string]string) error {
	if driver == None {
		return nil
	}
	if _, ok := options[driver]; !ok {
		return fmt.Errorf("logger: no log driver named '%s' is registered", driver)
	}
	switch opts["mode"] {
	case "", "blocking", "non-blocking":
	default:
		return fmt.Errorf("logger: logging mode not supported: %s", opts["mode"])
	}
	if s, ok := opts["max-buffer-size"]; ok {
		if opts["mode"] != "non-blocking" {
			return errors.New("logger: max-buffer-size option is only supported with 'mode=non-blocking'")
		}
		if _, err := units.RAMInBytes(s); err != nil {
			return fmt.Errorf("error parsing option max-buffer-size: %w", err)
		}
	}
	for k := range opts {
		if k == "mode" || k == "max-buffer-size" || slices.Contains(options[driver], k) {
			continue
		}
		if driver == Local {
			return fmt.Errorf("unknown log opt '%s' for log driver %s", k, driver)
		}
		return fmt.Errorf("unknown log opt '%s' for %s log driver", k, driver)
	}
	if t := opts["tag"]; t != "" {
		if _, err := parseTag(t, Info{}); err != nil {
			return err
		}
	}
	for _, k := range []string{"labels-regex", "env-regex"} {
		if s, ok := opts[k]; ok {
			if _, err := regexp.Compile(s); err != nil {
				return err
			}
		}
	}
	switch driver {
	case JSONFile, Local:
		_, err := fileRotation(driver, opts)
		return err
	case Syslog:
		_, err := newSyslogConfig(opts)
		return err
	}
	return nil
}

// fileRotation reads the rotation options of json-file and local; both
// default to 20 MB and 5 files in berth (dockerd's json-file keeps one
// unbounded file); max-size=-1 keeps one unbounded file. local compresses
// unless told not to, json-file only when told to.
func fileRotation(driver string, opts map[string]string) (rotation, error) {
	rot := rotation{maxSize: DefaultMaxSize, maxFiles: DefaultMaxFiles, compress: driver == Local}
	if s, ok := opts["max-size"]; ok && s != "-1" {
		parse := units.FromHumanSize // dockerd's json-file counts in powers of 10,
		if driver == Local {
			parse = units.RAMInBytes // its local driver in powers of 2
		}
		n, err := parse(s)
		if err != nil {
			return rot, err
		}
		if n <= 0 {
			return rot, errors.New("max-size must be a positive number")
		}
		rot.maxSize = n
	} else if ok {
		rot.maxSize, rot.maxFiles = 0, 1
	}
	if s, ok := opts["max-file"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return rot, err
		}
		if n < 1 {
			return rot, errors.New("max-file cannot be less than 1")
		}
		rot.maxFiles = n
	}
	if s, ok := opts["compress"]; ok {
		c, err := strconv.ParseBool(s)
		if err != nil {
			return rot, err
		}
		if c && (rot.maxFiles < 2 || rot.maxSize == 0) {
			return rot, errors.New("compress cannot be true when max-file is less than 2 or max-size is not set")
		}
		rot.compress = c
	}
	if rot.maxFiles < 2 {
		rot.compress = false
	}
	return rot, nil
}

// Info is what the daemon knows of a container that a log's tag and
// attributes are made of.
type Info struct {
	ID, Name, ImageID, ImageName, DaemonName string
	Path                                     string   // the command
	Args                                     []string // and its arguments
	Labels                                   map[string]string
	Env                                      []string
}

// MonitorLog is a container's log as the monitor takes it: the encoded
// Config, and for json-file the path and rotation that monitors older
// than Config read instead (one still running after an upgrade, its
// containers restored live).
type MonitorLog struct {
	Config   json.RawMessage // nil for "none": no log
	Path     string
	MaxSize  int64
	MaxFiles int
}

// Resolve makes a container's log Config for the monitor from its driver,
// options and log path: the tag's template (dockerd's fields; "{{.ID}}"
// for syslog and journald when no tag is set) and the attributes the
// labels, labels-regex, env and env-regex options choose.
func Resolve(driver string, opts map[string]string, path string, info Info) (MonitorLog, error) {
	var ml MonitorLog
	if driver == None {
		return ml, nil
	}
	cfg, err := resolve(driver, opts, path, info)
	if err != nil {
		return ml, err
	}
	if driver == JSONFile || driver == "" {
		rot, _ := fileRotation(driver, opts) // checked at create
		ml.Path, ml.MaxSize, ml.MaxFiles = path, rot.maxSize, rot.maxFiles
	}
	ml.Config, err = json.Marshal(cfg)
	return ml, err
}

func resolve(driver string, opts map[string]string, path string, info Info) (Config, error) {
	if info.DaemonName == "" {
		info.DaemonName = "berth"
	}
	cfg := Config{Driver: driver, Path: path, Opts: maps.Clone(opts), ID: info.ID, Name: strings.TrimPrefix(info.Name, "/"), ImageName: info.ImageName}
	tmpl := opts["tag"]
	if tmpl == "" && (driver == Syslog || driver == Journald) {
		tmpl = "{{.ID}}"
	}
	if tmpl != "" {
		tag, err := parseTag(tmpl, info)
		if err != nil {
			return cfg, err
		}
		cfg.Tag = tag
	}
	attrs, err := extraAttrs(opts, info)
	if err != nil {
		return cfg, err
	}
	if opts["tag"] != "" {
		attrs["tag"] = cfg.Tag
	}
	if len(attrs) > 0 {
		cfg.Attrs = attrs
	}
	return cfg, nil
}

// tagFields are the fields of a tag's template.
type tagFields struct{ i Info }

func (t tagFields) ID() string          { return short(t.i.ID) }
func (t tagFields) FullID() string      { return t.i.ID }
func (t tagFields) Name() string        { return strings.TrimPrefix(t.i.Name, "/") }
func (t tagFields) ImageID() string     { return short(strings.TrimPrefix(t.i.ImageID, "sha256:")) }
func (t tagFields) ImageFullID() string { return t.i.ImageID }
func (t tagFields) ImageName() string   { return t.i.ImageName }
func (t tagFields) DaemonName() string  { return t.i.DaemonName }
func (t tagFields) Command() string {
	return strings.Join(append([]string{t.i.Path}, t.i.Args...), " ")
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func parseTag(tmpl string, info Info) (string, error) {
	t, err := template.New("log-tag").Parse(tmpl)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, tagFields{info}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// extraAttrs picks the container's labels and environment variables the
// options name (comma-separated keys) or match (regular expressions).
func extraAttrs(opts map[string]string, info Info) (map[string]string, error) {
	attrs := map[string]string{}
	pick := func(names, pattern string, values map[string]string) error {
		for _, k := range strings.Split(names, ",") {
			if v, ok := values[k]; ok && k != "" {
				attrs[k] = v
			}
		}
		if pattern == "" {
			return nil
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return err
		}
		for k, v := range values {
			if re.MatchString(k) {
				attrs[k] = v
			}
		}
		return nil
	}
	if err := pick(opts["labels"], opts["labels-regex"], info.Labels); err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, kv := range info.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return attrs, pick(opts["env"], opts["env-regex"], env)
}

// New opens a container's log driver; with mode=non-blocking, a buffer of
// max-buffer-size bytes (1 MB by default) stands between the container and
// the driver, and messages that find it full are dropped.
func New(cfg Config) (Driver, error) {
	var d Driver
	var err error
	switch cfg.Driver {
	case JSONFile, Local, CRI, "":
		d, err = newFileDriver(cfg)
	case Syslog:
		d, err = newSyslog(cfg)
	case Journald:
		d, err = newJournald(cfg)
	default:
		return nil, fmt.Errorf("logger: no log driver named '%s' is registered", cfg.Driver)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to initialize logging driver: %w", err)
	}
	if cfg.Opts["mode"] == "non-blocking" {
		size := int64(defaultMaxBuffer)
		if s := cfg.Opts["max-buffer-size"]; s != "" {
			if size, err = units.RAMInBytes(s); err != nil {
				d.Close()
				return nil, err
			}
		}
		d = newNonBlocking(d, size)
	}
	return d, nil
}

func newFileDriver(cfg Config) (*File, error) {
	if cfg.Driver == CRI {
		return newFile(cfg.Path, criFormat{}, rotation{})
	}
	rot, err := fileRotation(cfg.Driver, cfg.Opts)
	if err != nil {
		return nil, err
	}
	var fm format = newJSONFormat(cfg.Attrs)
	if cfg.Driver == Local {
		fm = newLocalFormat(cfg.Attrs)
		if err := mkdirLogDir(cfg.Path); err != nil {
			return nil, err
		}
	}
	return newFile(cfg.Path, fm, rot)
}

func mkdirLogDir(path string) error { return os.MkdirAll(filepath.Dir(path), 0o750) }
