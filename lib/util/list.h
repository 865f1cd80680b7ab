/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A circular doubly linked list threaded through the listed objects: O(1)
 * insert and unlink, whatever the list's length.  A context lists its
 * handles this way (newest first) so that it can free the ones the caller
 * forgot; destroying one handle among thousands costs the same as one
 * among few.
 */
#ifndef LIBIOMMU_UTIL_LIST_H
#define LIBIOMMU_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct lu_list {
	struct lu_list *prev, *next;
};

/* An empty list (a head) or an unlisted node points at itself. */
static inline void lu_list_init(struct lu_list *l)
{
	l->prev = l->next = l;
}

static inline bool lu_list_empty(const struct lu_list *head)
{
	return head->next == head;
}

/* Insert @n first (the list is newest first). */
static inline void lu_list_push(struct lu_list *head, struct lu_list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

/* Unlink @n (listed, or initialised); it is then unlisted. */
static inline void lu_list_unlink(struct lu_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	lu_list_init(n);
}

/* The object of type @type whose member @member is the node @ptr. */
#define lu_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Every object on @head, newest first; @pos is a pointer to the type. */
#define lu_list_for_each(pos, head, member) \
	for ((pos) = lu_container_of((head)->next, __typeof__(*(pos)), member); \
	     &(pos)->member != (head); \
	     (pos) = lu_container_of((pos)->member.next, __typeof__(*(pos)), member))

/* Oldest first. */
#define lu_list_for_each_reverse(pos, head, member) \
	for ((pos) = lu_container_of((head)->prev, __typeof__(*(pos)), member); \
	     &(pos)->member != (head); \
	     (pos) = lu_container_of((pos)->member.prev, __typeof__(*(pos)), member))

/* As lu_list_for_each, where the body may unlink (and free) @pos. */
#define lu_list_for_each_safe(pos, tmp, head, member) \
	for ((pos) = lu_container_of((head)->next, __typeof__(*(pos)), member), \
	    (tmp) = lu_container_of((pos)->member.next, __typeof__(*(pos)), member); \
	     &(pos)->member != (head); \
	     (pos) = (tmp), \
	    (tmp) = lu_container_of((tmp)->member.next, __typeof__(*(pos)), member))

#endif
