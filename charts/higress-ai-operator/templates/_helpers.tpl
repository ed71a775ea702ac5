{{- define "hao.name" -}}higress-ai-operator{{- end -}}
{{- define "hao.labels" -}}
app.kubernetes.io/name: {{ include "hao.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
