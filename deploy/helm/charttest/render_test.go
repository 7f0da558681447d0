// Package charttest renders and lints the aomas Helm chart through the Helm Go module and
// decodes every rendered object strictly into its Kubernetes API type. It is a module of
// its own so that Helm's and k8s.io's modules stay out of the service's go.mod.
package charttest

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

const (
	chartDir  = "../aomas"
	release   = "aomas"
	namespace = "aomas"
)

// valueSet is one way to install the chart.
type valueSet struct {
	name string
	vals map[string]any
}

// valueSets are the installs the tests render: the defaults, a GPU pool, an HPA instead of
// KEDA, and one with no Ingress, no ServiceMonitor, fixed replicas, the deployer's own
// Secret, DICOM on and the external services as pods of this namespace.
func valueSets() []valueSet {
	gpu := map[string]any{"workers": map[string]any{"pools": map[string]any{"gpu": map[string]any{"enabled": true}}}}
	return []valueSet{
		{"defaults", map[string]any{}},
		{"gpu", gpu},
		{"hpa", merge(gpu, map[string]any{"autoscaling": map[string]any{"mode": "hpa"}})},
		{"bare", map[string]any{
			"ingress":        map[string]any{"enabled": false},
			"serviceMonitor": map[string]any{"enabled": false},
			"autoscaling":    map[string]any{"mode": "off"},
			"existingSecret": "aomas-settings",
			"serve":          map[string]any{"dicom": map[string]any{"enabled": true}},
			"networkPolicy": map[string]any{"services": map[string]any{
				"postgres": map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "postgres"}}},
				"redis":    map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "redis"}}},
				"s3":       map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "minio"}}},
			}},
		}},
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if am, ok := out[k].(map[string]any); ok {
			if bm, ok := v.(map[string]any); ok {
				out[k] = merge(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// manifest is one rendered object: its template, its YAML and what it decoded into.
type manifest struct {
	source string
	yaml   string
	obj    runtime.Object
	gvk    schema.GroupVersionKind
	name   string
}

func (m manifest) id() string { return m.gvk.Kind + "/" + m.name }

// renderChart renders the chart with vals as `helm install aomas -n aomas` would.
func renderChart(t *testing.T, vals map[string]any) map[string]string {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	require.NoError(t, err)
	top, err := util.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: release, Namespace: namespace, IsInstall: true, Revision: 1}, nil)
	require.NoError(t, err)
	files, err := engine.Render(chrt, top)
	require.NoError(t, err)
	return files
}

// decoder decodes YAML strictly (unknown and duplicate fields fail) into the types of the
// Kubernetes API, the Prometheus operator's and KEDA's.
func decoder(t *testing.T) *kjson.Serializer {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, monitoringv1.AddToScheme(scheme))
	require.NoError(t, addKEDA(scheme))
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// decodeStrict decodes one object; any field its type lacks is an error.
func decodeStrict(dec *kjson.Serializer, doc string) (runtime.Object, *schema.GroupVersionKind, error) {
	return dec.Decode([]byte(doc), nil, nil)
}

// render renders vals and decodes every object strictly; a failure fails the test.
func render(t *testing.T, vals map[string]any) []manifest {
	t.Helper()
	dec := decoder(t)
	files := renderChart(t, vals)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []manifest
	for _, file := range names {
		if filepath.Ext(file) != ".yaml" {
			continue
		}
		docs := releaseutil.SplitManifests(files[file])
		keys := make([]string, 0, len(docs))
		for k := range docs {
			keys = append(keys, k)
		}
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, k := range keys {
			doc := docs[k]
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			obj, gvk, err := decodeStrict(dec, doc)
			require.NoError(t, err, "%s:\n%s", file, doc)
			meta, err := metaOf(obj)
			require.NoError(t, err)
			out = append(out, manifest{source: file, yaml: doc, obj: obj, gvk: *gvk, name: meta.GetName()})
		}
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestLint is `helm lint --strict` on every value set: warnings fail too.
func TestLint(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			lint := action.NewLint()
			lint.Strict = true
			lint.Namespace = namespace
			res := lint.Run([]string{chartDir}, vs.vals)
			var msgs []string
			for _, m := range res.Messages {
				msgs = append(msgs, m.Error())
			}
			require.Empty(t, res.Errors, "lint: %s", strings.Join(msgs, "\n"))
			require.Equal(t, 1, res.TotalChartsLinted)
		})
	}
}

// TestObjects lists what each value set makes; every object decoded strictly on the way.
func TestObjects(t *testing.T) {
	want := map[string][]string{
		"defaults": {
			"ConfigMap/aomas", "Deployment/aomas-serve", "Deployment/aomas-worker-cpu", "Ingress/aomas",
			"Job/aomas-migrate", "NetworkPolicy/aomas-default", "NetworkPolicy/aomas-serve", "NetworkPolicy/aomas-worker-metrics",
			"PodDisruptionBudget/aomas-serve", "PodDisruptionBudget/aomas-worker-cpu", "ScaledObject/aomas-worker-cpu",
			"Secret/aomas", "Secret/aomas-migrate", "Service/aomas", "Service/aomas-worker-metrics", "ServiceMonitor/aomas",
		},
		"gpu": {
			"ConfigMap/aomas", "Deployment/aomas-serve", "Deployment/aomas-worker-cpu", "Deployment/aomas-worker-gpu", "Ingress/aomas",
			"Job/aomas-migrate", "NetworkPolicy/aomas-default", "NetworkPolicy/aomas-serve", "NetworkPolicy/aomas-worker-metrics",
			"PodDisruptionBudget/aomas-serve", "PodDisruptionBudget/aomas-worker-cpu", "PodDisruptionBudget/aomas-worker-gpu",
			"ScaledObject/aomas-worker-cpu", "ScaledObject/aomas-worker-gpu",
			"Secret/aomas", "Secret/aomas-migrate", "Service/aomas", "Service/aomas-worker-metrics", "ServiceMonitor/aomas",
		},
		"hpa": {
			"ConfigMap/aomas", "Deployment/aomas-serve", "Deployment/aomas-worker-cpu", "Deployment/aomas-worker-gpu",
			"HorizontalPodAutoscaler/aomas-worker-cpu", "HorizontalPodAutoscaler/aomas-worker-gpu", "Ingress/aomas",
			"Job/aomas-migrate", "NetworkPolicy/aomas-default", "NetworkPolicy/aomas-serve", "NetworkPolicy/aomas-worker-metrics",
			"PodDisruptionBudget/aomas-serve", "PodDisruptionBudget/aomas-worker-cpu", "PodDisruptionBudget/aomas-worker-gpu",
			"Secret/aomas", "Secret/aomas-migrate", "Service/aomas", "Service/aomas-worker-metrics", "ServiceMonitor/aomas",
		},
		"bare": {
			"ConfigMap/aomas", "Deployment/aomas-serve", "Deployment/aomas-worker-cpu",
			"Job/aomas-migrate", "NetworkPolicy/aomas-default", "NetworkPolicy/aomas-postgres-clients",
			"NetworkPolicy/aomas-redis-clients", "NetworkPolicy/aomas-s3-clients", "NetworkPolicy/aomas-serve", "NetworkPolicy/aomas-worker-metrics",
			"PodDisruptionBudget/aomas-serve", "PodDisruptionBudget/aomas-worker-cpu",
			"Service/aomas", "Service/aomas-worker-metrics",
		},
	}
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			var got []string
			for _, m := range render(t, vs.vals) {
				got = append(got, m.id())
			}
			slices.Sort(got)
			require.Equal(t, want[vs.name], got)
		})
	}
}

// A misspelled field in any rendered object is refused: the strict decoder is what stands
// between a typo and a chart that installs but does not do what it says.
func TestTypoRefused(t *testing.T) {
	dec := decoder(t)
	objs := render(t, valueSets()[1].vals)
	typos := map[string][2]string{
		"Deployment/aomas-serve":          {"readinessProbe:", "readynessProbe:"},
		"Deployment/aomas-worker-gpu":     {"nodeSelector:", "nodeSelecter:"},
		"Job/aomas-migrate":               {"backoffLimit:", "backOffLimit:"},
		"ServiceMonitor/aomas":            {"endpoints:", "endpionts:"},
		"ScaledObject/aomas-worker-gpu":   {"minReplicaCount:", "minReplicasCount:"},
		"NetworkPolicy/aomas-serve":       {"policyTypes:", "policyType:"},
		"Ingress/aomas":                   {"ingressClassName:", "ingressClass:"},
		"PodDisruptionBudget/aomas-serve": {"maxUnavailable:", "maxUnavailble:"},
	}
	seen := 0
	for _, m := range objs {
		typo, ok := typos[m.id()]
		if !ok {
			continue
		}
		seen++
		require.Contains(t, m.yaml, typo[0], m.id())
		_, _, err := decodeStrict(dec, m.yaml)
		require.NoError(t, err, m.id())
		_, _, err = decodeStrict(dec, strings.Replace(m.yaml, typo[0], typo[1], 1))
		require.Error(t, err, "%s with %s", m.id(), typo[1])
		require.True(t, runtime.IsStrictDecodingError(err), "%s: %v", m.id(), err)
		require.Contains(t, err.Error(), strings.TrimSuffix(typo[1], ":"), m.id())
	}
	require.Equal(t, len(typos), seen)
}

// A value the chart does not know is refused too (values.schema.json), as is a setting
// name that is not an AOMAS_* variable.
func TestBadValuesRefused(t *testing.T) {
	chrt, err := loader.Load(chartDir)
	require.NoError(t, err)
	for name, vals := range map[string]map[string]any{
		"misspelled top-level key": {"ingres": map[string]any{"enabled": false}},
		"misspelled pool field":    {"workers": map[string]any{"pools": map[string]any{"cpu": map[string]any{"concurency": 2}}}},
		"unknown device":           {"workers": map[string]any{"pools": map[string]any{"cpu": map[string]any{"device": "tpu"}}}},
		"unknown autoscaling mode": {"autoscaling": map[string]any{"mode": "vpa"}},
		"setting not AOMAS_":       {"config": map[string]any{"S3_ENDPOINT": "x:1"}},
	} {
		t.Run(name, func(t *testing.T) {
			top, err := util.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: release, Namespace: namespace, IsInstall: true}, nil)
			if err == nil {
				_, err = engine.Render(chrt, top)
			}
			require.Error(t, err)
			t.Log(err)
		})
	}
}

func metaOf(obj runtime.Object) (interface{ GetName() string }, error) {
	m, ok := obj.(interface{ GetName() string })
	if !ok {
		return nil, fmt.Errorf("%T has no metadata", obj)
	}
	return m, nil
}

// toMap turns a decoded object back into plain YAML data, for checks that read paths.
func toMap(t *testing.T, obj any) map[string]any {
	t.Helper()
	b, err := yaml.Marshal(obj)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m))
	return m
}
