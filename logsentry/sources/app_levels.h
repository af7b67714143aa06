/*
 * app_levels.h: more levels programs write behind a prefix of their own (trial 64): a level between bars after a
 * time (TeamSpeak 3), tarantool's `[pid] cord/fid/name F> `, Privoxy's `thread-id Fatal error: `, PulseAudio's `E:
 * [thread] file.c: `, motion's `[n:name] [ALR] [ALL] `, murmur's `<C>time `, ESPHome's `[E][tag:line]:`, FHEM's
 * `time 1: `, the kernel's DRM `[drm:func [module]] *ERROR* `, npm's `npm ERR! ` and yarn 1's `error ` (step 0c).
 *
 * The twin of logsentry/engine/app_levels.py, which documents each format and where it comes from;
 * tests/test_levels_trial64.py holds the two to the same answers. Included by levels.h after program_levels.h.
 */
#ifndef LOGSENTRY_APP_LEVELS_H
#define LOGSENTRY_APP_LEVELS_H

/* a run of bytes `ok` accepts from `at`, its length (at most `most` + 1: the caller refuses more than `most`) */
static size_t lv_app_run(const unsigned char *p, size_t n, size_t at, size_t most, int (*ok)(unsigned char)) {
    size_t e = at;
    while (e < n && e - at <= most && ok(p[e]))
        e++;
    return e - at;
}

static int lv_app_digit(unsigned char c) { return lv_digit(c); }
static int lv_app_graph(unsigned char c) { return c >= '!' && c <= '~'; }
static int lv_app_file(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '+' || c == '-'; }
static int lv_app_name(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.' || c == '-'; }
static int lv_app_word(unsigned char c) { return lv_alnum(c) || c == '_'; }
static int lv_app_hex(unsigned char c) { return lv_digit(c) || (c >= 'a' && c <= 'f'); }
static int lv_app_thread(unsigned char c) { return c != ']' && c != '\n'; }

/* `yyyy-mm-dd hh:mm:ss` (or `T`), maybe `.` and 1 to 9 digits, `|`, 3 to 8 capitals, up to 7 blanks, `|` */
static int lv_app_pipe(const unsigned char *p, size_t n) {
    if (!lv_shape(p, n, 0, "dddd-dd-dd?dd:dd:dd"))
        return -1;
    size_t at = 19;
    if (at < n && p[at] == '.') {
        size_t digits = lv_app_run(p, n, at + 1, 9, lv_app_digit);
        if (digits < 1 || digits > 9)
            return -1;
        at += 1 + digits;
    }
    if (at >= n || p[at] != '|')
        return -1;
    size_t word = ++at;
    while (at < n && at - word <= 8 && lv_upper(p[at]))
        at++;
    size_t len = at - word;
    if (len < 3 || len > 8)
        return -1;
    size_t blanks = at;
    while (at < n && at - blanks <= 7 && p[at] == ' ')
        at++;
    if (at - blanks > 7 || at >= n || p[at] != '|')
        return -1;
    return lv_word_level(p + word, len, 0);
}

/* tarantool: `yyyy-mm-dd hh:mm:ss.mmm [pid] `, 1 to 128 of [!-~], maybe ` file:line`, ` L> ` */
static int lv_app_tarantool(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"F", 2}, {"!", 3}, {"E", 3}, {"C", 5}, {"W", 4}, {"I", 6}, {"V", 6}, {"D", 7}};
    if (!lv_shape(p, n, 0, "dddd-dd-dd dd:dd:dd.ddd ["))
        return -1;
    size_t at = 25, digits = lv_app_run(p, n, at, 10, lv_app_digit);
    if (digits < 1 || digits > 10 || !lv_starts(p, n, at + digits, "] "))
        return -1;
    at += digits + 2;
    size_t cord = lv_app_run(p, n, at, 128, lv_app_graph);
    if (cord < 1 || cord > 128)
        return -1;
    at += cord;
    for (int place = 0; place < 2; place++) {
        if (n - at >= 4 && p[at] == ' ' && p[at + 2] == '>' && p[at + 3] == ' ') {
            int level = lv_named(NAMES, LV_N(NAMES), p + at + 1, 1);
            if (level >= 0)
                return level;
        }
        if (place || at >= n || p[at] != ' ')
            return -1;
        size_t file = lv_app_run(p, n, at + 1, 128, lv_app_file);
        if (file < 1 || file > 128 || at + 1 + file >= n || p[at + 1 + file] != ':')
            return -1;
        size_t line = lv_app_run(p, n, at + 2 + file, 6, lv_app_digit);
        if (line < 1 || line > 6)
            return -1;
        at += 2 + file + line;
    }
    return -1;
}

/* Privoxy: `yyyy-mm-dd` or `Mon dd`, ` hh:mm:ss.mmm `, 8 to 16 of [0-9a-f], ` `, its word, `: ` */
static int lv_app_privoxy(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"Fatal error", 2}, {"Error", 3}, {"Info", 6}};
    size_t at;
    if (lv_shape(p, n, 0, "dddd-dd-dd"))
        at = 10;
    else if (n >= 6 && lv_upper(p[0]) && lv_lower(p[1]) && lv_lower(p[2]) && lv_shape(p, n, 3, " dd"))
        at = 6;
    else
        return -1;
    if (!lv_shape(p, n, at, " dd:dd:dd.ddd "))
        return -1;
    at += 14;
    size_t hex = lv_app_run(p, n, at, 16, lv_app_hex);
    if (hex < 8 || hex > 16 || at + hex >= n || p[at + hex] != ' ')
        return -1;
    at += hex + 1;
    for (size_t i = 0; i < LV_N(NAMES); i++)
        if (lv_starts(p, n, at, NAMES[i].name) && lv_starts(p, n, at + strlen(NAMES[i].name), ": "))
            return NAMES[i].level;
    return -1;
}

/* a file of 1 to 64 [A-Za-z0-9_.-] then `.c` or `.cc`, at `at` and `len` long */
static int lv_app_c_file(const unsigned char *p, size_t at, size_t len) {
    if (len >= 3 && p[at + len - 2] == '.' && p[at + len - 1] == 'c')
        return len - 2 <= 64;
    return len >= 4 && p[at + len - 3] == '.' && p[at + len - 2] == 'c' && p[at + len - 1] == 'c' && len - 3 <= 64;
}

/* PulseAudio: `L: [`, a thread of 1 to 64 bytes but `]` and a line feed, `]`, then ` file.c: ` or `[file.c:line
 * func()] ` */
static int lv_app_pulse(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"E", 3}, {"W", 4}, {"N", 5}, {"I", 6}, {"D", 7}};
    int level = lv_named(NAMES, LV_N(NAMES), p, 1);
    if (level < 0 || !lv_starts(p, n, 1, ": ["))
        return -1;
    size_t at = 4, thread = lv_app_run(p, n, at, 64, lv_app_thread);
    if (thread < 1 || thread > 64 || at + thread >= n || p[at + thread] != ']')
        return -1;
    at += thread + 1;
    if (at < n && p[at] == ' ') {
        size_t file = lv_app_run(p, n, at + 1, 67, lv_app_name);
        return lv_app_c_file(p, at + 1, file) && lv_starts(p, n, at + 1 + file, ": ") ? level : -1;
    }
    if (at >= n || p[at] != '[')
        return -1;
    size_t file = lv_app_run(p, n, at + 1, 67, lv_app_name);
    if (!lv_app_c_file(p, at + 1, file) || at + 1 + file >= n || p[at + 1 + file] != ':')
        return -1;
    at += 2 + file;
    size_t line = lv_app_run(p, n, at, 6, lv_app_digit);
    if (line < 1 || line > 6 || at + line >= n || p[at + line] != ' ')
        return -1;
    at += line + 1;
    size_t func = lv_app_run(p, n, at, 64, lv_app_word);
    return func >= 1 && func <= 64 && lv_starts(p, n, at + func, "()] ") ? level : -1;
}

/* motion: maybe `Mon dd hh:mm:ss `, `[`, 1 to 5 digits, maybe `:` and up to 31 of [A-Za-z0-9_.-], `] [`, its level,
 * `] [`, three capitals, `] ` */
static int lv_app_motion(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"EMG", 0}, {"ALR", 1}, {"CRT", 2}, {"ERR", 3},
                                   {"WRN", 4}, {"NTC", 5}, {"INF", 6}, {"DBG", 7}};
    size_t at = 0;
    if (n >= 3 && lv_upper(p[0]) && lv_lower(p[1]) && lv_lower(p[2])) {
        if (!lv_shape(p, n, 3, " dd dd:dd:dd "))
            return -1;
        at = 16;
    }
    if (at >= n || p[at] != '[')
        return -1;
    size_t digits = lv_app_run(p, n, at + 1, 5, lv_app_digit);
    if (digits < 1 || digits > 5)
        return -1;
    at += 1 + digits;
    if (at < n && p[at] == ':') {
        size_t name = lv_app_run(p, n, at + 1, 31, lv_app_name);
        if (name > 31)
            return -1;
        at += 1 + name;
    }
    if (!lv_starts(p, n, at, "] [") || n - at < 14 || !lv_starts(p, n, at + 6, "] [") || !lv_upper(p[at + 9]) ||
        !lv_upper(p[at + 10]) || !lv_upper(p[at + 11]) || !lv_starts(p, n, at + 12, "] "))
        return -1;
    return lv_named(NAMES, LV_N(NAMES), p + at + 3, 3);
}

/* murmur: `<L>yyyy-mm-dd hh:mm:ss.mmm ` */
static int lv_app_murmur(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"D", 7}, {"W", 4}, {"C", 2}, {"F", 1}};
    if (n < 3 || p[2] != '>' || !lv_shape(p, n, 3, "dddd-dd-dd dd:dd:dd.ddd "))
        return -1;
    return lv_named(NAMES, LV_N(NAMES), p + 1, 1);
}

/* ESPHome: maybe `[hh:mm:ss]`, maybe a colour, `[L]` (E W I C D V VV), `[`, a tag of 1 to 64 [A-Za-z0-9_.-], `:`, 1
 * to 6 digits, `]`, then `:` or a colour's escape */
static int lv_app_esphome(const unsigned char *p, size_t n) {
    static const LvName NAMES[] = {{"E", 3}, {"W", 4}, {"I", 6}, {"C", 6}, {"D", 7}, {"V", 7}, {"VV", 7}};
    size_t at = 0;
    if (lv_shape(p, n, 0, "[dd:dd:dd]"))
        at = 10;
    if ((at = lv_skip_colour(p, n, at)) == LV_NO_COLOUR)
        return -1;
    if (at >= n || p[at] != '[')
        return -1;
    size_t letters = lv_starts(p, n, at + 1, "VV]") ? 2 : 1;
    int level = at + 2 < n ? lv_named(NAMES, LV_N(NAMES), p + at + 1, letters) : -1;
    if (level < 0 || !lv_starts(p, n, at + 1 + letters, "]["))
        return -1;
    at += 3 + letters;
    size_t tag = lv_app_run(p, n, at, 64, lv_app_name);
    if (tag < 1 || tag > 64 || at + tag >= n || p[at + tag] != ':')
        return -1;
    at += tag + 1;
    size_t line = lv_app_run(p, n, at, 6, lv_app_digit);
    if (line < 1 || line > 6 || !lv_starts(p, n, at + line, "]") || at + line + 1 >= n)
        return -1;
    unsigned char after = p[at + line + 1];
    return after == ':' || after == 0x1b ? level : -1;
}

/* FHEM: `yyyy.mm.dd hh:mm:ss`, maybe `.mmm`, ` `, 0 to 5, `: ` */
static int lv_app_fhem(const unsigned char *p, size_t n) {
    static const int LEVELS[] = {5, 3, 4, 6, 7, 7};
    if (!lv_shape(p, n, 0, "dddd.dd.dd dd:dd:dd"))
        return -1;
    size_t at = lv_shape(p, n, 19, ".ddd") ? 23 : 19;
    if (n - at < 4 || p[at] != ' ' || p[at + 1] < '0' || p[at + 1] > '5' || !lv_starts(p, n, at + 2, ": "))
        return -1;
    return LEVELS[p[at + 1] - '0'];
}

/* app_levels.app_level */
static int lv_app_driver(unsigned char c) { return lv_digit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '-'; }
static int lv_app_symbol(unsigned char c) { return lv_alnum(c) || c == '_' || c == '.'; }

/* the kernel's DRM `[drm:func [module]] *ERROR* `, maybe behind dev_printk's `driver 0000:03:00.0: ` */
static int lv_app_drm(const unsigned char *p, size_t n) {
    size_t at = 0;
    if (n > 0 && p[0] != '[') {
        size_t driver = lv_app_run(p, n, 0, 32, lv_app_driver);
        if (driver < 1 || driver > 32 || !lv_starts(p, n, driver, " "))
            return -1;
        at = driver + 1;
        const char *shape = "xxxx:xx:xx.";
        for (size_t k = 0; shape[k]; k++, at++)
            if (at >= n || (shape[k] == 'x' ? !lv_app_hex(p[at]) : p[at] != (unsigned char)shape[k]))
                return -1;
        if (at >= n || p[at] < '0' || p[at] > '7' || !lv_starts(p, n, at + 1, ": "))
            return -1;
        at += 3;
    }
    if (!lv_starts(p, n, at, "[drm:"))
        return -1;
    at += 5;
    size_t symbol = lv_app_run(p, n, at, 128, lv_app_symbol);
    if (symbol < 1 || symbol > 128)
        return -1;
    at += symbol;
    if (lv_starts(p, n, at, " [")) {
        size_t module = lv_app_run(p, n, at + 2, 64, lv_app_word);
        if (module < 1 || module > 64 || !lv_starts(p, n, at + 2 + module, "]"))
            return -1;
        at += 3 + module;
    }
    return lv_starts(p, n, at, "] *ERROR* ") ? 3 : -1;
}

/* npm's `npm ERR! `, `npm error `, `npm WARN `, `npm warn `, `npm notice `; yarn 1's `error `, `warning ` before a
   capital or a quote */
static int lv_app_npm_yarn(const unsigned char *p, size_t n) {
    static const struct { const char *prefix; int level; } npm[] = {
        {"npm ERR! ", 3}, {"npm error ", 3}, {"npm WARN ", 4}, {"npm warn ", 4}, {"npm notice ", 5}};
    for (size_t k = 0; k < sizeof npm / sizeof npm[0]; k++)
        if (lv_starts(p, n, 0, npm[k].prefix))
            return npm[k].level;
    size_t word = lv_starts(p, n, 0, "error ") ? 6 : lv_starts(p, n, 0, "warning ") ? 8 : 0;
    if (word && word < n && (lv_upper(p[word]) || p[word] == '"'))
        return word == 6 ? 3 : 4;
    return -1;
}

static int lv_app(const unsigned char *p, size_t n) {
    if (n == 0)
        return -1;
    unsigned char first = p[0];
    int level;
    if (lv_digit(first)) {
        if (n > 4 && p[4] == '-') {
            if ((level = lv_app_pipe(p, n)) >= 0 || (level = lv_app_tarantool(p, n)) >= 0)
                return level;
        } else if (n > 4 && p[4] == '.')
            return lv_app_fhem(p, n);
        return lv_app_privoxy(p, n);
    }
    if (first == '[' || first == 0x1b) {
        if ((level = lv_app_motion(p, n)) >= 0 || (level = lv_app_esphome(p, n)) >= 0)
            return level;
        return lv_app_drm(p, n);
    }
    if (first >= 'a' && first <= 'z')
        return (level = lv_app_npm_yarn(p, n)) >= 0 ? level : lv_app_drm(p, n);
    if (first == '<')
        return lv_app_murmur(p, n);
    if (lv_upper(first) && n > 1 && p[1] == ':')
        return lv_app_pulse(p, n);
    if (lv_upper(first) && (level = lv_app_motion(p, n)) >= 0)
        return level;
    if (lv_upper(first))
        return lv_app_privoxy(p, n);
    return -1;
}

#endif
