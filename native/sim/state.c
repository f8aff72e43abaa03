/* The state directory: the files the control library (control.ts) writes and this module reads.
 * Everything here is cross-process: several programs may load the simulator on the same state at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define CONFIG_MAX_BYTES 65536
#define COUNTER_MAGIC "CPXSIMC1"
#define COUNTER_NAME_LEN 56

const char *const sim_fn_names[FN_COUNT] = {
#define SIM_FN_NAME(name) #name,
  SIM_FUNCTIONS(SIM_FN_NAME)
#undef SIM_FN_NAME
};

struct counter_header { char magic[8]; uint32_t records; uint32_t record_size; };
struct counter_record { char name[COUNTER_NAME_LEN]; uint64_t count; };
#define COUNTER_RECORDS (2 * FN_COUNT) /* calls received, then calls forwarded to SoftHSM */
#define COUNTER_BYTES (sizeof(struct counter_header) + COUNTER_RECORDS * sizeof(struct counter_record))

static char g_dir[PATH_MAX];
static char g_conf[PATH_MAX];
static struct counter_record *g_counters;
static void *g_counter_map;

static pthread_mutex_t g_cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sim_config g_cfg;
static struct stat g_cfg_stat;
static int g_cfg_state; /* 0 = never read, 1 = read from file, 2 = file absent (defaults) */

const char *state_dir(void) { return g_dir; }
const char *state_softhsm_conf(void) { return g_conf; }

static int path_in(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int path_in(char *out, size_t cap, const char *fmt, ...) {
  char rel[PATH_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof rel) return -1;
  n = snprintf(out, cap, "%s/%s", g_dir, rel);
  return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Reads a small file whole, NUL-terminated. Returns its length, or -1 (errno set). */
static ssize_t read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  while (len + 1 < cap) {
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

/* Writes through a temporary file and rename(), so a reader in another process sees the old or the new
 * content, never half of it (the control library writes the same way). */
static int write_atomic(const char *path, const char *data, size_t len) {
  char tmp[PATH_MAX];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", path, (long)getpid(), (unsigned long)pthread_self());
  if (n < 0 || (size_t)n >= sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, data + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      close(fd);
      unlink(tmp);
      return -1;
    }
    done += (size_t)w;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\r') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
  return s;
}

/* Calls fn(key, value, ctx) for each `key=value` line; blank lines and # comments are skipped. */
static void parse_lines(char *text, void (*fn)(const char *, const char *, void *), void *ctx) {
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    if (*key == '\0' || *key == '#') continue;
    fn(key, value, ctx);
  }
}

static long parse_ms(const char *v, long fallback) {
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end || n < 0 || n > 3600000) return fallback;
  return n;
}

static int parse_bool(const char *v) {
  return strcmp(v, "1") == 0 || strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0;
}

static int fn_index(const char *name) {
  for (int i = 0; i < FN_COUNT; i++)
    if (strcmp(sim_fn_names[i], name) == 0) return i;
  return -1;
}

static void config_defaults(struct sim_config *c) {
  memset(c, 0, sizeof *c);
  c->readers = 2;
  c->detect_ms = 0;
  c->login_ms = 150;
  c->sign_ms = 250;
  c->pinpad_ms = 500;
  c->pinpad_timeout_ms = 30000;
}

static void config_line(const char *key, const char *value, void *ctx) {
  struct sim_config *c = ctx;
  if (strcmp(key, "readers") == 0) {
    long n = parse_ms(value, 2); /* 0: a machine with no reader at all (a virtual machine) */
    c->readers = n > SIM_MAX_READERS ? SIM_MAX_READERS : (int)n;
  } else if (strcmp(key, "login_ms") == 0) {
    c->login_ms = parse_ms(value, c->login_ms);
  } else if (strcmp(key, "sign_ms") == 0) {
    c->sign_ms = parse_ms(value, c->sign_ms);
  } else if (strcmp(key, "pinpad_ms") == 0) {
    c->pinpad_ms = parse_ms(value, c->pinpad_ms);
  } else if (strcmp(key, "pinpad_timeout_ms") == 0) {
    c->pinpad_timeout_ms = parse_ms(value, c->pinpad_timeout_ms);
  } else if (strcmp(key, "detect_ms") == 0) {
    c->detect_ms = parse_ms(value, c->detect_ms);
  } else if (strncmp(key, "pinpad.", 7) == 0) {
    long r = parse_ms(key + 7, -1);
    if (r >= 0 && r < SIM_MAX_READERS) c->pinpad[r] = (unsigned char)parse_bool(value);
  } else if (strncmp(key, "unplugged.", 10) == 0) {
    long r = parse_ms(key + 10, -1);
    if (r >= 0 && r < SIM_MAX_READERS) c->unplugged[r] = (unsigned char)parse_bool(value);
  } else if (strncmp(key, "fault.", 6) == 0) {
    int fn = fn_index(key + 6);
    if (fn < 0) return;
    c->fault[fn] = strcmp(value, "device_error") == 0    ? FAULT_DEVICE_ERROR
                   : strcmp(value, "abort") == 0         ? FAULT_ABORT
                   : strcmp(value, "not_supported") == 0 ? FAULT_NOT_SUPPORTED
                   : strcmp(value, "no_event") == 0      ? FAULT_NO_EVENT
                                                         : FAULT_NONE;
  } else if (strcmp(key, "hide_mechanisms") == 0) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", value);
    char *save = NULL;
    c->nhidden = 0;
    for (char *t = strtok_r(buf, ", ", &save); t && c->nhidden < SIM_MAX_HIDDEN; t = strtok_r(NULL, ", ", &save)) {
      char *end;
      errno = 0;
      unsigned long m = strtoul(t, &end, 0);
      if (!errno && end != t && *end == '\0') c->hidden[c->nhidden++] = (CK_MECHANISM_TYPE)m;
    }
  }
}

static int same_file_version(const struct stat *a, const struct stat *b) {
  return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* One stat() per call; the file is parsed again only when it changed. */
void config_get(struct sim_config *out) {
  char path[PATH_MAX];
  struct stat st;
  int have = path_in(path, sizeof path, "config") == 0 && stat(path, &st) == 0;
  pthread_mutex_lock(&g_cfg_mu);
  int fresh = have ? (g_cfg_state == 1 && same_file_version(&st, &g_cfg_stat)) : g_cfg_state == 2;
  if (!fresh) {
    config_defaults(&g_cfg);
    g_cfg_state = 2;
    if (have) {
      char *text = malloc(CONFIG_MAX_BYTES);
      if (text && read_small(path, text, CONFIG_MAX_BYTES) >= 0) {
        parse_lines(text, config_line, &g_cfg);
        g_cfg_stat = st;
        g_cfg_state = 1;
      } else {
        g_cfg_state = 0; /* could not read it now: try again on the next call */
      }
      free(text);
    }
  }
  *out = g_cfg;
  pthread_mutex_unlock(&g_cfg_mu);
}

int config_hides(const struct sim_config *cfg, CK_MECHANISM_TYPE m) {
  for (int i = 0; i < cfg->nhidden; i++)
    if (cfg->hidden[i] == m) return 1;
  return 0;
}

static void card_line(const char *key, const char *value, void *ctx) {
  struct sim_card *c = ctx;
  if (strcmp(key, "serial") == 0) snprintf(c->serial, sizeof c->serial, "%s", value);
  else if (strcmp(key, "card") == 0) snprintf(c->card_id, sizeof c->card_id, "%s", value);
  else if (strcmp(key, "insertion") == 0) snprintf(c->insertion, sizeof c->insertion, "%s", value);
}

int reader_card(int reader, struct sim_card *out) {
  char path[PATH_MAX], text[1024];
  memset(out, 0, sizeof *out);
  if (path_in(path, sizeof path, "readers/%d.card", reader) != 0) return 0;
  if (read_small(path, text, sizeof text) < 0) return 0;
  parse_lines(text, card_line, out);
  if (out->serial[0] == '\0') return 0;
  if (out->card_id[0] == '\0') snprintf(out->card_id, sizeof out->card_id, "%s", out->serial);
  if (out->insertion[0] == '\0') snprintf(out->insertion, sizeof out->insertion, "%s", out->serial);
  return 1;
}

/* Card ids become file names: keep letters, digits, '-' and '_' (control.ts applies the same rule). */
static void card_file_name(const char *card_id, char *out, size_t cap) {
  size_t i = 0;
  for (; card_id[i] && i + 1 < cap; i++) {
    char ch = card_id[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
    out[i] = ok ? ch : '_';
  }
  out[i] = '\0';
}

static const char *counter_dir(enum sim_counter which) { return which == COUNTER_PUK ? "puks" : "pins"; }

int counter_max(enum sim_counter which) { return which == COUNTER_PUK ? SIM_PUK_TRIES : SIM_PIN_TRIES; }

static int parse_tries(const char *text, int full) {
  char *end;
  errno = 0;
  long n = strtol(text, &end, 10);
  while (*end == '\n' || *end == ' ' || *end == '\r') end++;
  if (errno || end == text || *end || n < 0 || n > 99) return full;
  return (int)n;
}

int pin_tries(enum sim_counter which, const char *card_id) {
  char name[SIM_ID_MAX], path[PATH_MAX], text[64];
  card_file_name(card_id, name, sizeof name);
  if (path_in(path, sizeof path, "%s/%s", counter_dir(which), name) != 0) return counter_max(which);
  if (read_small(path, text, sizeof text) < 0) return counter_max(which); /* never counted yet: a full card */
  return parse_tries(text, counter_max(which));
}

int pin_lock(enum sim_counter which, const char *card_id) {
  char name[SIM_ID_MAX], path[PATH_MAX];
  card_file_name(card_id, name, sizeof name);
  if (path_in(path, sizeof path, "%s", counter_dir(which)) != 0) return -1;
  if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
  if (path_in(path, sizeof path, "%s/%s.lock", counter_dir(which), name) != 0) return -1;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

int pin_tries_locked(int lock, enum sim_counter which, const char *card_id) {
  (void)lock; /* the caller holds it: the value cannot change under us */
  return pin_tries(which, card_id);
}

int pin_store_locked(int lock, enum sim_counter which, const char *card_id, int tries) {
  (void)lock;
  char name[SIM_ID_MAX], path[PATH_MAX], text[16];
  card_file_name(card_id, name, sizeof name);
  if (path_in(path, sizeof path, "%s/%s", counter_dir(which), name) != 0) return -1;
  int n = snprintf(text, sizeof text, "%d\n", tries < 0 ? 0 : tries);
  return write_atomic(path, text, (size_t)n);
}

void pin_unlock(int lock) {
  if (lock >= 0) {
    flock(lock, LOCK_UN);
    close(lock);
  }
}

/* The pad's typed text holds one line per code the reader asks for (a PIN change asks for the current and
 * the new one): each call takes the first line and leaves the others for the next. */
int pinpad_take(int reader, char *buf, size_t cap, size_t *len) {
  char path[PATH_MAX], claim[PATH_MAX], text[256];
  if (path_in(path, sizeof path, "readers/%d.typed", reader) != 0) return 0;
  if (path_in(claim, sizeof claim, "readers/%d.typed.%ld.%lx", reader, (long)getpid(), (unsigned long)pthread_self()) != 0)
    return 0;
  /* rename() claims the typed text atomically: one typing is used by one call, in one process */
  if (rename(path, claim) != 0) return 0;
  ssize_t n = read_small(claim, text, sizeof text);
  unlink(claim);
  if (n < 0) return 0;
  char *nl = strchr(text, '\n');
  if (nl) {
    *nl = '\0';
    const char *rest = nl + 1;
    if (*rest) write_atomic(path, rest, strlen(rest));
  }
  size_t line = strlen(text);
  while (line > 0 && text[line - 1] == '\r') text[--line] = '\0';
  if (line >= cap) line = cap - 1;
  memcpy(buf, text, line);
  buf[line] = '\0';
  *len = line;
  explicit_bzero(text, sizeof text);
  return 1;
}

/* Counters live in one small file mapped shared by every process using this state: an increment is one
 * atomic add, and the control library reads the file whole. */
static int counters_open(void) {
  char path[PATH_MAX];
  if (path_in(path, sizeof path, "counters.bin") != 0) return -1;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX) != 0) {
    close(fd);
    return -1;
  }
  struct stat st;
  int ok = fstat(fd, &st) == 0;
  void *map = MAP_FAILED;
  if (ok && (size_t)st.st_size != COUNTER_BYTES) ok = ftruncate(fd, 0) == 0 && ftruncate(fd, COUNTER_BYTES) == 0;
  if (ok) map = mmap(NULL, COUNTER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map != MAP_FAILED) {
    struct counter_header *h = map;
    struct counter_record *rec = (struct counter_record *)(h + 1);
    if (memcmp(h->magic, COUNTER_MAGIC, 8) != 0 || h->records != COUNTER_RECORDS ||
        h->record_size != sizeof(struct counter_record)) {
      memset(map, 0, COUNTER_BYTES); /* new file, or written by another layout: start over */
      for (int i = 0; i < FN_COUNT; i++) {
        snprintf(rec[i].name, COUNTER_NAME_LEN, "%s", sim_fn_names[i]);
        snprintf(rec[FN_COUNT + i].name, COUNTER_NAME_LEN, "softhsm.%s", sim_fn_names[i]);
      }
      h->records = COUNTER_RECORDS;
      h->record_size = sizeof(struct counter_record);
      memcpy(h->magic, COUNTER_MAGIC, 8);
    }
    g_counter_map = map;
    __atomic_store_n(&g_counters, rec, __ATOMIC_RELEASE);
  }
  flock(fd, LOCK_UN);
  close(fd); /* the mapping stays valid */
  return map == MAP_FAILED ? -1 : 0;
}

void count_call(enum sim_fn fn) {
  struct counter_record *c = __atomic_load_n(&g_counters, __ATOMIC_ACQUIRE);
  if (c) __atomic_add_fetch(&c[fn].count, 1, __ATOMIC_RELAXED);
}

void count_softhsm(enum sim_fn fn) {
  struct counter_record *c = __atomic_load_n(&g_counters, __ATOMIC_ACQUIRE);
  if (c) __atomic_add_fetch(&c[FN_COUNT + fn].count, 1, __ATOMIC_RELAXED);
}

int state_open(const char *dir) {
  struct stat st;
  if (strlen(dir) >= sizeof g_dir - 64) {
    fprintf(stderr, "cpxsim: CPX_SIM_STATE is too long\n");
    return -1;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "cpxsim: CPX_SIM_STATE=%s is not a directory (create it with `npm run cards -- status` or initState())\n", dir);
    return -1;
  }
  snprintf(g_dir, sizeof g_dir, "%s", dir);
  if (path_in(g_conf, sizeof g_conf, "softhsm2.conf") != 0 || stat(g_conf, &st) != 0) {
    fprintf(stderr, "cpxsim: %s/softhsm2.conf is missing: the state directory was not initialised (initState())\n", dir);
    return -1;
  }
  pthread_mutex_lock(&g_cfg_mu);
  g_cfg_state = 0;
  pthread_mutex_unlock(&g_cfg_mu);
  if (counters_open() != 0) fprintf(stderr, "cpxsim: cannot map %s/counters.bin: calls will not be counted\n", dir);
  return 0;
}

void state_close(void) {
  struct counter_record *c = __atomic_exchange_n(&g_counters, NULL, __ATOMIC_ACQ_REL);
  if (c && g_counter_map) munmap(g_counter_map, COUNTER_BYTES);
  g_counter_map = NULL;
}

void sleep_ms(long ms) {
  if (ms <= 0) return;
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}
