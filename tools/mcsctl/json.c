// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - mcsctl --json: status, check and ls as one JSON object each,
 * on the live fabric (device.c hands over what the kernel answered) and
 * on a region in a file. The fields are documented in mcsctl.8.
 *
 * jansson builds and prints the objects. Every string that comes from the
 * fabric (names, the checker's messages) goes through jstr(): jansson
 * escapes quotes, backslashes and control bytes, and a string that is not
 * valid UTF-8 has each byte above 0x7f replaced by U+FFFD, so the output
 * is always valid JSON whatever the fabric holds.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <linux/mcs.h>

#include "gmm/gmm.h"
#include "gns/gns.h"
#include "mcsctl.h"

bool json_output;

/* Set when jansson could not allocate: the output is then refused. */
static bool oom;
/* The checker's messages of a check on a file, in order. */
static json_t *violation_msgs;

static json_t *jstr(const char *s, size_t len)
{
	char fixed[3 * 1024];
	size_t i, o = 0;
	json_t *v;

	v = json_stringn(s, len);
	if (v)
		return v;
	/* Not UTF-8 (or no memory): every non-ASCII byte becomes U+FFFD. */
	for (i = 0; i < len && o + 3 <= sizeof(fixed); i++) {
		if ((unsigned char)s[i] < 0x80) {
			fixed[o++] = s[i];
		} else {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	return json_stringn(fixed, o);
}

static json_t *num(json_int_t v)
{
	return json_integer(v);
}

/* A number, or null where the column output shows "-". */
static json_t *num_if(bool has, json_int_t v)
{
	return has ? json_integer(v) : json_null();
}

static void push(json_t *array, json_t *v)
{
	if (!v || json_array_append_new(array, v))
		oom = true;
}

static json_t *uuid_str(const uint8_t *u)
{
	char s[37];
	int i, o = 0;

	for (i = 0; i < 16; i++)
		o += snprintf(s + o, sizeof(s) - o, "%02x%s", u[i],
			      i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	return json_string(s);
}

/* GIDs are 64 bits, more than a JSON number keeps exactly: hex strings. */
static json_t *gid_str(uint64_t gid)
{
	char s[17];

	snprintf(s, sizeof(s), "%" PRIx64, gid);
	return json_string(s);
}

/* Print @obj (a reference we own) as the one object of this invocation. */
static int emit(json_t *obj, int status)
{
	int ret = 0;

	if (!obj || oom) {
		fprintf(stderr, "%s: --json: out of memory\n", prog);
		status = 2;
	} else {
		ret = json_dumpf(obj, stdout, JSON_INDENT(2));
		if (!ret && fputc('\n', stdout) == EOF)
			ret = -1;
		if (ret) {
			fprintf(stderr, "%s: --json: cannot write the output\n", prog);
			status = 2;
		}
	}
	json_decref(obj);
	json_decref(violation_msgs);
	violation_msgs = NULL;
	oom = false;
	return status;
}

/* One element of "nodes", the same keys on the fabric and on a file. */
struct node_row {
	uint32_t node, state, incarnation;
	const char *partition; /* online, lost, locked, unknown */
	bool has_manager, has_pages;
	uint32_t manager, used, total, sections;
	const char *master; /* primary, replica or NULL */
	bool memory_lost;
};

static json_t *node_obj(const struct node_row *n)
{
	return json_pack("{s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:s?, s:b}",
			 "node", num(n->node), "state", node_state(n->state),
			 "incarnation", num(n->incarnation),
			 "partition", n->partition,
			 "manager", num_if(n->has_manager, n->manager),
			 "used_pages", num_if(n->has_pages, n->used),
			 "total_pages", num_if(n->has_pages, n->total),
			 "sections", num_if(n->has_pages, n->sections),
			 "master", n->master, "memory_lost", n->memory_lost);
}

int json_status_file(struct gmm_region *r)
{
	struct gmm_geometry g;
	struct gmm_node_info ni;
	struct gmm_part_info pi;
	json_t *nodes, *region;
	uint32_t n;

	gmm_get_geometry(r, &g);
	region = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
			   "size", num((json_int_t)g.region_size),
			   "nodes", num(g.nr_parts),
			   "lease_ms", num(g.lease_ms),
			   "partition_size", num((json_int_t)g.part_size),
			   "partition_data_pages", num(g.part_data_pages),
			   "master_entries", num(g.master_entries),
			   "stripes", num(g.nr_stripes),
			   "sections_per_partition", num(g.sections_per_part),
			   "sharers_per_partition", num(g.sharers_per_part),
			   "name_entries", num(g.gns_entries),
			   "uuid", uuid_str(g.uuid),
			   "keyed", (int)region_keyed(&g));
	nodes = json_array();
	for (n = 0; n < g.nr_parts; n++) {
		struct node_row row = { .node = n, .partition = "locked" };

		gmm_node_info(r, n, &ni);
		row.state = ni.state;
		row.incarnation = ni.incarnation;
		row.memory_lost = ni.memory_lost;
		if (!gmm_part_info(r, n, &pi)) {
			row.partition = pi.state == GMM_PART_LOST ? "lost" : "online";
			row.has_manager = true;
			row.manager = pi.manager;
			row.has_pages = pi.state != GMM_PART_LOST;
			row.used = pi.data_pages - pi.free_pages;
			row.total = pi.data_pages;
			row.sections = pi.sections_used;
			row.master = pi.master_primary ? "primary" :
				     pi.master_replica ? "replica" : NULL;
		}
		push(nodes, node_obj(&row));
	}
	return emit(json_pack("{s:o, s:o}", "region", region, "nodes", nodes), 0);
}

int json_status_dev(const struct mcs_ctl_status *a,
		    const struct mcs_node_status *nodes)
{
	json_t *fabric, *region = NULL, *self = NULL, *list;
	bool has_region = a->state & MCS_STATE_REGION;
	uint32_t n;

	fabric = json_pack("{s:b, s:o, s:b, s:b, s:b, s:b}",
			   "found", (int)!!(a->state & MCS_STATE_FABRIC),
			   "size", num((json_int_t)a->fabric_size),
			   "frozen", (int)!!(a->state & MCS_STATE_FROZEN),
			   "fenced", (int)!!(a->state & MCS_STATE_FENCED),
			   "daemon", (int)!!(a->state & MCS_STATE_DAEMON),
			   "key", (int)!!(a->state & MCS_STATE_KEY));
	if (has_region)
		region = json_pack("{s:o, s:o, s:o, s:b}",
				   "size", num((json_int_t)a->region_size),
				   "nodes", num(a->nr_nodes),
				   "uuid", uuid_str(a->uuid),
				   "keyed", (int)!!(a->state & MCS_STATE_REGION_KEYED));
	if (has_region && (a->state & MCS_STATE_JOINED))
		self = json_pack("{s:o, s:o}", "node", num(a->self_node),
				 "incarnation", num(a->self_incarnation));
	list = json_array();
	for (n = 0; has_region && n < a->nr_nodes && n < MCS_MAX_NODES; n++) {
		const struct mcs_node_status *e = &nodes[n];
		struct node_row row = {
			.node = e->node, .state = e->state,
			.incarnation = e->incarnation, .partition = "online",
			.has_manager = true, .has_pages = true,
			.manager = e->part_manager,
			.used = e->data_pages - e->free_pages,
			.total = e->data_pages, .sections = e->sections_used,
			.master = e->flags & MCS_NODE_F_MASTER_PRIMARY ? "primary" :
				  e->flags & MCS_NODE_F_MASTER_REPLICA ? "replica" : NULL,
			.memory_lost = e->flags & MCS_NODE_F_MEMORY_LOST,
		};
		json_t *o;

		if (e->flags & MCS_NODE_F_PART_UNKNOWN) {
			row.partition = "unknown";
			row.has_manager = row.has_pages = false;
		} else if (e->flags & MCS_NODE_F_PART_LOST) {
			row.partition = "lost";
			row.has_pages = false;
		}
		o = node_obj(&row);
		if (o && json_object_set_new(o, "self",
					     json_boolean(e->flags & MCS_NODE_F_SELF)))
			oom = true;
		push(list, o);
	}
	if (has_region && !region)
		oom = true;
	return emit(json_pack("{s:o, s:o, s:o, s:o}", "fabric", fabric,
			      "region", region ? region : json_null(),
			      "self", self ? self : json_null(), "nodes", list), 0);
}

void json_violation(void *arg, const char *msg)
{
	(void)arg;
	if (!violation_msgs)
		violation_msgs = json_array();
	if (violation_msgs)
		push(violation_msgs, jstr(msg, strlen(msg)));
	else
		oom = true;
}

/* A check that failed prints no object: drop what it collected. */
void json_violations_free(void)
{
	json_decref(violation_msgs);
	violation_msgs = NULL;
}

int json_check_file(const struct gmm_check_report *rep,
		    const struct gns_check_report *nrep)
{
	uint32_t violations = rep->violations + nrep->violations;
	json_t *msgs = violation_msgs ? json_incref(violation_msgs) : json_array();

	return emit(json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
			      "segments", num(rep->segments),
			      "sharers", num(rep->sharers),
			      "free_pages", num(rep->free_pages),
			      "names", num(nrep->names),
			      "violations", num(violations),
			      "messages", msgs),
		    violations ? 1 : 0);
}

int json_check_dev(const struct mcs_ctl_check *a)
{
	return emit(json_pack("{s:o, s:o, s:o, s:o}",
			      "segments", num(a->segments),
			      "sharers", num(a->sharers),
			      "free_pages", num(a->free_pages),
			      "violations", num(a->violations)),
		    a->violations ? 1 : 0);
}

static const char *const name_types[] = { NULL, "segment", "lock", "event" };

/* A name as mcsctl shows it: a '/', then at most the bytes the entry has. */
static json_t *name_str(const struct mcs_list_entry *e)
{
	char s[sizeof(e->name) + 1] = "/";
	size_t len = e->name_len < sizeof(e->name) ? e->name_len :
						       sizeof(e->name) - 1;

	memcpy(s + 1, e->name, len);
	return jstr(s, len + 1);
}

static json_t *holder_obj(const struct mcs_list_entry *e)
{
	if (e->owner_node == MCS_NODE_NONE)
		return json_null();
	if (e->owner_node == MCS_OWNER_ABANDONED)
		return json_pack("{s:n, s:n, s:o, s:b}", "node", "incarnation",
				 "pid", num(e->owner_pid), "abandoned", 1);
	return json_pack("{s:o, s:o, s:o, s:b}", "node", num(e->owner_node),
			 "incarnation", num(e->owner_incarnation),
			 "pid", num(e->owner_pid), "abandoned", 0);
}

int json_ls(const struct mcs_list_entry *names, uint32_t nn,
	     const struct mcs_list_entry *segs, uint32_t ns,
	     const struct mcs_list_entry *sync, uint32_t ny)
{
	static const char *const sync_types[] = { NULL, "mutex", "event-manual",
						  "event-auto" };
	static const char *const lock_states[] = { "consistent", "owner-dead",
						   "not-recoverable" };
	json_t *jn = json_array(), *js = json_array(), *jy = json_array();
	uint32_t i;

	for (i = 0; i < nn; i++) {
		const struct mcs_list_entry *e = &names[i];

		push(jn, json_pack("{s:o, s:s?, s:o, s:o, s:o, s:o}",
				   "gid", gid_str(e->gid),
				   "type", e->type < 4 ? name_types[e->type] : NULL,
				   "name", name_str(e),
				   "size", num_if(e->size, (json_int_t)e->size),
				   "part", num_if(e->size, e->part),
				   "sharers", num_if(e->size, e->nr_sharers)));
	}
	for (i = 0; i < ns; i++)
		push(js, json_pack("{s:o, s:o, s:o, s:o}",
				   "gid", gid_str(segs[i].gid),
				   "size", num((json_int_t)segs[i].size),
				   "part", num(segs[i].part),
				   "sharers", num(segs[i].nr_sharers)));
	for (i = 0; i < ny; i++) {
		const struct mcs_list_entry *e = &sync[i];

		push(jy, json_pack("{s:o, s:s?, s:s?, s:o}",
				   "gid", gid_str(e->gid),
				   "type", e->type < 4 ? sync_types[e->type] : NULL,
				   "state", e->lock_state < 3 ?
					    lock_states[e->lock_state] : NULL,
				   "holder", holder_obj(e)));
	}
	return emit(json_pack("{s:o, s:o, s:o}", "names", jn, "segments", js,
			      "sync", jy), 0);
}
