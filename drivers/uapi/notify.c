// SPDX-License-Identifier: GPL-2.0
/*
 * notify.c - /dev/mcs cluster event subscriptions: the node's event
 * service and the pollable, readable file. The commands are documented at
 * the top of uapi_kmod.c.
 */
#include "uapi_internal.h"

/*
 * The node's cluster event service for subscribed files: one reader of
 * the cluster log, started by the first subscription. @lock is taken
 * before mcs_access_begin() and orders dispatch against (un)subscribe.
 */
static struct {
	struct mutex lock;
	struct mcs_events *es;
	struct gmm_region *region; /* whose log es reads */
	unsigned int nr_subs;
	struct delayed_work work;
} mcs_notify_svc;

/*
 * The subscriber callback, called by cev_dispatch() in sequence
 * order with mcs_notify_svc.lock held: queue the record (or count it as
 * missed) and wake the file's readers and pollers.
 */
static void mcs_notify_deliver(void *arg, const struct mcs_event *ev)
{
	struct uapi_notifier *n = arg;
	struct uapi_leave *l;

	/* Remembered even if the queue has no room: it may be acknowledged. */
	if (ev->type == MCS_EV_LEAVING) {
		l = &n->leaves[n->nr_leaves++ % MCS_NOTIFY_LEAVES];
		l->seq = ev->seq;
		l->acked = false;
	}
	spin_lock(&n->qlock);
	mcs_notifyq_push(&n->q, ev);
	spin_unlock(&n->qlock);
	wake_up_interruptible(&n->wq);
}

/* The node's reader of the cluster log, every MCS_NOTIFY_POLL_MS. */
static void mcs_notify_work(struct work_struct *work)
{
	mutex_lock(&mcs_notify_svc.lock);
	if (mcs_notify_svc.es && !mcs_access_begin()) {
		/* Not a log of a region this node no longer has mapped. */
		if (mcs_region() == mcs_notify_svc.region)
			cev_dispatch(mcs_notify_svc.es);
		mcs_access_end();
	}
	if (mcs_notify_svc.nr_subs)
		queue_delayed_work(mcs_uapi_wq, &mcs_notify_svc.work,
				   msecs_to_jiffies(MCS_NOTIFY_POLL_MS));
	mutex_unlock(&mcs_notify_svc.lock);
}

int uapi_notify_subscribe(struct mcs_client *c, void __user *uarg)
{
	struct uapi_notifier *n;
	struct gmm_region *r;
	struct mcs_notify a;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_NOTIFY_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (a.record_size || a.seq || a.mask & ~MCS_EV_ALL ||
	    !(a.mask & (MCS_EV_APP_MASK | MCS_EV_MASK(MCS_EV_LEAVING))))
		return -EINVAL;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->mask = a.mask;
	spin_lock_init(&n->qlock);
	init_waitqueue_head(&n->wq);
	mutex_init(&n->rlock);

	mutex_lock(&c->lock);
	ret = -EALREADY;
	if (c->notify)
		goto out_unlock;
	mutex_lock(&mcs_notify_svc.lock);
	ret = mcs_enter(&r);
	if (ret)
		goto out_svc;
	/* A region attached anew: start again once its subscribers left. */
	if (mcs_notify_svc.es && mcs_notify_svc.region != r) {
		ret = -ESTALE;
		if (mcs_notify_svc.nr_subs)
			goto out_end;
		cev_close(mcs_notify_svc.es);
		mcs_notify_svc.es = NULL;
	}
	if (!mcs_notify_svc.es) {
		ret = cev_region_open(r, &mcs_notify_svc.es);
		if (ret)
			goto out_end;
		mcs_notify_svc.region = r;
	}
	/* What was posted before this call goes to earlier subscribers. */
	cev_dispatch(mcs_notify_svc.es);
	ret = cev_subscribe(mcs_notify_svc.es, a.mask, mcs_notify_deliver, n,
			    &n->sub);
	if (ret)
		goto out_end;
	a.seq = cev_seen(mcs_notify_svc.es);
	if (!mcs_notify_svc.nr_subs++)
		queue_delayed_work(mcs_uapi_wq, &mcs_notify_svc.work,
				   msecs_to_jiffies(MCS_NOTIFY_POLL_MS));
	smp_store_release(&c->notify, n);
	n = NULL;
out_end:
	mcs_access_end();
out_svc:
	mutex_unlock(&mcs_notify_svc.lock);
out_unlock:
	mutex_unlock(&c->lock);
	kfree(n);
	if (ret)
		return ret;
	/* The subscription stays: it ends with the file. */
	a.record_size = sizeof(struct mcs_notify_rec);
	return MCS_ABI_COPY_OUT(uarg, a);
}

/* The LEAVING record @seq this file was given, or NULL. */
static struct uapi_leave *mcs_notify_leave(struct uapi_notifier *n, u64 seq)
{
	u32 i, nr = min_t(u32, n->nr_leaves, MCS_NOTIFY_LEAVES);

	for (i = 0; i < nr; i++)
		if (n->leaves[i].seq == seq)
			return &n->leaves[i];
	return NULL;
}

int uapi_notify_ack(struct mcs_client *c, void __user *uarg)
{
	struct uapi_notifier *n = smp_load_acquire(&c->notify);
	struct mcs_notify_ack a;
	struct gmm_region *r;
	struct uapi_leave *l;
	int ret;

	ret = MCS_ABI_COPY_IN(a, uarg, MCS_NOTIFY_ACK_SIZE_VER0, 0);
	if (ret)
		return ret;
	if (!n || !a.seq || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	mutex_lock(&mcs_notify_svc.lock);
	l = mcs_notify_leave(n, a.seq);
	ret = -EINVAL;
	if (!l)
		goto out_unlock;
	ret = -EALREADY;
	if (l->acked)
		goto out_unlock;
	ret = mcs_enter(&r);
	if (ret)
		goto out_unlock;
	/* The record was read from the log of a region since detached. */
	ret = -ESTALE;
	if (r == mcs_notify_svc.region)
		ret = cev_ack(mcs_notify_svc.es, a.seq);
	mcs_access_end();
	if (!ret)
		l->acked = true;
out_unlock:
	mutex_unlock(&mcs_notify_svc.lock);
	return ret;
}

/*
 * End a closed file's subscription. A LEAVING subscriber is uncounted in
 * the fabric if this node may touch it as the identity that counted it;
 * otherwise (frozen, or fenced and joined anew) the count stays until
 * the node is recovered, which zeroes it.
 */
void uapi_notify_unsubscribe(struct uapi_notifier *n, u64 epoch)
{
	bool uncounted = false;

	mutex_lock(&mcs_notify_svc.lock);
	if ((n->mask & MCS_EV_MASK(MCS_EV_LEAVING)) &&
	    epoch == mcs_node_epoch() && !mcs_access_begin()) {
		if (mcs_region() == mcs_notify_svc.region) {
			cev_unsubscribe(mcs_notify_svc.es, n->sub);
			uncounted = true;
		}
		mcs_access_end();
	}
	if (!uncounted)
		cev_unsubscribe_local(mcs_notify_svc.es, n->sub);
	mcs_notify_svc.nr_subs--;
	mutex_unlock(&mcs_notify_svc.lock);
	kfree(n);
}

ssize_t mcs_uapi_read(struct file *file, char __user *buf, size_t len,
		      loff_t *ppos)
{
	struct mcs_client *c = file->private_data;
	struct uapi_notifier *n = smp_load_acquire(&c->notify);
	struct mcs_notify_rec rec;
	size_t done = 0;
	bool have;
	int ret;

	if (!n || len < sizeof(rec))
		return -EINVAL;
	if (mutex_lock_interruptible(&n->rlock))
		return -ERESTARTSYS;
	while (len - done >= sizeof(rec)) {
		spin_lock(&n->qlock);
		have = mcs_notifyq_peek(&n->q, &rec);
		spin_unlock(&n->qlock);
		if (!have) {
			if (done)
				break;
			ret = -EAGAIN;
			if (file->f_flags & O_NONBLOCK)
				goto out_unlock;
			ret = wait_event_interruptible(
				n->wq, mcs_notifyq_pending(&n->q));
			if (ret)
				goto out_unlock;
			continue;
		}
		/* Only this reader takes records: the head is still rec. */
		ret = -EFAULT;
		if (copy_to_user(buf + done, &rec, sizeof(rec))) {
			if (done)
				break;
			goto out_unlock;
		}
		spin_lock(&n->qlock);
		mcs_notifyq_pop(&n->q);
		spin_unlock(&n->qlock);
		done += sizeof(rec);
	}
	ret = 0;
out_unlock:
	mutex_unlock(&n->rlock);
	return ret ? ret : (ssize_t)done;
}

__poll_t mcs_uapi_poll(struct file *file, poll_table *wait)
{
	struct mcs_client *c = file->private_data;
	struct uapi_notifier *n = smp_load_acquire(&c->notify);

	if (!n)
		return EPOLLERR;
	poll_wait(file, &n->wq, wait);
	return mcs_notifyq_pending(&n->q) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* Module init: the event service, idle until the first subscription. */
void mcs_notify_init(void)
{
	mutex_init(&mcs_notify_svc.lock);
	INIT_DELAYED_WORK(&mcs_notify_svc.work, mcs_notify_work);
}

/* Module exit, after the releases of every file: stop the service. */
void mcs_notify_exit(void)
{
	cancel_delayed_work_sync(&mcs_notify_svc.work);
	if (mcs_notify_svc.es)
		cev_close(mcs_notify_svc.es);
}
