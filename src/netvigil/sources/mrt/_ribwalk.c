/*
 * The hot loop of a TABLE_DUMP_V2 RIB record (RFC 6396 4.3.4, RFC 8050 ADD-PATH), in C.
 *
 * A RIB dump is millions of entries of the same small shape: peer index, originated time,
 * [path id], attribute length, attribute bytes. Walking and printing them in Python costs several
 * times what bgpdump spends, so this module walks them, and reads the attributes a RIB entry
 * usually has (ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR,
 * COMMUNITIES, the abbreviated MP_REACH of RFC 6396 4.3.4). Anything else, malformed input
 * included, is handed to ``miss``: the Python decoder (attributes.py) stays the reference, says
 * what is wrong with a damaged block, and a test checks that both give the same text.
 * See docs/design/mrt-decoder.md.
 *
 *   entries(body, pos, addpath, cache, miss) -> (indices, values, path_ids | None)
 *       values from ``cache`` (a dict from block bytes), ``miss(block)`` on first sight;
 *   origins(body, pos, addpath, miss) -> (indices, origin ASes (int or None), path_ids | None)
 *   lines(body, pos, addpath, heads, prefix, miss) -> (text, count)
 *       per entry heads[index] + prefix [+ "|" + path id] + "|AS path|origin|next hop|...|\n",
 *       ``miss(block)`` giving that last part as bytes when C does not read the block.
 *
 * ``pos`` is the offset of the entry count.
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

static PyObject *
entries(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos, count;
    int addpath;
    PyObject *cache, *miss;
    if (!PyArg_ParseTuple(args, "y*npO!O", &body, &pos, &addpath, &PyDict_Type, &cache, &miss)) {
        return NULL;
    }
    Walk w;
    PyObject *indices = NULL, *values = NULL, *path_ids = NULL, *result = NULL;
    if (walk_start(&w, &body, pos, addpath, &count) < 0) {
        goto done;
    }
    indices = PyList_New(count);
    values = PyList_New(count);
    path_ids = addpath ? PyList_New(count) : Py_NewRef(Py_None);
    if (indices == NULL || values == NULL || path_ids == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Entry e;
        if (walk_next(&w, &e) < 0) {
            goto done;
        }
        PyObject *index = PyLong_FromUnsignedLong(e.index);
        PyObject *value = index ? lookup(cache, miss, &e) : NULL;
        if (value == NULL) {
            Py_XDECREF(index);
            goto done;
        }
        PyList_SET_ITEM(indices, i, index);
        PyList_SET_ITEM(values, i, value);
        if (addpath) {
            PyObject *path_id = PyLong_FromUnsignedLong(e.path_id);
            if (path_id == NULL) {
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
    PyBuffer_Release(&body);
    return result;
}

typedef struct {
    char *data;
    Py_ssize_t len;
    Py_ssize_t cap;
} Out;

static int
out_put(Out *o, const char *s, Py_ssize_t n)
{
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

/* Segments of an AS_PATH with 4-byte ASNs; writes bgpdump's text when ``o`` is given.
   Sets ``origin`` to the last AS of a final AS_SEQUENCE, -1 when there is none.
   Returns 1, 0 when the path is malformed, -1 on a memory error. */
static int
walk_path(const unsigned char *v, Py_ssize_t n, Out *o, int64_t *origin)
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
        pos += 2 + 4 * (Py_ssize_t)count;
        if (pos > n) {
            return 0;
        }
        *origin = kind == 2 && count ? (int64_t)big_endian(asn + 4 * (count - 1), 4) : -1;
        if (o == NULL || kind < 1 || kind > 4 || (kind == 2 && count == 0)) {
            continue;
        }
        if ((parts++ && out_put(o, " ", 1) < 0) || out_str(o, open[kind]) < 0) {
            return -1;
        }
        for (unsigned int i = 0; i < count; i++) {
            if ((i && out_str(o, sep[kind]) < 0) || out_uint(o, big_endian(asn + 4 * i, 4)) < 0) {
                return -1;
            }
        }
        if (out_str(o, close[kind]) < 0) {
            return -1;
        }
    }
    return 1;
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
        return walk_path(v, len, NULL, &r->origin_as) == 1;
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
    case 7:
        r->aggregator = v;
        r->aggregator_len = len;
        return len == 6 || len == 8;
    case 8:
        r->communities = v;
        r->communities_len = len;
        return 1;
    case 14: /* only the abbreviated form of RIB entries: next-hop length, next hop */
        r->mp_hop = v + 1;
        r->mp_hop_len = len - 1;
        return len >= 1 && v[0] == len - 1;
    case 15:
    case 17:
    case 18:
        return 0;
    default: /* attributes bgpdump -m does not print */
        return 1;
    }
}

/* Read an attribute block (RFC 4271 4.3); 0 when it is malformed or holds what Python handles. */
static int
read_route(const unsigned char *d, Py_ssize_t n, Route *r)
{
    memset(r, 0, sizeof *r);
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

static int
put_next_hop(Out *o, const Route *r)
{
    if (r->mp_hop == NULL) {
        return r->next_hop ? out_ipv4(o, r->next_hop) : out_str(o, "0.0.0.0");
    }
    if (r->mp_hop_len == 4) {
        return out_ipv4(o, r->mp_hop);
    }
    if (r->mp_hop_len >= 16) {
        char text[INET6_ADDRSTRLEN];
        return out_str(o, inet_ntop(AF_INET6, r->mp_hop, text, sizeof text));
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

/* What follows the prefix of a RIB entry, bgpdump -m layout. 1 written, 0 not read here, -1 error. */
static int
put_route(Out *o, const unsigned char *block, Py_ssize_t len)
{
    static const char *origins[] = {"IGP", "EGP", "INCOMPLETE"};
    Route r;
    int64_t origin_as;
    if (!read_route(block, len, &r)) {
        return 0;
    }
    if (out_put(o, "|", 1) < 0) {
        return -1;
    }
    int path = r.path ? walk_path(r.path, r.path_len, o, &origin_as) : 1;
    if (path <= 0) {
        return path;
    }
    if (out_put(o, "|", 1) < 0 || out_str(o, origins[r.origin < 3 ? r.origin : 2]) < 0
        || out_put(o, "|", 1) < 0 || put_next_hop(o, &r) < 0 || out_put(o, "|", 1) < 0
        || out_uint(o, r.local_pref) < 0 || out_put(o, "|", 1) < 0 || out_uint(o, r.med) < 0
        || out_put(o, "|", 1) < 0 || put_communities(o, &r) < 0
        || out_str(o, r.atomic ? "|AG|" : "|NAG|") < 0) {
        return -1;
    }
    if (r.aggregator) {
        Py_ssize_t width = r.aggregator_len - 4;
        if (out_uint(o, big_endian(r.aggregator, width)) < 0 || out_put(o, " ", 1) < 0
            || out_ipv4(o, r.aggregator + width) < 0) {
            return -1;
        }
    }
    return out_str(o, "|\n") < 0 ? -1 : 1;
}

/* The origin AS of a RIB entry (new reference: int or None), NULL for "not read here". */
static PyObject *
route_origin(const unsigned char *block, Py_ssize_t len)
{
    Route r;
    if (!read_route(block, len, &r)) {
        return NULL;
    }
    return r.path && r.origin_as >= 0 ? PyLong_FromLongLong(r.origin_as) : Py_NewRef(Py_None);
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

static PyObject *
origins(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer body;
    Py_ssize_t pos, count;
    int addpath;
    PyObject *miss;
    if (!PyArg_ParseTuple(args, "y*npO", &body, &pos, &addpath, &miss)) {
        return NULL;
    }
    Walk w;
    PyObject *indices = NULL, *values = NULL, *path_ids = NULL, *result = NULL;
    if (walk_start(&w, &body, pos, addpath, &count) < 0) {
        goto done;
    }
    indices = PyList_New(count);
    values = PyList_New(count);
    path_ids = addpath ? PyList_New(count) : Py_NewRef(Py_None);
    if (indices == NULL || values == NULL || path_ids == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Entry e;
        if (walk_next(&w, &e) < 0) {
            goto done;
        }
        PyObject *value = route_origin(e.attrs, e.attrs_len);
        if (value == NULL && (PyErr_Occurred() || (value = ask_python(miss, &e)) == NULL)) {
            goto done;
        }
        PyList_SET_ITEM(values, i, value);
        PyObject *index = PyLong_FromUnsignedLong(e.index);
        if (index == NULL) {
            goto done;
        }
        PyList_SET_ITEM(indices, i, index);
        if (addpath) {
            PyObject *path_id = PyLong_FromUnsignedLong(e.path_id);
            if (path_id == NULL) {
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

static PyMethodDef methods[] = {
    {"entries", entries, METH_VARARGS,
     "entries(body, pos, addpath, cache, miss) -> (peer indices, cached values, path ids or None)"},
    {"origins", origins, METH_VARARGS,
     "origins(body, pos, addpath, miss) -> (peer indices, origin ASes, path ids or None)"},
    {"lines", lines, METH_VARARGS,
     "lines(body, pos, addpath, heads, prefix, miss) -> (bgpdump text, entry count)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_ribwalk",
    .m_doc = "Walks the entries of TABLE_DUMP_V2 RIB records.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__ribwalk(void)
{
    return PyModule_Create(&module);
}
