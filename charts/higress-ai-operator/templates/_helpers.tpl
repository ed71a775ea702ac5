{{- define "hao.name" -}}higress-ai-operator{{- end -}}
{{- define "hao.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hao.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "hao.labels" -}}
{{ include "hao.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{/* Cluster-scoped names carry the release namespace so two installs do not collide. */}}
{{- define "hao.clusterName" -}}{{ include "hao.name" . }}-{{ .Release.Namespace }}{{- end -}}
