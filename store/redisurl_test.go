package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/onboard-check/onboard-check/store"
)

func TestOpenRedis(t *testing.T) {
	t.Parallel()
	type want struct {
		Cluster     bool
		Addrs       []string // cluster seed nodes
		Addr        string
		DB          int
		Password    string
		TLS         bool
		Dial, Read  time.Duration
		MaxRetries  int
		DialRetries int
	}
	for _, tc := range []struct {
		name, url string
		want      want
	}{
		{"plain", "redis://127.0.0.1:6379/15",
			want{Addr: "127.0.0.1:6379", DB: 15, Dial: time.Second, Read: time.Second, MaxRetries: 1, DialRetries: 1}},
		{"no port", "redis://cache",
			want{Addr: "cache:6379", Dial: time.Second, Read: time.Second, MaxRetries: 1, DialRetries: 1}},
		{"TLS and an encoded password", "rediss://:p%40ss%2Fw@cache.example.net:6380/2",
			want{Addr: "cache.example.net:6380", DB: 2, Password: "p@ss/w", TLS: true, Dial: time.Second, Read: time.Second, MaxRetries: 1, DialRetries: 1}},
		{"URL timeouts win", "redis://cache:6379?dial_timeout=3s&read_timeout=250ms&max_retries=4",
			want{Addr: "cache:6379", Dial: 3 * time.Second, Read: 250 * time.Millisecond, MaxRetries: 4, DialRetries: 1}},
		{"Sentinel", "redis://:sentinel-pw@s1:26379/3?master_name=bot&addr=s2:26379&password=master-pw",
			want{Addr: "FailoverClient", DB: 3, Password: "master-pw", Dial: time.Second, Read: time.Second, MaxRetries: 1, DialRetries: 1}},
		{"Cluster by seed nodes", "redis://:pw@n1:6379?addr=n2:6379&addr=n3:6379",
			want{Cluster: true, Addrs: []string{"n1:6379", "n2:6379", "n3:6379"}, Password: "pw", Dial: time.Second, Read: time.Second, MaxRetries: 1, DialRetries: 1}},
		{"Cluster by flag", "rediss://:pw@clustercfg.example.net:6380?cluster=true",
			want{Cluster: true, Addrs: []string{"clustercfg.example.net:6380"}, Password: "pw", TLS: true, Dial: time.Second, Read: time.Second, MaxRetries: 1, DialRetries: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := store.OpenRedis(tc.url)
			if err != nil {
				t.Fatalf("OpenRedis(%q): %v", tc.url, err)
			}
			defer c.Close()
			var got want
			switch c := c.(type) {
			case *redis.Client:
				o := c.Options()
				got = want{Addr: o.Addr, DB: o.DB, Password: o.Password, TLS: o.TLSConfig != nil,
					Dial: o.DialTimeout, Read: o.ReadTimeout, MaxRetries: o.MaxRetries, DialRetries: o.DialerRetries}
				if !o.ContextTimeoutEnabled {
					t.Errorf("OpenRedis(%q): context deadlines not honoured", tc.url)
				}
			case *redis.ClusterClient:
				o := c.Options()
				got = want{Cluster: true, Addrs: o.Addrs, Password: o.Password, TLS: o.TLSConfig != nil,
					Dial: o.DialTimeout, Read: o.ReadTimeout, MaxRetries: o.MaxRetries, DialRetries: o.DialerRetries}
				if !o.ContextTimeoutEnabled {
					t.Errorf("OpenRedis(%q): context deadlines not honoured", tc.url)
				}
			default:
				t.Fatalf("OpenRedis(%q) = %T, want *redis.Client or *redis.ClusterClient", tc.url, c)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("OpenRedis(%q) options differ (-want +got):\n%s", tc.url, d)
			}
		})
	}
}

// TestOpenRedisRejects checks that bad URLs are refused, and that no error
// shows the password, however badly the URL around it is formed.
func TestOpenRedisRejects(t *testing.T) {
	t.Parallel()
	const pw = "s3cret"
	for _, url := range []string{
		"",
		"127.0.0.1:6379",
		"http://:" + pw + "@cache:6379",
		"unix:///run/redis.sock",
		"redis://:" + pw + "@cache:notaport",
		"redis://:" + pw + "/x@cache:6379",     // an unencoded slash in the password
		"redis://:" + pw + "#x@cache:6379",     // an unencoded hash
		"redis://:" + pw + "@x@cache:6379/abc", // an unencoded at sign
		"redis://u:" + pw + "%zz@cache:6379",
		"redis://:" + pw + "@/0",
		"redis://:" + pw + "@cache:6379/abc",
		"redis://:" + pw + "@cache:6379/1/2",
		"redis://:" + pw + "@cache:6379?bogus=1",
		"redis://:" + pw + "@cache:6379?dial_timeout=" + pw,
		"redis://:" + pw + "@cache:6379?protocol=" + pw,
		"redis://:" + pw + "@cache:6379?cluster=maybe",
		"redis://:" + pw + "@cache:6379/3?cluster=true",
		"redis://:" + pw + "@cache:6379?addr=" + pw,
		"redis://:" + pw + "@s1:26379?master_name=bot&addr=" + pw,
		"redis://s1:26379?master_name=bot&password=" + pw + "&db=" + pw,
		"redis://s1:26379?master_name=bot&password=" + pw + "&max_retries=" + pw,
	} {
		c, err := store.OpenRedis(url)
		if err == nil {
			c.Close()
			t.Errorf("OpenRedis(%q) = nil error, want one", url)
			continue
		}
		t.Logf("%q: %v", url, err)
		if strings.Contains(err.Error(), pw) {
			t.Errorf("OpenRedis(%q) error shows the password: %v", url, err)
		}
	}
}
