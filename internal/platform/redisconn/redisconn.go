// Package redisconn opens the Redis that REDIS_URL names: one server
// (redis://, rediss://, unix://) or a Redis Cluster
// (redis+cluster://[user:password@]host1:port1,host2:port2/?options, or
// rediss+cluster:// with TLS), listing some of the cluster's nodes; the
// client discovers the rest. Callers get a redis.UniversalClient either way.
//
// On a cluster every command that names several keys must name keys of one
// hash slot: the packages that do (the page cache's lookup script) put a
// hash tag ({…}) in their keys.
package redisconn

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeout bounds dialing, reads and writes: Redis holds only what may be
// lost, so a slow Redis must not hold requests up.
const Timeout = time.Second

// IsCluster reports whether rawURL names a Redis Cluster.
func IsCluster(rawURL string) bool {
	scheme, _, _ := strings.Cut(rawURL, "://")
	return scheme == "redis+cluster" || scheme == "rediss+cluster"
}

// Open returns a client for rawURL with short timeouts.
func Open(rawURL string) (redis.UniversalClient, error) {
	if IsCluster(rawURL) {
		opt, err := ParseCluster(rawURL)
		if err != nil {
			return nil, err
		}
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	for _, d := range []*time.Duration{&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout} {
		if *d == 0 {
			*d = Timeout
		}
	}
	return redis.NewClient(opt), nil
}

// ParseCluster reads a redis+cluster:// URL: the hosts are separated by
// commas (a host without a port gets 6379); user and password apply to
// every node. Go-redis's own form (redis://host1?addr=host2&addr=host3) is
// accepted too, behind the same scheme.
func ParseCluster(rawURL string) (*redis.ClusterOptions, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || !IsCluster(rawURL) {
		return nil, fmt.Errorf("redis cluster url: want redis+cluster://host1:port1,host2:port2")
	}
	base := "redis"
	if scheme == "rediss+cluster" {
		base = "rediss"
	}
	// The host list is not one URL host: take it out before parsing.
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	var addrs []string
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if !strings.Contains(h, ":") || strings.HasSuffix(h, "]") {
			h += ":6379"
		}
		addrs = append(addrs, h)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("redis cluster url: no host")
	}
	u, err := url.Parse(base + "://" + userinfo + addrs[0] + tail)
	if err != nil {
		return nil, fmt.Errorf("parse redis cluster url: %w", err)
	}
	q := u.Query()
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("redis cluster url: a cluster has no database number (%q)", u.Path)
	}
	u.Path, u.RawQuery = "", q.Encode()
	opt, err := redis.ParseClusterURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("parse redis cluster url: %w", err)
	}
	for _, d := range []*time.Duration{&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout} {
		if *d == 0 {
			*d = Timeout
		}
	}
	return opt, nil
}
