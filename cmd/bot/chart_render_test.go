package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The Helm chart is rendered with `helm template` under several value sets
// (chart_test.go) and checked for what a production cluster needs: Pod
// Security "restricted", probes that do not follow shared dependencies,
// safe replica defaults, and the objects switched on from values. This file
// renders and decodes; checkConsistent runs kube-linter-like checks
// (selectors, target ports, service account, security) on every rendering.

const chartDir = "../../deploy/helm/onboard-check"

// helmBinary finds helm on PATH or in GOPATH/bin, where .ci/run installs it.
// Without it the chart tests skip locally and fail in CI.
func helmBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "helm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("helm is not installed; .ci/run installs it")
	}
	t.Skip("helm is not installed (go install helm.sh/helm/v3/cmd/helm@v3.19.5)")
	return ""
}

// manifest is one rendered object, with the fields the checks read.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	AutomountServiceAccountToken *bool `yaml:"automountServiceAccountToken"`
	Spec                         yaml.Node
}

type podSecurity struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	RunAsGroup               *int64 `yaml:"runAsGroup"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             struct {
		Drop []string `yaml:"drop"`
		Add  []string `yaml:"add"`
	} `yaml:"capabilities"`
	SeccompProfile struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom any    `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		SecretRef struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
	LivenessProbe   *probe `yaml:"livenessProbe"`
	ReadinessProbe  *probe `yaml:"readinessProbe"`
	StartupProbe    *probe `yaml:"startupProbe"`
	SecurityContext podSecurity
	Resources       struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

func (c container) env(name string) (value string, ok bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

func (c container) port(name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

type deploymentSpec struct {
	Replicas int `yaml:"replicas"`
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Strategy struct {
		Type string `yaml:"type"`
	} `yaml:"strategy"`
	Template struct {
		Metadata struct {
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec struct {
			ServiceAccountName           string      `yaml:"serviceAccountName"`
			AutomountServiceAccountToken *bool       `yaml:"automountServiceAccountToken"`
			SecurityContext              podSecurity `yaml:"securityContext"`
			HostNetwork                  bool        `yaml:"hostNetwork"`
			HostPID                      bool        `yaml:"hostPID"`
			HostIPC                      bool        `yaml:"hostIPC"`
			Containers                   []struct {
				container       `yaml:",inline"`
				SecurityContext podSecurity `yaml:"securityContext"`
			} `yaml:"containers"`
			Volumes []struct {
				Name     string `yaml:"name"`
				EmptyDir any    `yaml:"emptyDir"`
			} `yaml:"volumes"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

type serviceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
	} `yaml:"ports"`
}

type ingressSpec struct {
	TLS []struct {
		Hosts      []string `yaml:"hosts"`
		SecretName string   `yaml:"secretName"`
	} `yaml:"tls"`
	Rules []struct {
		Host string `yaml:"host"`
		HTTP struct {
			Paths []struct {
				Path     string `yaml:"path"`
				PathType string `yaml:"pathType"`
				Backend  struct {
					Service struct {
						Name string `yaml:"name"`
						Port struct {
							Name string `yaml:"name"`
						} `yaml:"port"`
					} `yaml:"service"`
				} `yaml:"backend"`
			} `yaml:"paths"`
		} `yaml:"http"`
	} `yaml:"rules"`
}

type httpRouteSpec struct {
	ParentRefs []map[string]string `yaml:"parentRefs"`
	Rules      []struct {
		Matches []struct {
			Path struct {
				Type  string `yaml:"type"`
				Value string `yaml:"value"`
			} `yaml:"path"`
		} `yaml:"matches"`
		BackendRefs []struct {
			Name string `yaml:"name"`
			Port int    `yaml:"port"`
		} `yaml:"backendRefs"`
	} `yaml:"rules"`
}

type netPort struct {
	Port     any    `yaml:"port"` // a number or a named container port
	Protocol string `yaml:"protocol"`
}

type networkPolicySpec struct {
	PodSelector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"podSelector"`
	PolicyTypes []string `yaml:"policyTypes"`
	Ingress     []struct {
		Ports []netPort `yaml:"ports"`
		From  []any     `yaml:"from"`
	} `yaml:"ingress"`
	Egress []struct {
		Ports []netPort `yaml:"ports"`
		To    []any     `yaml:"to"`
	} `yaml:"egress"`
}

type pdbSpec struct {
	MinAvailable *int `yaml:"minAvailable"`
	Selector     struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
}

type serviceMonitorSpec struct {
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Endpoints []struct {
		Port string `yaml:"port"`
		Path string `yaml:"path"`
	} `yaml:"endpoints"`
}

// rendered is the output of one `helm template`.
type rendered struct {
	t       *testing.T
	objects []manifest
}

// renderChart runs helm template with values (YAML); err is helm's failure.
func renderChart(t *testing.T, values string) (*rendered, error) {
	t.Helper()
	helm := helmBinary(t)
	vf := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(vf, []byte(values), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(helm, "template", "oc", chartDir, "--namespace", "helpdesk", "--values", vf)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	r := &rendered{t: t}
	dec := yaml.NewDecoder(&stdout)
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("helm template output is not YAML: %v", err)
		}
		if m.Kind != "" {
			r.objects = append(r.objects, m)
		}
	}
	return r, nil
}

func mustRender(t *testing.T, values string) *rendered {
	t.Helper()
	r, err := renderChart(t, values)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	r.checkConsistent()
	return r
}

// find returns the objects of kind.
func (r *rendered) find(kind string) []manifest {
	var out []manifest
	for _, m := range r.objects {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// one decodes the spec of the only object of kind into spec, and returns it.
func (r *rendered) one(kind string, spec any) manifest {
	r.t.Helper()
	ms := r.find(kind)
	if len(ms) != 1 {
		r.t.Fatalf("rendered %d %s objects, want 1", len(ms), kind)
	}
	if spec != nil {
		if err := ms[0].Spec.Decode(spec); err != nil {
			r.t.Fatalf("%s spec: %v", kind, err)
		}
	}
	return ms[0]
}

func (r *rendered) deployment() deploymentSpec {
	var d deploymentSpec
	r.one("Deployment", &d)
	if len(d.Template.Spec.Containers) != 1 {
		r.t.Fatalf("Deployment has %d containers, want 1", len(d.Template.Spec.Containers))
	}
	return d
}

func (r *rendered) container() container {
	d := r.deployment()
	c := d.Template.Spec.Containers[0]
	c.container.SecurityContext = c.SecurityContext
	return c.container
}

// checkConsistent holds every rendering to what kube-linter would flag:
// selectors that match the pod, Service target ports that exist, a service
// account that exists, restricted security, resources, and no empty env.
func (r *rendered) checkConsistent() {
	t := r.t
	t.Helper()
	d := r.deployment()
	pod := d.Template.Metadata.Labels
	matches := func(sel map[string]string) bool {
		if len(sel) == 0 {
			return false
		}
		for k, v := range sel {
			if pod[k] != v {
				return false
			}
		}
		return true
	}
	if !matches(d.Selector.MatchLabels) {
		t.Errorf("Deployment selector %v does not match pod labels %v", d.Selector.MatchLabels, pod)
	}
	c := r.container()
	for _, svc := range r.find("Service") {
		var s serviceSpec
		if err := svc.Spec.Decode(&s); err != nil {
			t.Fatal(err)
		}
		if !matches(s.Selector) {
			t.Errorf("Service %s selector %v does not match pod labels %v", svc.Metadata.Name, s.Selector, pod)
		}
		for _, p := range s.Ports {
			if c.port(p.TargetPort) == 0 {
				t.Errorf("Service %s port %s targets %q, which the container does not name", svc.Metadata.Name, p.Name, p.TargetPort)
			}
		}
	}
	sa := d.Template.Spec.ServiceAccountName
	if sa == "" || sa == "default" {
		t.Errorf("pod runs as service account %q, want its own", sa)
	} else if !slices.ContainsFunc(r.find("ServiceAccount"), func(m manifest) bool { return m.Metadata.Name == sa }) {
		t.Errorf("pod names service account %q, which the chart does not render", sa)
	}
	if a := d.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("pod automountServiceAccountToken = %s, want false (the bot never calls the Kubernetes API)", show(a))
	}
	if d.Strategy.Type != "RollingUpdate" {
		t.Errorf("Deployment strategy = %q, want RollingUpdate", d.Strategy.Type)
	}
	if ps := d.Template.Spec; ps.HostNetwork || ps.HostPID || ps.HostIPC {
		t.Errorf("pod shares a host namespace")
	}
	checkRestricted(t, d, c)
	for _, k := range []string{"cpu", "memory"} {
		if c.Resources.Requests[k] == "" || c.Resources.Limits[k] == "" {
			t.Errorf("container %s request/limit = %q/%q, want both set", k, c.Resources.Requests[k], c.Resources.Limits[k])
		}
	}
	if tag := c.Image[strings.LastIndex(c.Image, ":")+1:]; !strings.Contains(c.Image, ":") || tag == "" || tag == "latest" {
		t.Errorf("image %q has no fixed tag", c.Image)
	}
	for _, e := range c.Env {
		if e.Value == "" && e.ValueFrom == nil {
			t.Errorf("env %s is empty: it would shadow the same name in the Secret", e.Name)
		}
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name == "" {
		t.Errorf("envFrom = %+v, want the Secret", c.EnvFrom)
	}
}

// checkRestricted asserts the Pod Security "restricted" profile.
func checkRestricted(t *testing.T, d deploymentSpec, c container) {
	t.Helper()
	pod := d.Template.Spec.SecurityContext
	for _, sc := range []struct {
		where string
		sc    podSecurity
	}{{"pod", pod}, {"container", c.SecurityContext}} {
		if sc.sc.RunAsNonRoot == nil || !*sc.sc.RunAsNonRoot {
			t.Errorf("%s runAsNonRoot = %s, want true", sc.where, show(sc.sc.RunAsNonRoot))
		}
		if sc.sc.RunAsUser == nil || *sc.sc.RunAsUser != 65532 {
			t.Errorf("%s runAsUser = %s, want 65532 (the image's USER)", sc.where, show(sc.sc.RunAsUser))
		}
		if sc.sc.RunAsGroup == nil || *sc.sc.RunAsGroup != 65532 {
			t.Errorf("%s runAsGroup = %s, want 65532", sc.where, show(sc.sc.RunAsGroup))
		}
	}
	if pod.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("pod seccompProfile = %q, want RuntimeDefault", pod.SeccompProfile.Type)
	}
	sc := c.SecurityContext
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("allowPrivilegeEscalation = %s, want false", show(sc.AllowPrivilegeEscalation))
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("container is privileged")
	}
	if !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("capabilities drop %v add %v, want drop [ALL] add none", sc.Capabilities.Drop, sc.Capabilities.Add)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem = %s, want true", show(sc.ReadOnlyRootFilesystem))
	}
	tmp := slices.ContainsFunc(c.VolumeMounts, func(m struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}) bool {
		return m.MountPath == "/tmp" && slices.ContainsFunc(d.Template.Spec.Volumes, func(v struct {
			Name     string `yaml:"name"`
			EmptyDir any    `yaml:"emptyDir"`
		}) bool {
			return v.Name == m.Name && v.EmptyDir != nil
		})
	})
	if !tmp {
		t.Errorf("no emptyDir on /tmp beside the read-only root filesystem")
	}
}

func egressAllows(np networkPolicySpec, port, proto string) bool {
	for _, e := range np.Egress {
		for _, p := range e.Ports {
			if portString(p.Port) == port && p.Protocol == proto {
				return true
			}
		}
	}
	return false
}

// show prints a pointer field as its value, or <unset>.
func show[T any](p *T) string {
	if p == nil {
		return "<unset>"
	}
	return fmt.Sprint(*p)
}

// portString gives a NetworkPolicy port, a number or a name, as text.
func portString(p any) string {
	return fmt.Sprint(p)
}

// renderNotes renders NOTES.txt, which helm template leaves out, by copying
// the chart and wrapping the notes in a template of their own.
func renderNotes(t *testing.T, args ...string) string {
	t.Helper()
	helm := helmBinary(t)
	dir := filepath.Join(t.TempDir(), "onboard-check")
	if err := os.CopyFS(dir, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	notes, err := os.ReadFile(filepath.Join(dir, "templates", "NOTES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := "notes: |\n  " + strings.ReplaceAll(string(notes), "\n", "\n  ")
	if err := os.WriteFile(filepath.Join(dir, "templates", "notes-test.yaml"), []byte(wrapped), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(helm, append([]string{"template", "oc", dir, "--show-only", "templates/notes-test.yaml"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("render NOTES.txt: %v\n%s", err, out)
	}
	var doc struct {
		Notes string `yaml:"notes"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Notes
}
