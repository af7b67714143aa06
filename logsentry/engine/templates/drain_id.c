/* A template's id: the first 8 bytes of BLAKE2b-64 (RFC 7693; hashlib.blake2b(data, digest_size=8)) of the UTF-8
 * (surrogates passed) of f"{unit}\0{text}" or, salted past an id in use, f"{unit}\0{text}\0{salt}", in hex.
 * The ids are saved with the baselines, so they must stay what they were: tests/test_templates_differential.py
 * compares this with hashlib on random inputs of every length around the 128-byte block. In C because every
 * new template needs one (a Python call to hashlib cost about as much as the rest of making the template). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "drain.h"

typedef struct {
    uint64_t h[8], t;
    uint8_t block[128];
    size_t fill;
} Blake2b;

static const uint64_t IV[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                               0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                               0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

static const uint8_t SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

#define G(a, b, c, d, x, y)           \
    do {                              \
        v[a] = v[a] + v[b] + (x);     \
        v[d] = rotr(v[d] ^ v[a], 32); \
        v[c] = v[c] + v[d];           \
        v[b] = rotr(v[b] ^ v[c], 24); \
        v[a] = v[a] + v[b] + (y);     \
        v[d] = rotr(v[d] ^ v[a], 16); \
        v[c] = v[c] + v[d];           \
        v[b] = rotr(v[b] ^ v[c], 63); \
    } while (0)

static void compress(Blake2b *b, int last) {
    uint64_t v[16], m[16];
    for (int i = 0; i < 8; i++) {
        v[i] = b->h[i];
        v[i + 8] = IV[i];
    }
    v[12] ^= b->t; /* the counter's high word stays 0: an id's input is far below 2^64 bytes */
    if (last) v[14] = ~v[14];
    for (int i = 0; i < 16; i++) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--) w = (w << 8) | b->block[8 * i + k]; /* little-endian words */
        m[i] = w;
    }
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = SIGMA[r];
        G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) b->h[i] ^= v[i] ^ v[i + 8];
}

static void b2_init(Blake2b *b) {
    memcpy(b->h, IV, sizeof IV);
    b->h[0] ^= 0x01010000ULL ^ 8; /* depth 1, fanout 1, no key, 8-byte digest */
    b->t = 0;
    b->fill = 0;
}

static void b2_update(Blake2b *b, const uint8_t *data, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (b->fill == sizeof b->block) { /* a full block is compressed only once more input follows */
            b->t += b->fill;
            compress(b, 0);
            b->fill = 0;
        }
        b->block[b->fill++] = data[i];
    }
}

static void b2_hex(Blake2b *b, char out[17]) {
    b->t += b->fill;
    memset(b->block + b->fill, 0, sizeof b->block - b->fill);
    compress(b, 1);
    static const char HEX[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        uint8_t byte = (uint8_t)(b->h[0] >> (8 * i));
        out[2 * i] = HEX[byte >> 4];
        out[2 * i + 1] = HEX[byte & 15];
    }
    out[16] = 0;
}

/* f"{part}" as UTF-8 with surrogates passed, fed to the hash */
static int feed(Blake2b *b, PyObject *part) {
    PyObject *text = PyUnicode_CheckExact(part) ? Py_NewRef(part) : PyObject_Format(part, NULL);
    if (text == NULL) return -1;
    Py_ssize_t n;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &n);
    if (utf8 != NULL) {
        b2_update(b, (const uint8_t *)utf8, (size_t)n);
        Py_DECREF(text);
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        Py_DECREF(text);
        return -1;
    }
    PyErr_Clear(); /* a lone surrogate: encoded as its three bytes, as "surrogatepass" does */
    PyObject *bytes = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    Py_DECREF(text);
    if (bytes == NULL) return -1;
    b2_update(b, (const uint8_t *)PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes));
    Py_DECREF(bytes);
    return 0;
}

/* the id of a template text in a unit, salted unless salt is 0 */
PyObject *drain_template_id(PyObject *unit, PyObject *text, long salt) {
    Blake2b b;
    b2_init(&b);
    static const uint8_t nul = 0;
    if (feed(&b, unit) < 0) return NULL;
    b2_update(&b, &nul, 1);
    if (feed(&b, text) < 0) return NULL;
    if (salt) {
        char digits[32];
        int n = snprintf(digits, sizeof digits, "%ld", salt);
        b2_update(&b, &nul, 1);
        b2_update(&b, (const uint8_t *)digits, (size_t)n);
    }
    char hex[17];
    b2_hex(&b, hex);
    return PyUnicode_FromStringAndSize(hex, 16);
}

/* template_id(unit, text, salt=0): drain_template_id for Python (tests compare it with hashlib) */
PyObject *drain_template_id_fn(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs < 2 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "template_id(unit, text, salt=0)");
        return NULL;
    }
    long salt = nargs == 3 ? PyLong_AsLong(args[2]) : 0;
    if (salt == -1 && PyErr_Occurred()) return NULL;
    return drain_template_id(args[0], args[1], salt);
}
