package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// settings are the variables of the configuration table, the names a
// ONBOARD_CONFIG file may hold besides its access lists. A key that is not
// here is a typo, and start-up stops naming it.
var settings = []string{
	"ONBOARD_GRAPH_URL", "ONBOARD_GRAPH_TOKEN",
	"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
	"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE",
	"ONBOARD_REDIS_URL", "ONBOARD_LISTEN", "ONBOARD_METRICS_LISTEN", "ONBOARD_LANG", "ONBOARD_LOG_LEVEL",
	"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
	"MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_TYPE",
	"ONBOARD_BOTFRAMEWORK_OPENID_URL", "ONBOARD_BOTFRAMEWORK_TOKEN_URL",
	"ONBOARD_ALLOW_SLACK_USERS", "ONBOARD_ALLOW_SLACK_GROUPS", "ONBOARD_ALLOW_SLACK_CHANNELS",
	"ONBOARD_ALLOW_TEAMS_USERS", "ONBOARD_ALLOW_TEAMS_CHANNELS", "ONBOARD_HELPDESK_CHANNELS",
	"ONBOARD_ALLOW_EVERYONE", "ONBOARD_SLACK_TEAMS", "ONBOARD_TEAMS_TENANTS", "ONBOARD_TEAMS_ALLOW_EMULATOR",
	"ONBOARD_PRIVACY_FILE", "ONBOARD_TERMS_FILE",
}

// fileConfig is the YAML file named by ONBOARD_CONFIG: any variable of
// the configuration table under its own name, and the access lists.
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

// loadEnv reads ONBOARD_CONFIG, if set. An unknown key, at the top or
// under access, is an error naming it: a typo would otherwise silently
// leave a list unset.
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
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&e.file); err != nil && !errors.Is(err, io.EOF) {
		return e, &configError{problems: []string{"ONBOARD_CONFIG: " + path + ": " + yamlProblem(err)}}
	}
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(e.file.Settings)) {
		if !slices.Contains(settings, k) {
			problems = append(problems, fmt.Sprintf("ONBOARD_CONFIG: %s: unknown setting %q", path, k))
		}
	}
	if len(problems) > 0 {
		return e, &configError{problems: problems}
	}
	return e, nil
}

// yamlProblem is the first problem yaml reports, without its prefix.
func yamlProblem(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	msg = strings.TrimSpace(firstLine(msg))
	if strings.Contains(msg, "not found in type") {
		// "line 3: field slack_chanels not found in type struct {…}"
		line, rest, _ := strings.Cut(msg, ": field ")
		name, _, _ := strings.Cut(rest, " ")
		return fmt.Sprintf("%s: unknown setting %q under access", line, name)
	}
	return "not valid YAML: " + msg
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

// list reads a comma-separated setting from the environment, else the
// file's list, else the file's setting of that name.
func (e env) list(name string, fromFile []string) []string {
	v := e.getenv(name)
	if v == "" && len(fromFile) > 0 {
		return fromFile
	}
	if v == "" {
		v = e.file.Settings[name]
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// flag reads a true/false setting; anything else is a problem naming it.
func (e env) flag(name string, problems *[]string) bool {
	switch v := strings.ToLower(strings.TrimSpace(e.get(name))); v {
	case "", "false", "0", "no":
		return false
	case "true", "1", "yes":
		return true
	default:
		*problems = append(*problems, fmt.Sprintf("%s: must be true or false, got %q", name, v))
		return false
	}
}

// serveConfig is everything serve needs, validated.
type serveConfig struct {
	Listen        string
	MetricsListen string
	Lang          string
	RedisURL      string
	Graph         bool // Graph is configured; otherwise the sample tenant is served
	Access        handlers.Access
	// AllowEveryone: the operator said that everyone a surface
	// authenticates may ask (ONBOARD_ALLOW_EVERYONE).
	AllowEveryone bool
	PrivacyFile   string // replaces the /privacy page
	TermsFile     string // replaces the /terms page
}

// LogValue leaves the Redis password out.
func (c serveConfig) LogValue() slog.Value {
	redisURL := "memory"
	if c.RedisURL != "" {
		redisURL = redactURL(c.RedisURL)
	}
	return slog.GroupValue(slog.String("listen", c.Listen), slog.String("metrics_listen", c.MetricsListen),
		slog.String("lang", c.Lang), slog.String("store", redisURL), slog.Bool("graph", c.Graph),
		slog.Bool("access_lists", !c.Access.Open()), slog.Bool("allow_everyone", c.AllowEveryone))
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
		Listen:        e.get("ONBOARD_LISTEN"),
		MetricsListen: e.get("ONBOARD_METRICS_LISTEN"),
		Lang:          e.get("ONBOARD_LANG"),
		RedisURL:      e.get("ONBOARD_REDIS_URL"),
		Graph:         graphConfigured(e.get),
		PrivacyFile:   e.get("ONBOARD_PRIVACY_FILE"),
		TermsFile:     e.get("ONBOARD_TERMS_FILE"),
	}
	var problems []string
	if c.Listen == "" {
		c.Listen = ":8080"
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		problems = append(problems, fmt.Sprintf("ONBOARD_LISTEN: must be host:port or :port, got %q", c.Listen))
	}
	if c.MetricsListen == "" {
		c.MetricsListen = "127.0.0.1:9090"
	}
	if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil {
		problems = append(problems, fmt.Sprintf("ONBOARD_METRICS_LISTEN: must be host:port or :port, got %q", c.MetricsListen))
	} else if _, publicPort, _ := net.SplitHostPort(c.Listen); port == publicPort && port != "0" {
		problems = append(problems, fmt.Sprintf("ONBOARD_METRICS_LISTEN: must not share port %s with ONBOARD_LISTEN: metrics stay off the public port", port))
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
	c.AllowEveryone = e.flag("ONBOARD_ALLOW_EVERYONE", &problems)
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

// errNoAccessDecision refuses to serve real sign-in logs to whoever asks
// when the operator has made no access decision.
var errNoAccessDecision = &configError{problems: []string{"no access decision: with Microsoft Graph and a chat surface configured, " +
	"set an allow-list (ONBOARD_ALLOW_SLACK_USERS, ONBOARD_ALLOW_SLACK_GROUPS, ONBOARD_ALLOW_SLACK_CHANNELS, " +
	"ONBOARD_ALLOW_TEAMS_USERS, ONBOARD_ALLOW_TEAMS_CHANNELS) or ONBOARD_ALLOW_EVERYONE=true to let everyone the surface authenticates ask"}}

// checkAccessDecision fails closed: sign-in logs are personal data, so a
// real tenant behind a chat surface needs an allow-list or an explicit
// ONBOARD_ALLOW_EVERYONE. The sample tenant holds no one's data and stays
// open.
func checkAccessDecision(c serveConfig, chat bool) error {
	if c.Graph && chat && c.Access.Open() && !c.AllowEveryone {
		return errNoAccessDecision
	}
	return nil
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
