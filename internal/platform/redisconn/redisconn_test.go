package redisconn

import (
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestParseCluster(t *testing.T) {
	tests := []struct {
		name, url  string
		addrs      []string
		user, pass string
		tls        bool
		read       time.Duration
	}{
		{"three hosts", "redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003",
			[]string{"127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"}, "", "", false, Timeout},
		{"default port and credentials", "redis+cluster://app:s3cret@cache-a,cache-b:7000/",
			[]string{"cache-a:6379", "cache-b:7000"}, "app", "s3cret", false, Timeout},
		{"tls and an option", "rediss+cluster://h1:7001,h2:7002?read_timeout=3s",
			[]string{"h1:7001", "h2:7002"}, "", "", true, 3 * time.Second},
		{"go-redis addr form", "redis+cluster://h1:7001?addr=h2:7002",
			[]string{"h1:7001", "h2:7002"}, "", "", false, Timeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := ParseCluster(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(opt.Addrs, tt.addrs) {
				t.Errorf("addrs %v, want %v", opt.Addrs, tt.addrs)
			}
			if opt.Username != tt.user || opt.Password != tt.pass {
				t.Errorf("credentials %q/%q", opt.Username, opt.Password)
			}
			if (opt.TLSConfig != nil) != tt.tls {
				t.Errorf("tls %v, want %v", opt.TLSConfig != nil, tt.tls)
			}
			if opt.ReadTimeout != tt.read || opt.DialTimeout == 0 {
				t.Errorf("timeouts read %v dial %v", opt.ReadTimeout, opt.DialTimeout)
			}
		})
	}
}

func TestParseClusterRefuses(t *testing.T) {
	for _, u := range []string{"redis+cluster://", "redis+cluster://h1:7001/0", "redis://h1:7001", "redis+cluster://h1?bogus=1"} {
		if _, err := ParseCluster(u); err == nil {
			t.Errorf("%s: no error", u)
		}
	}
}

func TestOpenPicksTheClient(t *testing.T) {
	for url, cluster := range map[string]bool{
		"redis://127.0.0.1:6379/0":                      false,
		"redis+cluster://127.0.0.1:7001,127.0.0.1:7002": true,
	} {
		c, err := Open(url)
		if err != nil {
			t.Fatal(err)
		}
		_, isCluster := c.(*redis.ClusterClient)
		if isCluster != cluster {
			t.Errorf("%s: cluster client %v, want %v", url, isCluster, cluster)
		}
		c.Close()
	}
}
