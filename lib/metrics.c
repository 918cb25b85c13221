/* SPDX-License-Identifier: MIT */
/*
 * metrics.c -- the accumulator's storage: groups of compact per-request
 * rows (a presence bit and a dense value array per numeric field), the
 * pooled ITL histogram, interned prompt ids and error classes; adding a
 * result, merging accumulators, and the run settings (sweeps, SLOs,
 * percentiles). Statistics live in metrics_query.c, the run description
 * in metrics_info.c.
 */
#include "metrics_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const double default_pcts[] = {50.0, 90.0, 95.0, 99.0};

/* ---- interned strings ------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void strset_free(struct llmperf__strset *set)
{
    for (size_t i = 0; i < set->n; i++)
        llmperf__free(set->s[i]);
    llmperf__free(set->s);
    llmperf__free(set->slot);
    memset(set, 0, sizeof(*set));
}

/* Index of s, or -1. */
static long strset_find(const struct llmperf__strset *set, const char *s)
{
    size_t mask, i;

    if (set->nslot == 0)
        return -1;
    mask = set->nslot - 1;
    for (i = hash_str(s) & mask; set->slot[i] != UINT32_MAX;
         i = (i + 1) & mask)
        if (strcmp(set->s[set->slot[i]], s) == 0)
            return (long)set->slot[i];
    return -1;
}

static void strset_place(struct llmperf__strset *set, uint32_t idx)
{
    size_t mask = set->nslot - 1, i = hash_str(set->s[idx]) & mask;

    while (set->slot[i] != UINT32_MAX)
        i = (i + 1) & mask;
    set->slot[i] = idx;
}

/* Index of s, added (copied) when absent. ENOMEM leaves set unchanged. */
static int strset_add(struct llmperf__strset *set, const char *s,
                      uint32_t *idx)
{
    long found = strset_find(set, s);
    char *copy;

    if (found >= 0) {
        *idx = (uint32_t)found;
        return LLMPERF_OK;
    }
    if (set->n >= UINT32_MAX - 1)
        return LLMPERF_ENOMEM;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 8;
        char **grown = llmperf__reallocarray(set->s, cap, sizeof(*grown));

        if (grown == NULL)
            return LLMPERF_ENOMEM;
        set->s = grown;
        set->cap = cap;
    }
    /* Keep the load factor at most 1/2 so probes stay short. */
    if (2 * (set->n + 1) > set->nslot) {
        size_t nslot = set->nslot ? set->nslot * 2 : 16;
        uint32_t *slot = llmperf__malloc(nslot * sizeof(*slot));

        if (slot == NULL)
            return LLMPERF_ENOMEM;
        llmperf__free(set->slot);
        set->slot = slot;
        set->nslot = nslot;
        memset(slot, 0xff, nslot * sizeof(*slot));
        for (size_t i = 0; i < set->n; i++)
            strset_place(set, (uint32_t)i);
    }
    copy = llmperf__strdup(s);
    if (copy == NULL)
        return LLMPERF_ENOMEM;
    set->s[set->n] = copy;
    strset_place(set, (uint32_t)set->n);
    *idx = (uint32_t)set->n++;
    return LLMPERF_OK;
}

/* Remove the most recently added string (rollback of a failed add). */
static void strset_pop(struct llmperf__strset *set)
{
    size_t mask = set->nslot - 1, i, j;
    uint32_t last = (uint32_t)(set->n - 1);

    for (i = hash_str(set->s[last]) & mask; set->slot[i] != last;
         i = (i + 1) & mask)
        ;
    set->slot[i] = UINT32_MAX;
    /* Re-place the rest of the probe run so lookups still find them. */
    for (j = (i + 1) & mask; set->slot[j] != UINT32_MAX; j = (j + 1) & mask) {
        uint32_t v = set->slot[j];

        set->slot[j] = UINT32_MAX;
        strset_place(set, v);
    }
    llmperf__free(set->s[last]);
    set->n--;
}

/* ---- ITL code ------------------------------------------------------- */

/*
 * A gap of v ns is kept as a 16-bit code: exact below 2048 ns, above that
 * an 11-bit significand m in [1024, 2047] and a shift s >= 1, v ~ m << s,
 * rounded to nearest: code = (s + 1) * 1024 + (m - 1024). The relative
 * error is at most 2^-11 and the codes sort like the values, so a
 * histogram over codes gives exact order statistics of the coded values.
 */
unsigned llmperf__itl_encode(int64_t gap)
{
    uint64_t u = gap < 0 ? 0 : (uint64_t)gap, m;
    unsigned s;

    if (u < 2048)
        return (unsigned)u;
    s = 64 - (unsigned)__builtin_clzll(u) - 11; /* bit length - 11 */
    m = (u + (1ULL << (s - 1))) >> s;
    if (m == 2048) {
        m = 1024;
        s++;
    }
    return (s + 1) * 1024 + (unsigned)(m - 1024);
}

double llmperf__itl_value(unsigned code)
{
    if (code < 2048)
        return (double)code;
    return ldexp((double)(1024 + (code & 1023)), (int)(code >> 10) - 1);
}

/* ---- groups --------------------------------------------------------- */

static void group_free(struct llmperf__group *g)
{
    if (g == NULL)
        return;
    llmperf__free(g->name);
    llmperf__free(g->ok);
    for (int c = 0; c < LLMPERF__M_NCOL; c++) {
        llmperf__free(g->col[c].bits);
        llmperf__free(g->col[c].v);
    }
    llmperf__free(g->prompt);
    llmperf__free(g->class_fail);
    for (int b = 0; b < LLMPERF__ITL_BLOCKS; b++)
        llmperf__free(g->itl[b]);
    llmperf__free(g->sweep_param);
    llmperf__free(g->sweep_series);
    llmperf__free(g);
}

static int grow_words(uint64_t **p, size_t old, size_t words)
{
    uint64_t *n = llmperf__reallocarray(*p, words, sizeof(*n));

    if (n == NULL)
        return LLMPERF_ENOMEM;
    memset(n + old, 0, (words - old) * sizeof(*n));
    *p = n;
    return LLMPERF_OK;
}

/*
 * Room for `extra` more rows (bitmaps, and the prompt column when it
 * exists or want_prompt). Growth by half keeps the slack of large groups
 * near a quarter on average; a failure leaves what was grown grown,
 * which is harmless.
 */
static int group_reserve(struct llmperf__group *g, size_t extra,
                         int want_prompt)
{
    size_t need = g->rows + extra, words = g->words, old = g->words;
    int rc;

    if (need > SIZE_MAX / 2 - 64)
        return LLMPERF_ENOMEM;
    if (need > words * 64) {
        words = words + words / 2 + 1;
        if (words * 64 < need)
            words = (need + 63) / 64;
        if ((rc = grow_words(&g->ok, old, words)) != LLMPERF_OK)
            return rc;
        for (int c = 0; c < LLMPERF__M_NCOL; c++)
            if ((rc = grow_words(&g->col[c].bits, old, words)) != LLMPERF_OK)
                return rc;
        if (g->prompt != NULL) {
            uint32_t *p = llmperf__reallocarray(g->prompt, words * 64,
                                                sizeof(*p));

            if (p == NULL)
                return LLMPERF_ENOMEM;
            g->prompt = p;
        }
        g->words = words;
    }
    if (want_prompt && g->prompt == NULL) {
        g->prompt = llmperf__reallocarray(NULL, g->words * 64,
                                          sizeof(*g->prompt));
        if (g->prompt == NULL)
            return LLMPERF_ENOMEM;
        for (size_t i = 0; i < g->rows; i++)
            g->prompt[i] = LLMPERF__NO_PROMPT;
    }
    return LLMPERF_OK;
}

static int col_reserve(struct llmperf__col *c, size_t extra)
{
    size_t need = c->n + extra, cap;
    int64_t *v;

    if (need <= c->cap)
        return LLMPERF_OK;
    cap = c->cap + c->cap / 2 + 8;
    if (cap < need)
        cap = need;
    v = llmperf__reallocarray(c->v, cap, sizeof(*v));
    if (v == NULL)
        return LLMPERF_ENOMEM;
    c->v = v;
    c->cap = cap;
    return LLMPERF_OK;
}

static int class_reserve(struct llmperf__group *g, size_t n)
{
    int64_t *p;

    if (n <= g->n_class)
        return LLMPERF_OK;
    p = llmperf__reallocarray(g->class_fail, n, sizeof(*p));
    if (p == NULL)
        return LLMPERF_ENOMEM;
    memset(p + g->n_class, 0, (n - g->n_class) * sizeof(*p));
    g->class_fail = p;
    g->n_class = n;
    return LLMPERF_OK;
}

static int itl_block(struct llmperf__group *g, unsigned block)
{
    if (g->itl[block] == NULL) {
        g->itl[block] = llmperf__calloc(LLMPERF__ITL_BLOCK, sizeof(uint64_t));
        if (g->itl[block] == NULL)
            return LLMPERF_ENOMEM;
    }
    return LLMPERF_OK;
}

struct llmperf__group *llmperf__metrics_find(const llmperf_metrics *m,
                                             const char *name)
{
    long i = strset_find(&m->groups, name);

    return i < 0 ? NULL : m->g[i];
}

/* The group called name, created when absent (*created says so). */
static int group_get(llmperf_metrics *m, const char *name,
                     struct llmperf__group **out, int *created)
{
    struct llmperf__group *g = llmperf__metrics_find(m, name), **arr;
    uint32_t idx;
    int rc;

    *created = 0;
    if (g != NULL) {
        *out = g;
        return LLMPERF_OK;
    }
    arr = llmperf__reallocarray(m->g, m->groups.n + 1, sizeof(*arr));
    if (arr == NULL)
        return LLMPERF_ENOMEM;
    m->g = arr;
    g = llmperf__calloc(1, sizeof(*g));
    if (g == NULL || (g->name = llmperf__strdup(name)) == NULL) {
        group_free(g);
        return LLMPERF_ENOMEM;
    }
    if ((rc = strset_add(&m->groups, name, &idx)) != LLMPERF_OK) {
        group_free(g);
        return rc;
    }
    m->g[idx] = g;
    *out = g;
    *created = 1;
    return LLMPERF_OK;
}

/* Undo group_get() of a group that received nothing. */
static void group_drop_last(llmperf_metrics *m)
{
    group_free(m->g[m->groups.n - 1]);
    strset_pop(&m->groups);
}

static void bit_set(uint64_t *bits, size_t i)
{
    bits[i / 64] |= 1ULL << (i % 64);
}

/* ---- errors ---------------------------------------------------------- */

int llmperf__metrics_err(llmperf_metrics *m, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->errmsg, sizeof(m->errmsg), fmt, ap);
    va_end(ap);
    return code;
}

/* ---- public: life cycle --------------------------------------------- */

LLMPERF_API int llmperf_metrics_new(llmperf_metrics **out)
{
    llmperf_metrics *m;
    char buf[256];
    int rc = LLMPERF_ENOMEM;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    m = llmperf__calloc(1, sizeof(*m));
    if (m == NULL)
        return LLMPERF_ENOMEM;
    memcpy(m->pct, default_pcts, sizeof(default_pcts));
    m->n_pct = LLMPERF__ARRAY_LEN(default_pcts);
    llmperf__iso8601_now(buf, sizeof(buf));
    if ((m->info[LLMPERF_INFO_START_TIME - 1] = llmperf__strdup(buf)) == NULL)
        goto out;
    if (gethostname(buf, sizeof(buf)) == 0) {
        buf[sizeof(buf) - 1] = '\0';
        if ((m->info[LLMPERF_INFO_HOST - 1] = llmperf__strdup(buf)) == NULL)
            goto out;
    }
    *out = m;
    m = NULL;
    rc = LLMPERF_OK;
out:
    llmperf_metrics_free(m);
    return rc;
}

LLMPERF_API void llmperf_metrics_free(llmperf_metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->groups.n; i++)
        group_free(m->g[i]);
    llmperf__free(m->g);
    strset_free(&m->groups);
    strset_free(&m->prompts);
    strset_free(&m->classes);
    for (int i = 0; i < LLMPERF__N_INFO; i++)
        llmperf__free(m->info[i]);
    llmperf__free(m);
}

LLMPERF_API const char *llmperf_metrics_errmsg(const llmperf_metrics *m)
{
    return m != NULL ? m->errmsg : "";
}

/* ---- public: adding ------------------------------------------------- */

/* Everything add needs from a result, read and checked before any
 * change is made. */
struct row {
    int64_t v[LLMPERF__M_NCOL];
    unsigned char has[LLMPERF__M_NCOL];
    int ok;
    const char *cls;
    const int64_t *t;
    size_t nt;
};

static int read_row(llmperf_metrics *m, const llmperf_result *r,
                    struct row *row)
{
    int64_t status;
    double d;

    for (int c = 0; c < LLMPERF__M_NI64; c++)
        row->has[c] = llmperf_result_get_i64(r, LLMPERF_FIELDKIND_I64 + c + 1,
                                             &row->v[c]) == LLMPERF_OK;
    for (int c = 0; c < LLMPERF__M_NF64; c++) {
        int col = LLMPERF__M_NI64 + c;

        row->has[col] = llmperf_result_get_f64(
                            r, LLMPERF_FIELDKIND_F64 + c + 1, &d) == LLMPERF_OK;
        if (row->has[col] && !isfinite(d))
            return llmperf__metrics_err(
                m, LLMPERF_EINVAL, "result field %s is not finite",
                llmperf_result_field_name(LLMPERF_FIELDKIND_F64 + c + 1));
        memcpy(&row->v[col], &d, sizeof(d));
    }
    if (llmperf_result_get_i64(r, LLMPERF_RESULT_STATUS, &status) !=
        LLMPERF_OK)
        return llmperf__metrics_err(m, LLMPERF_EINVAL,
                                    "result has no status");
    row->ok = status == LLMPERF_OK;
    row->cls = NULL;
    row->nt = 0;
    row->t = NULL;
    if (!row->ok) {
        if (llmperf_result_get_str(r, LLMPERF_RESULT_ERROR_CLASS,
                                   &row->cls) != LLMPERF_OK ||
            row->cls[0] == '\0')
            row->cls = "unknown";
        return LLMPERF_OK;
    }
    llmperf_result_chunks(r, &row->t, NULL, &row->nt);
    for (size_t i = 1; i < row->nt; i++)
        if (row->t[i] < row->t[i - 1])
            return llmperf__metrics_err(
                m, LLMPERF_EINVAL,
                "chunk %zu arrives %lld ns before chunk %zu", i,
                (long long)(row->t[i - 1] - row->t[i]), i - 1);
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_add_prompt(llmperf_metrics *m,
                                           const llmperf_result *r,
                                           const char *group,
                                           const char *prompt_id)
{
    struct llmperf__group *g = NULL;
    struct row row;
    uint32_t pidx = LLMPERF__NO_PROMPT, cidx = 0;
    unsigned last_block;
    int created = 0, rc;
    size_t i;

    if (m == NULL || r == NULL)
        return LLMPERF_EINVAL;
    m->errmsg[0] = '\0';
    if ((rc = read_row(m, r, &row)) != LLMPERF_OK)
        return rc;
    if ((rc = group_get(m, group != NULL ? group : "default", &g,
                        &created)) != LLMPERF_OK)
        goto out;
    /* Reserve everything, then commit: a failure adds nothing. */
    if (prompt_id != NULL &&
        (rc = strset_add(&m->prompts, prompt_id, &pidx)) != LLMPERF_OK)
        goto out;
    if ((rc = group_reserve(g, 1, prompt_id != NULL)) != LLMPERF_OK)
        goto out;
    for (int c = 0; c < LLMPERF__M_NCOL; c++)
        if (row.has[c] && (rc = col_reserve(&g->col[c], 1)) != LLMPERF_OK)
            goto out;
    if (!row.ok) {
        if ((rc = strset_add(&m->classes, row.cls, &cidx)) != LLMPERF_OK ||
            (rc = class_reserve(g, m->classes.n)) != LLMPERF_OK)
            goto out;
    }
    /* Blocks for every gap's code; consecutive gaps mostly share one. */
    for (i = 1, last_block = LLMPERF__ITL_BLOCKS; i < row.nt; i++) {
        unsigned b = llmperf__itl_encode(row.t[i] - row.t[i - 1]) /
                     LLMPERF__ITL_BLOCK;

        if (b != last_block && (rc = itl_block(g, b)) != LLMPERF_OK)
            goto out;
        last_block = b;
    }

    for (int c = 0; c < LLMPERF__M_NCOL; c++) {
        if (!row.has[c])
            continue;
        bit_set(g->col[c].bits, g->rows);
        g->col[c].v[g->col[c].n++] = row.v[c];
    }
    if (row.ok)
        bit_set(g->ok, g->rows);
    else
        g->class_fail[cidx]++;
    if (g->prompt != NULL)
        g->prompt[g->rows] = pidx;
    for (i = 1; i < row.nt; i++) {
        unsigned code = llmperf__itl_encode(row.t[i] - row.t[i - 1]);

        g->itl[code / LLMPERF__ITL_BLOCK][code % LLMPERF__ITL_BLOCK]++;
    }
    g->itl_n += row.nt > 0 ? row.nt - 1 : 0;
    g->rows++;
    rc = LLMPERF_OK;
out:
    if (rc != LLMPERF_OK) {
        if (created)
            group_drop_last(m);
        if (rc == LLMPERF_ENOMEM)
            llmperf__metrics_err(m, rc, "out of memory adding a result");
    }
    return rc;
}

LLMPERF_API int llmperf_metrics_add(llmperf_metrics *m,
                                    const llmperf_result *r,
                                    const char *group)
{
    return llmperf_metrics_add_prompt(m, r, group, NULL);
}

/* ---- public: merging ------------------------------------------------- */

/* Per source group: its destination and id maps, filled in phase 1. */
struct merge_plan {
    struct llmperf__group *dst;
    uint32_t *cmap;        /* src class index -> dst class index */
    char *param, *series;  /* sweep to copy, pre-allocated       */
};

static int merge_prepare(llmperf_metrics *dst, const llmperf_metrics *src,
                         const struct llmperf__group *s,
                         struct merge_plan *p)
{
    struct llmperf__group *d = p->dst;
    int rc;

    if ((rc = group_reserve(d, s->rows, s->prompt != NULL)) != LLMPERF_OK)
        return rc;
    for (int c = 0; c < LLMPERF__M_NCOL; c++)
        if ((rc = col_reserve(&d->col[c], s->col[c].n)) != LLMPERF_OK)
            return rc;
    if (s->n_class > 0) {
        p->cmap = llmperf__reallocarray(NULL, s->n_class, sizeof(*p->cmap));
        if (p->cmap == NULL)
            return LLMPERF_ENOMEM;
        for (size_t k = 0; k < s->n_class; k++)
            if ((rc = strset_add(&dst->classes, src->classes.s[k],
                                 &p->cmap[k])) != LLMPERF_OK)
                return rc;
        if ((rc = class_reserve(d, dst->classes.n)) != LLMPERF_OK)
            return rc;
    }
    for (unsigned b = 0; b < LLMPERF__ITL_BLOCKS; b++)
        if (s->itl[b] != NULL && (rc = itl_block(d, b)) != LLMPERF_OK)
            return rc;
    if (s->has_sweep && !d->has_sweep) {
        p->param = llmperf__strdup(s->sweep_param);
        if (p->param == NULL)
            return LLMPERF_ENOMEM;
        if (s->sweep_series != NULL &&
            (p->series = llmperf__strdup(s->sweep_series)) == NULL)
            return LLMPERF_ENOMEM;
    }
    return LLMPERF_OK;
}

static void merge_commit(const struct llmperf__group *s,
                         struct merge_plan *p, const uint32_t *pmap)
{
    struct llmperf__group *d = p->dst;
    size_t base = d->rows;

    for (size_t i = 0; i < s->rows; i++) {
        if (s->ok[i / 64] >> (i % 64) & 1)
            bit_set(d->ok, base + i);
        for (int c = 0; c < LLMPERF__M_NCOL; c++)
            if (s->col[c].bits[i / 64] >> (i % 64) & 1)
                bit_set(d->col[c].bits, base + i);
        if (d->prompt != NULL)
            d->prompt[base + i] =
                s->prompt != NULL && s->prompt[i] != LLMPERF__NO_PROMPT
                    ? pmap[s->prompt[i]]
                    : LLMPERF__NO_PROMPT;
    }
    for (int c = 0; c < LLMPERF__M_NCOL; c++) {
        if (s->col[c].n > 0)
            memcpy(d->col[c].v + d->col[c].n, s->col[c].v,
                   s->col[c].n * sizeof(int64_t));
        d->col[c].n += s->col[c].n;
    }
    for (size_t k = 0; k < s->n_class; k++)
        d->class_fail[p->cmap[k]] += s->class_fail[k];
    for (unsigned b = 0; b < LLMPERF__ITL_BLOCKS; b++)
        if (s->itl[b] != NULL)
            for (unsigned j = 0; j < LLMPERF__ITL_BLOCK; j++)
                d->itl[b][j] += s->itl[b][j];
    d->itl_n += s->itl_n;
    d->rows += s->rows;
    if (p->param != NULL) {
        d->sweep_param = p->param;
        d->sweep_series = p->series;
        d->sweep_value = s->sweep_value;
        d->has_sweep = 1;
        p->param = p->series = NULL;
    }
}

LLMPERF_API int llmperf_metrics_merge(llmperf_metrics *dst,
                                      const llmperf_metrics *src)
{
    struct merge_plan *plan = NULL;
    uint32_t *pmap = NULL;
    char *info[LLMPERF__N_INFO] = {0};
    size_t ng, created = 0, i;
    int rc = LLMPERF_ENOMEM;

    if (dst == NULL || src == NULL || dst == src)
        return LLMPERF_EINVAL;
    dst->errmsg[0] = '\0';
    ng = src->groups.n;
    if (ng > 0 && (plan = llmperf__calloc(ng, sizeof(*plan))) == NULL)
        goto out;
    if (src->prompts.n > 0) {
        pmap = llmperf__reallocarray(NULL, src->prompts.n, sizeof(*pmap));
        if (pmap == NULL)
            goto out;
        /* Interned ids left over after a failure are harmless: ids
         * without rows appear in no statistic. */
        for (i = 0; i < src->prompts.n; i++)
            if ((rc = strset_add(&dst->prompts, src->prompts.s[i],
                                 &pmap[i])) != LLMPERF_OK)
                goto out;
    }
    for (i = 0; i < ng; i++) {
        int made;

        if ((rc = group_get(dst, src->g[i]->name, &plan[i].dst, &made)) !=
            LLMPERF_OK)
            goto out;
        created += (size_t)made;
        if ((rc = merge_prepare(dst, src, src->g[i], &plan[i])) !=
            LLMPERF_OK)
            goto out;
    }
    for (i = 0; i < LLMPERF__N_INFO; i++)
        if (dst->info[i] == NULL && src->info[i] != NULL &&
            (info[i] = llmperf__strdup(src->info[i])) == NULL) {
            rc = LLMPERF_ENOMEM;
            goto out;
        }
    /* Nothing below can fail. */
    for (i = 0; i < ng; i++)
        merge_commit(src->g[i], &plan[i], pmap);
    for (i = 0; i < LLMPERF__N_INFO; i++)
        if (info[i] != NULL) {
            dst->info[i] = info[i];
            info[i] = NULL;
        }
    created = 0;
    rc = LLMPERF_OK;
out:
    while (created-- > 0)
        group_drop_last(dst);
    for (i = 0; i < LLMPERF__N_INFO; i++)
        llmperf__free(info[i]);
    for (i = 0; plan != NULL && i < ng; i++) {
        llmperf__free(plan[i].cmap);
        llmperf__free(plan[i].param);
        llmperf__free(plan[i].series);
    }
    llmperf__free(plan);
    llmperf__free(pmap);
    if (rc == LLMPERF_ENOMEM)
        llmperf__metrics_err(dst, rc, "out of memory merging accumulators");
    return rc;
}

/* ---- public: groups and settings ------------------------------------- */

LLMPERF_API int llmperf_metrics_group_count(const llmperf_metrics *m,
                                            size_t *n)
{
    if (m == NULL || n == NULL)
        return LLMPERF_EINVAL;
    *n = m->groups.n;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_group_name(const llmperf_metrics *m,
                                           size_t index, const char **name)
{
    if (m == NULL || name == NULL)
        return LLMPERF_EINVAL;
    if (index >= m->groups.n)
        return LLMPERF_ENOTFOUND;
    *name = m->g[index]->name;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_set_sweep(llmperf_metrics *m,
                                          const char *group,
                                          const char *param, double value,
                                          const char *series)
{
    struct llmperf__group *g;
    char *p = NULL, *s = NULL;
    int created, rc;

    if (m == NULL || group == NULL || param == NULL || param[0] == '\0' ||
        !isfinite(value))
        return LLMPERF_EINVAL;
    if ((p = llmperf__strdup(param)) == NULL ||
        (series != NULL && (s = llmperf__strdup(series)) == NULL)) {
        llmperf__free(p);
        return LLMPERF_ENOMEM;
    }
    if ((rc = group_get(m, group, &g, &created)) != LLMPERF_OK) {
        llmperf__free(p);
        llmperf__free(s);
        return rc;
    }
    llmperf__free(g->sweep_param);
    llmperf__free(g->sweep_series);
    g->sweep_param = p;
    g->sweep_series = s;
    g->sweep_value = value;
    g->has_sweep = 1;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_get_sweep(const llmperf_metrics *m,
                                          const char *group,
                                          const char **param, double *value,
                                          const char **series)
{
    const struct llmperf__group *g;

    if (m == NULL || group == NULL)
        return LLMPERF_EINVAL;
    g = llmperf__metrics_find(m, group);
    if (g == NULL || !g->has_sweep)
        return LLMPERF_ENOTFOUND;
    if (param != NULL)
        *param = g->sweep_param;
    if (value != NULL)
        *value = g->sweep_value;
    if (series != NULL)
        *series = g->sweep_series;
    return LLMPERF_OK;
}

static int slo_index(int field)
{
    switch (field) {
    case LLMPERF_RESULT_TTFT_NS:
        return 0;
    case LLMPERF_RESULT_TPOT_NS:
        return 1;
    case LLMPERF_RESULT_E2E_NS:
        return 2;
    default:
        return -1;
    }
}

LLMPERF_API int llmperf_metrics_set_slo(llmperf_metrics *m, int field,
                                        int64_t limit_ns)
{
    int i = slo_index(field);

    if (m == NULL || i < 0)
        return LLMPERF_EINVAL;
    m->has_slo[i] = limit_ns >= 0;
    m->slo[i] = limit_ns;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_get_slo(const llmperf_metrics *m, int field,
                                        int64_t *limit_ns)
{
    int i = slo_index(field);

    if (m == NULL || limit_ns == NULL || i < 0)
        return LLMPERF_EINVAL;
    if (!m->has_slo[i])
        return LLMPERF_ENOTFOUND;
    *limit_ns = m->slo[i];
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_set_percentiles(llmperf_metrics *m,
                                                const double *q, size_t n)
{
    if (m == NULL || (q == NULL && n > 0) || n > LLMPERF__MAX_PCTS)
        return LLMPERF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(q[i] >= 0.0 && q[i] <= 100.0))
            return LLMPERF_EINVAL;
    if (n == 0) {
        q = default_pcts;
        n = LLMPERF__ARRAY_LEN(default_pcts);
    }
    memcpy(m->pct, q, n * sizeof(*q));
    m->n_pct = n;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_get_percentiles(const llmperf_metrics *m,
                                                const double **q, size_t *n)
{
    if (m == NULL || q == NULL || n == NULL)
        return LLMPERF_EINVAL;
    *q = m->pct;
    *n = m->n_pct;
    return LLMPERF_OK;
}

size_t llmperf__metrics_bytes(const llmperf_metrics *m)
{
    size_t b = sizeof(*m);
    const struct llmperf__strset *sets[] = {&m->groups, &m->prompts,
                                            &m->classes};

    for (size_t k = 0; k < 3; k++) {
        b += sets[k]->cap * sizeof(char *) + sets[k]->nslot * 4;
        for (size_t i = 0; i < sets[k]->n; i++)
            b += strlen(sets[k]->s[i]) + 1;
    }
    b += m->groups.n * sizeof(*m->g);
    for (size_t i = 0; i < m->groups.n; i++) {
        const struct llmperf__group *g = m->g[i];

        b += sizeof(*g) + strlen(g->name) + 1;
        b += g->words * 8 * (1 + LLMPERF__M_NCOL);
        for (int c = 0; c < LLMPERF__M_NCOL; c++)
            b += g->col[c].cap * 8;
        if (g->prompt != NULL)
            b += g->words * 64 * sizeof(uint32_t);
        b += g->n_class * 8;
        for (int k = 0; k < LLMPERF__ITL_BLOCKS; k++)
            if (g->itl[k] != NULL)
                b += LLMPERF__ITL_BLOCK * 8;
    }
    for (int i = 0; i < LLMPERF__N_INFO; i++)
        if (m->info[i] != NULL)
            b += strlen(m->info[i]) + 1;
    return b;
}
