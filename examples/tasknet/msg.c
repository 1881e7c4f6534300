/* SPDX-License-Identifier: Apache-2.0 */
/* msg.c - the tasknet.v1.Message payload (tasknet.proto), written and read as protobuf wire format. */
#include "msg.h"

#include <string.h>

void msg_init(msg_t *m, unsigned kind, const char *sender)
{
    memset(m, 0, offsetof(msg_t, baggage));
    m->baggage[0] = '\0';
    m->origin_len = 0;
    m->has_origin = 0;
    m->origin_dropped = 0;
    m->kind = kind;
    if (sender) strncpy(m->sender, sender, sizeof m->sender - 1);
}

const char *msg_kind_name(unsigned kind)
{
    static const char *const names[] = {"unspecified", "hello", "submit", "assign",
                                        "result",      "log",   "control"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* ---- writing ------------------------------------------------------------ */

typedef struct wbuf {
    uint8_t *p;
    size_t cap, len;
    int fail;
} wbuf;

static void put_byte(wbuf *w, uint8_t b)
{
    if (w->len >= w->cap) {
        w->fail = 1;
        return;
    }
    w->p[w->len++] = b;
}

static void put_varint(wbuf *w, uint64_t v)
{
    while (v >= 0x80) {
        put_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(w, (uint8_t)v);
}

static void put_bytes(wbuf *w, unsigned field, const void *data, size_t len)
{
    if (len == 0) return; /* proto3: the default value is not written */
    put_varint(w, (uint64_t)field << 3 | 2);
    put_varint(w, len);
    if (w->cap - w->len < len) {
        w->fail = 1;
        return;
    }
    memcpy(w->p + w->len, data, len);
    w->len += len;
}

static void put_string(wbuf *w, unsigned field, const char *s)
{
    put_bytes(w, field, s, strlen(s));
}

static void put_uint(wbuf *w, unsigned field, uint64_t v)
{
    if (v == 0) return;
    put_varint(w, (uint64_t)field << 3);
    put_varint(w, v);
}

int msg_encode(uint8_t *out, size_t cap, const msg_t *m)
{
    wbuf w = {out, cap, 0, 0};
    put_uint(&w, 1, m->kind);
    put_string(&w, 2, m->sender);
    put_string(&w, 3, m->task_kind);
    put_bytes(&w, 4, m->input, m->input_len);
    put_uint(&w, 5, m->attempt);
    put_uint(&w, 6, m->ok ? 1u : 0u);
    put_string(&w, 7, m->detail);
    if (m->has_attempt_span_id) put_bytes(&w, 8, m->attempt_span_id, TW_SPAN_ID_LEN);
    put_string(&w, 9, m->topic);
    put_string(&w, 10, m->control);
    put_string(&w, 11, m->arg);
    put_uint(&w, 12, m->sampling);
    put_uint(&w, 13, m->debug_hint ? 1u : 0u);
    put_string(&w, 14, m->baggage);
    if (m->has_origin) put_bytes(&w, MSG_ORIGIN_FIELD, m->origin, m->origin_len);
    return w.fail ? -1 : (int)w.len;
}

/* ---- reading ------------------------------------------------------------ */

static int get_varint(const uint8_t *in, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b;
        if (*pos >= len) return -1;
        b = in[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

static void get_string(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    if (n >= cap) n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

int msg_decode(msg_t *m, const uint8_t *in, size_t len)
{
    size_t pos = 0;
    msg_init(m, 0, NULL);
    while (pos < len) {
        uint64_t tag, v = 0;
        const uint8_t *p = NULL;
        size_t n = 0;
        unsigned field;
        if (get_varint(in, len, &pos, &tag) != 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
            return -1;
        field = (unsigned)(tag >> 3);
        switch (tag & 7) {
        case 0:
            if (get_varint(in, len, &pos, &v) != 0) return -1;
            break;
        case 1:
        case 5:
            n = (tag & 7) == 1 ? 8 : 4;
            if (len - pos < n) return -1;
            pos += n;
            continue; /* no fixed-size field is defined: skip */
        case 2:
            if (get_varint(in, len, &pos, &v) != 0 || v > len - pos) return -1;
            p = in + pos;
            n = (size_t)v;
            pos += n;
            break;
        default:
            return -1;
        }
        switch (field) {
        case 1: m->kind = (unsigned)v; break;
        case 2: if (p) get_string(m->sender, sizeof m->sender, p, n); break;
        case 3: if (p) get_string(m->task_kind, sizeof m->task_kind, p, n); break;
        case 4:
            if (p) {
                m->input_len = n < sizeof m->input ? n : sizeof m->input;
                memcpy(m->input, p, m->input_len);
            }
            break;
        case 5: m->attempt = (unsigned)v; break;
        case 6: m->ok = v != 0; break;
        case 7: if (p) get_string(m->detail, sizeof m->detail, p, n); break;
        case 8:
            if (p && n == TW_SPAN_ID_LEN) {
                memcpy(m->attempt_span_id, p, n);
                m->has_attempt_span_id = 1;
            }
            break;
        case 9: if (p) get_string(m->topic, sizeof m->topic, p, n); break;
        case 10: if (p) get_string(m->control, sizeof m->control, p, n); break;
        case 11: if (p) get_string(m->arg, sizeof m->arg, p, n); break;
        case 12: m->sampling = (unsigned)v; break;
        case 13: m->debug_hint = v != 0; break;
        case 14: if (p) get_string(m->baggage, sizeof m->baggage, p, n); break;
        case MSG_ORIGIN_FIELD:
            if (!p) return -1;
            /* Joined end to end: the header's limits then apply to the whole.
             * Too long a header is unusable, but never fails the message. */
            if (m->origin_dropped || n > sizeof m->origin - m->origin_len) {
                m->origin_dropped = 1;
                m->has_origin = 0;
                m->origin_len = 0;
                break;
            }
            memcpy(m->origin + m->origin_len, p, n);
            m->origin_len += n;
            m->has_origin = 1;
            break;
        default: break; /* unknown field: skipped */
        }
    }
    return 0;
}
