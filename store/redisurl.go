package store

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Connection defaults of OpenRedis, short so that an outage fails a command
// in about a second instead of stalling a reply: one dial attempt
// per try and one retry (go-redis defaults to 5 dials per try and 3
// retries). A URL parameter (dial_timeout, read_timeout, write_timeout,
// pool_timeout, max_retries, dialer_retries) overrides each.
const (
	redisDialTimeout   = time.Second
	redisIOTimeout     = time.Second
	redisPoolTimeout   = 2 * time.Second
	redisMaxRetries    = 1
	redisDialerRetries = 1
)

// OpenRedis returns a client for a redis:// or rediss:// (TLS) URL, as
// go-redis parses it (redis.ParseURL), with short timeouts and context
// deadlines honoured. It makes no network call. The URL can also ask for:
//
//	Sentinel: redis://[:sentinel-password@]sentinel:26379/0?master_name=mymaster&addr=sentinel2:26379&password=…
//	Cluster:  redis://[:password@]node1:6379?addr=node2:6379&addr=node3:6379
//	          redis://[:password@]config-endpoint:6379?cluster=true
//
// Its errors never contain the password, so they do not wrap the parser's.
func OpenRedis(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the URL, and its inner error can quote part of a
		// password that was not percent-encoded.
		return nil, errors.New("store: redis URL does not parse; percent-encode reserved characters (@ : / ? #) in the user name and password")
	}
	fail := func(err error) error {
		return errors.New("store: redis URL: " + redact(err.Error(), u))
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, errors.New("store: redis URL: the scheme must be redis:// or rediss://")
	}
	if u.Host == "" {
		return nil, errors.New("store: redis URL: no host")
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if _, err := strconv.Atoi(p); err != nil {
			return nil, errors.New("store: redis URL: the path must be a database number, like /0")
		}
	}
	q := u.Query()
	cluster := q.Has("addr") && !q.Has("master_name")
	if q.Has("cluster") {
		v, err := strconv.ParseBool(q.Get("cluster"))
		if err != nil {
			return nil, errors.New("store: redis URL: cluster must be true or false")
		}
		cluster = cluster || v
		q.Del("cluster")
		u.RawQuery = q.Encode()
	}

	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, fail(err)
		}
		shortTimeouts(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.DialerRetries)
		o.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(o), nil
	case cluster:
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, errors.New("store: redis URL: a cluster has only database 0")
		}
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fail(err)
		}
		shortTimeouts(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.DialerRetries)
		o.ContextTimeoutEnabled = true
		return redis.NewClusterClient(o), nil
	default:
		o, err := redis.ParseURL(u.String())
		if err != nil {
			return nil, fail(err)
		}
		shortTimeouts(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.DialerRetries)
		o.ContextTimeoutEnabled = true
		return redis.NewClient(o), nil
	}
}

// shortTimeouts sets what the URL left unset (zero); go-redis reads a
// negative value, which a URL sets with 0 or -1, as "disabled".
func shortTimeouts(dial, read, write, pool *time.Duration, retries, dials *int) {
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{{dial, redisDialTimeout}, {read, redisIOTimeout}, {write, redisIOTimeout}, {pool, redisPoolTimeout}} {
		if *d.p == 0 {
			*d.p = d.v
		}
	}
	if *retries == 0 {
		*retries = redisMaxRetries
	}
	if *dials == 0 {
		*dials = redisDialerRetries
	}
}

// redact removes from s every secret u holds: the user-info password and the
// password parameters of a Sentinel URL.
func redact(s string, u *url.URL) string {
	var secrets []string
	if p, ok := u.User.Password(); ok {
		secrets = append(secrets, p, url.QueryEscape(p), url.PathEscape(p))
	}
	for _, k := range []string{"password", "sentinel_password"} {
		for _, v := range u.Query()[k] {
			secrets = append(secrets, v, url.QueryEscape(v))
		}
	}
	for _, p := range secrets {
		if p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	return s
}
