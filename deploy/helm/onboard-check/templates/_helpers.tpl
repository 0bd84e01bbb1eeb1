{{- define "onboard-check.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "onboard-check.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "onboard-check.selectorLabels" -}}
app.kubernetes.io/name: {{ include "onboard-check.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "onboard-check.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "onboard-check.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "onboard-check.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "onboard-check.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "onboard-check.secretName" -}}
{{- default (include "onboard-check.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* "true" when some Redis URL reaches the pod: from values or from the Secret. */}}
{{- define "onboard-check.hasRedis" -}}
{{- if or .Values.redis.url .Values.redis.inSecret .Values.env.ONBOARD_REDIS_URL }}true{{ end }}
{{- end }}

{{/* Settings that would start a pod that cannot work: refuse to render. */}}
{{- define "onboard-check.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "onboard-check.hasRedis" .)) }}
{{- fail "replicaCount > 1 needs Redis: set redis.url, or put ONBOARD_REDIS_URL in the Secret and set redis.inSecret=true (replicas share dedup, threads, jobs and Graph's throttling budget through it)" }}
{{- end }}
{{- if and .Values.redis.url (not (regexMatch "^rediss?://" .Values.redis.url)) }}
{{- fail "redis.url must start with redis:// or rediss://" }}
{{- end }}
{{- if and .Values.redis.url (regexMatch "^rediss?://[^/@]*:[^/@]*@" .Values.redis.url) }}
{{- fail "redis.url holds a password: put ONBOARD_REDIS_URL in the Secret and set redis.inSecret=true instead" }}
{{- end }}
{{- if and .Values.redis.url .Values.env.ONBOARD_REDIS_URL }}
{{- fail "set Redis once: redis.url or env.ONBOARD_REDIS_URL, not both" }}
{{- end }}
{{- if and .Values.workloadIdentity.enabled (not .Values.serviceAccount.create) }}
{{- fail "workloadIdentity.enabled needs serviceAccount.create=true (the chart annotates the ServiceAccount with the client id)" }}
{{- end }}
{{- if and .Values.workloadIdentity.enabled (not .Values.workloadIdentity.clientId) }}
{{- fail "workloadIdentity.clientId is required when workloadIdentity.enabled is true" }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) }}
{{- fail "ingress.host is required when ingress.enabled is true" }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.parentRefs is required when httpRoute.enabled is true" }}
{{- end }}
{{- end }}

{{/* The paths routed from outside: the chat endpoints only. */}}
{{- define "onboard-check.publicPaths" -}}
- {path: /slack/, type: PathPrefix}
- {path: /api/messages, type: Exact}
{{- if .legalPages }}
- {path: /privacy, type: Exact}
- {path: /terms, type: Exact}
{{- end }}
{{- end }}
