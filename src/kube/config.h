/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* Where and how to reach the API server, and who we are there. */
struct kube_config {
	char *server; /* "https://host:port" */
	/* Each credential is a file or inline PEM; at most one of the pair is set. */
	char *ca_file;
	uint8_t *ca_data;
	size_t ca_len;
	char *cert_file;
	uint8_t *cert_data;
	size_t cert_len;
	char *key_file;
	uint8_t *key_data;
	size_t key_len;
	char *token;	  /* a fixed bearer token */
	char *token_file; /* a bearer token re-read whenever the file changes */
	bool insecure;	  /* insecure-skip-tls-verify: development clusters only */
};

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/*
 * Finds the configuration the way client-go does: the kubeconfig named by
 * path (a --kubeconfig flag) or $KUBECONFIG (the first file of a list); else in-cluster
 * (service-account token and CA in sa_dir, server from $KUBERNETES_SERVICE_HOST/PORT); else
 * ~/.kube/config. Returns 0 or -errno with the reason appended to err.
 */
int kube_config_load(const char *path, const char *sa_dir, struct kube_config **ret,
		     struct strbuf *err);
int kube_config_from_kubeconfig(const char *path, struct kube_config **ret, struct strbuf *err);
int kube_config_in_cluster(const char *sa_dir, struct kube_config **ret, struct strbuf *err);
void kube_config_free(struct kube_config *c);
