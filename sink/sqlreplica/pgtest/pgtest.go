// Package pgtest starts a private PostgreSQL cluster for tests: initdb in a
// temporary folder, the server on a loopback port, stopped when the test
// that started it ends. It is test support: import it from tests only.
//
// The binaries are found on $PATH (initdb), else in the newest
// /usr/lib/postgresql/*/bin (where Debian's packages put them). Run as root,
// the cluster runs as the unprivileged user "nobody", since PostgreSQL
// refuses to run as root. When PostgreSQL cannot be started, [Start] fails
// the test if $CI is true, and skips it with the reason otherwise.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Options tunes [Start]. A nil pointer gives the defaults.
type Options struct {
	// Durable keeps PostgreSQL's default durability (fsync, synchronous
	// commit, full page writes), as benchmarks need. By default they are
	// off, which makes tests faster.
	Durable bool
}

// Server is a running private cluster.
type Server struct {
	dir  string // the temporary folder: data/, the log, the socket
	port int
	next atomic.Int64
}

// Start initializes a cluster in a new temporary folder, starts it on a
// free loopback port and returns it; tb's cleanup stops it and removes the
// folder. It skips tb, or fails it when $CI is true, when PostgreSQL is not
// installed or cannot be started here, saying why.
func Start(tb testing.TB, opts *Options) *Server {
	tb.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	bin, err := findBin()
	if err != nil {
		unavailable(tb, "%v", err)
	}
	dir, err := os.MkdirTemp("", "ledgersink-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{dir: dir}
	run := newRunner(dir)
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := run.prepare(); err != nil {
		unavailable(tb, "preparing %s for PostgreSQL: %v", dir, err)
	}
	data := filepath.Join(dir, "data")
	if out, err := run.command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"--no-locale", "-E", "UTF8", "--no-sync", "--no-instructions").CombinedOutput(); err != nil {
		unavailable(tb, "initdb: %v\n%s", err, out)
	}
	settings := []string{"listen_addresses=127.0.0.1", "unix_socket_directories=" + dir, "max_connections=50"}
	if !o.Durable {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	pgctl := filepath.Join(bin, "pg_ctl")
	logFile := filepath.Join(dir, "server.log")
	var startErr error
	// A free port can be taken between the probe and the server's listen:
	// try a few.
	for range 3 {
		if s.port, startErr = freePort(); startErr != nil {
			continue
		}
		args := "-p " + strconv.Itoa(s.port)
		for _, kv := range settings {
			args += " -c " + kv
		}
		out, err := run.command(pgctl, "-D", data, "-l", logFile, "-w", "-t", "60", "-o", args, "start").CombinedOutput()
		if err == nil {
			startErr = nil
			break
		}
		log, _ := os.ReadFile(logFile)
		startErr = fmt.Errorf("pg_ctl start: %v\n%s\nserver log:\n%s", err, out, log)
	}
	if startErr != nil {
		unavailable(tb, "%v", startErr)
	}
	tb.Cleanup(func() {
		if out, err := run.command(pgctl, "-D", data, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
			tb.Errorf("stopping PostgreSQL: %v\n%s", err, out)
		}
	})
	return s
}

// URL returns the connection URL of database db on the server, for the
// superuser "postgres" (trusted, no password).
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// NewDatabase creates an empty database on the server and returns its URL.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("db%d", s.next.Add(1))
	db, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("creating database %s: %v", name, err)
	}
	return s.URL(name)
}

// Open creates an empty database and opens it with the pgx driver; tb's
// cleanup closes it.
func (s *Server) Open(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", s.NewDatabase(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// unavailable fails tb when $CI is true, else skips it, with the reason.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		tb.Fatalf("CI=%s but PostgreSQL cannot be started: %s", os.Getenv("CI"), msg)
	}
	tb.Skipf("SKIPPING: PostgreSQL cannot be started: %s (install it: apt-get install postgresql)", msg)
}

var binOnce = sync.OnceValues(func() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) }) // newest first
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no initdb on $PATH nor in /usr/lib/postgresql/*/bin")
})

func findBin() (string, error) { return binOnce() }

// versionOf returns the major version in /usr/lib/postgresql/<version>/bin.
func versionOf(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
