// SPDX-License-Identifier: GPL-2.0
/*
 * key.c - the cluster key (Documentation/control.md, "The cluster key"):
 *
 *   mcsctl keygen KEYFILE          a new random key (libsodium) into a new
 *                                  file, mode 0600, as 64 hex digits
 *   mcsctl key load KEYFILE        give it to this node's kernel
 *   mcsctl key forget              take it back
 *   mcsctl key check KEYFILE FILE  does the region in FILE record this
 *                                  key's check? (exit 0 yes, 1 no)
 *   mcsctl format FILE ... --key KEYFILE   (cmd_format(): key_check_for())
 *
 * The check is HMAC-SHA-256 (libsodium's crypto_auth_hmacsha256) of
 * GMM_KEY_CHECK_LABEL and the region's UUID under the key; the kernel
 * computes the same with its crypto API.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mcs.h>
#include <sodium.h>

#include "gmm/gmm.h"
#include "mcsctl.h"

/* Hex digits and a newline: what keygen writes and load reads. */
#define KEY_HEX (2 * MCS_KEY_BYTES)

bool region_keyed(const struct gmm_geometry *g)
{
	return !sodium_is_zero(g->key_check, sizeof(g->key_check));
}

int key_read(const char *path, uint8_t *key)
{
	char hex[KEY_HEX + 2];
	size_t bin_len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	n = read(fd, hex, sizeof(hex));
	close(fd);
	if (n < KEY_HEX || n > KEY_HEX + 1 || (n == KEY_HEX + 1 && hex[KEY_HEX] != '\n') ||
	    sodium_hex2bin(key, MCS_KEY_BYTES, hex, KEY_HEX, NULL, &bin_len,
			   NULL) || bin_len != MCS_KEY_BYTES ||
	    sodium_is_zero(key, MCS_KEY_BYTES)) {
		sodium_memzero(hex, sizeof(hex));
		sodium_memzero(key, MCS_KEY_BYTES);
		fprintf(stderr, "%s: %s: not a cluster key (%d hex digits, not all zero; see keygen)\n",
			prog, path, KEY_HEX);
		return -1;
	}
	sodium_memzero(hex, sizeof(hex));
	return 0;
}

void key_check_for(const uint8_t *key, const uint8_t *uuid, uint8_t *out)
{
	static const char label[] = GMM_KEY_CHECK_LABEL;
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, MCS_KEY_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
				      sizeof(label) - 1);
	crypto_auth_hmacsha256_update(&st, uuid, 16);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

static int keygen(const char *path)
{
	uint8_t key[MCS_KEY_BYTES];
	char hex[KEY_HEX + 1];
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s%s\n", prog, path, strerror(errno),
			errno == EEXIST ? " (a key is never overwritten)" : "");
		return 2;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	hex[KEY_HEX] = '\n';
	if (write(fd, hex, sizeof(hex)) != (ssize_t)sizeof(hex) || fsync(fd)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		ret = 2;
	}
	close(fd);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	if (ret)
		unlink(path);
	else
		printf("a new cluster key in %s\n", path);
	return ret;
}

int dev_key_load(const char *dev, const char *path, bool forget)
{
	struct mcs_ctl_key a = { .argsz = sizeof(a) };
	int fd, ret = 0;

	if (forget)
		a.flags = MCS_KEY_FORGET;
	else if (key_read(path, a.key))
		return 2;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, MCS_CTL_KEY, &a)) {
		fprintf(stderr, "%s: %s: %s\n", prog, fd < 0 ? dev : "key",
			strerror(errno));
		ret = 2;
	}
	if (fd >= 0)
		close(fd);
	sodium_memzero(&a, sizeof(a));
	if (!ret)
		printf(forget ? "cluster key forgotten\n" : "cluster key loaded\n");
	return ret;
}

/* Does the region in @file record @keyfile's check? */
static int key_check_file(const char *keyfile, const char *file)
{
	uint8_t key[MCS_KEY_BYTES], want[GMM_KEY_CHECK_BYTES];
	struct gmm_geometry g;
	struct mapped m;
	int ret;

	if (key_read(keyfile, key))
		return 2;
	if (map_region(file, &m)) {
		sodium_memzero(key, sizeof(key));
		return 2;
	}
	gmm_get_geometry(m.r, &g);
	key_check_for(key, g.uuid, want);
	sodium_memzero(key, sizeof(key));
	if (!region_keyed(&g)) {
		printf("the region in %s has no cluster key\n", file);
		ret = 1;
	} else if (sodium_memcmp(want, g.key_check, sizeof(want))) {
		printf("the key in %s is not the region's\n", keyfile);
		ret = 1;
	} else {
		printf("the key in %s is the region's\n", keyfile);
		ret = 0;
	}
	unmap_region(&m);
	return ret;
}

int cmd_key(const char *dev, int argc, char **argv)
{
	if (!strcmp(argv[0], "keygen") && argc == 2)
		return keygen(argv[1]);
	if (argc == 3 && !strcmp(argv[1], "load"))
		return dev_key_load(dev, argv[2], false);
	if (argc == 2 && !strcmp(argv[1], "forget"))
		return dev_key_load(dev, NULL, true);
	if (argc == 4 && !strcmp(argv[1], "check"))
		return key_check_file(argv[2], argv[3]);
	return -1;
}
