/* SPDX-License-Identifier: MIT */
/*
 * result_int.h -- how the library fills an llmperf_result: the client
 * while a request runs, a runner (scheduled time, labels), a reader of
 * saved records. Getters are public (llmperf/result.h); setters are here.
 */
#ifndef LLMPERF_RESULT_INT_H
#define LLMPERF_RESULT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/result.h"

/* Last id of each range this build knows (keep in step with result.h). */
#define LLMPERF__RESULT_LAST_I64 LLMPERF_RESULT_NEW_CONNECTIONS
#define LLMPERF__RESULT_LAST_F64 LLMPERF_RESULT_OUTPUT_TPS
#define LLMPERF__RESULT_LAST_STR LLMPERF_RESULT_BACKEND

/* A new, empty result (every field absent, no chunks). OK or ENOMEM. */
int llmperf__result_new(llmperf_result **out);

/* Set or clear a field. EINVAL for an id of another type or unknown. */
int llmperf__result_set_i64(llmperf_result *r, int field, int64_t v);
int llmperf__result_set_f64(llmperf_result *r, int field, double v);
/* Copies len bytes of s (NUL added). ENOMEM leaves the old value. */
int llmperf__result_set_str(llmperf_result *r, int field, const char *s,
                            size_t len);
/* Append to a string field (created when absent); amortised growth. */
int llmperf__result_append_str(llmperf_result *r, int field, const char *s,
                               size_t len);
void llmperf__result_clear(llmperf_result *r, int field);

/* Room for n chunks in the timeline (never shrinks). OK or ENOMEM. */
int llmperf__result_reserve_chunks(llmperf_result *r, size_t n);

/* Append one content chunk to the timeline. OK or ENOMEM. */
int llmperf__result_add_chunk(llmperf_result *r, int64_t t_ns,
                              int32_t tokens);

/*
 * Compute the derived fields from what is set: SCHEDULED_NS (= SENT_NS
 * if unset), CLIENT_LAG_NS, CHUNKS, TTFT_NS, LAST_TOKEN_NS,
 * OUTPUT_TOKENS and TOKENS_SOURCE (server_output_tokens >= 0 is the
 * server's count, else chunks are counted), TPOT_NS, OUTPUT_TPS,
 * SERVER_ITL_NS, WAIT_NS. Needs SENT_NS; OK or ENOMEM.
 */
int llmperf__result_derive(llmperf_result *r, int64_t server_output_tokens);

#endif /* LLMPERF_RESULT_INT_H */
