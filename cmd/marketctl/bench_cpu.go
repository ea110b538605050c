package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ownCPU measures the CPU time of what a benchmark runs — this process,
// the PostgreSQL server (its postmaster's children) and the processes of
// --cpu-pids (marketd) — apart from whatever else the machine is doing.
// On a shared machine it moves far less than orders per second or
// machine_cpu_per_order (both of which other work on the machine takes
// from). Zero where /proc is missing or the server is elsewhere.
type ownCPU struct {
	postmaster int
	pids       []int
}

func newOwnCPU(ctx context.Context, db *pgxpool.Pool, pidList string) ownCPU {
	var o ownCPU
	var backend int
	if db.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend) == nil {
		if st := procStat(backend); len(st) > 1 {
			o.postmaster, _ = strconv.Atoi(st[1]) // ppid
		}
	}
	for _, f := range strings.FieldsFunc(pidList, func(r rune) bool { return r == ',' || r == ' ' }) {
		if pid, err := strconv.Atoi(f); err == nil {
			o.pids = append(o.pids, pid)
		}
	}
	return o
}

// cpuSplit is CPU time used so far by the client (this process), the
// PostgreSQL server (its live children, and through the postmaster's
// cutime those that exited) and the other processes (marketd).
type cpuSplit struct{ client, server, others time.Duration }

func (c cpuSplit) sum() time.Duration { return c.client + c.server + c.others }

func (c cpuSplit) minus(d cpuSplit) cpuSplit {
	return cpuSplit{c.client - d.client, c.server - d.server, c.others - d.others}
}

const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux

func (o ownCPU) total() cpuSplit {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c := cpuSplit{client: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	for _, pid := range o.pids {
		c.others += time.Duration(procTicks(pid, false)) * tick
	}
	if o.postmaster > 0 {
		ticks := procTicks(o.postmaster, true)
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(o.postmaster) + "/task/" + strconv.Itoa(o.postmaster) + "/children")
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				ticks += procTicks(pid, false)
			}
		}
		c.server = time.Duration(ticks) * tick
	}
	return c
}

// procStat is /proc/pid/stat from the state on (the command may hold
// spaces): [state ppid …]; field i of proc(5) is index i-3.
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// procTicks is a process's user and system time in clock ticks, with its
// reaped children's when reaped is set.
func procTicks(pid int, reaped bool) int64 {
	st := procStat(pid)
	if len(st) < 15 {
		return 0
	}
	n := 2
	if reaped {
		n = 4
	}
	var sum int64
	for _, f := range st[11 : 11+n] { // utime, stime, cutime, cstime: fields 14–17
		v, _ := strconv.ParseInt(f, 10, 64)
		sum += v
	}
	return sum
}
