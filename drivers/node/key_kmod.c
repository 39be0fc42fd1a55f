// SPDX-License-Identifier: GPL-2.0
/*
 * key_kmod.c - the cluster key (Documentation/control.md, "The cluster
 * key"). mcsd (or mcsctl key load) gives this kernel the key; a region
 * formatted here records HMAC-SHA-256(key, GMM_KEY_CHECK_LABEL || uuid) in
 * its superblock, and a node joins only if its key gives the same check:
 * a node with another key, or none where the region has one, is refused.
 * User space computes the same check with libsodium
 * (crypto_auth_hmacsha256), so a region formatted by either is joined by
 * the other. The key is never read back and is wiped when replaced,
 * forgotten or the module goes.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/string.h>

#include "node_internal.h"

static struct {
	struct mutex lock;
	u8 key[MCS_KEY_BYTES];
	bool loaded;
} mcs_key = { .lock = __MUTEX_INITIALIZER(mcs_key.lock) };

/* HMAC-SHA-256 of the label and @uuid under @key, into @out. */
static int mcs_key_mac(const u8 *key, const u8 *uuid, u8 *out)
{
	static const char label[] = GMM_KEY_CHECK_LABEL;
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, key, MCS_KEY_BYTES);
	if (!ret) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc);
		if (!ret)
			ret = crypto_shash_update(desc, label,
						  sizeof(label) - 1);
		if (!ret)
			ret = crypto_shash_finup(desc, uuid, 16, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return ret;
}

/**
 * mcs_key_check_for - the check a region of @uuid records for this key
 * @uuid: the region's cluster UUID
 * @out: GMM_KEY_CHECK_BYTES, all zero without a key
 *
 * Return: 0, or an error of the crypto API.
 */
int mcs_key_check_for(const u8 *uuid, u8 *out)
{
	int ret = 0;

	mutex_lock(&mcs_key.lock);
	memset(out, 0, GMM_KEY_CHECK_BYTES);
	if (mcs_key.loaded)
		ret = mcs_key_mac(mcs_key.key, uuid, out);
	mutex_unlock(&mcs_key.lock);
	return ret;
}

/**
 * mcs_key_admits - may this node join a region with this geometry?
 * @g: the region's geometry (its uuid and key check)
 *
 * Return: 0; -ENOKEY if the region has a key and this node none;
 * -EKEYREJECTED if this node's key is another, or the region has none.
 */
int mcs_key_admits(const struct gmm_geometry *g)
{
	u8 want[GMM_KEY_CHECK_BYTES];
	bool keyed_region = memchr_inv(g->key_check, 0, sizeof(want));
	bool loaded;
	int ret = 0;

	mutex_lock(&mcs_key.lock);
	loaded = mcs_key.loaded;
	if (loaded)
		ret = mcs_key_mac(mcs_key.key, g->uuid, want);
	mutex_unlock(&mcs_key.lock);
	if (ret)
		return ret;
	if (!loaded)
		return keyed_region ? -ENOKEY : 0;
	ret = keyed_region && !crypto_memneq(want, g->key_check, sizeof(want)) ?
		      0 : -EKEYREJECTED;
	memzero_explicit(want, sizeof(want));
	return ret;
}

bool mcs_key_loaded(void)
{
	bool loaded;

	mutex_lock(&mcs_key.lock);
	loaded = mcs_key.loaded;
	mutex_unlock(&mcs_key.lock);
	return loaded;
}

/* MCS_CTL_KEY: load the key, or with MCS_KEY_FORGET forget it. */
int mcs_ctl_key(void __user *uarg)
{
	struct mcs_ctl_key a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_CTL_KEY_SIZE_VER0, MCS_KEY_FORGET);
	if (ret)
		return ret;
	ret = -EINVAL;
	if ((a.flags & MCS_KEY_FORGET) ? !!memchr_inv(a.key, 0, sizeof(a.key)) :
					  !memchr_inv(a.key, 0, sizeof(a.key)))
		goto out;
	mutex_lock(&mcs_key.lock);
	memzero_explicit(mcs_key.key, sizeof(mcs_key.key));
	mcs_key.loaded = !(a.flags & MCS_KEY_FORGET);
	if (mcs_key.loaded)
		memcpy(mcs_key.key, a.key, sizeof(mcs_key.key));
	mutex_unlock(&mcs_key.lock);
	ret = 0;
out:
	memzero_explicit(&a, sizeof(a));
	return ret;
}

void mcs_key_exit(void)
{
	mutex_lock(&mcs_key.lock);
	memzero_explicit(mcs_key.key, sizeof(mcs_key.key));
	mcs_key.loaded = false;
	mutex_unlock(&mcs_key.lock);
}
