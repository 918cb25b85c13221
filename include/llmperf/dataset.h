/* SPDX-License-Identifier: MIT */
/*
 * llmperf/dataset.h -- the prompts a benchmark sends: read from a JSONL
 * file, generated at a target length in tokens, or taken from the
 * built-in set of four sizes; shuffled and repeated reproducibly.
 *
 * A dataset is an ordered list of items. Each item has a prompt, an id,
 * a category and a max_tokens, and may carry a chat conversation
 * ("messages"). A runner (llmperf/runner.h) sends the items in order,
 * wrapping around when it needs more requests than there are items.
 * docs/runner.md describes the JSONL format, the length approximation of
 * synthetic prompts and the built-in prompts.
 *
 * Categories: an item without one gets a category from the length of its
 * prompt in characters (Unicode code points), the buckets of a common
 * course benchmark: "short" (< 200), "medium" (200..499), "long"
 * (500..1000) and "very_long" (> 1000). For a conversation the length is
 * that of all message contents together.
 *
 * Thread rule: any number of datasets may be used at once, and one
 * dataset may be read (count, get) from several threads at once as long
 * as no thread changes it (shuffle, repeat, add) or frees it meanwhile.
 */
#ifndef LLMPERF_DATASET_H
#define LLMPERF_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An ordered list of prompts (opaque). */
typedef struct llmperf_dataset llmperf_dataset;

/* Flag for llmperf_dataset_load_jsonl(): skip bad lines and count them
 * (llmperf_dataset_skipped()) instead of failing on the first one. */
#define LLMPERF_DATASET_SKIP_BAD 0x1u

/* Longest JSONL line accepted, in bytes without the line end (4 MiB:
 * about a million tokens of English). A longer line is a bad line. */
#define LLMPERF_DATASET_LINE_MAX (4u * 1024u * 1024u)

/*
 * llmperf_dataset_new -- an empty dataset, to fill with
 * llmperf_dataset_add().
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL out; LLMPERF_ENOMEM. Free
 * with llmperf_dataset_free(). Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_new(llmperf_dataset **out);

/*
 * llmperf_dataset_add -- append one item. prompt is required (non-empty,
 * valid UTF-8, copied). id NULL gives the item's 0-based position as a
 * decimal string; category NULL gives the length category; max_tokens
 * < 0 means "the client's LLMPERF_OPT_MAX_TOKENS", 0 no limit.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL ds or prompt, an empty
 * prompt, or invalid UTF-8 in any string; LLMPERF_ENOMEM (ds unchanged).
 * Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_add(llmperf_dataset *ds, const char *prompt,
                                    const char *id, const char *category,
                                    int64_t max_tokens);

/*
 * llmperf_dataset_load_jsonl -- read prompts from a JSONL file: one JSON
 * object per line, e.g.
 *
 *   {"id": "q1", "prompt": "Why is the sky blue?", "max_tokens": 256}
 *   {"messages": [{"role": "system", "content": "Be brief."},
 *                 {"role": "user", "content": "Hi"}], "category": "chat"}
 *
 * (each object on one line). Keys: "prompt" (a non-empty string) or
 * "messages" (a non-empty array of objects with string "role" and
 * "content", at least one with role "user"; exactly one of the two);
 * optional "id" (string or integer), "category" (non-empty string) and
 * "max_tokens" (integer >= 0). Other keys are ignored. Blank lines are
 * ignored; a "\r" before the line end is dropped. A line that is not
 * valid UTF-8, longer than LLMPERF_DATASET_LINE_MAX, not a JSON object,
 * or breaks the rules above is a bad line. Absent ids become the line
 * number (1-based, decimal). For a "messages" item, the prompt is the
 * content of the last "user" message (what non-chat backends send);
 * chat backends send the whole conversation (llmperf_dataset_messages()).
 *
 * flags: 0 or LLMPERF_DATASET_SKIP_BAD. Without it the first bad line
 * fails the load; with it bad lines are skipped and counted.
 *
 * errbuf (may be NULL) receives, NUL-terminated and truncated to
 * errbuf_size, the reason of a failure as "PATH:LINE: what" (or
 * "PATH: what"); "" on success.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL out or path or unknown
 * flags; LLMPERF_EIO when the file cannot be opened or read;
 * LLMPERF_EFORMAT for a bad line, or when no line holds a prompt (also
 * with SKIP_BAD); LLMPERF_ENOMEM. On failure *out is NULL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_load_jsonl(llmperf_dataset **out,
                                           const char *path, unsigned flags,
                                           char *errbuf, size_t errbuf_size);

/*
 * llmperf_dataset_synthetic -- n generated prompts of input_tokens tokens
 * each, asking for output_tokens tokens (the items' max_tokens; 0: the
 * client's setting). Set LLMPERF_OPT_IGNORE_EOS on the client where the
 * server supports it so that every request produces exactly that many.
 *
 * The text is sentences of common short English words chosen by a
 * seeded generator; every prompt is different (different from its first
 * word on, so prompts share no cached prefix). Length model: every word
 * of the vocabulary and the "." ending each sentence count one token,
 * which is exact for a BPE pre-tokenizer that cuts at spaces and
 * punctuation (llmperf-mock's) and close for real tokenizers (GPT-4's
 * and Llama 3's vocabularies hold these words as single tokens); about
 * 4.5 characters per token. The same arguments give the same dataset on
 * every platform. Ids are "0", "1", ...; categories by length.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL out, n == 0,
 * input_tokens < 1 or > 1000000, or output_tokens < 0; LLMPERF_ENOMEM.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_synthetic(llmperf_dataset **out, size_t n,
                                          int64_t input_tokens,
                                          int64_t output_tokens,
                                          uint64_t seed);

/*
 * llmperf_dataset_builtin -- built-in prompts by size: "small" (a short
 * question asking for about ten words), "medium" (asks for three
 * paragraphs), "large" (a detailed architecture design), "xlarge" (a
 * comprehensive system design with a long brief), "all" (the four in
 * that order) or a comma-separated list of sizes ("small,large"). The id
 * of each item is its size name; its category is its length category,
 * one per size ("short", "medium", "long", "very_long"); max_tokens is
 * -1 (the client's setting).
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL out or name;
 * LLMPERF_ENOTFOUND for an unknown size; LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_builtin(llmperf_dataset **out,
                                        const char *name);

/*
 * llmperf_dataset_shuffle -- put the items in a random order determined
 * by seed (Fisher-Yates with a fixed 64-bit generator: the same seed and
 * dataset give the same order on every platform).
 *
 * Returns LLMPERF_OK, or LLMPERF_EINVAL for a NULL ds. Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_shuffle(llmperf_dataset *ds, uint64_t seed);

/*
 * llmperf_dataset_repeat -- make times iterations of the list: the items
 * in order, then again, times in all (a b -> a b a b for times 2).
 * Repeated items share their id, so results can be grouped per prompt.
 * Shuffle afterwards to interleave iterations.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL ds, times == 0 or a count
 * that would overflow; LLMPERF_ENOMEM (ds unchanged). Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_repeat(llmperf_dataset *ds, size_t times);

/*
 * llmperf_dataset_count -- number of items; 0 for a NULL ds.
 * Added in 0.1.
 */
LLMPERF_API size_t llmperf_dataset_count(const llmperf_dataset *ds);

/*
 * llmperf_dataset_skipped -- bad lines skipped by a SKIP_BAD load; 0 for
 * other datasets or NULL. Added in 0.1.
 */
LLMPERF_API size_t llmperf_dataset_skipped(const llmperf_dataset *ds);

/*
 * llmperf_dataset_errmsg -- after a SKIP_BAD load that skipped lines,
 * the reason of the first one ("PATH:LINE: what"); otherwise "". Owned by
 * ds; never NULL ("" for NULL). Added in 0.1.
 */
LLMPERF_API const char *llmperf_dataset_errmsg(const llmperf_dataset *ds);

/*
 * llmperf_dataset_get -- item i (0-based). Each out-parameter may be
 * NULL. *prompt, *id and *category are borrowed, NUL-terminated, valid
 * until ds is changed or freed; *max_tokens is < 0 for "the client's
 * setting".
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL ds; LLMPERF_ENOTFOUND
 * when i >= count (outputs unchanged). Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_get(const llmperf_dataset *ds, size_t i,
                                    const char **prompt, const char **id,
                                    const char **category,
                                    int64_t *max_tokens);

/*
 * llmperf_dataset_messages -- the conversation of item i as a JSON array
 * text (compact, as read), borrowed like llmperf_dataset_get()'s strings.
 *
 * Returns LLMPERF_OK; LLMPERF_ENOTFOUND when i >= count or the item has
 * no messages (*json set to NULL); LLMPERF_EINVAL for a NULL ds or json.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_dataset_messages(const llmperf_dataset *ds,
                                         size_t i, const char **json);

/*
 * llmperf_dataset_length_category -- the category an item of this many
 * characters gets: "short", "medium", "long" or "very_long" (see the top
 * of this header). A static string. Thread-safe. Added in 0.1.
 */
LLMPERF_API const char *llmperf_dataset_length_category(size_t chars);

/*
 * llmperf_dataset_free -- release ds and every string it owns. NULL is
 * accepted and ignored. Added in 0.1.
 */
LLMPERF_API void llmperf_dataset_free(llmperf_dataset *ds);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_DATASET_H */
