package charttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// objects indexes a render by kind/name.
type objects map[string]manifest

func index(ms []manifest) objects {
	o := objects{}
	for _, m := range ms {
		o[m.id()] = m
	}
	return o
}

func get[T any](t *testing.T, o objects, id string) T {
	t.Helper()
	m, ok := o[id]
	require.True(t, ok, "no %s", id)
	v, ok := m.obj.(T)
	require.True(t, ok, "%s is a %T", id, m.obj)
	return v
}

// pod is a pod template the chart makes, with where it comes from.
type pod struct {
	owner  string
	labels labels.Set
	spec   corev1.PodSpec
}

func pods(o objects) []pod {
	var out []pod
	for id, m := range o {
		switch v := m.obj.(type) {
		case *appsv1.Deployment:
			out = append(out, pod{id, v.Spec.Template.Labels, v.Spec.Template.Spec})
		case *batchv1.Job:
			out = append(out, pod{id, v.Spec.Template.Labels, v.Spec.Template.Spec})
		}
	}
	slices.SortFunc(out, func(a, b pod) int { return strings.Compare(a.owner, b.owner) })
	return out
}

func selected(t *testing.T, sel *metav1.LabelSelector, ps []pod) []string {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	require.NoError(t, err)
	require.False(t, s.Empty(), "an empty selector picks every pod of the namespace")
	var out []string
	for _, p := range ps {
		if s.Matches(p.labels) {
			out = append(out, p.owner)
		}
	}
	return out
}

func hasPort(p pod, name string) bool {
	for _, c := range p.spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == name {
				return true
			}
		}
	}
	return false
}

// TestServe: probes on the paths aomas serves, on a port the container opens; resources
// requested; the Service and Ingress lead to serve's pods and to nothing else.
func TestServe(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			o := index(render(t, vs.vals))
			d := get[*appsv1.Deployment](t, o, "Deployment/aomas-serve")
			require.NotNil(t, d.Spec.Replicas)
			require.GreaterOrEqual(t, *d.Spec.Replicas, int32(2), "one replica down must leave one serving")
			require.Equal(t, []string{"Deployment/aomas-serve"}, selected(t, d.Spec.Selector, pods(o)))
			c := d.Spec.Template.Spec.Containers[0]
			require.Equal(t, []string{"serve"}, c.Args)
			require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
			require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
			for _, pr := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
				require.Equal(t, intstr.FromString("http"), pr.HTTPGet.Port)
			}
			require.True(t, hasPort(pod{spec: d.Spec.Template.Spec}, "http"))
			require.False(t, c.Resources.Requests.Cpu().IsZero())
			require.False(t, c.Resources.Requests.Memory().IsZero())
			checkEnvFrom(t, o, vs, d.Spec.Template.Spec)

			svc := get[*corev1.Service](t, o, "Service/aomas")
			require.Equal(t, []string{"Deployment/aomas-serve"}, selected(t, metav1.SetAsLabelSelector(svc.Spec.Selector), pods(o)))
			for _, p := range svc.Spec.Ports {
				require.True(t, hasPort(pod{spec: d.Spec.Template.Spec}, p.TargetPort.StrVal), "service port %s", p.Name)
			}
			ing, ok := o["Ingress/aomas"]
			if !ok {
				return
			}
			in := ing.obj.(*networkingv1.Ingress)
			// Websockets (GraphQL subscriptions) outlive ingress-nginx's 60 s default.
			require.Equal(t, "3600", in.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])
			require.Equal(t, "3600", in.Annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"])
			require.Equal(t, "0", in.Annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
			for _, r := range in.Spec.Rules {
				for _, p := range r.HTTP.Paths {
					require.Equal(t, "aomas", p.Backend.Service.Name)
					require.True(t, slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Name == p.Backend.Service.Port.Name }))
				}
			}
		})
	}
}

// checkEnvFrom: every container reads the rendered ConfigMap and Secret (or the deployer's).
func checkEnvFrom(t *testing.T, o objects, vs valueSet, spec corev1.PodSpec) {
	t.Helper()
	for _, c := range spec.Containers {
		require.Len(t, c.EnvFrom, 2)
		require.Equal(t, "aomas", c.EnvFrom[0].ConfigMapRef.Name)
		require.Contains(t, o, "ConfigMap/aomas")
		if s, ok := vs.vals["existingSecret"].(string); ok {
			require.Equal(t, s, c.EnvFrom[1].SecretRef.Name)
			require.NotContains(t, o, "Secret/aomas")
		} else {
			require.Equal(t, "aomas", c.EnvFrom[1].SecretRef.Name)
			require.Contains(t, o, "Secret/aomas")
		}
	}
}

// TestWorkers: one Deployment per enabled pool, its queues and device on the command line,
// GPUs requested and a GPU node asked for by the cuda pool, replicas left to the autoscaler
// when there is one, and each autoscaler aimed at its pool on its pool's queues.
func TestWorkers(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			o := index(render(t, vs.vals))
			mode := "keda"
			if as, ok := vs.vals["autoscaling"].(map[string]any); ok {
				mode = as["mode"].(string)
			}
			pools := []string{"cpu"}
			if _, ok := o["Deployment/aomas-worker-gpu"]; ok {
				pools = append(pools, "gpu")
			}
			for _, pool := range pools {
				id := "Deployment/aomas-worker-" + pool
				d := get[*appsv1.Deployment](t, o, id)
				require.Equal(t, []string{id}, selected(t, d.Spec.Selector, pods(o)))
				c := d.Spec.Template.Spec.Containers[0]
				args := flagValues(c.Args[1:])
				require.Equal(t, "worker", c.Args[0])
				checkEnvFrom(t, o, vs, d.Spec.Template.Spec)
				gpus := c.Resources.Limits[corev1.ResourceName("nvidia.com/gpu")]
				if pool == "gpu" {
					require.Equal(t, "cuda", args["--device"])
					require.Equal(t, "interactive=6,batch=3", args["--queues"])
					require.True(t, gpus.Equal(resource.MustParse("1")), "gpu limit %s", gpus.String())
					req := c.Resources.Requests[corev1.ResourceName("nvidia.com/gpu")]
					require.True(t, req.Equal(gpus))
					require.Equal(t, "true", d.Spec.Template.Spec.NodeSelector["nvidia.com/gpu.present"])
					require.True(t, slices.ContainsFunc(d.Spec.Template.Spec.Tolerations, func(tl corev1.Toleration) bool { return tl.Key == "nvidia.com/gpu" }))
				} else {
					require.Equal(t, "cpu", args["--device"])
					require.Equal(t, "interactive=6,batch=3,maintenance=1", args["--queues"])
					require.True(t, gpus.IsZero())
					require.Empty(t, d.Spec.Template.Spec.NodeSelector)
				}
				require.Equal(t, "/metrics", c.LivenessProbe.HTTPGet.Path)
				require.True(t, hasPort(pod{spec: d.Spec.Template.Spec}, c.LivenessProbe.HTTPGet.Port.StrVal))
				require.True(t, strings.HasSuffix(args["--metrics-listen"], ":9090"))

				queues := queueNames(args["--queues"])
				switch mode {
				case "off":
					require.NotNil(t, d.Spec.Replicas)
				case "keda":
					require.Nil(t, d.Spec.Replicas, "the autoscaler owns replicas")
					so := get[*kedav1alpha1.ScaledObject](t, o, "ScaledObject/aomas-worker-"+pool)
					require.Equal(t, d.Name, so.Spec.ScaleTargetRef.Name)
					require.Len(t, so.Spec.Triggers, 1)
					tr := so.Spec.Triggers[0]
					require.Equal(t, "prometheus", tr.Type)
					q := tr.Metadata["query"]
					require.Contains(t, q, "aomas_queue_tasks{")
					require.Contains(t, q, `queue=~"`+strings.Join(queues, "|")+`"`)
					require.Contains(t, q, `state=~"pending|active"`)
					require.Contains(t, q, `namespace="aomas",service="aomas"`)
					checkKEDAMetadata(t, tr.Metadata)
				case "hpa":
					require.Nil(t, d.Spec.Replicas, "the autoscaler owns replicas")
					h := get[*autoscalingv2.HorizontalPodAutoscaler](t, o, "HorizontalPodAutoscaler/aomas-worker-"+pool)
					require.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name}, h.Spec.ScaleTargetRef)
					require.GreaterOrEqual(t, *h.Spec.MinReplicas, int32(1))
					require.Len(t, h.Spec.Metrics, 1)
					m := h.Spec.Metrics[0]
					require.Equal(t, autoscalingv2.ExternalMetricSourceType, m.Type)
					require.Equal(t, "aomas_queue_tasks", m.External.Metric.Name)
					sel, err := metav1.LabelSelectorAsSelector(m.External.Metric.Selector)
					require.NoError(t, err)
					for _, q := range queues {
						require.True(t, sel.Matches(labels.Set{"queue": q, "state": "pending"}), q)
					}
					require.False(t, sel.Matches(labels.Set{"queue": queues[0], "state": "archived"}))
					require.Equal(t, autoscalingv2.AverageValueMetricType, m.External.Target.Type)
				}
			}
		})
	}
}

// checkKEDAMetadata: a misspelled key in a trigger's metadata (a map, which strict decoding
// cannot catch) would be ignored by KEDA; every key must be one KEDA's Prometheus scaler
// reads, taken from its own source in the module cache.
func checkKEDAMetadata(t *testing.T, md map[string]string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kedacore/keda/v2").Output()
	require.NoError(t, err)
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg", "scalers", "prometheus_scaler.go"))
	require.NoError(t, err)
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`keda:"name=(\w+)`).FindAllStringSubmatch(string(src), -1) {
		known[m[1]] = true
	}
	require.True(t, known["serverAddress"] && known["query"] && known["threshold"], "KEDA's Prometheus scaler source changed: %v", known)
	for k := range md {
		require.True(t, known[k], "trigger metadata %q is not read by KEDA's Prometheus scaler", k)
	}
}

func queueNames(spec string) []string {
	var out []string
	for _, p := range strings.Split(spec, ",") {
		name, _, _ := strings.Cut(p, "=")
		out = append(out, name)
	}
	return out
}

// flagValues reads --name value pairs (the chart writes every flag that way).
func flagValues(args []string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(args); i += 2 {
		out[args[i]] = args[i+1]
	}
	return out
}

// TestMigrateHook: `aomas migrate up` runs before install and upgrade, and the Secret it
// reads exists by then (a hook of its own, created first, or the deployer's).
func TestMigrateHook(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			o := index(render(t, vs.vals))
			j := get[*batchv1.Job](t, o, "Job/aomas-migrate")
			require.Equal(t, "pre-install,pre-upgrade", j.Annotations["helm.sh/hook"])
			require.Contains(t, j.Annotations["helm.sh/hook-delete-policy"], "before-hook-creation")
			spec := j.Spec.Template.Spec
			require.Equal(t, corev1.RestartPolicyNever, spec.RestartPolicy)
			c := spec.Containers[0]
			require.Equal(t, "migrate", c.Args[0])
			require.Equal(t, "up", c.Args[len(c.Args)-1])
			var ref *corev1.SecretKeySelector
			for _, e := range c.Env {
				if e.Name == "AOMAS_DATABASE_URL" {
					ref = e.ValueFrom.SecretKeyRef
				}
			}
			require.NotNil(t, ref)
			if s, ok := vs.vals["existingSecret"].(string); ok {
				require.Equal(t, s, ref.Name)
				require.NotContains(t, o, "Secret/aomas-migrate")
				return
			}
			s := get[*corev1.Secret](t, o, "Secret/"+ref.Name)
			require.Contains(t, s.StringData, ref.Key)
			require.Equal(t, "pre-install,pre-upgrade", s.Annotations["helm.sh/hook"])
			require.Equal(t, "-10", s.Annotations["helm.sh/hook-weight"])
			require.Equal(t, "0", j.Annotations["helm.sh/hook-weight"])
		})
	}
}

// TestDisruptionBudgets: one per Deployment, each picking exactly that Deployment's pods.
func TestDisruptionBudgets(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			o := index(render(t, vs.vals))
			var deployments []string
			for id := range o {
				if strings.HasPrefix(id, "Deployment/") {
					deployments = append(deployments, id)
				}
			}
			for _, d := range deployments {
				name := strings.TrimPrefix(d, "Deployment/")
				pdb := get[*policyv1.PodDisruptionBudget](t, o, "PodDisruptionBudget/"+name)
				require.Equal(t, []string{d}, selected(t, pdb.Spec.Selector, pods(o)))
				require.NotNil(t, pdb.Spec.MaxUnavailable)
			}
		})
	}
}

// TestNetworkPolicies: every aomas pod is denied by default and may reach only DNS and the
// three external services; only serve takes traffic from outside; workers take only
// scrapes of their metrics port; in-cluster services let in only aomas pods.
func TestNetworkPolicies(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			o := index(render(t, vs.vals))
			ps := pods(o)
			var all []string
			for _, p := range ps {
				all = append(all, p.owner)
			}
			def := get[*networkingv1.NetworkPolicy](t, o, "NetworkPolicy/aomas-default")
			require.Equal(t, all, selected(t, &def.Spec.PodSelector, ps), "every aomas pod, the migration Job's too")
			require.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, def.Spec.PolicyTypes)
			require.Empty(t, def.Spec.Ingress)
			var egressPorts []int32
			for _, e := range def.Spec.Egress {
				require.NotEmpty(t, e.To, "egress to anywhere")
				for _, p := range e.Ports {
					egressPorts = append(egressPorts, p.Port.IntVal)
				}
			}
			slices.Sort(egressPorts)
			require.Equal(t, []int32{53, 53, 5432, 6379, 9000}, egressPorts)

			// Who takes traffic from outside the release: serve, and workers on metrics only.
			open := map[string][]string{}
			for id, m := range o {
				np, ok := m.obj.(*networkingv1.NetworkPolicy)
				if !ok || len(np.Spec.Ingress) == 0 || strings.HasSuffix(id, "-clients") {
					continue
				}
				for _, owner := range selected(t, &np.Spec.PodSelector, ps) {
					for _, rule := range np.Spec.Ingress {
						for _, port := range rule.Ports {
							p := ps[slices.IndexFunc(ps, func(p pod) bool { return p.owner == owner })]
							require.True(t, hasPort(p, port.Port.StrVal), "%s opens %s which %s lacks", id, port.Port.String(), owner)
							open[owner] = append(open[owner], port.Port.StrVal)
						}
						if strings.HasPrefix(owner, "Deployment/aomas-worker-") {
							require.NotEmpty(t, rule.From, "worker metrics open to anyone")
						}
					}
				}
			}
			for owner, ports := range open {
				switch {
				case owner == "Deployment/aomas-serve":
					require.Subset(t, []string{"http", "dicom"}, ports)
				case strings.HasPrefix(owner, "Deployment/aomas-worker-"):
					require.Equal(t, []string{"metrics"}, ports)
				default:
					t.Fatalf("%s takes traffic: %v", owner, ports)
				}
			}
			require.Contains(t, open, "Deployment/aomas-serve")

			for _, svc := range []string{"postgres", "redis", "s3"} {
				m, ok := o["NetworkPolicy/aomas-"+svc+"-clients"]
				if !ok {
					continue
				}
				np := m.obj.(*networkingv1.NetworkPolicy)
				require.Empty(t, selected(t, &np.Spec.PodSelector, ps), "a service policy must not pick aomas pods")
				require.Len(t, np.Spec.Ingress, 1)
				require.Equal(t, all, selected(t, np.Spec.Ingress[0].From[0].PodSelector, ps))
			}
		})
	}
}

// TestServiceMonitor: it picks both metrics Services, and each endpoint names a port that
// one of them has; serve's /metrics carries the queue sizes the autoscalers read.
func TestServiceMonitor(t *testing.T) {
	o := index(render(t, map[string]any{}))
	sm := get[*monitoringv1.ServiceMonitor](t, o, "ServiceMonitor/aomas")
	sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	require.NoError(t, err)
	ports := map[string]bool{}
	var picked []string
	for id, m := range o {
		if svc, ok := m.obj.(*corev1.Service); ok && sel.Matches(labels.Set(svc.Labels)) {
			picked = append(picked, id)
			for _, p := range svc.Spec.Ports {
				ports[p.Name] = true
			}
		}
	}
	slices.Sort(picked)
	require.Equal(t, []string{"Service/aomas", "Service/aomas-worker-metrics"}, picked)
	require.Equal(t, []string{"aomas"}, sm.Spec.NamespaceSelector.MatchNames)
	for _, ep := range sm.Spec.Endpoints {
		require.True(t, ports[ep.Port], "endpoint port %s", ep.Port)
		require.Equal(t, "/metrics", ep.Path)
	}
	require.Len(t, sm.Spec.Endpoints, 2)
}
