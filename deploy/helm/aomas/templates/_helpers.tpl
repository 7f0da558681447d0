{{/* The chart's name, and the release's full name that objects are named after. */}}
{{- define "aomas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "aomas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "aomas.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "aomas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: aomas
{{- end -}}

{{/* The labels that pick every aomas pod of this release (NetworkPolicies). */}}
{{- define "aomas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aomas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels that pick one component's pods: call with (dict "root" $ "component" "serve"). */}}
{{- define "aomas.componentSelector" -}}
{{ include "aomas.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* A worker pool's pods: (dict "root" $ "pool" NAME). */}}
{{- define "aomas.poolSelector" -}}
{{ include "aomas.componentSelector" (dict "root" .root "component" "worker") }}
aomas.io/pool: {{ .pool }}
{{- end -}}

{{- define "aomas.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "aomas.secretName" -}}
{{- default (include "aomas.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* The AOMAS_* settings of every aomas container: the ConfigMap and the Secret. */}}
{{- define "aomas.envFrom" -}}
- configMapRef:
    name: {{ include "aomas.fullname" . }}
- secretRef:
    name: {{ include "aomas.secretName" . }}
{{- end -}}

{{/* A pool's --queues value, e.g. interactive=6,batch=3. */}}
{{- define "aomas.poolQueues" -}}
{{- $q := list -}}
{{- range . -}}{{- $q = append $q (printf "%s=%d" .name (int .weight)) -}}{{- end -}}
{{- join "," $q -}}
{{- end -}}

{{/* The PromQL of a pool's queue depth: pending and active tasks of its queues. Each serve
replica exports the same sizes, hence the max across them. (dict "root" $ "pool" POOL) */}}
{{- define "aomas.poolDepthQuery" -}}
{{- $names := list -}}
{{- range .pool.queues -}}{{- $names = append $names .name -}}{{- end -}}
{{- $sel := .root.Values.autoscaling.prometheus.selector -}}
{{- if not $sel -}}
{{- $sel = printf "namespace=%q,service=%q" .root.Release.Namespace (include "aomas.fullname" .root) -}}
{{- end -}}
{{- printf "sum(max by (queue, state) (aomas_queue_tasks{%s,queue=~%q,state=~\"pending|active\"}))" $sel (join "|" $names) -}}
{{- end -}}

{{/* Pod-level security, pull secrets and no API token (aomas never calls the Kubernetes API). */}}
{{- define "aomas.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
