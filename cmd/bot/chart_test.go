package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Tests of the Helm chart over its rendered manifests; the rendering and
// the checks every rendering passes are in chart_render_test.go.

func TestChartDefaults(t *testing.T) {
	r := mustRender(t, "")
	d := r.deployment()
	c := r.container()
	if d.Replicas != 1 {
		t.Errorf("replicas = %d, want 1 without Redis", d.Replicas)
	}
	if n := len(r.find("PodDisruptionBudget")); n != 0 {
		t.Errorf("%d PodDisruptionBudgets with one replica, want 0", n)
	}
	for _, kind := range []string{"Ingress", "HTTPRoute", "NetworkPolicy", "ServiceMonitor"} {
		if n := len(r.find(kind)); n != 0 {
			t.Errorf("%d %s objects by default, want 0 (switched on from values)", n, kind)
		}
	}
	if _, ok := c.env("ONBOARD_REDIS_URL"); ok {
		t.Errorf("ONBOARD_REDIS_URL is set by default; it would shadow the Secret's")
	}
	if _, ok := c.env("ONBOARD_ALLOW_EVERYONE"); ok {
		t.Errorf("ONBOARD_ALLOW_EVERYONE is set by default; access must fail closed")
	}

	// Probes: liveness on /healthz; readiness must not follow shared
	// dependencies (/readyz checks Redis and Graph).
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.LivenessProbe.HTTPGet.Port != "http" {
		t.Errorf("livenessProbe = %+v, want GET /healthz on http", c.LivenessProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path == "" {
		t.Errorf("readinessProbe = %+v, want an HTTP probe", c.ReadinessProbe)
	} else if c.ReadinessProbe.HTTPGet.Path == "/readyz" {
		t.Errorf("readinessProbe asks /readyz: a Redis or Graph outage would take every replica out of the Service")
	}

	// Metrics on their own port, known to the bot, the container and the Service.
	if v, _ := c.env("ONBOARD_METRICS_LISTEN"); v != ":9090" {
		t.Errorf("ONBOARD_METRICS_LISTEN = %q, want :9090", v)
	}
	if c.port("metrics") != 9090 || c.port("http") != 8080 {
		t.Errorf("container ports http %d metrics %d, want 8080 and 9090", c.port("http"), c.port("metrics"))
	}
	if v, _ := c.env("ONBOARD_LISTEN"); v != ":8080" {
		t.Errorf("ONBOARD_LISTEN = %q, want :8080", v)
	}
	var s serviceSpec
	r.one("Service", &s)
	var ports []string
	for _, p := range s.Ports {
		ports = append(ports, p.Name+">"+p.TargetPort)
	}
	if !slices.Equal(ports, []string{"http>http", "metrics>metrics"}) {
		t.Errorf("Service ports %v, want http>http and metrics>metrics", ports)
	}
	if v, _ := c.env("ONBOARD_CONFIG"); v == "" || len(r.find("ConfigMap")) != 1 {
		t.Errorf("ONBOARD_CONFIG = %q with %d ConfigMaps, want the access file", v, len(r.find("ConfigMap")))
	}
}

func TestChartReplicasNeedRedis(t *testing.T) {
	for _, values := range []string{
		"replicaCount: 2",
		"replicaCount: 3\nenv: {ONBOARD_REDIS_URL: \"\"}",
	} {
		if _, err := renderChart(t, values); err == nil || !strings.Contains(err.Error(), "needs Redis") {
			t.Errorf("helm template with %q: err = %v, want a refusal naming Redis", values, err)
		}
	}
	if _, err := renderChart(t, "redis: {url: \"redis://:hunter2@redis:6379/0\"}"); err == nil || !strings.Contains(err.Error(), "Secret") {
		t.Errorf("a redis.url with a password: err = %v, want a refusal pointing at the Secret", err)
	}
	if _, err := renderChart(t, "redis: {url: \"http://redis\"}"); err == nil {
		t.Errorf("a redis.url that is not redis:// renders")
	}
}

func TestChartReplicasWithRedis(t *testing.T) {
	tests := []struct {
		name, values string
		wantEnv      string // "" = no ONBOARD_REDIS_URL entry: the Secret holds it
		wantRedis    string // redis port in the NetworkPolicy
	}{
		{"in secret", "replicaCount: 2\nredis: {inSecret: true}\nnetworkPolicy: {enabled: true}", "", "6379"},
		{"url", "replicaCount: 3\nredis: {url: \"rediss://redis.cache:6380/0\", port: 6380}\nnetworkPolicy: {enabled: true}", "rediss://redis.cache:6380/0", "6380"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRender(t, tt.values)
			d := r.deployment()
			c := r.container()
			got, ok := c.env("ONBOARD_REDIS_URL")
			if tt.wantEnv == "" && ok {
				t.Errorf("ONBOARD_REDIS_URL env = %q, want none (it would shadow the Secret's)", got)
			}
			if tt.wantEnv != "" && got != tt.wantEnv {
				t.Errorf("ONBOARD_REDIS_URL = %q, want %q", got, tt.wantEnv)
			}
			var pdb pdbSpec
			r.one("PodDisruptionBudget", &pdb)
			if pdb.MinAvailable == nil || *pdb.MinAvailable < 1 || *pdb.MinAvailable >= d.Replicas {
				t.Errorf("PDB minAvailable = %s with %d replicas, want at least 1 and below replicas", show(pdb.MinAvailable), d.Replicas)
			}
			for k, v := range pdb.Selector.MatchLabels {
				if d.Template.Metadata.Labels[k] != v {
					t.Errorf("PDB selector %s=%s does not match the pod", k, v)
				}
			}
			var np networkPolicySpec
			r.one("NetworkPolicy", &np)
			if !egressAllows(np, tt.wantRedis, "TCP") {
				t.Errorf("NetworkPolicy egress does not allow Redis on %s", tt.wantRedis)
			}
		})
	}
}

func TestChartWorkloadIdentity(t *testing.T) {
	const clientID = "8f7a3c2e-4b1d-4e0a-9c6b-2d5e8f1a7b3c"
	r := mustRender(t, "workloadIdentity: {enabled: true, clientId: \""+clientID+"\"}")
	d := r.deployment()
	if got := d.Template.Metadata.Labels["azure.workload.identity/use"]; got != "true" {
		t.Errorf("pod label azure.workload.identity/use = %q, want \"true\"", got)
	}
	sa := r.one("ServiceAccount", nil)
	if sa.Metadata.Name != d.Template.Spec.ServiceAccountName {
		t.Errorf("ServiceAccount %q, pod uses %q", sa.Metadata.Name, d.Template.Spec.ServiceAccountName)
	}
	if got := sa.Metadata.Annotations["azure.workload.identity/client-id"]; got != clientID {
		t.Errorf("ServiceAccount client-id annotation = %q, want %q", got, clientID)
	}
	if _, ok := r.container().env("AZURE_CLIENT_SECRET"); ok {
		t.Errorf("AZURE_CLIENT_SECRET set in env with workload identity")
	}

	if _, err := renderChart(t, "workloadIdentity: {enabled: true}"); err == nil || !strings.Contains(err.Error(), "clientId") {
		t.Errorf("workload identity without a client id: err = %v, want a refusal naming clientId", err)
	}
	plain := mustRender(t, "")
	if _, ok := plain.deployment().Template.Metadata.Labels["azure.workload.identity/use"]; ok {
		t.Errorf("workload identity label set while disabled")
	}
}

// publicPath reports whether an outside route may reach path: only the
// chat endpoints (and the legal pages when asked for).
func publicPath(path, typ string, legal bool) bool {
	switch {
	case (path == "/slack/" || path == "/slack") && (typ == "Prefix" || typ == "PathPrefix"):
		return true
	case path == "/api/messages" && typ == "Exact":
		return true
	case legal && (path == "/privacy" || path == "/terms") && typ == "Exact":
		return true
	}
	return false
}

func TestChartIngress(t *testing.T) {
	for _, legal := range []bool{true, false} {
		// The default routes the privacy and terms pages the Teams manifest links.
		values := "ingress: {enabled: true, className: nginx, host: onboard.contoso.com}"
		if !legal {
			values = "ingress: {enabled: true, host: onboard.contoso.com, legalPages: false}"
		}
		r := mustRender(t, values)
		var in ingressSpec
		r.one("Ingress", &in)
		if len(in.TLS) != 1 || !slices.Equal(in.TLS[0].Hosts, []string{"onboard.contoso.com"}) || in.TLS[0].SecretName == "" {
			t.Errorf("Ingress TLS = %+v, want the host with a secret", in.TLS)
		}
		if len(in.Rules) != 1 || in.Rules[0].Host != "onboard.contoso.com" {
			t.Fatalf("Ingress rules = %+v, want one for the host", in.Rules)
		}
		var paths []string
		svc := r.one("Service", nil).Metadata.Name
		for _, p := range in.Rules[0].HTTP.Paths {
			paths = append(paths, p.Path)
			if !publicPath(p.Path, p.PathType, legal) {
				t.Errorf("Ingress routes %s (%s) from outside", p.Path, p.PathType)
			}
			if p.Backend.Service.Name != svc || p.Backend.Service.Port.Name != "http" {
				t.Errorf("Ingress path %s goes to %s:%s, want %s:http", p.Path, p.Backend.Service.Name, p.Backend.Service.Port.Name, svc)
			}
		}
		want := []string{"/slack/", "/api/messages"}
		if legal {
			want = append(want, "/privacy", "/terms")
		}
		if !slices.Equal(paths, want) {
			t.Errorf("Ingress paths (legalPages %v) = %v, want %v", legal, paths, want)
		}
	}
}

func TestChartHTTPRoute(t *testing.T) {
	r := mustRender(t, "httpRoute: {enabled: true, hostnames: [onboard.contoso.com], parentRefs: [{name: public, namespace: gateway-system, sectionName: https}]}")
	var hr httpRouteSpec
	r.one("HTTPRoute", &hr)
	if len(hr.ParentRefs) != 1 || hr.ParentRefs[0]["sectionName"] != "https" {
		t.Errorf("HTTPRoute parentRefs = %v, want the https listener", hr.ParentRefs)
	}
	var paths []string
	for _, rule := range hr.Rules {
		for _, m := range rule.Matches {
			paths = append(paths, m.Path.Value)
			if !publicPath(m.Path.Value, m.Path.Type, true) {
				t.Errorf("HTTPRoute routes %s (%s) from outside", m.Path.Value, m.Path.Type)
			}
		}
		var s serviceSpec
		svc := r.one("Service", &s)
		if len(rule.BackendRefs) != 1 || rule.BackendRefs[0].Name != svc.Metadata.Name || rule.BackendRefs[0].Port != s.Ports[0].Port {
			t.Errorf("HTTPRoute backend = %+v, want %s:%d", rule.BackendRefs, svc.Metadata.Name, s.Ports[0].Port)
		}
	}
	if !slices.Equal(paths, []string{"/slack/", "/api/messages", "/privacy", "/terms"}) {
		t.Errorf("HTTPRoute paths = %v, want /slack/, /api/messages, /privacy, /terms", paths)
	}
	if _, err := renderChart(t, "httpRoute: {enabled: true}"); err == nil {
		t.Errorf("an HTTPRoute without parentRefs renders")
	}
}

func TestChartNetworkPolicy(t *testing.T) {
	r := mustRender(t, "networkPolicy: {enabled: true, ingressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]}")
	var np networkPolicySpec
	r.one("NetworkPolicy", &np)
	d := r.deployment()
	for k, v := range np.PodSelector.MatchLabels {
		if d.Template.Metadata.Labels[k] != v {
			t.Errorf("NetworkPolicy selector %s=%s does not match the pod", k, v)
		}
	}
	if !slices.Equal(np.PolicyTypes, []string{"Ingress", "Egress"}) {
		t.Errorf("policyTypes = %v, want Ingress and Egress", np.PolicyTypes)
	}
	var in []string
	for _, rule := range np.Ingress {
		for _, p := range rule.Ports {
			in = append(in, portString(p.Port))
		}
	}
	if !slices.Equal(in, []string{"http", "metrics"}) {
		t.Errorf("ingress ports = %v, want http and metrics only", in)
	}
	if len(np.Ingress) == 0 || len(np.Ingress[0].From) != 1 {
		t.Errorf("ingress to http from = %v, want the ingress controller's namespace", np.Ingress)
	}
	for _, want := range [][2]string{{"53", "UDP"}, {"53", "TCP"}, {"443", "TCP"}} {
		if !egressAllows(np, want[0], want[1]) {
			t.Errorf("egress does not allow %s/%s", want[0], want[1])
		}
	}
	if egressAllows(np, "6379", "TCP") {
		t.Errorf("egress allows Redis although none is configured")
	}
	for _, e := range np.Egress {
		if len(e.Ports) == 0 {
			t.Errorf("an egress rule allows every port: %+v", e)
		}
	}
}

func TestChartMetricsAndAnnotations(t *testing.T) {
	r := mustRender(t, "metrics: {port: 9464, serviceMonitor: {enabled: true, labels: {release: prom}}}\npodAnnotations: {example.com/team: helpdesk}\npodLabels: {team: helpdesk}")
	c := r.container()
	if v, _ := c.env("ONBOARD_METRICS_LISTEN"); v != ":9464" || c.port("metrics") != 9464 {
		t.Errorf("ONBOARD_METRICS_LISTEN %q, container metrics port %d, want :9464 and 9464", v, c.port("metrics"))
	}
	var sm serviceMonitorSpec
	m := r.one("ServiceMonitor", &sm)
	if m.Metadata.Labels["release"] != "prom" {
		t.Errorf("ServiceMonitor labels = %v, want release=prom", m.Metadata.Labels)
	}
	if len(sm.Endpoints) != 1 || sm.Endpoints[0].Port != "metrics" || sm.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints = %+v, want port metrics path /metrics", sm.Endpoints)
	}
	var s serviceSpec
	r.one("Service", &s)
	for k, v := range sm.Selector.MatchLabels {
		if r.one("Service", nil).Metadata.Labels[k] != v {
			t.Errorf("ServiceMonitor selector %s=%s does not match the Service", k, v)
		}
	}
	d := r.deployment()
	if d.Template.Metadata.Annotations["example.com/team"] != "helpdesk" || d.Template.Metadata.Annotations["checksum/config"] == "" {
		t.Errorf("pod annotations = %v, want the value's and checksum/config", d.Template.Metadata.Annotations)
	}
	if d.Template.Metadata.Labels["team"] != "helpdesk" {
		t.Errorf("pod labels = %v, want team=helpdesk", d.Template.Metadata.Labels)
	}
}

func TestChartAccess(t *testing.T) {
	r := mustRender(t, "access: {everyone: true, slack_channels: [C0123HELPDESK]}\nenv: {ONBOARD_LANG: nl, MICROSOFT_APP_TYPE: \"\"}")
	c := r.container()
	if v, _ := c.env("ONBOARD_ALLOW_EVERYONE"); v != "true" {
		t.Errorf("ONBOARD_ALLOW_EVERYONE = %q, want true", v)
	}
	if _, ok := c.env("MICROSOFT_APP_TYPE"); ok {
		t.Errorf("an empty env value renders an entry")
	}
	if v, _ := c.env("ONBOARD_LANG"); v != "nl" {
		t.Errorf("ONBOARD_LANG = %q, want nl", v)
	}
	// The ConfigMap's file is read by the bot's own loader, which refuses
	// unknown keys: every key the chart writes must be one it knows.
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	out, err := exec.Command(helmBinary(t), "template", "oc", chartDir, "--show-only", "templates/configmap.yaml",
		"--set", "access.slack_channels={C0123HELPDESK}", "--set", "access.everyone=true").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(out, &cm); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cm.Data["config.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := loadEnv(func(k string) string {
		if k == "ONBOARD_CONFIG" {
			return path
		}
		return ""
	})
	if err != nil {
		t.Fatalf("the bot does not accept the chart's config.yaml: %v\n%s", err, cm.Data["config.yaml"])
	}
	file := e.file
	if !slices.Equal(file.Access.SlackChannels, []string{"C0123HELPDESK"}) {
		t.Errorf("config.yaml access.slack_channels = %v, want [C0123HELPDESK]", file.Access.SlackChannels)
	}
	if len(file.Settings) != 0 {
		t.Errorf("config.yaml holds settings %v besides access", file.Settings)
	}
}

// TestChartValuesSchema: values.schema.json turns a typo or a floating tag
// into a refusal instead of a silently ignored setting.
func TestChartValuesSchema(t *testing.T) {
	for _, tt := range []struct{ values, want string }{
		{"replicas: 2", "replicas"},
		{"image: {repository: onboard-check, tag: latest}", "tag"},
		{"access: {slack_channel: [C1]}", "slack_channel"},
		{"metrics: {port: 8080}", "port"},
		{"redis: {url: \"localhost:6379\"}", "url"},
	} {
		_, err := renderChart(t, tt.values)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("helm template with %q: err = %v, want a refusal naming %s", tt.values, err, tt.want)
		}
	}
}

// TestChartNotes: the Secret command NOTES.txt prints can be pasted as it is.
func TestChartNotes(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"--set", "redis.inSecret=true"},
		{"--set", "workloadIdentity.enabled=true", "--set", "workloadIdentity.clientId=x", "--set", "ingress.enabled=true"},
	} {
		notes := renderNotes(t, args...)
		var cmd []string
		for _, line := range strings.Split(notes, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "kubectl") && strings.Contains(line, "create secret generic") || len(cmd) > 0 && strings.HasPrefix(line, "--from-literal") {
				cmd = append(cmd, line)
			} else if len(cmd) > 0 {
				break
			}
		}
		if len(cmd) < 2 {
			t.Fatalf("notes %v hold no kubectl create secret command:\n%s", args, notes)
		}
		for i, line := range cmd {
			if last := i == len(cmd)-1; strings.HasSuffix(line, `\`) == last {
				t.Errorf("notes %v: line %q of the Secret command: continuation wrong", args, line)
			}
		}
		withWI := slices.Contains(args, "workloadIdentity.enabled=true")
		if strings.Contains(notes, "AZURE_CLIENT_SECRET") == withWI {
			t.Errorf("notes %v: AZURE_CLIENT_SECRET suggested = %v with workload identity %v", args, !withWI, withWI)
		}
		if slices.Contains(args, "ingress.enabled=true") && !strings.Contains(notes, "/api/messages") {
			t.Errorf("notes %v do not say where to point Slack and Teams", args)
		}
	}
}
