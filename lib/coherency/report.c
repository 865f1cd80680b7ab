// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherency reports: for a device, an IOAS or a KVM VM; gathered
 * (facts.c), decided (decide.c), and read through the getters here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "coherency/coherency.h"

static struct libiommu_coherency *coh_new(void)
{
	return calloc(1, sizeof(struct libiommu_coherency));
}

/* A hazard is worth a warning, whoever reads the report. */
static void warn_hazard(struct libiommu_ctx *ctx, const struct libiommu_coherency *c)
{
	if (c->f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].value == LIBIOMMU_COHERENCY_ANSWER_YES)
		lu_warn(ctx, "coherency hazard: %s: %s", c->name,
			c->f[LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD].detail);
}

/* A device's report; *out NULL on failure (logged, naming @fn). */
static int dev_report(struct libiommu_dev *dev, const char *fn,
		      struct libiommu_coherency **out)
{
	struct libiommu_coherency *c = coh_new();
	struct lu_facts fx;

	int rc;

	*out = NULL;
	if (!c)
		return lu_fail(dev->ctx, -ENOMEM,
			       "%s: out of memory for a coherency report", fn);
	rc = lu_coh_gather(dev, &fx, true, fn);
	if (rc) {
		free(c);
		return rc;
	}
	lu_coh_decide_dev(&fx, c);
	lu_dbg(dev->ctx, "coherency of %s: box %d", c->name,
	       c->f[LIBIOMMU_COHERENCY_FIELD_BOX].value);
	warn_hazard(dev->ctx, c);
	*out = c;
	return 0;
}

LIBIOMMU_API int libiommu_coherency_get_dev(struct libiommu_dev *dev,
					    struct libiommu_coherency **out)
{
	if (out)
		*out = NULL;
	if (!dev)
		return lu_ret(-EINVAL);
	if (!out)
		return lu_fail(dev->ctx, -EINVAL, "%s: out is NULL", __func__);
	*out = NULL;
	LU_OWNER_CHECK(dev->ctx, __func__);
	return dev_report(dev, __func__, out);
}

LIBIOMMU_API void libiommu_coherency_free(struct libiommu_coherency *coh)
{
	size_t i;

	if (!coh)
		return;
	for (i = 0; i < coh->nr_members; i++)
		libiommu_coherency_free(coh->members[i]);
	free(coh->members);
	free(coh);
}

/*
 * An aggregate report named @name over @devs, its own facts in @af; the
 * member reports are made here.
 */
static int aggregate(struct libiommu_ctx *ctx, const char *fn,
		     const char *name, struct libiommu_dev **devs, size_t nr,
		     const struct lu_agg_facts *af,
		     struct libiommu_coherency **out)
{
	struct libiommu_coherency *c = coh_new();
	size_t i;
	int rc;

	if (!c || (nr && !(c->members = calloc(nr, sizeof(*c->members))))) {
		free(c);
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for a coherency report", fn);
	}
	setf(c->name, sizeof(c->name), "%s", name);
	for (i = 0; i < nr; i++) {
		rc = dev_report(devs[i], fn, &c->members[i]);
		if (rc) {
			libiommu_coherency_free(c);
			return rc;
		}
		c->nr_members++;
	}
	lu_coh_decide_aggregate(c, af);
	if (af->kvm)
		warn_hazard(ctx, c);
	*out = c;
	return 0;
}

LIBIOMMU_API int libiommu_coherency_get_ioas(struct libiommu_ioas *ioas,
					     struct libiommu_coherency **out)
{
	struct lu_agg_facts af = { .kvm = false };
	struct libiommu_dev **devs = NULL, *d;
	struct libiommu_ctx *ctx;
	char name[96];
	size_t nr = 0, i;
	int rc;

	if (out)
		*out = NULL;
	if (!ioas)
		return lu_ret(-EINVAL);
	ctx = ioas->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	lu_list_for_each(d, &ctx->dev_list, node)
		nr += lu_dev_uses_ioas(d, ioas);
	if (nr && !(devs = calloc(nr, sizeof(*devs)))) {
		lu_unlock(ctx);
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for a coherency report", __func__);
	}
	/* The list is newest first: report in the order they were opened. */
	i = nr;
	lu_list_for_each(d, &ctx->dev_list, node)
		if (lu_dev_uses_ioas(d, ioas))
			devs[--i] = d;
	setf(name, sizeof(name), "IOAS %" PRIu32 "%s", ioas->id,
	     ioas->coh_flags & LIBIOMMU_IOAS_NONCOHERENT ? " (non-coherent)" : ioas->coh_flags & LIBIOMMU_IOAS_REQUIRE_COHERENT ? " (require-coherent)"
																: "");
	/* Locked throughout: no device of the list goes away meanwhile. */
	rc = aggregate(ctx, __func__, name, devs, nr, &af, out);
	lu_unlock(ctx);
	free(devs);
	return rc;
}

LIBIOMMU_API int libiommu_coherency_get_kvm(struct libiommu_kvm *kvm,
					    struct libiommu_coherency **out)
{
	struct lu_agg_facts af = { .kvm = true };
	struct libiommu_dev **devs = NULL;
	struct libiommu_ctx *ctx;
	char name[96];
	size_t nr;
	int rc;

	if (out)
		*out = NULL;
	if (!kvm)
		return lu_ret(-EINVAL);
	ctx = kvm->ctx;
	if (!out)
		return lu_fail(ctx, -EINVAL, "%s: out is NULL", __func__);
	LU_OWNER_CHECK(ctx, __func__);
	lu_lock(ctx);
	nr = kvm->nr_devs;
	if (nr && !(devs = calloc(nr, sizeof(*devs)))) {
		lu_unlock(ctx);
		return lu_fail(ctx, -ENOMEM,
			       "%s: out of memory for a coherency report", __func__);
	}
	if (nr)
		memcpy(devs, kvm->devs, nr * sizeof(*devs));
	af.kvm_rc = lu_kvm_readback(kvm, &af.kvm_count, &af.kvm_why);
	snprintf(name, sizeof(name), "KVM VM (fd %d, kvm-vfio fd %d)",
		 kvm->vm_fd, kvm->dev_fd);
	/* Locked throughout: no device of the list goes away meanwhile. */
	rc = aggregate(ctx, __func__, name, devs, nr, &af, out);
	lu_unlock(ctx);
	free(devs);
	return rc;
}

/* ---- public: getters -------------------------------------------------------- */

LIBIOMMU_API const char *libiommu_coherency_name(const struct libiommu_coherency *coh)
{
	return coh ? coh->name : "";
}

LIBIOMMU_API size_t libiommu_coherency_nr_members(const struct libiommu_coherency *coh)
{
	return coh ? coh->nr_members : 0;
}

LIBIOMMU_API const struct libiommu_coherency *
libiommu_coherency_member(const struct libiommu_coherency *coh, size_t i)
{
	if (!coh || i >= coh->nr_members) {
		errno = EINVAL;
		return NULL;
	}
	return coh->members[i];
}

static enum libiommu_coherency_answer answer(const struct libiommu_coherency *coh,
					     enum libiommu_coherency_field fld)
{
	return coh ? (enum libiommu_coherency_answer)coh->f[fld].value : UNK;
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_iommu_can_block(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_IOMMU_CAN_BLOCK);
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_iommu_blocks(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_IOMMU_BLOCKS);
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_dev_nosnoop(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_DEV_NOSNOOP);
}

LIBIOMMU_API int libiommu_coherency_box(const struct libiommu_coherency *coh)
{
	return coh ? coh->f[LIBIOMMU_COHERENCY_FIELD_BOX].value : 0;
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_dma_coherent(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_DMA_COHERENT);
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_kvm_wbinvd(const struct libiommu_coherency *coh,
			      enum libiommu_coherency_answer *needed)
{
	if (needed)
		*needed = coh ? coh->wbinvd_needed : UNK;
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_KVM_WBINVD);
}

LIBIOMMU_API enum libiommu_coherency_policy
libiommu_coherency_default_policy(const struct libiommu_coherency *coh)
{
	return coh ? (enum libiommu_coherency_policy)coh->f[LIBIOMMU_COHERENCY_FIELD_POLICY].value : LIBIOMMU_COHERENCY_POLICY_UNKNOWN;
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_kvm_noncoherent(const struct libiommu_coherency *coh,
				   uint32_t *count)
{
	if (count)
		*count = coh ? coh->kvm_count : 0;
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_KVM_NONCOHERENT);
}

LIBIOMMU_API enum libiommu_coherency_answer
libiommu_coherency_kvm_hazard(const struct libiommu_coherency *coh)
{
	return answer(coh, LIBIOMMU_COHERENCY_FIELD_KVM_HAZARD);
}

LIBIOMMU_API uint32_t
libiommu_coherency_hwpt_id(const struct libiommu_coherency *coh,
			   enum libiommu_coherency_answer *enforced)
{
	if (enforced)
		*enforced = coh && coh->kind == LU_COH_DEV ? coh->hwpt_enforced : UNK;
	return coh && coh->kind == LU_COH_DEV ? coh->hwpt_id : 0;
}

LIBIOMMU_API enum libiommu_coherency_source
libiommu_coherency_source(const struct libiommu_coherency *coh,
			  enum libiommu_coherency_field field, const char **detail)
{
	if (!coh || (unsigned int)field >= LIBIOMMU_COHERENCY_FIELD__COUNT) {
		if (detail)
			*detail = "";
		errno = EINVAL;
		return LIBIOMMU_COHERENCY_SOURCE_NONE;
	}
	if (detail)
		*detail = coh->f[field].detail;
	return coh->f[field].src;
}

LIBIOMMU_API enum libiommu_coherency_verdict
libiommu_coherency_change(const struct libiommu_coherency *coh,
			  enum libiommu_coherency_change change,
			  enum libiommu_coherency_reason *reason, const char **text)
{
	if (!coh || (unsigned int)change >= LIBIOMMU_COHERENCY_CHANGE__COUNT) {
		if (reason)
			*reason = LIBIOMMU_COHERENCY_REASON_NONE;
		if (text)
			*text = "";
		errno = EINVAL;
		return LIBIOMMU_COHERENCY_VERDICT_UNKNOWN;
	}
	if (reason)
		*reason = coh->chg[change].reason;
	if (text)
		*text = coh->chg[change].text;
	return coh->chg[change].verdict;
}
