// SPDX-License-Identifier: GPL-2.0
/*
 * conf.c - /etc/mcs/mcsd.conf: "key = value" lines, '#' comments. Pure, so
 * the unit test parses it too. An unknown key or a bad value is an error
 * naming the line: a typo must not silently run with a default.
 */
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "membership.h"

void mcsd_conf_defaults(struct mcsd_conf *c)
{
	c->deadline_ms = MCS_DEADLINE_MS_DEFAULT;
	c->lease_ms = MCS_LEASE_MS_DEFAULT;
	c->grace_ms = 5000;
	c->nodes = 0;
	c->key_file[0] = '\0';
}

static const struct {
	const char *key;
	size_t off;
	uint32_t min, max;
} keys[] = {
	{ "deadline_ms", offsetof(struct mcsd_conf, deadline_ms), 20, 300000 },
	{ "lease_ms", offsetof(struct mcsd_conf, lease_ms), 40, 600000 },
	{ "grace_ms", offsetof(struct mcsd_conf, grace_ms), 1, 600000 },
	{ "nodes", offsetof(struct mcsd_conf, nodes), 2, MCS_MAX_NODES },
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_line(struct mcsd_conf *c, char *line, unsigned int lineno,
		      char *err, unsigned int errlen)
{
	char *eq, *key, *val, *end;
	unsigned long v;
	size_t i;

	eq = strchr(line, '=');
	if (!eq) {
		snprintf(err, errlen, "line %u: expected key = value", lineno);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!strcmp(key, "key_file")) {
		if (val[0] != '/' || strlen(val) >= sizeof(c->key_file)) {
			snprintf(err, errlen,
				 "line %u: key_file = '%s': want an absolute path shorter than %zu bytes",
				 lineno, val, sizeof(c->key_file));
			return -EINVAL;
		}
		strcpy(c->key_file, val);
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		snprintf(err, errlen,
			 "line %u: unknown key '%s' (known: deadline_ms, lease_ms, grace_ms, nodes, key_file)",
			 lineno, key);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(val, &end, 10);
	if (!*val || *end || errno || v < keys[i].min || v > keys[i].max) {
		snprintf(err, errlen, "line %u: %s = '%s': want a number %u..%u",
			 lineno, key, val, keys[i].min, keys[i].max);
		return -EINVAL;
	}
	*(uint32_t *)((char *)c + keys[i].off) = (uint32_t)v;
	return 0;
}

int mcsd_conf_parse(struct mcsd_conf *c, const char *text, char *err,
		    unsigned int errlen)
{
	char line[512], *hash, *s;
	unsigned int lineno = 0;
	const char *p = text, *nl;
	size_t len;
	int ret;

	while (*p) {
		lineno++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "line %u: too long", lineno);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		ret = parse_line(c, s, lineno, err, errlen);
		if (ret)
			return ret;
	}
	if (c->deadline_ms > c->lease_ms / 2) {
		snprintf(err, errlen,
			 "deadline_ms (%u) must be at most lease_ms / 2 (%u)",
			 c->deadline_ms, c->lease_ms / 2);
		return -EINVAL;
	}
	return 0;
}
