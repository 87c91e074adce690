/*
 * The C fast path of the MRT decoder: TABLE_DUMP_V2 RIB entries (RFC 6396 4.3.4, RFC 8050
 * ADD-PATH) and the BGP UPDATE messages of BGP4MP / BGP4MP_ET records (RFC 4271 4.3, RFC 4760,
 * RFC 7911).
 *
 * A RIB dump is millions of entries of one small shape, an UPDATE archive hundreds of thousands
 * of messages; decoding and printing them in Python costs several times what bgpdump spends. This
 * module reads the common shapes: the attributes ORIGIN, AS_PATH (2- or 4-byte ASNs), NEXT_HOP,
 * MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES, MP_REACH / MP_UNREACH for IPv4 and
 * IPv6 (and the abbreviated MP_REACH of RIB entries); others are skipped as bgpdump -m does not
 * print them. Anything else — AS4_PATH merging, other address families, malformed input — is
 * left to the Python decoder (attributes.py, decoder.py), which stays the reference: it says what
 * is wrong with a damaged record, and tests check that both give the same text.
 * See docs/design/mrt-decoder.md.
 *
 *   entries(body, pos, addpath, cache, miss) -> (indices, values, path_ids | None)
 *       RIB entries; values from ``cache`` (a dict from block bytes), ``miss(block)`` on first sight;
 *   origins(body, pos, addpath, miss) -> (indices, origin ASes (int or None), path_ids | None)
 *   lines(body, pos, addpath, heads, prefix, miss) -> (text, count)
 *       per RIB entry heads[index] + prefix [+ "|" + path id] + "|AS path|origin|next hop|...|\n",
 *       ``miss(block)`` giving that last part as bytes when C does not read the block;
 *   update_lines(body, pos, asn_len, addpath, head_w, head_a) -> (text, count) | None
 *   update_routes(body, pos, asn_len, addpath) -> (withdrawn, announced, origin AS) | None
 *       for the BGP message at ``pos``; None: the Python decoder must read this record.
 *
 * For RIB records ``pos`` is the offset of the entry count.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    unsigned int index;
    uint32_t path_id;
    const unsigned char *attrs;
    Py_ssize_t attrs_len;
} Entry;

typedef struct {
    const unsigned char *data;
    Py_ssize_t size;
    Py_ssize_t pos;
    int addpath;
} Walk;

/* Start a walk at the entry count; -1 with ValueError when the count is not there. */
static int
walk_start(Walk *w, Py_buffer *body, Py_ssize_t pos, int addpath, Py_ssize_t *count)
{
    w->data = (const unsigned char *)body->buf;
    w->size = body->len;
    w->addpath = addpath;
    if (pos < 0 || pos + 2 > w->size) {
        PyErr_SetString(PyExc_ValueError, "RIB record ends before its entry count");
        return -1;
    }
    *count = (w->data[pos] << 8) | w->data[pos + 1];
    w->pos = pos + 2;
    return 0;
}

/* Read the next entry; -1 with ValueError when it runs past the record. */
static int
walk_next(Walk *w, Entry *e)
{
    const unsigned char *d = w->data + w->pos;
    Py_ssize_t head = w->addpath ? 12 : 8;
    if (w->pos + head > w->size) {
        PyErr_SetString(PyExc_ValueError, "RIB entry runs past its record");
        return -1;
    }
    e->index = ((unsigned int)d[0] << 8) | d[1];
    e->path_id = w->addpath ? ((uint32_t)d[6] << 24) | ((uint32_t)d[7] << 16) | ((uint32_t)d[8] << 8) | d[9]
                            : 0;
    e->attrs_len = (d[head - 2] << 8) | d[head - 1];
    e->attrs = d + head;
    if (w->pos + head + e->attrs_len > w->size) {
        PyErr_SetString(PyExc_ValueError, "RIB entry runs past its record");
        return -1;
    }
    w->pos += head + e->attrs_len;
    return 0;
}

/* The cached value of an attribute block (new reference), calling ``miss`` on first sight. */
static PyObject *
lookup(PyObject *cache, PyObject *miss, const Entry *e)
{
    PyObject *key = PyBytes_FromStringAndSize((const char *)e->attrs, e->attrs_len);
    if (key == NULL) {
        return NULL;
    }
    PyObject *value = PyDict_GetItemWithError(cache, key);
    if (value != NULL) {
        Py_INCREF(value);
    }
    else if (!PyErr_Occurred()) {
        value = PyObject_CallOneArg(miss, key);
    }
    Py_DECREF(key);
    return value;
}

typedef struct {
    char *data;
    Py_ssize_t len;
    Py_ssize_t cap;
} Out;

static int
out_put(Out *o, const char *s, Py_ssize_t n)
{
    if (n == 0) {
        return 0;
    }
    if (o->len + n > o->cap) {
        Py_ssize_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n) {
            cap *= 2;
        }
        char *grown = PyMem_Realloc(o->data, cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        o->data = grown;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    return 0;
}

static int
out_str(Out *o, const char *s)
{
    return out_put(o, s, (Py_ssize_t)strlen(s));
}

static int
out_uint(Out *o, uint64_t value)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, value);
    return out_put(o, digits, n);
}

static int
out_ipv4(Out *o, const unsigned char *a)
{
    char text[16];
    int n = snprintf(text, sizeof text, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return out_put(o, text, n);
}

/* An IPv6 address as bgpdump writes it (its fmt_ipv6): the longest run of zero groups, even a single
   one, becomes "::" (the first of equal runs); IPv4-mapped and -compatible addresses end in a
   dotted quad. The Python twin is bgpdump.bgpdump_ipv6. */
static int
out_ipv6(Out *o, const unsigned char *a)
{
    static const unsigned char zeros[10] = {0};
    char text[48];
    int n = 0;
    if (memcmp(a, zeros, 10) == 0 && ((a[10] == 0xFF && a[11] == 0xFF)
                                      || (a[10] == 0 && a[11] == 0 && (a[12] || a[13] || a[14] || a[15] > 1)))) {
        n = a[10] ? snprintf(text, sizeof text, "::ffff:") : snprintf(text, sizeof text, "::");
        return out_put(o, text, n) < 0 ? -1 : out_ipv4(o, a + 12);
    }
    unsigned int groups[8];
    int start = -1, size = 0, run = 0;
    for (int i = 7; i >= 0; i--) {
        groups[i] = (a[2 * i] << 8) | a[2 * i + 1];
        run = groups[i] == 0 ? run + 1 : 0;
        if (run && run >= size) {
            start = i;
            size = run;
        }
    }
    for (int i = 0; i < 8; i++) {
        if (i == start) {
            n += snprintf(text + n, sizeof text - n, "::");
            i += size - 1;
            continue;
        }
        int colon = i > 0 && i != start + size;
        n += snprintf(text + n, sizeof text - n, colon ? ":%x" : "%x", groups[i]);
    }
    return out_put(o, text, n);
}

/* The attributes of one RIB entry, pointing into its block; found by read_route. */
typedef struct {
    unsigned int origin;
    const unsigned char *path;
    Py_ssize_t path_len;
    int64_t origin_as;
    const unsigned char *next_hop;
    const unsigned char *mp_hop;
    Py_ssize_t mp_hop_len;
    uint64_t med;
    uint64_t local_pref;
    const unsigned char *communities;
    Py_ssize_t communities_len;
    int atomic;
    const unsigned char *aggregator;
    Py_ssize_t aggregator_len;
    int width;   /* bytes per ASN: 2 or 4 */
    int updates; /* reading a BGP UPDATE: full MP_REACH / MP_UNREACH are read too */
    int addpath; /* NLRI carry path ids (RFC 7911) */
    const unsigned char *mp_nlri;
    Py_ssize_t mp_nlri_len;
    int mp_afi;
    const unsigned char *unreach;
    Py_ssize_t unreach_len;
    int unreach_afi;
} Route;

static uint64_t
big_endian(const unsigned char *v, Py_ssize_t n)
{
    uint64_t value = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        value = (value << 8) | v[i];
    }
    return value;
}

/* Segments of an AS_PATH with ``width``-byte ASNs; writes bgpdump's text when ``o`` is given.
   Sets ``origin`` to the last AS of a final AS_SEQUENCE, -1 when there is none.
   Returns 1, 0 when the path is malformed, -1 on a memory error. */
static int
walk_path(const unsigned char *v, Py_ssize_t n, int width, Out *o, int64_t *origin)
{
    static const char *open[] = {"", "{", "", "(", "["};
    static const char *close[] = {"", "}", "", ")", "]"};
    static const char *sep[] = {"", ",", " ", " ", ","};
    int parts = 0;
    *origin = -1;
    for (Py_ssize_t pos = 0; pos < n;) {
        if (pos + 2 > n) {
            return 0;
        }
        unsigned int kind = v[pos], count = v[pos + 1];
        const unsigned char *asn = v + pos + 2;
        pos += 2 + (Py_ssize_t)width * count;
        if (pos > n) {
            return 0;
        }
        *origin = kind == 2 && count ? (int64_t)big_endian(asn + width * (count - 1), width) : -1;
        if (o == NULL || kind < 1 || kind > 4 || (kind == 2 && count == 0)) {
            continue;
        }
        if ((parts++ && out_put(o, " ", 1) < 0) || out_str(o, open[kind]) < 0) {
            return -1;
        }
        for (unsigned int i = 0; i < count; i++) {
            if ((i && out_str(o, sep[kind]) < 0) || out_uint(o, big_endian(asn + width * i, width)) < 0) {
                return -1;
            }
        }
        if (out_str(o, close[kind]) < 0) {
            return -1;
        }
    }
    return 1;
}

/* Whether a run of NLRI prefixes (RFC 4271 4.3, RFC 7911 with path ids) is well formed. */
static int
nlri_ok(const unsigned char *d, Py_ssize_t n, int afi, int addpath)
{
    unsigned int limit = afi == 2 ? 128 : 32;
    for (Py_ssize_t pos = 0; pos < n;) {
        if (addpath) {
            pos += 4;
        }
        if (pos >= n || d[pos] > limit || pos + 1 + (d[pos] + 7) / 8 > n) {
            return 0;
        }
        pos += 1 + (d[pos] + 7) / 8;
    }
    return 1;
}

/* MP_REACH_NLRI (RFC 4760): the abbreviated form of RIB entries (next-hop length, next hop), or,
   in an UPDATE, the full form with AFI IPv4 or IPv6. */
static int
read_mp_reach(Route *r, const unsigned char *v, Py_ssize_t len)
{
    if (len >= 1 && v[0] != 0) { /* abbreviated, told apart as bgpdump does; odd lengths to Python */
        if (v[0] != len - 1) {
            return 0;
        }
        r->mp_hop = v + 1;
        r->mp_hop_len = len - 1;
        return 1;
    }
    if (!r->updates || len < 5 || 5 + v[3] > len) {
        return 0;
    }
    r->mp_afi = (v[0] << 8) | v[1];
    r->mp_hop = v + 4;
    r->mp_hop_len = v[3];
    r->mp_nlri = v + 5 + v[3];
    r->mp_nlri_len = len - 5 - v[3];
    return (r->mp_afi == 1 || r->mp_afi == 2) && nlri_ok(r->mp_nlri, r->mp_nlri_len, r->mp_afi, r->addpath);
}

/* MP_UNREACH_NLRI (RFC 4760) of an UPDATE, AFI IPv4 or IPv6. */
static int
read_mp_unreach(Route *r, const unsigned char *v, Py_ssize_t len)
{
    if (!r->updates || len < 3) {
        return 0;
    }
    r->unreach_afi = (v[0] << 8) | v[1];
    r->unreach = v + 3;
    r->unreach_len = len - 3;
    return (r->unreach_afi == 1 || r->unreach_afi == 2)
           && nlri_ok(r->unreach, r->unreach_len, r->unreach_afi, r->addpath);
}

/* Read one attribute into ``r``; 0 when this module leaves the attribute to Python. */
static int
read_attribute(Route *r, unsigned int code, const unsigned char *v, Py_ssize_t len)
{
    switch (code) {
    case 1:
        if (len < 1) {
            return 0;
        }
        r->origin = v[0];
        return 1;
    case 2: /* checked here: Python rejects a malformed AS_PATH even when another one follows */
        r->path = v;
        r->path_len = len;
        return walk_path(v, len, r->width, NULL, &r->origin_as) == 1;
    case 3:
        r->next_hop = v;
        return len == 4;
    case 4:
        r->med = big_endian(v, len);
        return len <= 8;
    case 5:
        r->local_pref = big_endian(v, len);
        return len <= 8;
    case 6:
        r->atomic = 1;
        return 1;
    case 7: /* bgpdump reads the AS as wide as the session's; other lengths are left to Python */
        r->aggregator = v;
        r->aggregator_len = len;
        return len == r->width + 4;
    case 8:
        r->communities = v;
        r->communities_len = len;
        return 1;
    case 14:
        return read_mp_reach(r, v, len);
    case 15:
        return read_mp_unreach(r, v, len);
    case 17: /* AS4_PATH, AS4_AGGREGATOR: merged (or checked) by Python */
    case 18:
        return 0;
    default: /* attributes bgpdump -m does not print */
        return 1;
    }
}

/* Read an attribute block (RFC 4271 4.3); 0 when it is malformed or holds what Python handles. */
static int
read_route(const unsigned char *d, Py_ssize_t n, Route *r, int width, int updates, int addpath)
{
    memset(r, 0, sizeof *r);
    r->origin = 2; /* no ORIGIN: bgpdump prints INCOMPLETE */
    r->width = width;
    r->updates = updates;
    r->addpath = addpath;
    Py_ssize_t pos = 0;
    while (pos < n) {
        if (pos + 3 > n || ((d[pos] & 0x10) && pos + 4 > n)) {
            return 0;
        }
        unsigned int code = d[pos + 1];
        Py_ssize_t len;
        if (d[pos] & 0x10) {
            len = (d[pos + 2] << 8) | d[pos + 3];
            pos += 4;
        }
        else {
            len = d[pos + 2];
            pos += 3;
        }
        if (pos + len > n || !read_attribute(r, code, d + pos, len)) {
            return 0;
        }
        pos += len;
    }
    return 1;
}

/* Which next hop a line shows: a RIB entry's (MP_REACH's if any, else NEXT_HOP), an UPDATE's
   IPv4 NLRI (NEXT_HOP) or its MP_REACH NLRI (MP_REACH's next hop, empty if none). */
enum Hop { RIB_HOP, NEXT_HOP, MP_HOP };

static int
put_next_hop(Out *o, const Route *r, enum Hop hop)
{
    if (hop == NEXT_HOP || (hop == RIB_HOP && r->mp_hop == NULL)) {
        return r->next_hop ? out_ipv4(o, r->next_hop) : out_str(o, "255.255.255.255"); /* none */
    }
    if (r->mp_hop == NULL) {
        return 0;
    }
    if (r->mp_hop_len == 4) {
        return out_ipv4(o, r->mp_hop);
    }
    if (r->mp_hop_len >= 16) {
        return out_ipv6(o, r->mp_hop);
    }
    return 0; /* another length: no next hop printed, as the Python decoder does */
}

static int
put_communities(Out *o, const Route *r)
{
    for (Py_ssize_t i = 0; i + 4 <= r->communities_len; i += 4) {
        uint32_t value = (uint32_t)big_endian(r->communities + i, 4);
        int failed = i && out_put(o, " ", 1) < 0;
        if (value == 0xFFFFFF01) {
            failed = failed || out_str(o, "no-export") < 0;
        }
        else if (value == 0xFFFFFF02) {
            failed = failed || out_str(o, "no-advertise") < 0;
        }
        else if (value == 0xFFFFFF03) {
            failed = failed || out_str(o, "local-AS") < 0;
        }
        else {
            failed = failed || out_uint(o, value >> 16) < 0 || out_put(o, ":", 1) < 0
                     || out_uint(o, value & 0xFFFF) < 0;
        }
        if (failed) {
            return -1;
        }
    }
    return 0;
}

/* What follows the prefix of an announcement, bgpdump -m layout: "|AS path|origin|next hop|...|\n".
   0 written, -1 on a memory error (the route was read whole by read_route before). */
static int
put_route_text(Out *o, const Route *r, enum Hop hop)
{
    static const char *origins[] = {"IGP", "EGP", "INCOMPLETE"};
    int64_t origin_as;
    if (out_put(o, "|", 1) < 0 || (r->path && walk_path(r->path, r->path_len, r->width, o, &origin_as) < 0)
        || out_put(o, "|", 1) < 0 || out_str(o, origins[r->origin < 3 ? r->origin : 2]) < 0
        || out_put(o, "|", 1) < 0 || put_next_hop(o, r, hop) < 0 || out_put(o, "|", 1) < 0
        || out_uint(o, r->local_pref) < 0 || out_put(o, "|", 1) < 0 || out_uint(o, r->med) < 0
        || out_put(o, "|", 1) < 0 || put_communities(o, r) < 0
        || out_str(o, r->atomic ? "|AG|" : "|NAG|") < 0) {
        return -1;
    }
    static const unsigned char no_address[4] = {255, 255, 255, 255}; /* bgpdump's "no aggregator" */
    Py_ssize_t width = r->width;
    if (r->aggregator && memcmp(r->aggregator + width, no_address, 4) != 0) {
        if (out_uint(o, big_endian(r->aggregator, width)) < 0 || out_put(o, " ", 1) < 0
            || out_ipv4(o, r->aggregator + width) < 0) {
            return -1;
        }
    }
    return out_str(o, "|\n");
}

/* A RIB entry's text after the prefix: 1 written, 0 not read here, -1 on a memory error. */
static int
put_route(Out *o, const unsigned char *block, Py_ssize_t len)
{
    Route r;
    if (!read_route(block, len, &r, 4, 0, 0)) {
        return 0;
    }
    return put_route_text(o, &r, RIB_HOP) < 0 ? -1 : 1;
}

/* The origin AS of a route (new reference: int or None). */
static PyObject *
origin_of(const Route *r)
{
    return r->path && r->origin_as >= 0 ? PyLong_FromLongLong(r->origin_as) : Py_NewRef(Py_None);
}

/* The origin AS of a RIB entry (new reference: int or None), NULL for "not read here". */
static PyObject *
route_origin(const unsigned char *block, Py_ssize_t len)
{
    Route r;
    if (!read_route(block, len, &r, 4, 0, 0)) {
        return NULL;
    }
    return origin_of(&r);
}

/* Call ``miss`` with the entry's block: Python's answer where C does not read it. */
static PyObject *
ask_python(PyObject *miss, const Entry *e)
{
    PyObject *key = PyBytes_FromStringAndSize((const char *)e->attrs, e->attrs_len);
    if (key == NULL) {
        return NULL;
    }
    PyObject *value = PyObject_CallOneArg(miss, key);
    Py_DECREF(key);
    return value;
}

/* What one RIB entry stands for in the lists ``entries`` / ``origins`` return: a new reference,
   or NULL with an exception set. */
typedef PyObject *(*EntryValue)(const Entry *e, PyObject *cache, PyObject *miss);

static PyObject *
cached_value(const Entry *e, PyObject *cache, PyObject *miss)
{
    return lookup(cache, miss, e);
}

static PyObject *
origin_value(const Entry *e, PyObject *Py_UNUSED(cache), PyObject *miss)
{
    PyObject *value = route_origin(e->attrs, e->attrs_len);
    return value != NULL || PyErr_Occurred() ? value : ask_python(miss, e);
}

/* (peer indices, a value per entry, path ids or None) of a RIB record's entries. */
static PyObject *
collect_entries(Py_buffer *body, Py_ssize_t pos, int addpath, EntryValue value_of, PyObject *cache,
                PyObject *miss)
{
    Walk w;
    Py_ssize_t count;
    PyObject *indices = NULL, *values = NULL, *path_ids = NULL, *result = NULL;
    if (walk_start(&w, body, pos, addpath, &count) < 0) {
        return NULL;
    }
    indices = PyList_New(count);
    values = PyList_New(count);
    path_ids = addpath ? PyList_New(count) : Py_NewRef(Py_None);
    if (indices == NULL || values == NULL || path_ids == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Entry e;
        PyObject *index, *value, *path_id;
        if (walk_next(&w, &e) < 0 || (value = value_of(&e, cache, miss)) == NULL) {
            goto done;
        }
        PyList_SET_ITEM(values, i, value);
        if ((index = PyLong_FromUnsignedLong(e.index)) == NULL) {
            goto done;
        }
        PyList_SET_ITEM(indices, i, index);
        if (addpath) {
            if ((path_id = PyLong_FromUnsignedLong(e.path_id)) == NULL) {
                goto done;
            }
            PyList_SET_ITEM(path_ids, i, path_id);
        }
    }
    result = PyTuple_Pack(3, indices, values, path_ids);
done:
    Py_XDECREF(indices);
    Py_XDECREF(values);
    Py_XDECREF(path_ids);
    return result;
}

static PyObject *
entries(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos;
    int addpath;
    PyObject *cache, *miss;
    if (!PyArg_ParseTuple(args, "y*npO!O", &body, &pos, &addpath, &PyDict_Type, &cache, &miss)) {
        return NULL;
    }
    PyObject *result = collect_entries(&body, pos, addpath, cached_value, cache, miss);
    PyBuffer_Release(&body);
    return result;
}

static PyObject *
origins(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos;
    int addpath;
    PyObject *miss;
    if (!PyArg_ParseTuple(args, "y*npO", &body, &pos, &addpath, &miss)) {
        return NULL;
    }
    PyObject *result = collect_entries(&body, pos, addpath, origin_value, NULL, miss);
    PyBuffer_Release(&body);
    return result;
}

/* Append one entry's line: head, prefix, path id with ADD-PATH, the attributes' text. */
static int
put_line(Out *o, PyObject *heads, PyObject *prefix, const Entry *e, int addpath, PyObject *miss)
{
    if ((Py_ssize_t)e->index >= PyList_GET_SIZE(heads)) {
        PyErr_Format(PyExc_IndexError, "peer index %u is not in the peer table (%zd peers)", e->index,
                     PyList_GET_SIZE(heads));
        return -1;
    }
    PyObject *head = PyList_GET_ITEM(heads, e->index);
    if (!PyBytes_Check(head)) {
        PyErr_SetString(PyExc_TypeError, "heads must be bytes");
        return -1;
    }
    char id[16];
    int id_len = addpath ? snprintf(id, sizeof id, "|%u", (unsigned int)e->path_id) : 0;
    if (out_put(o, PyBytes_AS_STRING(head), PyBytes_GET_SIZE(head)) < 0
        || out_put(o, PyBytes_AS_STRING(prefix), PyBytes_GET_SIZE(prefix)) < 0
        || out_put(o, id, id_len) < 0) {
        return -1;
    }
    Py_ssize_t mark = o->len;
    int done = put_route(o, e->attrs, e->attrs_len);
    if (done != 0) {
        return done < 0 ? -1 : 0;
    }
    o->len = mark;
    PyObject *text = ask_python(miss, e);
    if (text == NULL) {
        return -1;
    }
    int failed = !PyBytes_Check(text) || out_put(o, PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text)) < 0;
    if (failed && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_TypeError, "miss must return bytes");
    }
    Py_DECREF(text);
    return failed ? -1 : 0;
}

static PyObject *
lines(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos, count;
    int addpath;
    PyObject *heads, *prefix, *miss;
    if (!PyArg_ParseTuple(args, "y*npO!SO", &body, &pos, &addpath, &PyList_Type, &heads, &prefix, &miss)) {
        return NULL;
    }
    Walk w;
    Out o = {NULL, 0, 0};
    PyObject *result = NULL;
    if (walk_start(&w, &body, pos, addpath, &count) < 0) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Entry e;
        if (walk_next(&w, &e) < 0 || put_line(&o, heads, prefix, &e, addpath, miss) < 0) {
            goto done;
        }
    }
    result = Py_BuildValue("(y#n)", o.data ? o.data : "", o.len, count);
done:
    PyMem_Free(o.data);
    PyBuffer_Release(&body);
    return result;
}

/* ---- BGP UPDATE messages (BGP4MP, BGP4MP_ET) ---- */

/* Append "a.b.c.d/len" or "x::/len" for the significant bytes of an NLRI prefix; IPv6 as bgpdump
   writes it (``bgpdump``) or in RFC 5952 text (the route stream, as the Python decoder gives it). */
static int
put_prefix(Out *o, const unsigned char *p, unsigned int len, int afi, int bgpdump)
{
    unsigned char addr[16] = {0};
    char text[INET6_ADDRSTRLEN + 8];
    memcpy(addr, p, (len + 7) / 8);
    if (afi == 2 && bgpdump) {
        char suffix[8];
        int k = snprintf(suffix, sizeof suffix, "/%u", len);
        return out_ipv6(o, addr) < 0 ? -1 : out_put(o, suffix, k);
    }
    if (afi == 2) {
        inet_ntop(AF_INET6, addr, text, INET6_ADDRSTRLEN);
    }
    else {
        snprintf(text, 16, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
    }
    size_t k = strlen(text);
    k += (size_t)snprintf(text + k, sizeof text - k, "/%u", len);
    return out_put(o, text, (Py_ssize_t)k);
}

/* Append a line per prefix of a (checked) NLRI run: head, prefix, "|path id" with ADD-PATH, tail. */
static int
put_nlri_lines(Out *o, const unsigned char *d, Py_ssize_t n, int afi, int addpath, PyObject *head,
               const Out *tail, Py_ssize_t *count)
{
    for (Py_ssize_t pos = 0; pos < n; (*count)++) {
        char id[16];
        int id_len = addpath ? snprintf(id, sizeof id, "|%u", (unsigned int)big_endian(d + pos, 4)) : 0;
        pos += addpath ? 4 : 0;
        unsigned int len = d[pos];
        if (out_put(o, PyBytes_AS_STRING(head), PyBytes_GET_SIZE(head)) < 0
            || put_prefix(o, d + pos + 1, len, afi, 1) < 0 || out_put(o, id, id_len) < 0
            || out_put(o, tail->data, tail->len) < 0) {
            return -1;
        }
        pos += 1 + (len + 7) / 8;
    }
    return 0;
}

/* Append the prefixes of a (checked) NLRI run to a list, as text without path ids. */
static int
append_prefixes(PyObject *list, const unsigned char *d, Py_ssize_t n, int afi, int addpath)
{
    Out text = {NULL, 0, 0};
    int failed = 0;
    for (Py_ssize_t pos = 0; pos < n && !failed;) {
        pos += addpath ? 4 : 0;
        unsigned int len = d[pos];
        text.len = 0;
        PyObject *prefix = NULL;
        failed = put_prefix(&text, d + pos + 1, len, afi, 0) < 0
                 || (prefix = PyUnicode_FromStringAndSize(text.data, text.len)) == NULL
                 || PyList_Append(list, prefix) < 0;
        Py_XDECREF(prefix);
        pos += 1 + (len + 7) / 8;
    }
    PyMem_Free(text.data);
    return failed ? -1 : 0;
}

typedef struct {
    const unsigned char *withdrawn;
    Py_ssize_t withdrawn_len;
    const unsigned char *nlri;
    Py_ssize_t nlri_len;
    Route route;
} Update;

enum { LEAVE_TO_PYTHON, READ, NOT_AN_UPDATE };

/* Read the BGP message at ``pos`` (marker first; RFC 4271 4.3); every check the Python decoder
   makes is made here, and anything it would reject or this module does not read is left to it. */
static int
read_update(const unsigned char *b, Py_ssize_t n, Py_ssize_t pos, int width, int addpath, Update *u)
{
    if (pos < 0 || pos + 19 > n) {
        return LEAVE_TO_PYTHON;
    }
    Py_ssize_t msg_len = (b[pos + 16] << 8) | b[pos + 17];
    Py_ssize_t end = pos + msg_len;
    if (b[pos + 18] != 2) {
        return NOT_AN_UPDATE;
    }
    if (msg_len < 23 || end > n) {
        return LEAVE_TO_PYTHON;
    }
    Py_ssize_t p = pos + 19;
    u->withdrawn_len = (b[p] << 8) | b[p + 1];
    u->withdrawn = b + p + 2;
    p += 2 + u->withdrawn_len;
    if (p + 2 > end) {
        return LEAVE_TO_PYTHON;
    }
    Py_ssize_t attrs_len = (b[p] << 8) | b[p + 1];
    if (p + 2 + attrs_len > end || !nlri_ok(u->withdrawn, u->withdrawn_len, 1, addpath)
        || !read_route(b + p + 2, attrs_len, &u->route, width, 1, addpath)) {
        return LEAVE_TO_PYTHON;
    }
    u->nlri = b + p + 2 + attrs_len;
    u->nlri_len = end - (p + 2 + attrs_len);
    return nlri_ok(u->nlri, u->nlri_len, 1, addpath) ? READ : LEAVE_TO_PYTHON;
}

/* The lines of one UPDATE, as bgpdump lists them: withdrawals, MP withdrawals, announcements,
   MP announcements. */
static int
put_update(Out *o, const Update *u, int addpath, PyObject *head_w, PyObject *head_a, Py_ssize_t *count)
{
    const Route *r = &u->route;
    Out newline = {"\n", 1, 1};
    Out text = {NULL, 0, 0};
    int failed = put_nlri_lines(o, u->withdrawn, u->withdrawn_len, 1, addpath, head_w, &newline, count) < 0
                 || put_nlri_lines(o, r->unreach, r->unreach_len, r->unreach_afi, addpath, head_w, &newline,
                                   count) < 0;
    if (!failed && u->nlri_len) {
        failed = put_route_text(&text, r, NEXT_HOP) < 0
                 || put_nlri_lines(o, u->nlri, u->nlri_len, 1, addpath, head_a, &text, count) < 0;
    }
    if (!failed && r->mp_nlri_len) {
        text.len = 0;
        failed = put_route_text(&text, r, MP_HOP) < 0
                 || put_nlri_lines(o, r->mp_nlri, r->mp_nlri_len, r->mp_afi, addpath, head_a, &text, count) < 0;
    }
    PyMem_Free(text.data);
    return failed ? -1 : 0;
}

static PyObject *
update_lines(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos, count = 0;
    int width, addpath;
    PyObject *head_w, *head_a;
    if (!PyArg_ParseTuple(args, "y*nipSS", &body, &pos, &width, &addpath, &head_w, &head_a)) {
        return NULL;
    }
    Update u;
    Out o = {NULL, 0, 0};
    PyObject *result = NULL;
    int kind = read_update(body.buf, body.len, pos, width, addpath, &u);
    if (kind == LEAVE_TO_PYTHON) {
        result = Py_NewRef(Py_None);
    }
    else if (kind == NOT_AN_UPDATE || put_update(&o, &u, addpath, head_w, head_a, &count) == 0) {
        result = Py_BuildValue("(y#n)", o.data ? o.data : "", o.len, count);
    }
    PyMem_Free(o.data);
    PyBuffer_Release(&body);
    return result;
}

static PyObject *
update_routes(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos;
    int width, addpath;
    if (!PyArg_ParseTuple(args, "y*nip", &body, &pos, &width, &addpath)) {
        return NULL;
    }
    Update u;
    PyObject *withdrawn = NULL, *announced = NULL, *origin = NULL, *result = NULL;
    int kind = read_update(body.buf, body.len, pos, width, addpath, &u);
    if (kind == LEAVE_TO_PYTHON) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    withdrawn = PyList_New(0);
    announced = PyList_New(0);
    origin = kind == READ ? origin_of(&u.route) : Py_NewRef(Py_None);
    if (withdrawn == NULL || announced == NULL || origin == NULL) {
        goto done;
    }
    if (kind == READ
        && (append_prefixes(withdrawn, u.withdrawn, u.withdrawn_len, 1, addpath) < 0
            || append_prefixes(withdrawn, u.route.unreach, u.route.unreach_len, u.route.unreach_afi, addpath) < 0
            || append_prefixes(announced, u.nlri, u.nlri_len, 1, addpath) < 0
            || append_prefixes(announced, u.route.mp_nlri, u.route.mp_nlri_len, u.route.mp_afi, addpath) < 0)) {
        goto done;
    }
    result = PyTuple_Pack(3, withdrawn, announced, origin);
done:
    Py_XDECREF(withdrawn);
    Py_XDECREF(announced);
    Py_XDECREF(origin);
    PyBuffer_Release(&body);
    return result;
}

static PyMethodDef methods[] = {
    {"entries", entries, METH_VARARGS,
     "entries(body, pos, addpath, cache, miss) -> (peer indices, cached values, path ids or None)"},
    {"origins", origins, METH_VARARGS,
     "origins(body, pos, addpath, miss) -> (peer indices, origin ASes, path ids or None)"},
    {"lines", lines, METH_VARARGS,
     "lines(body, pos, addpath, heads, prefix, miss) -> (bgpdump text, entry count)"},
    {"update_lines", update_lines, METH_VARARGS,
     "update_lines(body, pos, asn_len, addpath, head_w, head_a) -> (bgpdump text, elements) or None"},
    {"update_routes", update_routes, METH_VARARGS,
     "update_routes(body, pos, asn_len, addpath) -> (withdrawn, announced, origin AS) or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_fastpath",
    .m_doc = "The C fast path of the MRT decoder: RIB entries and BGP UPDATE messages.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fastpath(void)
{
    return PyModule_Create(&module);
}
