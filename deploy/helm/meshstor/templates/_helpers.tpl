{{/*
The namespace is fixed: the node agents' Leases live in `meshstor` (the
controller reads them there for liveness), and policy-node.yaml and the RBAC
bindings name the service accounts in it.
*/}}
{{- define "meshstor.checkNamespace" -}}
{{- if ne .Release.Namespace "meshstor" -}}
{{- fail (printf "MeshStor installs into the namespace meshstor only (the node agents' Leases live there), not %q: create it with `kubectl apply -f deploy/namespace.yaml`, then `helm install meshstor deploy/helm/meshstor --namespace meshstor`" .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; the selector's are name and component alone. */}}
{{- define "meshstor.labels" -}}
app.kubernetes.io/name: meshstor
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: meshstor
{{- end -}}

{{- define "meshstor.selector" -}}
app.kubernetes.io/name: meshstor
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* repository:tag of an image value. */}}
{{- define "meshstor.image" -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end -}}

{{/* The MeshStor image: the tag defaults to the chart's appVersion. */}}
{{- define "meshstor.mainImage" -}}
{{- printf "%s:%s" .Values.image.repository (toString (.Values.image.tag | default .Chart.AppVersion)) -}}
{{- end -}}

{{/* The kubelet's directory, without a trailing slash. */}}
{{- define "meshstor.kubeletDir" -}}
{{- trimSuffix "/" .Values.kubeletDir -}}
{{- end -}}

{{/* resources, nodeSelector, tolerations, affinity: written only when set. */}}
{{- define "meshstor.optional" -}}
{{- $key := index . 0 -}}
{{- $value := index . 1 -}}
{{- $indent := int (index . 2) -}}
{{- if $value }}
{{ printf "%s:" $key | indent $indent }}
{{ toYaml $value | indent (int (add $indent 2)) }}
{{- end -}}
{{- end -}}

{{/*
KUBERNETES_SERVICE_HOST and _PORT from apiServer, where set: env entries that
override what the kubelet passes in from the `kubernetes` Service.
*/}}
{{- define "meshstor.apiServerEnv" -}}
{{- with .Values.apiServer.host }}
- name: KUBERNETES_SERVICE_HOST
  value: {{ . | quote }}
{{- end }}
{{- with .Values.apiServer.port }}
- name: KUBERNETES_SERVICE_PORT
  value: {{ . | quote }}
{{- end }}
{{- end -}}
