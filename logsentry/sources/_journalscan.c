/*
 * _journalscan: reads a journal in a C thread and passes on to Python only what Python must see.
 *
 * Why C: most entries of a journal match no rule, and in Python each one still costs several calls into
 * sd-journal plus object churn (about 10 us an entry, 3x `journalctl -o cat`). Here a worker thread, which
 * never holds the GIL, reads every entry once (one pass over its fields), asks a literal screen whether
 * any rule could match it, and sorts it:
 *
 *   - a candidate (a screen hit, an entry that may be about another unit: systemd's own lines, coredumps,
 *     privileged lines naming an object unit; or anything unusual: several MESSAGE or PRIORITY values,
 *     N_DROPPED, a missing or non-ASCII _SYSTEMD_UNIT) is kept with its cursor and the wanted fields;
 *   - every other entry is screened out and only summarised: its time, priority and message are kept in
 *     flat buffers and it counts towards a per-unit span of its run (the screened entries between two
 *     candidates), which is what time and silence tracking need.
 *
 * Python calls Scanner.read() for the next batch: a list of candidates, as (realtime, cursor, fields)
 * tuples with the wanted fields as str, and runs, as the tuples model.ScreenedRun is made from (see
 * _journalscan.pyi). The worker fills one batch while Python turns the previous one into objects and
 * matches it, so reading and matching use both cores.
 *
 * The screen is a superset test: it may let through an entry no rule matches (Python then decides with
 * the real prefilter and regexes) but never screens out one a rule could match. Literals are found with
 * a 64 Ki-bit table of hashed 3-byte prefixes and verified with memcmp, which costs about a nanosecond a
 * byte whatever the number of literals. Log text only ever reaches memcmp and hashing here.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "levels.h"

#define NO_LIMIT 255     /* a rule without a priority limit */
#define NO_PRIORITY 254  /* an entry without a numeric PRIORITY: passes only rules without a limit */
#define JOURNAL_LEVEL 255 /* in a screened entry's level: its PRIORITY counts (no level in the text) */
#define STREAM_LEVEL 253  /* in a screened entry's level: a container's stderr line naming none (model.STREAM_LEVEL) */
#define STDERR_UNLEVELLED 5 /* its level, notice (engine/levels.py STDERR_UNLEVELLED) */
#define NOT_LOOKED (-2) /* a candidate's text level: the scanner did not look (Python does) */
#define MAX_SPANS_PER_RUN 256
/* A run's PIDs (PidNote): a new run past this many (one table slot in two stays free) */
#define MAX_PIDS_PER_RUN 512
#define PID_SLOTS 1024
#define MAX_PID_CHARS 10 /* a PID's decimal digits (pid_max is at most 4194304; 2^32 - 1 has 10) */
#define BATCH_ENTRIES 16384
#define FIRST_BATCH_ENTRIES 512 /* then doubling: Python starts matching while the scanner is still warming up */
#define BATCH_CANDIDATES 4096
#define BATCH_BYTES (16u << 20)
#define N_BATCHES 2
#define FOLLOW_WAIT_MS 1000 /* follow mode: the longest wait on the journal's inotify fd before looking again */
/* Follow mode: new entries within this long after a batch was handed over wait for it to pass (µs). A busy
   writer wakes the reader for every few entries, and each hand-over costs Python about as much as reading
   tens of entries; gathering them bounds the hand-overs to a few hundred a second, at that much latency. */
#define COALESCE_USEC 3000

/* ---- growable byte buffer ---------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

/* A buffer of BUF_MAP_MIN bytes or more is pages mapped for it alone (its capacity is then a multiple of the
   page size: 4096 doubled), so that freeing it gives them back to the kernel at once. From malloc, the
   worker threads' arenas kept them: 100 idle held scanners kept about 400 KiB each of freed batch buffers in
   anonymous memory, malloc_trim() or not (tests/test_fanin_memory.py). */
#define BUF_MAP_MIN (64u << 10)

static int buf_reserve(Buf *b, size_t more) {
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    char *data;
    if (cap < BUF_MAP_MIN) {
        data = realloc(b->data, cap);
    } else if (b->cap >= BUF_MAP_MIN) {
        data = mremap(b->data, b->cap, cap, MREMAP_MAYMOVE);
        data = data == MAP_FAILED ? NULL : data;
    } else {
        data = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        data = data == MAP_FAILED ? NULL : data;
        if (data) {
            if (b->len)
                memcpy(data, b->data, b->len);
            free(b->data);
        }
    }
    if (!data)
        return -ENOMEM;
    b->data = data;
    b->cap = cap;
    return 0;
}

static void buf_release(Buf *b) {
    if (b->cap >= BUF_MAP_MIN)
        munmap(b->data, b->cap);
    else
        free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int buf_put(Buf *b, const void *p, size_t n) {
    int r = buf_reserve(b, n);
    if (r < 0)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

#define BUF_AT(b, type, i) (((type *)(b).data)[i])
#define BUF_COUNT(b, type) ((b).len / sizeof(type))

/* ---- the literal screen ------------------------------------------------------------------------ */

typedef struct {
    unsigned char *bytes;
    size_t len;
    int limit;
    uint16_t key;
} Literal;

typedef struct {
    Literal *literals; /* sorted by key */
    size_t n;
    uint64_t bits[65536 / 64];
    int always_limit; /* -1: no literal-less rule */
} Screen;

static inline uint16_t key3(const unsigned char *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (uint16_t)((v * 2654435761u) >> 16);
}

static int literal_cmp(const void *a, const void *b) {
    const Literal *x = a, *y = b;
    return (int)x->key - (int)y->key;
}

/* Could a rule match this message at this priority? */
static int screen_passes(const Screen *s, const unsigned char *m, size_t len, int priority) {
    if (priority <= s->always_limit)
        return 1;
    if (len < 3)
        return 0;
    for (size_t i = 0; i + 3 <= len; i++) {
        uint16_t k = key3(m + i);
        if (!((s->bits[k >> 6] >> (k & 63)) & 1))
            continue;
        size_t lo = 0, hi = s->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (s->literals[mid].key < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t j = lo; j < s->n && s->literals[j].key == k; j++) {
            const Literal *lit = &s->literals[j];
            if (priority <= lit->limit && lit->len <= len - i && memcmp(m + i, lit->bytes, lit->len) == 0)
                return 1;
        }
    }
    return 0;
}

static void screen_free(Screen *s) {
    for (size_t i = 0; i < s->n; i++)
        free(s->literals[i].bytes);
    free(s->literals);
    s->literals = NULL;
    s->n = 0;
}

/* ---- one batch, filled by the worker ------------------------------------------------------------ */

typedef struct {
    int64_t realtime;
    char *cursor;
    size_t record_start, record_end; /* in Batch.records */
    int text_level; /* 0..7, -1 (none in the text) or NOT_LOOKED */
    int jumped;     /* its host's clock jumped by jump_delta µs when the old clock said jump_at (note_clock) */
    int64_t jump_at, jump_delta;
} Candidate;

typedef struct {
    uint64_t hash;
    size_t unit_off, unit_len; /* in Batch.units */
    size_t machine_len;        /* the entries' _MACHINE_ID, just before the unit as "MACHINE/" (0: none) */
    size_t host_off, host_len; /* the entries' _HOSTNAME, in Batch.units (0 long: none); one per span */
    uint32_t count, last_index; /* last_index: within the run, for the last message */
    int64_t first_usec, last_usec, longest_gap;
} Span;

/* Which unit a PID was last seen logging with in a run (journald's _PID and _SYSTEMD_UNIT, with the entry's
   _SYSTEMD_INVOCATION_ID): engine/failure_pids.py joins a kernel line naming a PID to its owner, and a PID a
   screened-out unit took over from another must not name the old one (PidOwners.learn_run). */
typedef struct {
    uint64_t hash; /* of the PID and the span's machine */
    char pid[MAX_PID_CHARS];
    char invocation[32];
    uint8_t pid_len, invocation_len;
    uint16_t span_id; /* within the run */
} PidNote;

typedef struct {
    size_t first_entry, n_entries; /* screened entries, indexes into the batch arrays */
    size_t first_span, n_spans;
    size_t first_pid, n_pids; /* PidNotes, in Batch.pids */
    int64_t peak_usec;
} Run;

typedef struct {
    char kind; /* 'c' candidate, 'r' run */
    size_t index;
} Item;

typedef struct {
    Buf items, candidates, runs, spans, records, units, pids;
    /* the open run's PidNotes by hash (index + 1 into Batch.pids; 0 free), valid while pid_gen is the run's */
    uint32_t pid_slot[PID_SLOTS];
    size_t pid_gen[PID_SLOTS], gen; /* gen: bumped at each new run */
    /* per screened entry */
    Buf times, priorities, levels, span_ids, message_ends, messages;
    size_t n_entries;
    int open_run; /* the last item is a run that still grows */
    int at_end;   /* follow mode: the batch ends where the journal ended (nothing more to read for now) */
    char *cursor; /* follow mode: the cursor of the batch's last entry read (screened or not), or NULL */
} Batch;

static void batch_reset(Batch *b) {
    for (size_t i = 0; i < BUF_COUNT(b->candidates, Candidate); i++)
        free(BUF_AT(b->candidates, Candidate, i).cursor);
    Buf *bufs[] = {&b->items, &b->candidates, &b->runs, &b->spans, &b->records, &b->units, &b->pids,
                   &b->times, &b->priorities, &b->levels, &b->span_ids, &b->message_ends, &b->messages};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        bufs[i]->len = 0;
    b->n_entries = 0;
    b->open_run = 0;
    b->at_end = 0;
    free(b->cursor);
    b->cursor = NULL;
}

static void batch_free(Batch *b) {
    batch_reset(b);
    Buf *bufs[] = {&b->items, &b->candidates, &b->runs, &b->spans, &b->records, &b->units, &b->pids,
                   &b->times, &b->priorities, &b->levels, &b->span_ids, &b->message_ends, &b->messages};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        buf_release(bufs[i]);
    }
}

static size_t batch_bytes(const Batch *b) {
    return b->records.len + b->messages.len + b->times.len + b->units.len + b->spans.len;
}

/* ---- the scanner object ------------------------------------------------------------------------ */

typedef struct {
    char *name;
    size_t len;
} Wanted;

/* A sorted set of names (units, machine ids), for the selection follow mode applies itself. */
typedef struct {
    Wanted *names;
    size_t n;
    int active; /* 0: no such condition */
} NameSet;

static int name_cmp(const void *a, const void *b) {
    const Wanted *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->name, y->name, x->len);
}

static int in_set(const NameSet *set, const char *name, size_t len) {
    Wanted key = {(char *)name, len};
    return bsearch(&key, set->names, set->n, sizeof(Wanted), name_cmp) != NULL;
}

/* Is `name` one of `set`'s ids (canonical: 32 lowercase hex digits) in another spelling sd_id128_from_string()
   reads as it (systemd src/libsystemd/sd-id128/id128-util.c): capitals, or the UUID form with four dashes? The
   twin of hosts.claims: a sender that spells this machine's id so claims it as much. */
static int in_set_spelled(const NameSet *set, const char *name, size_t len) {
    char id[32];
    size_t n = 0;
    if (len != 32 && len != 36)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (len == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (c != '-')
                return 0;
            continue;
        }
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n == 32)
            return 0;
        id[n++] = c;
    }
    return n == 32 && in_set(set, id, 32);
}

/* Does a _MACHINE_ID value claim one of `set`'s ids as hosts.claims reads it: any of its lines (Python joins
   several values with newlines), each as a C string of it reads (up to a NUL), in any spelling? */
static int claims_in_set(const NameSet *set, const char *value, size_t len) {
    const char *end = value + len;
    for (;;) {
        const char *line_end = memchr(value, '\n', (size_t)(end - value));
        size_t n = (size_t)((line_end ? line_end : end) - value);
        const char *nul = memchr(value, '\0', n);
        if (nul)
            n = (size_t)(nul - value);
        if (in_set(set, value, n) || in_set_spelled(set, value, n))
            return 1;
        if (!line_end)
            return 0;
        value = line_end + 1;
    }
}

static void set_free(NameSet *set) {
    for (size_t i = 0; i < set->n; i++)
        free(set->names[i].name);
    free(set->names);
    set->names = NULL;
    set->n = 0;
}

#define CONTAINER_ID_SLOTS 512 /* a power of two */
#define N_BOOTS 1024              /* boots whose clock offset is kept: a power of two */
#define BOOT_PROBES 16            /* slots looked at for a boot (a full run evicts its home slot's) */
#define JUMP_USEC 1000000         /* a move of a boot's clock offset this large is a jump (engine/clock_jumps.py) */

typedef struct {
    PyObject_HEAD
    sd_journal *journal;
    Screen screen;
    Wanted *wanted;
    size_t n_wanted;
    PyObject **wanted_names; /* the same names as str objects, for the dicts */
    PyObject *message_name; /* "MESSAGE" among wanted_names (never cached: nearly every one differs) */
    int64_t until_usec; /* -1: none */
    int priority_low, priority_high; /* -p: the effective priorities read (-1: all) */

    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    Batch batches[N_BATCHES];
    int ready[N_BATCHES]; /* FIFO of filled batch indexes */
    size_t n_ready, ready_head;
    int free_list[N_BATCHES];
    size_t n_free;
    int finished, stop;
    int error;              /* a negative errno from sd-journal, reported by read() */
    const char *error_where;

    /* follow mode (like `journalctl -f`): at the journal's end the worker waits on its inotify fd */
    int follow;
    int unread_current; /* positioned on an entry not read yet (resumed past a vacuumed or unmatched cursor) */
    int handed_end;     /* the last batch handed over ended at the journal's end */
    int waiting;        /* the worker is at the end: wait on the journal before reading again */
    int ready_fd;       /* eventfd, readable while a batch is ready (or the worker ended): for the caller's loop */
    int stop_fd;        /* eventfd that wakes the worker from its wait on the journal */
    int poke_fd;        /* poked follow mode: eventfd that poke() writes (else -1) */
    int poked;          /* poked follow mode: no inotify of its own; at the end wait for poke() */
    /* a batch's limits: BATCH_ENTRIES, BATCH_CANDIDATES, BATCH_BYTES, or smaller (batch_entries=) for
       scanners kept open by the hundred, whose buffers would otherwise grow to the defaults' size each */
    size_t max_entries, max_candidates, max_bytes;
    uint64_t coalesce_usec; /* COALESCE_USEC, or longer (coalesce_usec=) where hundreds of hosts hand over */
    int64_t gap_usec;   /* the saved cursor was gone: the time of the entry reading resumed at (-1: no gap) */
    uint64_t handed_usec; /* CLOCK_MONOTONIC µs of the last hand-over (follow mode) */
    /* The selection applied here instead of by sd-journal matches, which pass by entries at a journal's live
       end (measured: 56 of 200k at 10k entries/s, systemd 252): a screened entry is kept when its
       _SYSTEMD_UNIT is one of `units` and its _MACHINE_ID one of `machines`; entries that may be about
       another unit come in full and Python decides (Selection.accepts). */
    NameSet units, machines;
    /* Machine ids the files read cannot vouch for (a journal-remote file claiming the local machine's: its
       sender wrote every field): an entry with one as _MACHINE_ID comes in full, for Python to disown
       (sources/follow.py). */
    NameSet disowned;
    /* disown_screened: such an entry that no rule can match is summarised here as of no machine (its span
       without one), as Python's disowned_entry would leave it, instead of coming in full: a file claiming this
       machine for every line (a cloned machine-id, a forger) must not cost the full path for each. Off where
       Python decides per batch whether the files vouch after all (cli/tail.py's `vouched`). */
    int disown_screened;
    uint64_t disowned_screened; /* how many were (atomic: the reader thread adds, Python reads) */
    /* Containers (hashes of _MACHINE_ID and CONTAINER_ID_FULL) whose line this scanner has handed over in full:
       a container's first line comes in full, so that Python ties its ID to its scope (engine/absence_stops.py).
       Open addressing, 0 empty; emptied when three quarters full (lines then come in full once more). */
    uint64_t container_ids[CONTAINER_ID_SLOTS];
    size_t n_container_ids;
    /* Per boot, its entries' __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP: constant while the host's clock only
       runs and slews; a suspend (CLOCK_MONOTONIC stands still) or a step moves it (note_clock). */
    struct {
        sd_id128_t boot;
        uint64_t machine; /* hash_bytes of its _MACHINE_ID (0: none) */
        int64_t offset;
        int used;
        int64_t jump_at, jump_delta; /* a jump not handed over yet: its next entry in full carries it (0: none) */
        int fresh; /* no entry of this boot handed over in full yet: its first one comes in full, with _BOOT_ID, so
                      that Python sees a machine's boot change (engine/host_boots.py: a crash's reboot) */
    } boots[N_BOOTS]; /* by a hash of (boot, machine), open addressing: one evicted forgets its jump, makes none up */
} Scanner;

/* The entry's clock against its (machine's) boot's: a move of JUMP_USEC or more is noted in its slot's jump_*
   (summed until an entry of that boot in full carries it: one left out by the selection passes it on). The
   slot, or -1. */
static int note_clock(Scanner *s, int64_t realtime, uint64_t machine) {
    uint64_t mono;
    sd_id128_t boot;
    if (sd_journal_get_monotonic_usec(s->journal, &mono, &boot) < 0 || realtime < 0 || mono > (uint64_t)realtime)
        return -1; /* (up longer than since 1970: a damaged or made-up stamp, no clock to follow: helper-167's F7) */
    int64_t offset = realtime - (int64_t)mono;
    uint64_t h = (boot.qwords[0] ^ boot.qwords[1] ^ machine) * 0x9E3779B97F4A7C15ULL;
    size_t home = (size_t)(h >> 54) & (N_BOOTS - 1), k = home, found = 0;
    /* (two machines may share a boot id: clones of one snapshot, a sender's claim: a boot is a machine's) */
    for (size_t probe = 0; probe < BOOT_PROBES; probe++) { /* its slot, an empty one, or its home's */
        size_t at = (home + probe) & (N_BOOTS - 1);
        if (!s->boots[at].used || (sd_id128_equal(s->boots[at].boot, boot) && s->boots[at].machine == machine)) {
            k = at;
            found = s->boots[at].used;
            break;
        }
    }
    if (found) {
        int64_t delta = offset - s->boots[k].offset;
        if (delta >= JUMP_USEC || delta <= -JUMP_USEC) {
            if (!s->boots[k].jump_delta)
                s->boots[k].jump_at = s->boots[k].offset + (int64_t)mono; /* the old clock's time at this entry */
            s->boots[k].jump_delta += delta;
        }
    } else {
        s->boots[k].boot = boot;
        s->boots[k].machine = machine;
        s->boots[k].jump_delta = 0;
        s->boots[k].fresh = 1;
        s->boots[k].used = 1;
    }
    s->boots[k].offset = offset;
    return (int)k;
}

/* The batch's last candidate (an entry of the boot in `slot`) carries that boot's pending jump, if any (and its
   boot is no longer fresh). */
static void hand_jump(Scanner *s, Batch *b, int slot) {
    if (slot >= 0)
        s->boots[slot].fresh = 0;
    if (slot < 0 || !s->boots[slot].jump_delta)
        return;
    Candidate *c = &BUF_AT(b->candidates, Candidate, BUF_COUNT(b->candidates, Candidate) - 1);
    c->jumped = 1;
    c->jump_at = s->boots[slot].jump_at;
    c->jump_delta = s->boots[slot].jump_delta;
    s->boots[slot].jump_delta = 0;
}

/* Has the scanner handed over a line of this container (hash `h`, never 0) in full? Notes it if not. */
static int container_seen(Scanner *s, uint64_t h) {
    size_t i = (size_t)h & (CONTAINER_ID_SLOTS - 1);
    while (s->container_ids[i]) {
        if (s->container_ids[i] == h)
            return 1;
        i = (i + 1) & (CONTAINER_ID_SLOTS - 1);
    }
    if (s->n_container_ids >= CONTAINER_ID_SLOTS / 4 * 3) {
        memset(s->container_ids, 0, sizeof s->container_ids);
        s->n_container_ids = 0;
        i = (size_t)h & (CONTAINER_ID_SLOTS - 1);
    }
    s->container_ids[i] = h;
    s->n_container_ids++;
    return 0;
}

/* Unit names and most field values repeat endlessly: one str object each, reused, saves creating (and
   hashing, when used as a dict key) the same text again for every entry. One cache for all scanners (used
   with the GIL only): per scanner it cost about 370 KiB (4096 slots of 88 bytes, and their str objects), so
   a collector's hundreds of held scanners kept hundreds of MiB of it while idle; hosts share most values. */
#define TEXT_CACHE_SLOTS 4096
#define TEXT_CACHE_MAX 64
struct CachedText {
    uint64_t hash;
    size_t len;
    char bytes[TEXT_CACHE_MAX];
    PyObject *text;
};
static struct CachedText *text_cache; /* TEXT_CACHE_SLOTS, direct-mapped; allocated at first use */

static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int has_prefix(const char *data, size_t len, const char *prefix, size_t plen) {
    return len >= plen && memcmp(data, prefix, plen) == 0;
}
#define HAS(data, len, lit) has_prefix((data), (len), lit, sizeof(lit) - 1)

/* What the first pass over an entry's fields found. */
typedef struct {
    const char *message;
    size_t message_len;
    int messages;
    int priority; /* NO_PRIORITY when missing or not a digit */
    int level;    /* the level in the text (0..7) or JOURNAL_LEVEL: the priority that counts is then PRIORITY */
    int has_priority;
    int full; /* must be read in full by Python */
    const char *pid; /* its _PID's digits (in the entry's own copy: pid_buf), 0 long for none */
    size_t pid_len;
    const char *invocation; /* its _SYSTEMD_INVOCATION_ID (32 characters) or 0 long */
    size_t invocation_len;
} Quick;

static int read_candidate(Scanner *s, Batch *b, int64_t realtime, int text_level) {
    Candidate c = {.realtime = realtime, .record_start = b->records.len, .text_level = text_level};
    int r = sd_journal_get_cursor(s->journal, &c.cursor);
    if (r < 0) {
        s->error_where = "sd_journal_get_cursor";
        return r;
    }
    const void *data;
    size_t len;
    SD_JOURNAL_FOREACH_DATA(s->journal, data, len) {
        const char *eq = memchr(data, '=', len);
        if (!eq)
            continue;
        size_t name_len = (size_t)(eq - (const char *)data);
        for (size_t w = 0; w < s->n_wanted; w++) {
            if (s->wanted[w].len != name_len || memcmp(s->wanted[w].name, data, name_len) != 0)
                continue;
            uint32_t header[2] = {(uint32_t)w, (uint32_t)(len - name_len - 1)};
            if ((r = buf_put(&b->records, header, sizeof header)) < 0 ||
                (r = buf_put(&b->records, eq + 1, len - name_len - 1)) < 0) {
                free(c.cursor);
                return r;
            }
            break;
        }
    }
    c.record_end = b->records.len;
    Item item = {'c', BUF_COUNT(b->candidates, Candidate)};
    if ((r = buf_put(&b->candidates, &c, sizeof c)) < 0) {
        free(c.cursor);
        return r;
    }
    b->open_run = 0;
    return buf_put(&b->items, &item, sizeof item);
}

/* The open run's table slot for a PID on a machine: its PidNote's, or a free one (pid_gen not the run's). */
static size_t pid_slot_of(const Batch *b, const Run *run, uint64_t h, const Quick *q, const char *machine,
                          size_t machine_len) {
    for (size_t i = h & (PID_SLOTS - 1);; i = (i + 1) & (PID_SLOTS - 1)) {
        if (b->pid_gen[i] != b->gen || !b->pid_slot[i])
            return i;
        const PidNote *note = &BUF_AT(b->pids, PidNote, b->pid_slot[i] - 1);
        const Span *sp = &BUF_AT(b->spans, Span, run->first_span + note->span_id);
        if (note->hash == h && note->pid_len == q->pid_len && memcmp(note->pid, q->pid, q->pid_len) == 0 &&
            sp->machine_len == machine_len &&
            memcmp(b->units.data + sp->unit_off - (machine_len ? machine_len + 1 : 0), machine, machine_len) == 0)
            return i;
    }
}

/* Note that the entry's PID was last seen with its span's unit in the run (one PidNote per machine and PID). */
static int note_pid(Batch *b, Run *run, uint16_t span_id, const Quick *q, const char *machine, size_t machine_len) {
    uint64_t h = hash_bytes(q->pid, q->pid_len) ^ (hash_bytes(machine, machine_len) * 1099511628211ULL);
    size_t i = pid_slot_of(b, run, h, q, machine, machine_len);
    PidNote *note;
    if (b->pid_gen[i] != b->gen || !b->pid_slot[i]) {
        PidNote fresh = {.hash = h, .pid_len = (uint8_t)q->pid_len};
        memcpy(fresh.pid, q->pid, q->pid_len);
        int r = buf_put(&b->pids, &fresh, sizeof fresh);
        if (r < 0)
            return r;
        b->pid_gen[i] = b->gen;
        b->pid_slot[i] = (uint32_t)BUF_COUNT(b->pids, PidNote);
        run->n_pids++;
    }
    note = &BUF_AT(b->pids, PidNote, b->pid_slot[i] - 1);
    note->span_id = span_id;
    note->invocation_len = (uint8_t)q->invocation_len;
    memcpy(note->invocation, q->invocation, q->invocation_len);
    return 0;
}

/* Spans are per (machine, unit): a journal directory of several hosts (journal-remote) has the same unit
   names on each, and windows, silences and baselines keep them apart (issue 17). */
static int add_screened(Batch *b, int64_t realtime, const Quick *q, const char *machine, size_t machine_len,
                        const char *host, size_t host_len, const char *unit, size_t unit_len) {
    int r;
    Run *run = b->open_run ? &BUF_AT(b->runs, Run, BUF_COUNT(b->runs, Run) - 1) : NULL;
    uint64_t h = hash_bytes(unit, unit_len) ^ (hash_bytes(machine, machine_len) * 1099511628211ULL);
    Span *span = NULL;
    if (run && q->pid_len && run->n_pids >= MAX_PIDS_PER_RUN) {
        uint64_t ph = hash_bytes(q->pid, q->pid_len) ^ (hash_bytes(machine, machine_len) * 1099511628211ULL);
        size_t i = pid_slot_of(b, run, ph, q, machine, machine_len);
        if (b->pid_gen[i] != b->gen || !b->pid_slot[i])
            run = NULL; /* a new PID when the run has its fill of them: the next run carries on */
    }
    if (run) {
        for (size_t i = run->first_span; i < run->first_span + run->n_spans; i++) {
            Span *candidate = &BUF_AT(b->spans, Span, i);
            if (candidate->hash == h && candidate->unit_len == unit_len && candidate->machine_len == machine_len &&
                memcmp(b->units.data + candidate->unit_off, unit, unit_len) == 0 &&
                memcmp(b->units.data + candidate->unit_off - (machine_len ? machine_len + 1 : 0), machine,
                       machine_len) == 0) {
                if (candidate->host_len != host_len ||
                    memcmp(b->units.data + candidate->host_off, host, host_len) != 0)
                    return 1; /* the machine's _HOSTNAME changed within the run: this entry is read in full */
                span = candidate;
                break;
            }
        }
        if (!span && run->n_spans >= MAX_SPANS_PER_RUN)
            run = NULL; /* too many units for one run: the next run carries on */
    }
    if (!run) {
        Run fresh = {.first_entry = b->n_entries, .first_span = BUF_COUNT(b->spans, Span),
                     .first_pid = BUF_COUNT(b->pids, PidNote), .peak_usec = realtime};
        Item item = {'r', BUF_COUNT(b->runs, Run)};
        if ((r = buf_put(&b->runs, &fresh, sizeof fresh)) < 0 || (r = buf_put(&b->items, &item, sizeof item)) < 0)
            return r;
        run = &BUF_AT(b->runs, Run, BUF_COUNT(b->runs, Run) - 1);
        b->open_run = 1;
        b->gen++; /* the PID table's slots of earlier runs are free */
    }
    uint32_t index = (uint32_t)run->n_entries;
    if (!span) {
        size_t host_off = b->units.len;
        if (host_len && (r = buf_put(&b->units, host, host_len)) < 0)
            return r;
        if (machine_len && ((r = buf_put(&b->units, machine, machine_len)) < 0 || (r = buf_put(&b->units, "/", 1)) < 0))
            return r;
        Span fresh = {.hash = h, .unit_off = b->units.len, .unit_len = unit_len, .machine_len = machine_len,
                      .host_off = host_off, .host_len = host_len, .first_usec = realtime, .last_usec = realtime};
        if ((r = buf_put(&b->units, unit, unit_len)) < 0 || (r = buf_put(&b->spans, &fresh, sizeof fresh)) < 0)
            return r;
        span = &BUF_AT(b->spans, Span, BUF_COUNT(b->spans, Span) - 1);
        run->n_spans++;
    } else if (realtime - span->last_usec > span->longest_gap) {
        span->longest_gap = realtime - span->last_usec;
    }
    span->count++;
    span->last_index = index;
    span->last_usec = realtime;
    if (realtime > run->peak_usec)
        run->peak_usec = realtime;
    uint16_t span_id = (uint16_t)(span - &BUF_AT(b->spans, Span, run->first_span));
    if (q->pid_len && (r = note_pid(b, run, span_id, q, machine, machine_len)) < 0)
        return r;
    uint8_t priority = (uint8_t)q->priority, level = (uint8_t)q->level;
    if ((r = buf_put(&b->times, &realtime, sizeof realtime)) < 0 || (r = buf_put(&b->priorities, &priority, 1)) < 0 ||
        (r = buf_put(&b->levels, &level, 1)) < 0 || (r = buf_put(&b->span_ids, &span_id, 2)) < 0)
        return r;
    uint64_t end = b->messages.len;
    if ((r = buf_put(&b->message_ends, &end, sizeof end)) < 0)
        return r;
    run->n_entries++;
    b->n_entries++;
    return 0;
}

/* PRIORITY as Python reads it (all ASCII digits, any number of them, else none), capped at 253: every
   priority limit is 7 or less, so past that the value makes no difference. */
static int parse_priority(const char *p, size_t len) {
    if (len == 0)
        return NO_PRIORITY;
    int value = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return NO_PRIORITY;
        value = value * 10 + (p[i] - '0');
        if (value > 253)
            value = 253;
    }
    return value;
}

/* Docker's container names, as selection._CONTAINER_NAME: [a-zA-Z0-9][a-zA-Z0-9_.-]*, 1 to 255 bytes. */
static int is_container_name(const char *p, size_t len) {
    if (len == 0 || len > 255 || !lv_alnum((unsigned char)p[0]))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!lv_alnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '.' && p[i] != '-')
            return 0;
    return 1;
}

/* Does a unit name end with a unit type's suffix (selection.UNIT_SUFFIXES)? */
static int has_unit_suffix(const char *p, size_t len) {
    static const char *const suffixes[] = {".service", ".socket", ".target", ".device", ".mount", ".automount",
                                           ".swap", ".timer", ".path", ".slice", ".scope"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(suffixes[i]);
        if (len >= n && memcmp(p + len - n, suffixes[i], n) == 0)
            return 1;
    }
    return 0;
}

/* A user's service manager, as selection.USER_MANAGER: "user@" digits ".service". */
static int is_user_manager(const char *p, size_t len) {
    if (len < 14 || memcmp(p, "user@", 5) != 0 || memcmp(p + len - 8, ".service", 8) != 0)
        return 0;
    for (size_t i = 5; i < len - 8; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* A unit name with a unit type's suffix, as selection.valid_unit_name and UNIT_SUFFIXES: [A-Za-z0-9:_.\\@-]. */
static int is_unit_name(const char *p, size_t len) {
    if (len == 0 || len > 255 || !has_unit_suffix(p, len))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!(lv_alnum((unsigned char)c) || c == ':' || c == '_' || c == '.' || c == '\\' || c == '@' || c == '-'))
            return 0;
    }
    return 1;
}

static int is_ascii(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] >= 0x80)
            return 0;
    return 1;
}

static int is_digits(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* Read entries into b until it is full or the journal ends. Returns 1 at the end, 0 when full, <0 on error. */
static int fill_batch(Scanner *s, Batch *b, Buf *unit, size_t limit) {
    size_t n = 0;
    while (n < limit && BUF_COUNT(b->candidates, Candidate) < s->max_candidates && batch_bytes(b) < s->max_bytes) {
        int r = 1;
        if (s->unread_current)
            s->unread_current = 0; /* already on it */
        else
            r = sd_journal_next(s->journal);
        if (r < 0) {
            s->error_where = "sd_journal_next";
            return r;
        }
        if (r == 0)
            return 1;
        b->at_end = -1; /* an entry was read: the batch's cursor moves (batch_cursor) */
        uint64_t realtime_u;
        if ((r = sd_journal_get_realtime_usec(s->journal, &realtime_u)) < 0) {
            s->error_where = "sd_journal_get_realtime_usec";
            return r;
        }
        int64_t realtime = (int64_t)realtime_u;
        if (s->until_usec >= 0 && realtime > s->until_usec)
            return 1;
        n++;

        /* One pass over the fields. A value pointer is only valid until the next field is read, so the
           message goes straight into the batch (taken back if the entry turns out a candidate). */
        Quick q = {.priority = NO_PRIORITY, .level = JOURNAL_LEVEL};
        size_t message_start = b->messages.len;
        int units = 0, machines = 0, hosts = 0, comms = 0, containers = 0, dockerd = 0;
        char machine[64], host[256], container[256], container_id[64], user_unit[256];
        char pid[MAX_PID_CHARS], invocation[32];
        int pids = 0, invocations = 0;
        size_t machine_len = 0, host_len = 0, container_len = 0, container_ids = 0, container_id_len = 0;
        size_t user_units = 0, user_unit_len = 0;
        int about_user_unit = 0;
        int disown = 0, stdout_stream = 0;
        uint64_t machine_hash = 0; /* its _MACHINE_ID's, for note_clock: a boot is a machine's */
        const void *data;
        size_t len;
        unit->len = 0;
        SD_JOURNAL_FOREACH_DATA(s->journal, data, len) {
            const char *d = data;
            switch (d[0]) {
            case 'M':
                if (HAS(d, len, "MESSAGE=")) {
                    if (++q.messages > 1)
                        q.full = 1; /* several MESSAGE values: Python joins them */
                    else if ((r = buf_put(&b->messages, d + 8, len - 8)) < 0)
                        return r;
                    q.message_len = len - 8;
                }
                break;
            case 'P':
                if (HAS(d, len, "PRIORITY=")) {
                    q.full |= q.has_priority; /* several values: Python sees none */
                    q.has_priority = 1;
                    q.priority = parse_priority(d + 9, len - 9);
                }
                break;
            case 'N':
                q.full |= HAS(d, len, "N_DROPPED="); /* journald dropped lines: the pipeline notes it */
                break;
            case '_':
                if (HAS(d, len, "_SYSTEMD_UNIT=")) {
                    if (++units == 1 && (r = buf_put(unit, d + 14, len - 14)) < 0)
                        return r;
                } else if (HAS(d, len, "_SYSTEMD_USER_UNIT=")) {
                    /* one value, of a unit name's length, else Python decides (if its unit is a user manager) */
                    user_unit_len = len - 19;
                    if (++user_units == 1 && user_unit_len <= sizeof user_unit)
                        memcpy(user_unit, d + 19, user_unit_len);
                } else if (HAS(d, len, "_MACHINE_ID=")) {
                    /* one plain value, as Python keys it; anything else: Python decides */
                    machine_len = len - 12;
                    machine_hash = hash_bytes(d + 12, machine_len);
                    q.full |= ++machines > 1 || machine_len == 0 || machine_len > sizeof machine ||
                              !is_ascii(d + 12, machine_len);
                    if (!q.full)
                        memcpy(machine, d + 12, machine_len);
                    if (s->disowned.active && claims_in_set(&s->disowned, d + 12, machine_len)) {
                        q.full |= !s->disown_screened;
                        disown = 1;
                    }
                } else if (HAS(d, len, "_HOSTNAME=")) {
                    /* the span names its host (records, alerts); several, empty or non-ASCII: Python decides */
                    host_len = len - 10;
                    q.full |= ++hosts > 1 || host_len == 0 || host_len > sizeof host || !is_ascii(d + 10, host_len);
                    if (!q.full)
                        memcpy(host, d + 10, host_len);
                } else if (len == 6 && memcmp(d, "_PID=1", 6) == 0) {
                    q.full = 1; /* systemd itself: its lines are about other units */
                } else if (HAS(d, len, "_PID=")) {
                    /* one value of decimal digits (journald's), else Python decides */
                    q.full |= ++pids > 1 || len == 5 || len - 5 > sizeof pid || !is_digits(d + 5, len - 5);
                    if (!q.full) {
                        memcpy(pid, d + 5, len - 5);
                        q.pid = pid;
                        q.pid_len = len - 5;
                    }
                } else if (HAS(d, len, "_SYSTEMD_INVOCATION_ID=")) {
                    q.full |= ++invocations > 1 || len - 23 != sizeof invocation || !is_ascii(d + 23, len - 23);
                    if (!q.full) {
                        memcpy(invocation, d + 23, sizeof invocation);
                        q.invocation = invocation;
                        q.invocation_len = sizeof invocation;
                    }
                } else if (HAS(d, len, "_COMM=")) {
                    q.full |= ++comms > 1; /* several: Python decides */
                    dockerd = len == 13 && memcmp(d + 6, "dockerd", 7) == 0; /* selection.CONTAINER_WRITER */
                } else if (len == 17 && memcmp(d, "_TRANSPORT=stdout", 17) == 0) {
                    stdout_stream = 1; /* its PRIORITY may be journald's default for the stream, no claim */
                }
                break;
            case 'C':
                q.full |= HAS(d, len, "COREDUMP_UNIT=");
                if (HAS(d, len, "CONTAINER_NAME=")) {
                    /* one name in Docker's grammar (selection._CONTAINER_NAME), else Python decides */
                    container_len = len - 15;
                    q.full |= ++containers > 1 || !is_container_name(d + 15, container_len);
                    if (!q.full)
                        memcpy(container, d + 15, container_len);
                } else if (HAS(d, len, "CONTAINER_ID_FULL=")) {
                    /* one value of 64 bytes (Python's CONTAINER_SCOPE checks its digits), else not used here */
                    container_id_len = ++container_ids == 1 && len == 18 + 64 ? 64 : 0;
                    if (container_id_len)
                        memcpy(container_id, d + 18, 64);
                }
                break;
            case 'O':
                q.full |= HAS(d, len, "OBJECT_SYSTEMD_UNIT=");
                break;
            case 'U':
                about_user_unit |= HAS(d, len, "USER_UNIT="); /* a user manager's line about a unit, if it is one */
                break;
            case 'S':
                /* cronie's job child (CROND): its MESSAGE wraps the job's own line, which Python unwraps and reads
                   the level of (cron_output.py): the wrapped text's level is not the job's */
                q.full |= (len == 23 && memcmp(d, "SYSLOG_IDENTIFIER=CROND", 23) == 0) ||
                          (len == 23 && memcmp(d, "SYSLOG_IDENTIFIER=crond", 23) == 0);
                break;
            }
            if (q.full)
                break;
        }
        /* The effective priority (engine/levels.py): the level in the text when PRIORITY is missing or 6.
           Known only when every field was read (no early break) and MESSAGE came once; otherwise the entry
           is a candidate and Python finds the level (and applies -p). */
        int text = NOT_LOOKED, effective = q.priority;
        /* a container's line that dockerd wrote (selection.subject_unit): stderr's 3 is its stream's default too */
        int container_line = dockerd && containers == 1 && has_unit_suffix(unit->data, unit->len);
        if (!q.full) {
            text = -1;
            if (q.priority == 6 || q.priority == NO_PRIORITY || (q.priority == 3 && container_line)) {
                text = text_level((const unsigned char *)b->messages.data + message_start,
                                  q.messages ? q.message_len : 0);
                if (text >= 0)
                    q.level = effective = text;
                else if (q.priority == 3 && container_line) { /* names none: levels.STDERR_UNLEVELLED, "stream" */
                    q.level = STREAM_LEVEL;
                    effective = STDERR_UNLEVELLED;
                }
            }
            if (s->priority_low >= 0 && effective == NO_PRIORITY) {
                q.full = 1; /* no level at all: -p takes its worst matching rule's (Selection.rule_level, Python) */
            } else if (s->priority_low >= 0 && (effective < s->priority_low || effective > s->priority_high)) {
                /* a level that is only its stream's default (journald's 6 for stdout, Docker's for a container's
                   stdout, or its stderr naming no level) claims nothing: a line a rule may match goes to Python,
                   which takes the worse of it and its rules' (Selection.admits; GHC's MVar deadlock on stdout) */
                if ((((stdout_stream || container_line) && q.priority == 6 && text < 0) || q.level == STREAM_LEVEL) &&
                    q.messages == 1 &&
                    screen_passes(&s->screen, (const unsigned char *)b->messages.data + message_start, q.message_len,
                                  effective)) {
                    q.full = 1;
                } else {
                    b->messages.len = message_start; /* not selected (-p): as if sd-journal had not matched it */
                    continue;
                }
            }
        }
        /* Screened entries are about their own unit, _SYSTEMD_UNIT (selection.subject_unit), named in ASCII
           (two names that differ only in undecodable bytes would be one unit to Python). */
        q.full |= q.messages != 1 || !q.has_priority || units != 1 || unit->len == 0 ||
                  !is_ascii(unit->data, unit->len);
        /* A container's line that dockerd wrote is about `UNIT/NAME` (selection.subject_unit); -u UNIT selects
           it too, as journalctl -u does. */
        size_t own_len = unit->len;
        if (!q.full && container_line) {
            if ((r = buf_put(unit, "/", 1)) < 0 || (r = buf_put(unit, container, container_len)) < 0)
                return r;
            /* with no machine, or disowned below, its key is "/UNIT/NAME" (model.host_unit): Python makes it */
            q.full |= machine_len == 0 || disown;
        }
        /* A user unit's line (its own unit a user manager) is about `user@UID.service/UNIT` (selection.subject_unit).
           Python decides the manager's own lines about a unit (init.scope with USER_UNIT), odd values, and the key
           of one with no machine or disowned ("/user@UID.service/UNIT", model.host_unit). */
        if (!q.full && !container_line && user_units && is_user_manager(unit->data, own_len)) {
            int own_line = user_unit_len == 10 && memcmp(user_unit, "init.scope", 10) == 0;
            if (user_units > 1 || user_unit_len > sizeof user_unit || (own_line && about_user_unit) ||
                (!own_line && !is_unit_name(user_unit, user_unit_len))) {
                q.full = 1;
            } else if (!own_line) {
                if ((r = buf_put(unit, "/", 1)) < 0 || (r = buf_put(unit, user_unit, user_unit_len)) < 0)
                    return r;
                q.full |= machine_len == 0 || disown;
            }
        }
        int clock_slot = note_clock(s, realtime, machine_hash);
        if (!q.full && ((s->units.active && !in_set(&s->units, unit->data, unit->len) &&
                         !(unit->len != own_len && in_set(&s->units, unit->data, own_len))) ||
                        (s->machines.active && !in_set(&s->machines, machine, machine_len)))) {
            b->messages.len = message_start; /* not selected: as if a match had left it out */
            continue;
        }
        q.full |= clock_slot >= 0 && s->boots[clock_slot].jump_delta != 0; /* it carries its clock's jump */
        if (!q.full && disown) { /* selected by its claim, as Python's Keep takes it, then disowned */
            machine_len = 0;
            __atomic_fetch_add(&s->disowned_screened, 1, __ATOMIC_RELAXED);
        }
        /* a container's first line comes in full: its CONTAINER_ID_FULL ties it to its scope (absence_stops) */
        if (!q.full && container_line && container_ids == 1 && container_id_len) {
            uint64_t h = hash_bytes(container_id, sizeof container_id) ^
                         (hash_bytes(machine, machine_len) * 1099511628211ULL);
            q.full = !container_seen(s, h ? h : 1);
        }
        /* its boot's first (an evicted slot's boot may come so once more): not a disowned claim's, of no machine */
        q.full |= clock_slot >= 0 && s->boots[clock_slot].fresh && !disown;
        if (!q.full) {
            q.message = b->messages.data + message_start;
            q.full = screen_passes(&s->screen, (const unsigned char *)q.message, q.message_len, effective);
        }
        if (q.full) {
            b->messages.len = message_start;
            if ((r = read_candidate(s, b, realtime, text)) < 0)
                return r;
            hand_jump(s, b, clock_slot);
            continue;
        }
        if (unit->len != own_len)
            q.pid_len = 0; /* a container's or user unit's line: its PID is its writer's (PidOwners.learn) */
        if ((r = add_screened(b, realtime, &q, machine, machine_len, host, host_len, unit->data, unit->len)) < 0)
            return r;
        if (r == 1) { /* its span in the run has another host name: read in full, as a candidate is */
            b->messages.len = message_start;
            if ((r = read_candidate(s, b, realtime, text)) < 0)
                return r;
        }
    }
    return 0;
}

/* Follow mode: the cursor of the last entry read into b (sd-journal keeps its place when next() finds no
   more, as journalctl's --cursor-file relies on), so the caller can save how far it has read. */
static int batch_cursor(Scanner *s, Batch *b, int r) {
    int read_some = b->at_end == -1;
    free(b->cursor);
    b->cursor = NULL;
    b->at_end = r == 1;
    if (!s->follow || !read_some)
        return 0;
    int c = sd_journal_get_cursor(s->journal, &b->cursor);
    if (c < 0)
        s->error_where = "sd_journal_get_cursor";
    return c;
}

/* Follow mode, at the journal's end: wait on its inotify fd (or the stop fd), then let sd-journal process
   what changed: appends, rotation, vacuuming, new files in the directory (INVALIDATE), all followed by
   sd-journal itself as sd_journal_wait does. */
static uint64_t monotonic_usec(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

/* Poked follow mode: sd-journal re-fstat()s a file when it reads past the size it knows, so an entry
   appended since is found by sd_journal_next without sd_journal_process (no inotify instance needed:
   Linux allows 128 per user, fewer than a collector's hosts). Wait for poke() or the stop fd, no timeout:
   an idle host costs nothing. Shrink the free batches' buffers first, so that hundreds of idle scanners
   do not keep a backlog's high-water mark (up to BATCH_BYTES and more each). A scanner still waiting after
   IDLE_FREE_MS frees its batches' buffers entirely (the last batch handed over is back by then: it was in the
   caller's hands at the first shrink): about 800 KiB of a 2048-entry batch read in full, per idle host. */
#define KEEP_IDLE_BYTES (256u << 10)
#define IDLE_FREE_MS 1000

static size_t batch_capacity(const Batch *b) {
    const Buf *bufs[] = {&b->items, &b->candidates, &b->runs, &b->spans, &b->records, &b->units, &b->pids,
                         &b->times, &b->priorities, &b->levels, &b->span_ids, &b->message_ends, &b->messages};
    size_t cap = 0;
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        cap += bufs[i]->cap;
    return cap;
}

/* Free the free batches' buffers above `keep` bytes; whether every batch is free (none is in the caller's
   hands or ready). */
static int shrink_free_batches(Scanner *s, size_t keep) {
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_free; i++) {
        Batch *b = &s->batches[s->free_list[i]];
        if (batch_capacity(b) > keep)
            batch_free(b);
    }
    int all = s->n_free == N_BATCHES;
    pthread_mutex_unlock(&s->lock);
    return all;
}

/* Woken with new entries: gather what comes in the rest of the coalescing window since the last hand-over
   (the stop fd still ends the wait); -1 with errno on failure. */
static int coalesce(Scanner *s, struct pollfd *stop) {
    uint64_t since = monotonic_usec() - s->handed_usec;
    if (since >= s->coalesce_usec)
        return 0;
    uint64_t rest_usec = s->coalesce_usec - since;
    struct timespec rest = {.tv_sec = (time_t)(rest_usec / 1000000u), .tv_nsec = (long)(rest_usec % 1000000u) * 1000};
    if (ppoll(stop, 1, &rest, NULL) < 0 && errno != EINTR) {
        s->error_where = "ppoll";
        return -1;
    }
    return 0;
}

static int wait_poke(Scanner *s) {
    shrink_free_batches(s, KEEP_IDLE_BYTES);
    struct pollfd fds[2] = {{.fd = s->poke_fd, .events = POLLIN}, {.fd = s->stop_fd, .events = POLLIN}};
    int timeout_ms = IDLE_FREE_MS, ready;
    while ((ready = poll(fds, 2, timeout_ms)) == 0) /* idle: free what is back, then wait without timeout */
        timeout_ms = shrink_free_batches(s, 0) ? -1 : IDLE_FREE_MS;
    if (ready < 0 && errno != EINTR) {
        s->error_where = "poll";
        return -errno;
    }
    if ((fds[0].revents & POLLIN) && !(fds[1].revents & POLLIN) && coalesce(s, &fds[1]) < 0)
        return -errno;
    uint64_t count;
    if (read(s->poke_fd, &count, sizeof count) < 0) {
        /* EAGAIN: woken by the stop fd */
    }
    return 0;
}

static int wait_journal(Scanner *s) {
    if (s->poked)
        return wait_poke(s);
    int fd = sd_journal_get_fd(s->journal);
    if (fd < 0) {
        s->error_where = "sd_journal_get_fd";
        return fd;
    }
    int events = sd_journal_get_events(s->journal);
    if (events < 0) {
        s->error_where = "sd_journal_get_events";
        return events;
    }
    int timeout_ms = FOLLOW_WAIT_MS;
    uint64_t until;
    if (sd_journal_get_timeout(s->journal, &until) >= 0 && until != UINT64_MAX) {
        uint64_t now_usec = monotonic_usec();
        uint64_t left_ms = until > now_usec ? (until - now_usec + 999) / 1000 : 0;
        if (left_ms < (uint64_t)timeout_ms)
            timeout_ms = (int)left_ms;
    }
    struct pollfd fds[2] = {{.fd = fd, .events = (short)events}, {.fd = s->stop_fd, .events = POLLIN}};
    int ready = poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) {
        s->error_where = "poll";
        return -errno;
    }
    if (ready > 0 && !(fds[1].revents & POLLIN) && coalesce(s, &fds[1]) < 0)
        return -errno;
    int r = sd_journal_process(s->journal);
    if (r < 0) {
        s->error_where = "sd_journal_process";
        return r;
    }
    return 0;
}

static void signal_ready(Scanner *s) {
    uint64_t one = 1;
    if (s->ready_fd >= 0 && write(s->ready_fd, &one, sizeof one) < 0) {
        /* the counter cannot overflow here; nothing to do */
    }
}

/* ---- the worker thread ------------------------------------------------------------------------- */

static void *worker(void *arg) {
    Scanner *s = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main thread's business */
    Buf unit = {0};
    size_t limit = FIRST_BATCH_ENTRIES < s->max_entries ? FIRST_BATCH_ENTRIES : s->max_entries;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        if (s->n_free == 0) {
            pthread_cond_wait(&s->changed, &s->lock);
            continue;
        }
        if (s->waiting) {
            pthread_mutex_unlock(&s->lock);
            int r = wait_journal(s);
            pthread_mutex_lock(&s->lock);
            s->waiting = 0;
            if (r < 0) {
                s->error = r;
                break;
            }
            continue;
        }
        int index = s->free_list[--s->n_free];
        pthread_mutex_unlock(&s->lock);
        Batch *b = &s->batches[index];
        batch_reset(b);
        int r = fill_batch(s, b, &unit, limit);
        if (r >= 0) {
            int c = batch_cursor(s, b, r);
            r = c < 0 ? c : r;
        }
        if (limit < s->max_entries)
            limit = limit * 2 < s->max_entries ? limit * 2 : s->max_entries;
        pthread_mutex_lock(&s->lock);
        if (r < 0) {
            s->error = r;
            if (!s->error_where)
                s->error_where = "reading the journal";
        }
        /* Follow mode hands over a batch with no item too when it is the first to reach the end (the
           caller learns it has caught up) or moved the cursor (entries -p left out). */
        if (BUF_COUNT(b->items, Item) > 0 || (s->follow && r == 1 && (!s->handed_end || b->cursor))) {
            s->ready[(s->ready_head + s->n_ready++) % N_BATCHES] = index;
            s->handed_end = r == 1;
            s->handed_usec = monotonic_usec();
            signal_ready(s);
        } else {
            s->free_list[s->n_free++] = index;
        }
        if (r < 0 || (r == 1 && !s->follow))
            break;
        s->waiting = r == 1;
        pthread_cond_broadcast(&s->changed);
    }
    s->finished = 1;
    signal_ready(s);
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    buf_release(&unit);
    return NULL;
}

/* ---- batch -> Python objects (with the GIL) ---------------------------------------------------- */

static PyObject *bytes_of(const Buf *b, size_t offset, size_t len) {
    return PyBytes_FromStringAndSize(b->data + offset, (Py_ssize_t)len);
}

/* The value as str (UTF-8 with replacement, as values.decode does), shared with earlier equal values. */
static PyObject *text_of(Scanner *s, const char *p, size_t len, uint64_t hash) {
    (void)s;
    if (!text_cache && len <= TEXT_CACHE_MAX)
        text_cache = calloc(TEXT_CACHE_SLOTS, sizeof(struct CachedText)); /* NULL: decoded uncached */
    if (len > TEXT_CACHE_MAX || !text_cache)
        return PyUnicode_DecodeUTF8(p, (Py_ssize_t)len, "replace");
    struct CachedText *slot = &text_cache[hash % TEXT_CACHE_SLOTS];
    if (slot->text && slot->hash == hash && slot->len == len && memcmp(slot->bytes, p, len) == 0) {
        Py_INCREF(slot->text);
        return slot->text;
    }
    PyObject *text = PyUnicode_DecodeUTF8(p, (Py_ssize_t)len, "replace");
    if (!text)
        return NULL;
    Py_XSETREF(slot->text, text);
    Py_INCREF(text);
    slot->hash = hash;
    slot->len = len;
    memcpy(slot->bytes, p, len);
    return text;
}

/* A candidate's fields as str (decoded as values.decode does: UTF-8 with replacement, a field an entry
   carries several times joined with newlines). */
static PyObject *candidate_object(Scanner *s, const Batch *b, const Candidate *c) {
    PyObject *fields = PyDict_New();
    if (!fields)
        return NULL;
    size_t at = c->record_start;
    while (at < c->record_end) {
        uint32_t header[2];
        memcpy(header, b->records.data + at, sizeof header);
        at += sizeof header;
        PyObject *name = s->wanted_names[header[0]];
        const char *bytes = b->records.data + at;
        PyObject *value = name == s->message_name ? PyUnicode_DecodeUTF8(bytes, (Py_ssize_t)header[1], "replace")
                                                  : text_of(s, bytes, header[1], hash_bytes(bytes, header[1]));
        at += header[1];
        if (!value)
            goto fail;
        PyObject *before = PyDict_GetItemWithError(fields, name);
        if (before == NULL && PyErr_Occurred()) {
            Py_DECREF(value);
            goto fail;
        }
        if (before != NULL) {
            PyObject *joined = PyUnicode_FromFormat("%U\n%U", before, value);
            Py_DECREF(value);
            if (!joined)
                goto fail;
            value = joined;
        }
        int r = PyDict_SetItem(fields, name, value);
        Py_DECREF(value);
        if (r < 0)
            goto fail;
    }
    if (c->jumped) /* (realtime, cursor, fields, text level, (jump at, jump)): engine/clock_jumps.py */
        return Py_BuildValue("(LsNi(LL))", (long long)c->realtime, c->cursor, fields, c->text_level,
                             (long long)c->jump_at, (long long)c->jump_delta);
    return Py_BuildValue("(LsNi)", (long long)c->realtime, c->cursor, fields, c->text_level);
fail:
    Py_DECREF(fields);
    return NULL;
}

static PyObject *run_object(Scanner *s, const Batch *b, const Run *run, PyObject *arrays) {
    PyObject *pids = NULL;
    PyObject *spans = PyTuple_New((Py_ssize_t)run->n_spans);
    PyObject *units = PyTuple_New((Py_ssize_t)run->n_spans);
    if (!spans || !units)
        goto fail;
    for (size_t i = 0; i < run->n_spans; i++) {
        const Span *sp = &BUF_AT(b->spans, Span, run->first_span + i);
        size_t last = run->first_entry + sp->last_index;
        uint64_t start = last ? BUF_AT(b->message_ends, uint64_t, last - 1) : 0;
        uint64_t end = BUF_AT(b->message_ends, uint64_t, last);
        /* units: the spans' keys, "MACHINE/unit" (model.host_unit) or the unit when the entries had no machine */
        const char *unit_at = b->units.data + sp->unit_off;
        size_t prefix = sp->machine_len ? sp->machine_len + 1 : 0;
        PyObject *key = text_of(s, unit_at - prefix, sp->unit_len + prefix, sp->hash);
        if (!key)
            goto fail;
        PyTuple_SET_ITEM(units, (Py_ssize_t)i, key);
        PyObject *unit = prefix ? text_of(s, unit_at, sp->unit_len, hash_bytes(unit_at, sp->unit_len)) : (Py_INCREF(key), key);
        if (!unit)
            goto fail;
        PyObject *machine = text_of(s, unit_at - prefix, sp->machine_len, hash_bytes(unit_at - prefix, sp->machine_len));
        if (!machine) {
            Py_DECREF(unit);
            goto fail;
        }
        const char *host_at = b->units.data + sp->host_off;
        PyObject *host = text_of(s, host_at, sp->host_len, hash_bytes(host_at, sp->host_len));
        if (!host) {
            Py_DECREF(unit);
            Py_DECREF(machine);
            goto fail;
        }
        PyObject *span = Py_BuildValue("(NILLLy#NN)", unit, sp->count, (long long)sp->first_usec,
                                       (long long)sp->last_usec, (long long)sp->longest_gap,
                                       b->messages.data + start, (Py_ssize_t)(end - start), machine, host);
        if (!span)
            goto fail;
        PyTuple_SET_ITEM(spans, (Py_ssize_t)i, span);
    }
    /* pids: (PID, span index, invocation) of each PID's last entry in the run, per machine (PidNote) */
    pids = PyTuple_New((Py_ssize_t)run->n_pids);
    if (!pids)
        goto fail;
    for (size_t i = 0; i < run->n_pids; i++) {
        const PidNote *note = &BUF_AT(b->pids, PidNote, run->first_pid + i);
        PyObject *pid = Py_BuildValue("(NIN)", text_of(s, note->pid, note->pid_len, hash_bytes(note->pid, note->pid_len)),
                                      (unsigned)note->span_id,
                                      text_of(s, note->invocation, note->invocation_len,
                                              hash_bytes(note->invocation, note->invocation_len)));
        if (!pid)
            goto fail;
        PyTuple_SET_ITEM(pids, (Py_ssize_t)i, pid);
    }
    int64_t first = BUF_AT(b->times, int64_t, run->first_entry);
    int64_t last = BUF_AT(b->times, int64_t, run->first_entry + run->n_entries - 1);
    return Py_BuildValue("(nLLLNNnON)", (Py_ssize_t)run->n_entries, (long long)first, (long long)last,
                         (long long)run->peak_usec, spans, units, (Py_ssize_t)run->first_entry, arrays, pids);
fail:
    Py_XDECREF(spans);
    Py_XDECREF(units);
    Py_XDECREF(pids);
    return NULL;
}

static PyObject *batch_object(Scanner *s, const Batch *b) {
    /* The per-entry arrays of screened entries, shared by the batch's runs (for the rare exact replay). */
    PyObject *arrays = Py_BuildValue("(NNNNNN)", bytes_of(&b->times, 0, b->times.len),
                                     bytes_of(&b->priorities, 0, b->priorities.len),
                                     bytes_of(&b->levels, 0, b->levels.len),
                                     bytes_of(&b->span_ids, 0, b->span_ids.len),
                                     bytes_of(&b->message_ends, 0, b->message_ends.len),
                                     bytes_of(&b->messages, 0, b->messages.len));
    if (!arrays)
        return NULL;
    size_t n = BUF_COUNT(b->items, Item);
    PyObject *items = PyList_New((Py_ssize_t)n);
    if (!items) {
        Py_DECREF(arrays);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const Item *item = &BUF_AT(b->items, Item, i);
        PyObject *object = item->kind == 'c'
                               ? candidate_object(s, b, &BUF_AT(b->candidates, Candidate, item->index))
                               : run_object(s, b, &BUF_AT(b->runs, Run, item->index), arrays);
        if (!object) {
            Py_DECREF(items);
            Py_DECREF(arrays);
            return NULL;
        }
        PyList_SET_ITEM(items, (Py_ssize_t)i, object);
    }
    Py_DECREF(arrays);
    return items;
}

/* ---- the Python type ---------------------------------------------------------------------------- */

static int fail_errno(int r, const char *where) {
    errno = -r;
    PyErr_Format(PyExc_OSError, "%s: %s", where, strerror(-r));
    return -1;
}

static char *copy_utf8(PyObject *text, size_t *len) {
    Py_ssize_t n;
    const char *data = PyUnicode_AsUTF8AndSize(text, &n);
    if (!data)
        return NULL;
    char *copy = malloc((size_t)n + 1);
    if (!copy) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, data, (size_t)n + 1);
    if (len)
        *len = (size_t)n;
    return copy;
}

static int setup_screen(Scanner *s, PyObject *literals, int always_limit) {
    s->screen.always_limit = always_limit;
    PyObject *seq = PySequence_Fast(literals, "literals must be a sequence of (bytes, limit) pairs");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    s->screen.literals = calloc((size_t)n + 1, sizeof(Literal));
    if (!s->screen.literals) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *bytes;
        Py_ssize_t len;
        int limit;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "y#i", &bytes, &len, &limit))
            goto fail;
        if (len < 3) {
            PyErr_SetString(PyExc_ValueError, "a screen literal needs at least 3 bytes");
            goto fail;
        }
        Literal *lit = &s->screen.literals[s->screen.n];
        lit->bytes = malloc((size_t)len);
        if (!lit->bytes) {
            PyErr_NoMemory();
            goto fail;
        }
        memcpy(lit->bytes, bytes, (size_t)len);
        lit->len = (size_t)len;
        lit->limit = limit;
        lit->key = key3(lit->bytes);
        s->screen.bits[lit->key >> 6] |= 1ull << (lit->key & 63);
        s->screen.n++;
    }
    qsort(s->screen.literals, s->screen.n, sizeof(Literal), literal_cmp);
    Py_DECREF(seq);
    return 0;
fail:
    Py_DECREF(seq);
    return -1;
}

/* A NameSet from None (no condition) or a sequence of str. */
static int setup_set(NameSet *set, PyObject *names) {
    if (names == Py_None)
        return 0;
    PyObject *seq = PySequence_Fast(names, "units and machines must be sequences of str");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    set->names = calloc((size_t)n + 1, sizeof(Wanted));
    if (!set->names) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    set->active = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!(set->names[i].name = copy_utf8(PySequence_Fast_GET_ITEM(seq, i), &set->names[i].len))) {
            Py_DECREF(seq);
            return -1;
        }
        set->n++;
    }
    qsort(set->names, set->n, sizeof(Wanted), name_cmp);
    Py_DECREF(seq);
    return 0;
}

static int add_matches(Scanner *s, PyObject *matches) {
    PyObject *seq = PySequence_Fast(matches, "matches must be a sequence of str");
    if (!seq)
        return -1;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        Py_ssize_t len;
        const char *term = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, i), &len);
        if (!term)
            goto fail;
        int r;
        if (strcmp(term, "|") == 0)
            r = sd_journal_add_disjunction(s->journal);
        else if (strcmp(term, "&") == 0)
            r = sd_journal_add_conjunction(s->journal);
        else
            r = sd_journal_add_match(s->journal, term, (size_t)len);
        if (r < 0) {
            fail_errno(r, "sd_journal_add_match");
            goto fail;
        }
    }
    Py_DECREF(seq);
    return 0;
fail:
    Py_DECREF(seq);
    return -1;
}

static int open_journal(Scanner *s, PyObject *directory, PyObject *files, int flags) {
    int r;
    if (directory != Py_None) {
        PyObject *encoded;
        if (!PyUnicode_FSConverter(directory, &encoded))
            return -1;
        r = sd_journal_open_directory(&s->journal, PyBytes_AS_STRING(encoded), flags);
        Py_DECREF(encoded);
    } else if (PyObject_Length(files) > 0) {
        PyObject *seq = PySequence_Fast(files, "files must be a sequence of paths");
        if (!seq)
            return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        PyObject **encoded = calloc((size_t)n, sizeof(PyObject *));
        const char **paths = calloc((size_t)n + 1, sizeof(char *));
        int ok = encoded && paths;
        for (Py_ssize_t i = 0; ok && i < n; i++) {
            ok = PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, i), &encoded[i]);
            if (ok)
                paths[i] = PyBytes_AS_STRING(encoded[i]);
        }
        r = ok ? sd_journal_open_files(&s->journal, paths, flags) : 0;
        for (Py_ssize_t i = 0; encoded && i < n; i++)
            Py_XDECREF(encoded[i]);
        free(encoded);
        free((void *)paths);
        Py_DECREF(seq);
        if (!ok) {
            if (!PyErr_Occurred())
                PyErr_NoMemory();
            return -1;
        }
    } else {
        r = sd_journal_open(&s->journal, flags);
    }
    if (r < 0) {
        s->journal = NULL;
        errno = -r;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return 0;
}

/* The effective priority of the entry the journal stands on (as fill_batch works it out), for -n with -p. */
static int current_effective(sd_journal *j) {
    const void *data;
    size_t len;
    int priority = NO_PRIORITY;
    if (sd_journal_get_data(j, "PRIORITY", &data, &len) >= 0)
        priority = parse_priority((const char *)data + 9, len - 9);
    if (priority != 6 && priority != NO_PRIORITY)
        return priority;
    if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0)
        return priority;
    int text = text_level((const unsigned char *)data + 8, len - 8);
    return text >= 0 ? text : priority;
}

/* Where reading starts, with the matches in place (as sources/journal.py's JournalFollower did): after a
   saved cursor (on the entry past it when the saved one is gone), at the tail (lines_back < 0: the first entry
   read is the first appended after now, whatever its time: a lagging host's or a late-flushed entry stamped
   before now is not skipped, as it was by seeking to now's time), N entries back (counting those -p admits),
   at a time, or at the head. */
static int position(Scanner *s, const char *cursor, long lines_back, long long since_usec) {
    sd_journal *j = s->journal;
    int r;
    if (cursor) {
        if ((r = sd_journal_seek_cursor(j, cursor)) < 0)
            return fail_errno(r, "sd_journal_seek_cursor");
        if ((r = sd_journal_next(j)) < 0)
            return fail_errno(r, "sd_journal_next");
        if (r > 0) {
            /* On the saved entry itself: it was read. Past it (vacuumed, or it no longer matches): unread. */
            int on = sd_journal_test_cursor(j, cursor);
            if (on < 0)
                return fail_errno(on, "sd_journal_test_cursor");
            s->unread_current = !on;
        }
        return 0;
    }
    if (lines_back < 0) {
        /* on the last (matching) entry, as read: next() gives the one after it; an empty journal: its head */
        if ((r = sd_journal_seek_tail(j)) < 0)
            return fail_errno(r, "sd_journal_seek_tail");
        if ((r = sd_journal_previous(j)) < 0)
            return fail_errno(r, "sd_journal_previous");
        if (r == 0 && (r = sd_journal_seek_head(j)) < 0)
            return fail_errno(r, "sd_journal_seek_head");
        return 0;
    }
    if (lines_back > 0) {
        if ((r = sd_journal_seek_tail(j)) < 0)
            return fail_errno(r, "sd_journal_seek_tail");
        long moved = 0;
        while (moved < lines_back && (r = sd_journal_previous(j)) > 0) {
            int effective = s->priority_low >= 0 ? current_effective(j) : 0;
            if (s->priority_low < 0 || (effective >= s->priority_low && effective <= s->priority_high))
                moved++;
        }
        if (r < 0)
            return fail_errno(r, "sd_journal_previous");
        if (moved) {
            /* after moving back N, next() returns entry N-1 back: step back once more, or start at the head */
            if ((r = sd_journal_previous(j)) < 0)
                return fail_errno(r, "sd_journal_previous");
            if (r == 0 && (r = sd_journal_seek_head(j)) < 0)
                return fail_errno(r, "sd_journal_seek_head");
            return 0;
        }
    }
    r = since_usec >= 0 ? sd_journal_seek_realtime_usec(j, (uint64_t)since_usec) : sd_journal_seek_head(j);
    return r < 0 ? fail_errno(r, "sd_journal_seek") : 0;
}

/* Is the saved cursor's entry still there? Checked before the matches are added: with a changed selection
   the saved entry may simply not match any more, which is no gap. */
static int check_gap(Scanner *s, const char *cursor) {
    int r = sd_journal_seek_cursor(s->journal, cursor);
    if (r < 0)
        return fail_errno(r, "sd_journal_seek_cursor");
    if ((r = sd_journal_next(s->journal)) < 0)
        return fail_errno(r, "sd_journal_next");
    if (r == 0)
        return 0;
    int on = sd_journal_test_cursor(s->journal, cursor);
    if (on < 0)
        return fail_errno(on, "sd_journal_test_cursor");
    uint64_t at;
    if (!on && (r = sd_journal_get_realtime_usec(s->journal, &at)) < 0)
        return fail_errno(r, "sd_journal_get_realtime_usec");
    if (!on)
        s->gap_usec = (int64_t)at;
    return 0;
}

static int Scanner_init(Scanner *s, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"directory", "files", "flags", "matches", "since_usec", "until_usec", "literals",
                               "always_limit", "wanted", "priority_low", "priority_high", "follow", "cursor",
                               "lines_back", "units", "machines", "poked", "batch_entries", "coalesce_usec",
                               "disowned", "disown_screened", NULL};
    PyObject *directory, *files, *matches, *literals, *wanted, *units = Py_None, *machines = Py_None,
             *disowned = Py_None;
    int flags, always_limit, priority_low = -1, priority_high = -1, follow = 0, poked = 0, disown_screened = 0;
    const char *cursor = NULL;
    long lines_back = 0, batch_entries = 0, coalesce_usec = COALESCE_USEC;
    long long since_usec, until_usec;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOiOLLOiO|iipzlOOpllOp", keywords, &directory, &files, &flags,
                                     &matches, &since_usec, &until_usec, &literals, &always_limit, &wanted,
                                     &priority_low, &priority_high, &follow, &cursor, &lines_back, &units, &machines,
                                     &poked, &batch_entries, &coalesce_usec, &disowned, &disown_screened))
        return -1;
    if (setup_set(&s->units, units) < 0 || setup_set(&s->machines, machines) < 0 ||
        setup_set(&s->disowned, disowned) < 0)
        return -1;
    s->follow = follow || poked;
    s->poked = poked;
    s->disown_screened = disown_screened;
    s->max_entries = batch_entries > 0 && batch_entries < BATCH_ENTRIES ? (size_t)batch_entries : BATCH_ENTRIES;
    s->max_candidates = s->max_entries < BATCH_CANDIDATES ? s->max_entries : BATCH_CANDIDATES;
    s->max_bytes = (size_t)((uint64_t)BATCH_BYTES * s->max_entries / BATCH_ENTRIES);
    s->coalesce_usec = coalesce_usec > 0 && coalesce_usec <= 10000000 ? (uint64_t)coalesce_usec : COALESCE_USEC;
    if (s->journal || s->screen.literals || s->wanted) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner is already initialised");
        return -1;
    }
    s->until_usec = until_usec;
    s->priority_low = priority_low;
    s->priority_high = priority_high;
    if (setup_screen(s, literals, always_limit) < 0)
        return -1;

    PyObject *seq = PySequence_Fast(wanted, "wanted must be a sequence of str");
    if (!seq)
        return -1;
    s->n_wanted = (size_t)PySequence_Fast_GET_SIZE(seq);
    s->wanted = calloc(s->n_wanted + 1, sizeof(Wanted));
    s->wanted_names = calloc(s->n_wanted + 1, sizeof(PyObject *));
    if (!s->wanted || !s->wanted_names) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < s->n_wanted; i++) {
        PyObject *name = PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)i);
        if (!(s->wanted[i].name = copy_utf8(name, &s->wanted[i].len))) {
            Py_DECREF(seq);
            return -1;
        }
        Py_INCREF(name);
        s->wanted_names[i] = name;
        if (strcmp(s->wanted[i].name, "MESSAGE") == 0)
            s->message_name = name;
    }
    Py_DECREF(seq);

    if (open_journal(s, directory, files, flags) < 0)
        return -1;
    int r;
    if (s->follow) {
        /* the inotify watches first, so that nothing written from here on goes unnoticed (poked: the
           caller's watch is in place before it opens the scanner) */
        if (!poked && (r = sd_journal_get_fd(s->journal)) < 0)
            return fail_errno(r, "sd_journal_get_fd");
        s->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        s->poke_fd = poked ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
        if (s->ready_fd < 0 || s->stop_fd < 0 || (poked && s->poke_fd < 0))
            return fail_errno(-errno, "eventfd");
    }
    if (cursor && check_gap(s, cursor) < 0)
        return -1;
    if (add_matches(s, matches) < 0 || position(s, cursor, lines_back, since_usec) < 0)
        return -1;
    if (s->units.active || s->machines.active) {
        /* positioned by the matches; from here on the sets select. Flushing detaches the current entry:
           one not read yet is sought again, so that next() returns it. */
        char *unread = NULL;
        if (s->unread_current && (r = sd_journal_get_cursor(s->journal, &unread)) < 0)
            return fail_errno(r, "sd_journal_get_cursor");
        sd_journal_flush_matches(s->journal);
        if (unread) {
            r = sd_journal_seek_cursor(s->journal, unread);
            free(unread);
            if (r < 0)
                return fail_errno(r, "sd_journal_seek_cursor");
            s->unread_current = 0;
        }
    }

    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->changed, NULL);
    for (int i = 0; i < N_BATCHES; i++)
        s->free_list[s->n_free++] = i;
    if ((r = pthread_create(&s->thread, NULL, worker, s)) != 0) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->changed);
        return fail_errno(-r, "pthread_create");
    }
    s->thread_started = 1;
    return 0;
}

static void stop_worker(Scanner *s) {
    if (!s->thread_started)
        return;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    uint64_t one = 1;
    if (s->stop_fd >= 0 && write(s->stop_fd, &one, sizeof one) < 0) {
        /* the worker's wait ends within FOLLOW_WAIT_MS anyway */
    }
    pthread_join(s->thread, NULL);
    Py_END_ALLOW_THREADS
    s->thread_started = 0;
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->changed);
}

static PyObject *Scanner_read(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    if (!s->journal) {
        PyErr_SetString(PyExc_ValueError, "Scanner is closed");
        return NULL;
    }
    if (!s->thread_started)
        Py_RETURN_NONE;
    int index = -1, error = 0;
    const char *where = NULL;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&s->lock);
    while (s->n_ready == 0 && !s->finished)
        pthread_cond_wait(&s->changed, &s->lock);
    if (s->n_ready > 0) {
        index = s->ready[s->ready_head];
        s->ready_head = (s->ready_head + 1) % N_BATCHES;
        s->n_ready--;
    } else {
        error = s->error;
        where = s->error_where;
        s->error = 0;
    }
    pthread_mutex_unlock(&s->lock);
    Py_END_ALLOW_THREADS
    if (index < 0) {
        if (error < 0) {
            fail_errno(error, where);
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *items = batch_object(s, &s->batches[index]);
    pthread_mutex_lock(&s->lock);
    s->free_list[s->n_free++] = index;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    return items;
}

/* Follow mode: the next batch if one is ready, without waiting (wait for fileno() to be readable). */
static PyObject *Scanner_take(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    if (!s->journal || !s->follow) {
        PyErr_SetString(PyExc_ValueError, s->journal ? "take() is for follow mode" : "Scanner is closed");
        return NULL;
    }
    if (!s->thread_started)
        Py_RETURN_NONE;
    int index = -1, error = 0;
    const char *where = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->n_ready > 0) {
        index = s->ready[s->ready_head];
        s->ready_head = (s->ready_head + 1) % N_BATCHES;
        s->n_ready--;
    } else if (s->finished) {
        error = s->error;
        where = s->error_where;
    }
    if (s->n_ready == 0 && !s->finished) {
        uint64_t count;
        if (read(s->ready_fd, &count, sizeof count) < 0) {
            /* EAGAIN: nothing was signalled */
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (index < 0) {
        if (error < 0) {
            fail_errno(error, where ? where : "reading the journal");
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Batch *b = &s->batches[index];
    PyObject *items = batch_object(s, b);
    PyObject *result = items ? Py_BuildValue("(NzO)", items, b->cursor, b->at_end ? Py_True : Py_False) : NULL;
    pthread_mutex_lock(&s->lock);
    s->free_list[s->n_free++] = index;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    return result;
}

static PyObject *Scanner_fileno(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    if (s->ready_fd < 0) {
        PyErr_SetString(PyExc_ValueError, "fileno() is for an open Scanner in follow mode");
        return NULL;
    }
    return PyLong_FromLong(s->ready_fd);
}

/* Poked follow mode: read on from where the worker is (the caller saw the file change). Cheap and safe to
   call often: pokes before the worker looks again are one. */
static PyObject *Scanner_poke(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    if (s->poke_fd < 0) {
        PyErr_SetString(PyExc_ValueError, "poke() is for an open Scanner in poked follow mode");
        return NULL;
    }
    uint64_t one = 1;
    if (write(s->poke_fd, &one, sizeof one) < 0) {
        /* EAGAIN only at a counter near 2^64: the worker is woken anyway */
    }
    Py_RETURN_NONE;
}

static PyObject *Scanner_gap_usec(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    if (s->gap_usec < 0)
        Py_RETURN_NONE;
    return PyLong_FromLongLong((long long)s->gap_usec);
}

static void scanner_release(Scanner *s) {
    stop_worker(s);
    for (int i = 0; i < N_BATCHES; i++)
        batch_free(&s->batches[i]);
    if (s->ready_fd >= 0)
        close(s->ready_fd);
    if (s->stop_fd >= 0)
        close(s->stop_fd);
    if (s->poke_fd >= 0)
        close(s->poke_fd);
    s->ready_fd = s->stop_fd = s->poke_fd = -1;
    if (s->journal) {
        sd_journal_close(s->journal);
        s->journal = NULL;
    }
}

static PyObject *Scanner_close(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    scanner_release(s);
    Py_RETURN_NONE;
}

static void Scanner_dealloc(Scanner *s) {
    scanner_release(s);
    screen_free(&s->screen);
    set_free(&s->units);
    set_free(&s->machines);
    set_free(&s->disowned);
    for (size_t i = 0; s->wanted && s->wanted_names && i < s->n_wanted; i++) {
        free(s->wanted[i].name);
        Py_XDECREF(s->wanted_names[i]);
    }
    free(s->wanted);
    free(s->wanted_names);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyObject *Scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    Scanner *s = (Scanner *)PyType_GenericNew(type, args, kwargs);
    if (s) {
        s->ready_fd = s->stop_fd = s->poke_fd = -1; /* never fd 0 by accident of zeroed memory */
        s->gap_usec = -1;
    }
    return (PyObject *)s;
}

static PyObject *Scanner_disowned_screened(Scanner *s, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromUnsignedLongLong(__atomic_load_n(&s->disowned_screened, __ATOMIC_RELAXED));
}

static PyMethodDef Scanner_methods[] = {
    {"read", (PyCFunction)Scanner_read, METH_NOARGS,
     "The next batch: a list of candidates and runs in journal order, or None at the end."},
    {"take", (PyCFunction)Scanner_take, METH_NOARGS,
     "Follow mode: (items, cursor of the last entry read or None, at the end) if a batch is ready, else None."},
    {"fileno", (PyCFunction)Scanner_fileno, METH_NOARGS,
     "Follow mode: a descriptor that is readable while a batch is ready (or reading ended)."},
    {"poke", (PyCFunction)Scanner_poke, METH_NOARGS,
     "Poked follow mode: wake the worker at the journal's end to read on (the file changed)."},
    {"gap_usec", (PyCFunction)Scanner_gap_usec, METH_NOARGS,
     "The time of the entry reading resumed at when the saved cursor's entry was gone, else None."},
    {"disowned_screened", (PyCFunction)Scanner_disowned_screened, METH_NOARGS,
     "How many entries claiming a disowned machine were summarised as of no machine (disown_screened)."},
    {"close", (PyCFunction)Scanner_close, METH_NOARGS, "Stop the reader thread and close the journal."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry.sources._journalscan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Reads a journal in a C thread; Python sees candidates in full and the rest as summaries.",
    .tp_new = Scanner_new,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

/* _journalscan.text_level(bytes) -> int | None: levels.h's text_level, for the differential tests. */
static PyObject *module_text_level(PyObject *Py_UNUSED(module), PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    int level = text_level((const unsigned char *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    if (level < 0)
        Py_RETURN_NONE;
    return PyLong_FromLong(level);
}

static PyMethodDef module_methods[] = {
    {"text_level", module_text_level, METH_O,
     "The syslog priority a program wrote as its line's level (UTF-8 bytes), or None (see engine/levels.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_journalscan", "A screening journal reader running in a C thread.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__journalscan(void) {
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0 ||
        PyModule_AddIntConstant(m, "NO_LIMIT", NO_LIMIT) < 0 ||
        PyModule_AddIntConstant(m, "NO_PRIORITY", NO_PRIORITY) < 0 ||
        PyModule_AddIntConstant(m, "JOURNAL_LEVEL", JOURNAL_LEVEL) < 0 ||
        PyModule_AddIntConstant(m, "STREAM_LEVEL", STREAM_LEVEL) < 0 ||
        PyModule_AddIntConstant(m, "STDERR_UNLEVELLED", STDERR_UNLEVELLED) < 0 ||
        PyModule_AddIntConstant(m, "NOT_LOOKED", NOT_LOOKED) < 0 ||
        PyModule_AddIntConstant(m, "LOCAL_ONLY", SD_JOURNAL_LOCAL_ONLY) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
