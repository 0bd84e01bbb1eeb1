package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// fileConfig is the YAML file named by ONBOARD_CONFIG: any variable of
// SPEC §3 under its own name, and the access lists.
type fileConfig struct {
	Settings map[string]string `yaml:",inline"`
	Access   struct {
		SlackUsers       []string `yaml:"slack_users"`
		SlackGroups      []string `yaml:"slack_groups"`
		SlackChannels    []string `yaml:"slack_channels"`
		TeamsUsers       []string `yaml:"teams_users"`
		TeamsChannels    []string `yaml:"teams_channels"`
		HelpdeskChannels []string `yaml:"helpdesk_channels"`
	} `yaml:"access"`
}

// env reads settings: the environment first, then the YAML file.
type env struct {
	getenv func(string) string
	file   fileConfig
}

// loadEnv reads ONBOARD_CONFIG, if set.
func loadEnv(getenv func(string) string) (env, error) {
	e := env{getenv: getenv}
	path := getenv("ONBOARD_CONFIG")
	if path == "" {
		return e, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return e, &configError{problems: []string{"ONBOARD_CONFIG: cannot read " + path}}
	}
	if err := yaml.Unmarshal(b, &e.file); err != nil {
		return e, &configError{problems: []string{"ONBOARD_CONFIG: " + path + " is not valid YAML: " + firstLine(err.Error())}}
	}
	return e, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// get returns a setting: the environment wins over the file.
func (e env) get(name string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return e.file.Settings[name]
}

// list reads a comma-separated setting, else the file's list.
func (e env) list(name string, fromFile []string) []string {
	v := e.getenv(name)
	if v == "" {
		return fromFile
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// serveConfig is everything serve needs, validated.
type serveConfig struct {
	Listen   string
	Lang     string
	RedisURL string
	Graph    bool // Graph is configured; otherwise the sample tenant is served
	Access   handlers.Access
}

// LogValue leaves the Redis password out.
func (c serveConfig) LogValue() slog.Value {
	redisURL := "memory"
	if c.RedisURL != "" {
		redisURL = redactURL(c.RedisURL)
	}
	return slog.GroupValue(slog.String("listen", c.Listen), slog.String("lang", c.Lang),
		slog.String("store", redisURL), slog.Bool("graph", c.Graph), slog.Bool("access_open", c.Access.Open()))
}

// redactURL hides the password of a URL.
func redactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "(redacted)"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "xxxxx@" + rest[at+1:]
	}
	return scheme + "://" + rest
}

// loadServeConfig builds and checks serve's settings; every problem is one
// line naming its variable.
func loadServeConfig(e env) (serveConfig, error) {
	c := serveConfig{
		Listen:   e.get("ONBOARD_LISTEN"),
		Lang:     e.get("ONBOARD_LANG"),
		RedisURL: e.get("ONBOARD_REDIS_URL"),
		Graph:    graphConfigured(e.get),
	}
	var problems []string
	if c.Listen == "" {
		c.Listen = ":8080"
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		problems = append(problems, fmt.Sprintf("ONBOARD_LISTEN: must be host:port or :port, got %q", c.Listen))
	}
	if c.Lang == "" {
		c.Lang = diagnosis.FallbackLang
	}
	if diagnosis.NormalizeLang(c.Lang) != c.Lang {
		problems = append(problems, fmt.Sprintf("ONBOARD_LANG: must be \"en\" or \"nl\", got %q", c.Lang))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		problems = append(problems, "ONBOARD_REDIS_URL: must start with redis:// or rediss://")
	}
	f := e.file.Access
	c.Access = handlers.Access{
		SlackUsers:       e.list("ONBOARD_ALLOW_SLACK_USERS", f.SlackUsers),
		SlackGroups:      e.list("ONBOARD_ALLOW_SLACK_GROUPS", f.SlackGroups),
		SlackChannels:    e.list("ONBOARD_ALLOW_SLACK_CHANNELS", f.SlackChannels),
		TeamsUsers:       e.list("ONBOARD_ALLOW_TEAMS_USERS", f.TeamsUsers),
		TeamsChannels:    e.list("ONBOARD_ALLOW_TEAMS_CHANNELS", f.TeamsChannels),
		HelpdeskChannels: e.list("ONBOARD_HELPDESK_CHANNELS", f.HelpdeskChannels),
		TeamsTenant:      e.get("MICROSOFT_APP_TENANT_ID"),
	}
	if len(problems) > 0 {
		return c, &configError{problems: problems}
	}
	return c, nil
}

// joinConfigErrors merges configuration problems into one error, one line each.
func joinConfigErrors(errs ...error) error {
	var problems []string
	for _, err := range errs {
		var ce *configError
		switch {
		case err == nil:
		case errors.As(err, &ce):
			problems = append(problems, ce.problems...)
		default:
			problems = append(problems, strings.Split(err.Error(), "\n")...)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &configError{problems: problems}
}
