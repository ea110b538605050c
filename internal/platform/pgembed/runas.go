package pgembed

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runner runs the PostgreSQL programs of one installation. initdb, pg_ctl
// and postgres refuse to run as root, so when this process is root they run
// as the postgres system user (cred); otherwise as ourselves (cred nil).
type runner struct {
	bin  string // directory of initdb, pg_ctl and postgres
	dir  string // data directory, also the working directory of each program
	cred *syscall.Credential
}

// command prepares one program. Each runs in its own process group so that a
// Ctrl-C on the terminal reaches only our process, which then stops the
// cluster in order instead of the server dying under in-flight requests.
func (r *runner) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(r.bin, name), args...)
	cmd.Dir = r.dir
	cmd.Env = serverEnv(os.Environ())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: r.cred}
	// pg_ctl's postmaster redirects its output to the log file, but should a
	// child ever keep our pipe open, do not wait for it forever.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs a program and returns its combined output, which the error
// carries as well because PostgreSQL explains its failures there.
func (r *runner) run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := r.command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(out, 2000))
	}
	return string(out), nil
}

// serverEnv drops the PG* variables of the caller: a PGDATA, PGPORT or
// PGOPTIONS meant for another server must not leak into ours.
func serverEnv(env []string) []string {
	kept := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PG") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// postgresUser returns the credential of the postgres system user, creating
// the user first when it does not exist (as Debian's package would).
func postgresUser(ctx context.Context, log *slog.Logger) (*syscall.Credential, error) {
	if err := exec.CommandContext(ctx, "id", "postgres").Run(); err != nil {
		log.Info("creating the postgres system user to run PostgreSQL, which refuses to run as root")
		out, err := exec.CommandContext(ctx, "useradd", "--system", "--home-dir", "/var/lib/postgresql",
			"--shell", "/usr/sbin/nologin", "postgres").CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("useradd postgres: %w: %s", err, tail(out, 1000))
		}
	}
	uid, err := idOf(ctx, "-u")
	if err != nil {
		return nil, err
	}
	gid, err := idOf(ctx, "-g")
	if err != nil {
		return nil, err
	}
	// Groups empty (not nil) drops root's supplementary groups.
	return &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}, nil
}

func idOf(ctx context.Context, flag string) (uint32, error) {
	out, err := exec.CommandContext(ctx, "id", flag, "postgres").Output()
	if err != nil {
		return 0, fmt.Errorf("id %s postgres: %w", flag, err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("id %s postgres: %w", flag, err)
	}
	return uint32(n), nil
}

// prepareDir creates the data directory. For the postgres user (cred set) it
// hands the directory over and makes every parent traversable, since the
// server must reach its data dir by path; the parents gain o+x only, never
// read access.
func prepareDir(dir string, cred *syscall.Credential, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if cred != nil {
		err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, int(cred.Uid), int(cred.Gid))
		})
		if err != nil {
			return fmt.Errorf("chown %s to postgres: %w", dir, err)
		}
		for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
			fi, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("stat %s: %w", p, err)
			}
			if fi.Mode().Perm()&0o001 == 0 {
				log.Info("making directory traversable for the postgres user", "dir", p)
				if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
					return fmt.Errorf("chmod o+x %s: %w", p, err)
				}
			}
			if p == filepath.Dir(p) {
				break
			}
		}
	}
	// The server refuses a data directory that others can read.
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if fi.Mode().Perm()&^0o750 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("chmod 0700 %s: %w", dir, err)
		}
	}
	return nil
}
