/* The PKCS#11 module: simulated CPx card readers in front of SoftHSM2 (behaviour described in README.md).
 *
 * Locking: g_rw is held for reading by every call forwarded to SoftHSM2 and for writing while an instance
 * is (re)initialised; g_mu protects the session table and the reader bindings; g_det_mu the middleware's
 * detected view of the readers. Order: g_rw, then g_mu, then g_det_mu.
 *
 * Readers have two indexes: the physical reader r (its name, its files, its settings) and the slot ID, its
 * position among the readers plugged in (an unplugged reader shifts the slots after it). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define SIM_EXPORT __attribute__((visibility("default")))
#define MANUFACTURER "CPx Link simulator"
#define LIBRARY_DESCRIPTION "CPx Link simulated card readers"
#define READER_NAME "CPx Link Simulated Reader [CCID Interface] 00 %02d"
#define TOKEN_MODEL_CPS3 "IAS ECC"
#define TOKEN_MODEL_CPS4 "NXP"
#define PIN_FLAGS (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED | CKF_USER_PIN_TO_BE_CHANGED)
#define SO_PIN_FLAGS (CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED | CKF_SO_PIN_TO_BE_CHANGED)
#define PINPAD_POLL_MS 20

struct vsession {
  CK_SESSION_HANDLE handle, real;
  int reader, inst;
  int removed;   /* its card left the reader: the next call on it reports CKR_DEVICE_REMOVED */
  int closed;    /* closed, or its removal reported: the handle is no longer valid */
  int real_open; /* SoftHSM2's session is still open */
  int busy;      /* calls in flight on it: SoftHSM2's session is closed only when the last one ends */
};

/* What this process knows about a reader: the insertion it last saw and where that card lives. */
struct binding {
  int known, present, bound, unrecognized, inst;
  int cps4; /* a CPS4 (label CPS4v1-…): RSA-PSS offered; a CPS3 has no PSS mechanism at all */
  CK_SLOT_ID slot;
  struct sim_card card;
};

/* A forwarded call in progress (g_rw held for reading until call_end). */
struct call {
  CK_FUNCTION_LIST_PTR fl;
  CK_SLOT_ID slot;
  CK_SESSION_HANDLE handle, real; /* handle = 0 for a call on a slot */
  int reader, cps4;
  struct sim_card card;
};

/* What the middleware believes is in the readers when it detects cards itself every detect_ms (Cryptolib polls
 * GALSS readers every 2 s): slot calls show this view; a session only works while its card is really there. */
struct detected {
  int valid;
  struct timespec at;
  /* The period the last poll ran under: a new period (a test turning detection on) starts with a fresh poll. */
  long period_ms;
  int present[SIM_MAX_READERS];
  struct sim_card card[SIM_MAX_READERS];
  /* The token info it keeps for that card: still shown after the card left, until the next detection. */
  int have_info[SIM_MAX_READERS];
  CK_TOKEN_INFO info[SIM_MAX_READERS];
};

static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_init_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_up;
static struct vsession *g_sess;
static size_t g_nsess, g_capsess;
static CK_SESSION_HANDLE g_next_handle = 1;
static struct binding g_rb[SIM_MAX_READERS];
static int g_inst_sessions[SIM_MAX_INSTANCES];
static char g_event_seen[SIM_MAX_READERS][SIM_ID_MAX];
static CK_SLOT_ID g_event_slot[SIM_MAX_READERS];
static pthread_mutex_t g_det_mu = PTHREAD_MUTEX_INITIALIZER;
static struct detected g_det;
/* The configuration read at the entry point of the calling thread's current call. */
static __thread struct sim_config t_cfg;

static CK_FUNCTION_LIST g_functions;

static void pad(unsigned char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  memset(dst, ' ', cap);
  memcpy(dst, src, n < cap ? n : cap);
}

static CK_RV enter(enum sim_fn fn, struct sim_config *cfg) {
  if (!__atomic_load_n(&g_up, __ATOMIC_ACQUIRE)) return CKR_CRYPTOKI_NOT_INITIALIZED;
  count_call(fn);
  config_get(cfg);
  t_cfg = *cfg;
  switch (cfg->fault[fn]) {
  case FAULT_ABORT:
    fprintf(stderr, "cpxsim: injected abort in %s\n", sim_fn_names[fn]);
    abort();
  case FAULT_DEVICE_ERROR:
    return CKR_DEVICE_ERROR;
  case FAULT_NOT_SUPPORTED:
    return CKR_FUNCTION_NOT_SUPPORTED;
  case FAULT_NO_EVENT: /* meant for C_WaitForSlotEvent: a middleware that never reports a change */
    return CKR_NO_EVENT;
  default:
    return CKR_OK;
  }
}

/* What a call on a session answers once its card has left: Cryptolib 5.2 (whose readers are polled: detect_ms)
 * says CKR_TOKEN_NOT_PRESENT; a middleware that sees removals at once (OpenSC) CKR_DEVICE_REMOVED. */
static CK_RV removed_rv(void) { return t_cfg.detect_ms > 0 ? CKR_TOKEN_NOT_PRESENT : CKR_DEVICE_REMOVED; }

static int plugged(const struct sim_config *cfg, int r) { return r >= 0 && r < cfg->readers && !cfg->unplugged[r]; }

/* The physical reader shown as `slot`, or -1 when there is no such slot. */
static int slot_reader(const struct sim_config *cfg, CK_SLOT_ID slot) {
  CK_SLOT_ID pos = 0;
  for (int r = 0; r < cfg->readers; r++)
    if (plugged(cfg, r) && pos++ == slot) return r;
  return -1;
}

/* The slot a plugged reader is shown as, or -1 when it is unplugged. */
static long reader_slot(const struct sim_config *cfg, int r) {
  if (!plugged(cfg, r)) return -1;
  long pos = 0;
  for (int i = 0; i < r; i++) pos += plugged(cfg, i);
  return pos;
}

/* The card really in reader r: none in a reader that is unplugged. */
static int physical_card(int r, struct sim_card *out) {
  if (!plugged(&t_cfg, r)) {
    memset(out, 0, sizeof *out);
    return 0;
  }
  return reader_card(r, out);
}

static long elapsed_ms(const struct timespec *from, const struct timespec *to) {
  return (long)(to->tv_sec - from->tv_sec) * 1000 + (to->tv_nsec - from->tv_nsec) / 1000000;
}

/* The middleware's detection poll: looks at every reader. g_det_mu held. */
static void detect_poll(const struct timespec *now) {
  for (int r = 0; r < SIM_MAX_READERS; r++) {
    struct sim_card card;
    int present = r < t_cfg.readers && physical_card(r, &card);
    if (present != g_det.present[r] || (present && strcmp(card.insertion, g_det.card[r].insertion) != 0)) {
      g_det.have_info[r] = 0;
      g_det.present[r] = present;
      if (present) g_det.card[r] = card;
      else memset(&g_det.card[r], 0, sizeof g_det.card[r]);
    }
  }
  g_det.at = *now;
  g_det.period_ms = t_cfg.detect_ms;
  g_det.valid = 1;
}

/* What the middleware believes is in reader r: the reader itself without a detection period, else what its last
 * detection poll saw (a poll runs when the last one is detect_ms old). */
static int seen_card(int r, struct sim_card *out) {
  if (t_cfg.detect_ms <= 0) return physical_card(r, out);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  pthread_mutex_lock(&g_det_mu);
  if (!g_det.valid || g_det.period_ms != t_cfg.detect_ms || elapsed_ms(&g_det.at, &now) >= t_cfg.detect_ms)
    detect_poll(&now);
  int present = g_det.present[r];
  if (present) *out = g_det.card[r];
  else memset(out, 0, sizeof *out);
  pthread_mutex_unlock(&g_det_mu);
  return present;
}

/* The token info the middleware keeps for the card it believes is in reader r (for that very insertion). */
static void remember_info(int r, const struct sim_card *card, const CK_TOKEN_INFO *info) {
  if (t_cfg.detect_ms <= 0) return;
  pthread_mutex_lock(&g_det_mu);
  if (g_det.present[r] && strcmp(g_det.card[r].insertion, card->insertion) == 0) {
    g_det.info[r] = *info;
    g_det.have_info[r] = 1;
  }
  pthread_mutex_unlock(&g_det_mu);
}

static int remembered_info(int r, const struct sim_card *card, CK_TOKEN_INFO *out) {
  pthread_mutex_lock(&g_det_mu);
  int have = g_det.have_info[r] && g_det.present[r] && strcmp(g_det.card[r].insertion, card->insertion) == 0;
  if (have) *out = g_det.info[r];
  pthread_mutex_unlock(&g_det_mu);
  return have;
}

static int is_pss(CK_MECHANISM_TYPE m) {
  return m == CKM_RSA_PKCS_PSS || m == CKM_SHA1_RSA_PKCS_PSS || m == CKM_SHA224_RSA_PKCS_PSS ||
         m == CKM_SHA256_RSA_PKCS_PSS || m == CKM_SHA384_RSA_PKCS_PSS || m == CKM_SHA512_RSA_PKCS_PSS;
}

/* Mechanisms a card does not offer: those hidden by the configuration, and RSA-PSS on a CPS3. */
static int card_lacks(const struct sim_config *cfg, int cps4, CK_MECHANISM_TYPE m) {
  return config_hides(cfg, m) || (!cps4 && is_pss(m));
}

#define ENTER(fn)                                  \
  struct sim_config cfg;                           \
  do {                                             \
    CK_RV enter_rv_ = enter(FN_##fn, &cfg);        \
    if (enter_rv_ != CKR_OK) return enter_rv_;     \
  } while (0)

/* Finds a session, including closed ones still in use by another thread (open_only = 0). g_mu held. */
static struct vsession *session_find(CK_SESSION_HANDLE h, int open_only) {
  for (size_t i = 0; i < g_nsess; i++)
    if (g_sess[i].handle == h) return open_only && g_sess[i].closed ? NULL : &g_sess[i];
  return NULL;
}

/* Closes SoftHSM2's session and forgets the handle once no call is in flight on it: another thread may be
 * inside C_Sign on that session when the card's removal is noticed. g_rw (read) and g_mu held. */
static void session_release(struct vsession *s) {
  if (s->busy > 0) return;
  if (s->removed && s->real_open) {
    count_softhsm(FN_C_CloseSession);
    backend_functions(s->inst)->C_CloseSession(s->real);
    s->real_open = 0;
    g_inst_sessions[s->inst]--;
  }
  if (s->closed) {
    if (s->real_open) { /* closed by the application: SoftHSM2's session too */
      count_softhsm(FN_C_CloseSession);
      backend_functions(s->inst)->C_CloseSession(s->real);
      g_inst_sessions[s->inst]--;
    }
    *s = g_sess[--g_nsess];
  }
}

/* Reads the reader's file; when the card changed since this process last looked, the sessions on the
 * old card are closed in SoftHSM2 and marked removed. g_rw (read) and g_mu held. Returns 1 if a card is in. */
static int sync_reader(int r) {
  struct sim_card card;
  int present = physical_card(r, &card);
  struct binding *b = &g_rb[r];
  if (b->known && b->present == present && (!present || strcmp(b->card.insertion, card.insertion) == 0)) return present;
  for (size_t i = 0; i < g_nsess; i++) {
    struct vsession *s = &g_sess[i];
    if (s->reader == r && !s->removed && !s->closed) {
      s->removed = 1;
      session_release(s); /* never drops an open session: the array stays as it is */
    }
  }
  memset(b, 0, sizeof *b);
  b->known = 1;
  b->present = present;
  if (present) b->card = card;
  return present;
}

/* Binds the reader to the SoftHSM2 instance and slot that hold its card. g_mu held. */
static int bind(struct binding *b) {
  b->bound = backend_find(b->card.serial, &b->inst, &b->slot);
  b->cps4 = b->bound && backend_is_cps4(b->inst, b->slot);
  return b->bound;
}

static void rebind_instance(int k) {
  for (int r = 0; r < SIM_MAX_READERS; r++) {
    struct binding *b = &g_rb[r];
    if (b->bound && b->inst == k) bind(b);
  }
}

static void call_fill(struct call *c, int r) {
  const struct binding *b = &g_rb[r];
  c->handle = 0;
  c->fl = backend_functions(b->inst);
  c->slot = b->slot;
  c->reader = r;
  c->cps4 = b->cps4;
  c->card = b->card;
}

/* Starts a call on the card the middleware believes is in reader r (`seen`); CKR_TOKEN_NOT_PRESENT when that
 * card is no longer really there. On CKR_OK the caller must call_end(). */
static CK_RV slot_begin(int r, const struct sim_card *seen, struct call *c) {
  for (int attempt = 0; attempt < 3; attempt++) {
    pthread_rwlock_rdlock(&g_rw);
    pthread_mutex_lock(&g_mu);
    CK_RV rv = CKR_OK;
    struct binding *b = &g_rb[r];
    if (!sync_reader(r) || strcmp(b->card.insertion, seen->insertion) != 0) rv = CKR_TOKEN_NOT_PRESENT;
    else if (b->unrecognized) rv = CKR_TOKEN_NOT_RECOGNIZED;
    else if (!b->bound) bind(b);
    if (rv == CKR_OK && b->bound) {
      call_fill(c, r);
      pthread_mutex_unlock(&g_mu);
      return CKR_OK;
    }
    pthread_mutex_unlock(&g_mu);
    pthread_rwlock_unlock(&g_rw);
    if (rv != CKR_OK) return rv;

    /* a card no loaded instance knows: it was provisioned after they started */
    pthread_rwlock_wrlock(&g_rw);
    pthread_mutex_lock(&g_mu);
    if (sync_reader(r) && !b->bound && !b->unrecognized && !bind(b)) {
      int reinit = -1;
      rv = backend_refresh(b->card.serial, g_inst_sessions, &reinit, &b->inst, &b->slot);
      if (reinit >= 0) rebind_instance(reinit);
      if (rv == CKR_OK) {
        b->bound = 1;
        b->cps4 = backend_is_cps4(b->inst, b->slot);
      }
      else if (rv == CKR_TOKEN_NOT_RECOGNIZED) {
        b->unrecognized = 1;
        fprintf(stderr, "cpxsim: reader %d holds token %s, which SoftHSM2 does not have\n", r, b->card.serial);
      }
    }
    pthread_mutex_unlock(&g_mu);
    pthread_rwlock_unlock(&g_rw);
    if (rv != CKR_OK) return rv;
  }
  return CKR_TOKEN_NOT_PRESENT; /* the card kept changing under us */
}

/* Starts a call on a session; on CKR_OK the caller must call_end(). */
static CK_RV session_begin(CK_SESSION_HANDLE h, struct call *c) {
  pthread_rwlock_rdlock(&g_rw);
  pthread_mutex_lock(&g_mu);
  CK_RV rv = CKR_OK;
  struct vsession *s = session_find(h, 1);
  if (!s) rv = CKR_SESSION_HANDLE_INVALID;
  else {
    if (!s->removed) sync_reader(s->reader);
    if (s->removed) {
      /* reported once; afterwards the handle is simply unknown */
      s->closed = 1;
      session_release(s);
      rv = removed_rv();
    } else {
      s->busy++;
      call_fill(c, s->reader);
      c->fl = backend_functions(s->inst);
      c->handle = s->handle;
      c->real = s->real;
    }
  }
  pthread_mutex_unlock(&g_mu);
  if (rv != CKR_OK) pthread_rwlock_unlock(&g_rw);
  return rv;
}

static void call_end(struct call *c) {
  if (c->handle) {
    pthread_mutex_lock(&g_mu);
    struct vsession *s = session_find(c->handle, 0);
    if (s) {
      s->busy--;
      session_release(s);
    }
    pthread_mutex_unlock(&g_mu);
  }
  pthread_rwlock_unlock(&g_rw);
}

/* After the card's working time: was the card taken out meanwhile? Then the call fails as the session's
 * first call after a removal does (and the handle is gone). */
static CK_RV still_in(const struct call *c) {
  pthread_mutex_lock(&g_mu);
  struct vsession *s = session_find(c->handle, 1);
  CK_RV rv = CKR_OK;
  if (s && !s->removed) sync_reader(s->reader);
  if (!s || s->removed) {
    if (s) s->closed = 1; /* released by call_end, which still holds it busy */
    rv = removed_rv();
  }
  pthread_mutex_unlock(&g_mu);
  return rv;
}

static CK_RV check_mechanism(const struct sim_config *cfg, const struct call *c, CK_MECHANISM_PTR m) {
  return m && card_lacks(cfg, c->cps4, m->mechanism) ? CKR_MECHANISM_INVALID : CKR_OK;
}

/* A reader's state as slot events compare it: unplugged (or beyond the readers), empty, or which insertion. */
static const char *reader_event_state(const struct sim_config *cfg, int r, struct sim_card *card) {
  if (!plugged(cfg, r)) return "-unplugged-";
  return seen_card(r, card) ? card->insertion : "";
}

/* ---- general ---- */

CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  if (pInitArgs) {
    CK_C_INITIALIZE_ARGS *a = pInitArgs;
    int given = !!a->CreateMutex + !!a->DestroyMutex + !!a->LockMutex + !!a->UnlockMutex;
    if (a->pReserved || (given != 0 && given != 4)) return CKR_ARGUMENTS_BAD;
    /* with or without CKF_OS_LOCKING_OK the module uses pthreads; it never creates threads */
  }
  pthread_mutex_lock(&g_init_mu);
  CK_RV rv = CKR_OK;
  struct sim_config cfg;
  const char *dir = getenv("CPX_SIM_STATE");
  if (__atomic_load_n(&g_up, __ATOMIC_ACQUIRE)) rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
  else if (!dir || !*dir) {
    fprintf(stderr, "cpxsim: CPX_SIM_STATE is not set: it must name the simulator's state directory "
                    "(eval \"$(npm run --silent cards -- env)\")\n");
    rv = CKR_GENERAL_ERROR;
  } else if (state_open(dir) != 0) rv = CKR_GENERAL_ERROR;
  if (rv == CKR_OK) {
    count_call(FN_C_Initialize);
    config_get(&cfg);
    if (cfg.fault[FN_C_Initialize] == FAULT_ABORT) {
      fprintf(stderr, "cpxsim: injected abort in C_Initialize\n");
      abort();
    }
    if (cfg.fault[FN_C_Initialize] == FAULT_DEVICE_ERROR) rv = CKR_DEVICE_ERROR;
    else rv = backend_start();
    if (rv != CKR_OK) state_close();
  }
  if (rv == CKR_OK) {
    pthread_mutex_lock(&g_mu);
    g_nsess = 0;
    memset(g_rb, 0, sizeof g_rb);
    memset(g_inst_sessions, 0, sizeof g_inst_sessions);
    pthread_mutex_unlock(&g_mu);
    t_cfg = cfg;
    pthread_mutex_lock(&g_det_mu);
    memset(&g_det, 0, sizeof g_det);
    pthread_mutex_unlock(&g_det_mu);
    /* slot events are changes after C_Initialize: what is in the readers now is the baseline */
    for (int r = 0; r < SIM_MAX_READERS; r++) {
      struct sim_card card;
      snprintf(g_event_seen[r], SIM_ID_MAX, "%s", reader_event_state(&cfg, r, &card));
      g_event_slot[r] = (CK_SLOT_ID)(reader_slot(&cfg, r) < 0 ? 0 : reader_slot(&cfg, r));
    }
    __atomic_store_n(&g_up, 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&g_init_mu);
  return rv;
}

CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  if (pReserved) return CKR_ARGUMENTS_BAD;
  ENTER(C_Finalize);
  pthread_mutex_lock(&g_init_mu);
  pthread_rwlock_wrlock(&g_rw);
  pthread_mutex_lock(&g_mu);
  __atomic_store_n(&g_up, 0, __ATOMIC_RELEASE);
  backend_stop(); /* closes every SoftHSM2 session with it */
  free(g_sess);
  g_sess = NULL;
  g_nsess = g_capsess = 0;
  memset(g_rb, 0, sizeof g_rb);
  memset(g_inst_sessions, 0, sizeof g_inst_sessions);
  pthread_mutex_unlock(&g_mu);
  pthread_rwlock_unlock(&g_rw);
  state_close();
  pthread_mutex_unlock(&g_init_mu);
  return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  ENTER(C_GetInfo);
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  memset(pInfo, 0, sizeof *pInfo);
  pInfo->cryptokiVersion.major = 2;
  pInfo->cryptokiVersion.minor = 20;
  pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, MANUFACTURER);
  pad(pInfo->libraryDescription, sizeof pInfo->libraryDescription, LIBRARY_DESCRIPTION);
  pInfo->libraryVersion.major = 1;
  pInfo->libraryVersion.minor = 0;
  return CKR_OK;
}

SIM_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (!ppFunctionList) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &g_functions;
  return CKR_OK;
}

/* ---- slots and tokens ---- */

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  ENTER(C_GetSlotList);
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  CK_SLOT_ID slots[SIM_MAX_READERS];
  CK_ULONG n = 0;
  for (int r = 0; r < cfg.readers; r++) {
    long slot = reader_slot(&cfg, r);
    struct sim_card card;
    if (slot >= 0 && (!tokenPresent || seen_card(r, &card))) slots[n++] = (CK_SLOT_ID)slot;
  }
  if (pSlotList) {
    if (*pulCount < n) {
      *pulCount = n;
      return CKR_BUFFER_TOO_SMALL;
    }
    memcpy(pSlotList, slots, n * sizeof *slots);
  }
  *pulCount = n;
  return CKR_OK;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  ENTER(C_GetSlotInfo);
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  int r = slot_reader(&cfg, slotID);
  if (r < 0) return CKR_SLOT_ID_INVALID;
  char name[96];
  snprintf(name, sizeof name, READER_NAME, r);
  struct sim_card card;
  memset(pInfo, 0, sizeof *pInfo);
  pad(pInfo->slotDescription, sizeof pInfo->slotDescription, name);
  pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, MANUFACTURER);
  pInfo->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (seen_card(r, &card) ? CKF_TOKEN_PRESENT : 0);
  pInfo->hardwareVersion.major = 1;
  pInfo->firmwareVersion.major = 1;
  return CKR_OK;
}

static CK_FLAGS counter_flags(enum sim_counter which, int tries) {
  int user = which == COUNTER_PIN;
  if (tries <= 0) return user ? CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW : CKF_SO_PIN_LOCKED | CKF_SO_PIN_COUNT_LOW;
  if (tries == 1) return user ? CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW : CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW;
  if (tries < counter_max(which)) return user ? CKF_USER_PIN_COUNT_LOW : CKF_SO_PIN_COUNT_LOW;
  return 0;
}

/* The card's slot, checked: the physical reader and the card the middleware believes is in it. */
static CK_RV slot_card(const struct sim_config *cfg, CK_SLOT_ID slotID, int *r, struct sim_card *seen) {
  *r = slot_reader(cfg, slotID);
  if (*r < 0) return CKR_SLOT_ID_INVALID;
  return seen_card(*r, seen) ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  ENTER(C_GetTokenInfo);
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  int r;
  struct sim_card seen;
  CK_RV rv = slot_card(&cfg, slotID, &r, &seen);
  if (rv != CKR_OK) return rv;
  struct call c;
  rv = slot_begin(r, &seen, &c);
  if (rv == CKR_OK) {
    count_softhsm(FN_C_GetTokenInfo);
    rv = c.fl->C_GetTokenInfo(c.slot, pInfo);
    call_end(&c);
    if (rv == CKR_OK) remember_info(r, &seen, pInfo);
  } else if (rv == CKR_TOKEN_NOT_PRESENT && remembered_info(r, &seen, pInfo)) {
    rv = CKR_OK; /* the card left (or another took its place) since the last detection: its info is still shown */
  }
  if (rv != CKR_OK) return rv;
  pad(pInfo->manufacturerID, sizeof pInfo->manufacturerID, MANUFACTURER);
  pad(pInfo->model, sizeof pInfo->model, memcmp(pInfo->label, "CPS4", 4) == 0 ? TOKEN_MODEL_CPS4 : TOKEN_MODEL_CPS3);
  pInfo->flags &= ~(CK_FLAGS)(PIN_FLAGS | SO_PIN_FLAGS | CKF_PROTECTED_AUTHENTICATION_PATH);
  pInfo->flags |= counter_flags(COUNTER_PIN, pin_tries(COUNTER_PIN, seen.card_id));
  pInfo->flags |= counter_flags(COUNTER_PUK, pin_tries(COUNTER_PUK, seen.card_id));
  if (cfg.pinpad[r]) pInfo->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  pInfo->ulMinPinLen = SIM_PIN_MIN;
  pInfo->ulMaxPinLen = SIM_PIN_MAX;
  return CKR_OK;
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  ENTER(C_WaitForSlotEvent);
  if (!(flags & CKF_DONT_BLOCK)) return CKR_FUNCTION_NOT_SUPPORTED; /* as Cryptolib CPS: callers must poll */
  if (!pSlot || pReserved) return CKR_ARGUMENTS_BAD;
  CK_RV rv = CKR_NO_EVENT;
  pthread_mutex_lock(&g_mu);
  for (int r = 0; r < SIM_MAX_READERS && rv == CKR_NO_EVENT; r++) {
    struct sim_card card;
    const char *now = reader_event_state(&cfg, r, &card);
    long slot = reader_slot(&cfg, r);
    if (strcmp(now, g_event_seen[r]) != 0) {
      snprintf(g_event_seen[r], SIM_ID_MAX, "%s", now);
      /* an unplugged reader is reported on the slot it had */
      *pSlot = slot >= 0 ? (CK_SLOT_ID)slot : g_event_slot[r];
      rv = CKR_OK;
    }
    if (slot >= 0) g_event_slot[r] = (CK_SLOT_ID)slot;
  }
  pthread_mutex_unlock(&g_mu);
  return rv;
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount) {
  ENTER(C_GetMechanismList);
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  int r;
  struct sim_card seen;
  CK_RV rv = slot_card(&cfg, slotID, &r, &seen);
  if (rv != CKR_OK) return rv;
  struct call c;
  rv = slot_begin(r, &seen, &c);
  if (rv != CKR_OK) return rv;
  CK_ULONG n = 0;
  CK_MECHANISM_TYPE *all = NULL;
  count_softhsm(FN_C_GetMechanismList);
  rv = c.fl->C_GetMechanismList(c.slot, NULL, &n);
  if (rv == CKR_OK && !(all = calloc(n ? n : 1, sizeof *all))) rv = CKR_HOST_MEMORY;
  if (rv == CKR_OK) {
    count_softhsm(FN_C_GetMechanismList);
    rv = c.fl->C_GetMechanismList(c.slot, all, &n);
  }
  call_end(&c);
  if (rv == CKR_OK) {
    CK_ULONG kept = 0;
    for (CK_ULONG i = 0; i < n; i++)
      if (!card_lacks(&cfg, c.cps4, all[i])) all[kept++] = all[i];
    if (pMechanismList && *pulCount < kept) rv = CKR_BUFFER_TOO_SMALL;
    else if (pMechanismList) memcpy(pMechanismList, all, kept * sizeof *all);
    *pulCount = kept;
  }
  free(all);
  return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  ENTER(C_GetMechanismInfo);
  int r;
  struct sim_card seen;
  CK_RV rv = slot_card(&cfg, slotID, &r, &seen);
  if (rv != CKR_OK) return rv;
  struct call c;
  rv = slot_begin(r, &seen, &c);
  if (rv != CKR_OK) return rv;
  if (card_lacks(&cfg, c.cps4, type)) rv = CKR_MECHANISM_INVALID;
  else {
    count_softhsm(FN_C_GetMechanismInfo);
    rv = c.fl->C_GetMechanismInfo(c.slot, type, pInfo);
  }
  call_end(&c);
  return rv;
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel) {
  (void)slotID, (void)pPin, (void)ulPinLen, (void)pLabel;
  ENTER(C_InitToken);
  return CKR_FUNCTION_NOT_SUPPORTED; /* a CPx card is personalised by its issuer, never by the middleware */
}

/* ---- sessions ---- */

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
                    CK_SESSION_HANDLE_PTR phSession) {
  (void)pApplication, (void)Notify; /* SoftHSM2 never calls back either */
  ENTER(C_OpenSession);
  if (!phSession) return CKR_ARGUMENTS_BAD;
  int r;
  struct sim_card seen;
  CK_RV rv = slot_card(&cfg, slotID, &r, &seen);
  if (rv != CKR_OK) return rv;
  struct call c;
  rv = slot_begin(r, &seen, &c);
  if (rv != CKR_OK) return rv;
  CK_SESSION_HANDLE real;
  count_softhsm(FN_C_OpenSession);
  rv = c.fl->C_OpenSession(c.slot, flags, NULL, NULL, &real);
  if (rv == CKR_OK) {
    pthread_mutex_lock(&g_mu);
    const struct binding *b = &g_rb[c.reader];
    if (!b->present || strcmp(b->card.insertion, c.card.insertion) != 0) {
      rv = CKR_DEVICE_REMOVED; /* the card left while the session was being opened */
    } else if (g_nsess == g_capsess) {
      size_t cap = g_capsess ? g_capsess * 2 : 16;
      struct vsession *grown = realloc(g_sess, cap * sizeof *grown);
      if (grown) {
        g_sess = grown;
        g_capsess = cap;
      } else rv = CKR_HOST_MEMORY;
    }
    if (rv == CKR_OK) {
      struct vsession *s = &g_sess[g_nsess++];
      s->handle = g_next_handle++;
      s->real = real;
      s->reader = c.reader;
      s->inst = b->inst;
      s->removed = s->closed = s->busy = 0;
      s->real_open = 1;
      g_inst_sessions[b->inst]++;
      *phSession = s->handle;
    }
    pthread_mutex_unlock(&g_mu);
    if (rv != CKR_OK) {
      count_softhsm(FN_C_CloseSession);
      c.fl->C_CloseSession(real);
    }
  }
  call_end(&c);
  return rv;
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  ENTER(C_CloseSession);
  pthread_rwlock_rdlock(&g_rw);
  pthread_mutex_lock(&g_mu);
  CK_RV rv = CKR_OK;
  struct vsession *s = session_find(hSession, 1);
  if (!s) rv = CKR_SESSION_HANDLE_INVALID;
  else {
    /* closing a session whose card is gone is what the caller should do: it succeeds */
    sync_reader(s->reader);
    s->closed = 1;
    session_release(s);
  }
  pthread_mutex_unlock(&g_mu);
  pthread_rwlock_unlock(&g_rw);
  return rv;
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  ENTER(C_CloseAllSessions);
  int r = slot_reader(&cfg, slotID);
  if (r < 0) return CKR_SLOT_ID_INVALID;
  pthread_rwlock_rdlock(&g_rw);
  pthread_mutex_lock(&g_mu);
  int present = sync_reader(r);
  for (size_t i = 0; i < g_nsess;) {
    struct vsession *s = &g_sess[i];
    if (s->reader != r || s->closed) {
      i++;
      continue;
    }
    s->closed = 1;
    size_t before = g_nsess;
    session_release(s);
    if (g_nsess == before) i++; /* still in use by another thread: kept until its call ends */
  }
  pthread_mutex_unlock(&g_mu);
  pthread_rwlock_unlock(&g_rw);
  return present ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  ENTER(C_GetSessionInfo);
  struct call c;
  CK_RV rv = session_begin(hSession, &c);
  if (rv != CKR_OK) return rv;
  count_softhsm(FN_C_GetSessionInfo);
  rv = c.fl->C_GetSessionInfo(c.real, pInfo);
  call_end(&c);
  if (rv == CKR_OK) {
    long slot = reader_slot(&cfg, c.reader);
    pInfo->slotID = (CK_SLOT_ID)(slot >= 0 ? slot : c.reader);
  }
  return rv;
}

/* ---- PIN ---- */

/* Waits for the PIN "typed" on the reader's pad (control.ts typeOnPinpad). */
static CK_RV pinpad_read(int reader, const struct sim_config *cfg, char *pin, size_t cap, size_t *len) {
  sleep_ms(cfg->pinpad_ms);
  for (long waited = cfg->pinpad_ms;; waited += PINPAD_POLL_MS) {
    if (pinpad_take(reader, pin, cap, len)) return CKR_OK;
    if (waited >= cfg->pinpad_timeout_ms) return CKR_FUNCTION_CANCELED;
    sleep_ms(PINPAD_POLL_MS);
  }
}

static CK_RV forward_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  struct call c;
  CK_RV rv = session_begin(h, &c); /* again: the card may have left during the PIN-pad wait */
  if (rv != CKR_OK) return rv;
  count_softhsm(FN_C_Login);
  rv = c.fl->C_Login(c.real, user, pin, len);
  call_end(&c);
  return rv;
}

/* A PIN check done by the card, C_Login (user PIN or PUK) or C_SetPIN (current PIN, then the new one). */
struct pin_check {
  CK_SESSION_HANDLE h;
  CK_USER_TYPE user;
  CK_UTF8CHAR_PTR pin, new_pin;
  CK_ULONG len, new_len;
};

static CK_RV run_check(const struct pin_check *pc, int set_pin) {
  if (!set_pin) return forward_login(pc->h, pc->user, pc->pin, pc->len);
  struct call c;
  CK_RV rv = session_begin(pc->h, &c);
  if (rv != CKR_OK) return rv;
  count_softhsm(FN_C_SetPIN);
  rv = c.fl->C_SetPIN(c.real, pc->pin, pc->len, pc->new_pin, pc->new_len);
  call_end(&c);
  return rv;
}

static int pin_len_ok(CK_ULONG len) { return len >= SIM_PIN_MIN && len <= SIM_PIN_MAX; }

/* The card's try counter (user PIN or PUK) around a check: lengths the card refuses cost nothing; a blocked
 * code is refused without being checked; a wrong one costs a try; a right one restores them all. */
static CK_RV counted_check(const char *card_id, enum sim_counter which, const struct pin_check *pc, int set_pin) {
  int len_ok = which == COUNTER_PUK ? pc->len == SIM_PUK_LEN : pin_len_ok(pc->len);
  if (!len_ok || (set_pin && !pin_len_ok(pc->new_len))) return CKR_PIN_LEN_RANGE; /* refused before the card */
  int lock = pin_lock(which, card_id);
  if (lock < 0) return CKR_GENERAL_ERROR;
  int tries = pin_tries_locked(lock, which, card_id);
  CK_RV rv = CKR_PIN_LOCKED;
  if (tries > 0) {
    rv = run_check(pc, set_pin);
    /* like an IAS-ECC card (status 63C0), the last wrong code still answers CKR_PIN_INCORRECT; the code is
     * blocked from then on (CKF_USER_PIN_LOCKED / CKF_SO_PIN_LOCKED, then CKR_PIN_LOCKED) */
    if (rv == CKR_PIN_INCORRECT) pin_store_locked(lock, which, card_id, tries - 1);
    else if (rv == CKR_OK && tries != counter_max(which)) pin_store_locked(lock, which, card_id, counter_max(which));
  }
  pin_unlock(lock);
  return rv;
}

/* A code the application did not give: typed on the reader's pad when it has one (one line per code). */
static CK_RV code_from_pad(const struct sim_config *cfg, int reader, CK_UTF8CHAR_PTR *pin, CK_ULONG *len, char *typed,
                           size_t cap) {
  if (*pin && *len > 0) return CKR_OK; /* given by the application: used as is */
  if (!cfg->pinpad[reader]) return CKR_ARGUMENTS_BAD; /* no code and no PIN pad to ask it on */
  size_t n = 0;
  CK_RV rv = pinpad_read(reader, cfg, typed, cap, &n);
  *pin = (CK_UTF8CHAR_PTR)typed;
  *len = (CK_ULONG)n;
  return rv;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  ENTER(C_Login);
  struct call c;
  CK_RV rv = session_begin(hSession, &c);
  if (rv != CKR_OK) return rv;
  call_end(&c); /* no lock held while the user types or the card thinks */
  char typed[64];
  struct pin_check pc = { hSession, userType, pPin, NULL, ulPinLen, 0 };
  rv = code_from_pad(&cfg, c.reader, &pc.pin, &pc.len, typed, sizeof typed);
  if (rv == CKR_OK) {
    sleep_ms(cfg.login_ms);
    /* the SO of a CPx card is its holder with the PUK: counted on the card like the PIN */
    rv = counted_check(c.card.card_id, userType == CKU_SO ? COUNTER_PUK : COUNTER_PIN, &pc, 0);
  }
  explicit_bzero(typed, sizeof typed);
  return rv;
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  ENTER(C_InitPIN);
  struct call c;
  CK_RV rv = session_begin(hSession, &c);
  if (rv != CKR_OK) return rv;
  call_end(&c);
  char typed[64];
  rv = code_from_pad(&cfg, c.reader, &pPin, &ulPinLen, typed, sizeof typed);
  if (rv == CKR_OK && !pin_len_ok(ulPinLen)) rv = CKR_PIN_LEN_RANGE; /* the card's bounds for a PIN */
  if (rv == CKR_OK) rv = session_begin(hSession, &c);
  if (rv == CKR_OK) {
    count_softhsm(FN_C_InitPIN);
    rv = c.fl->C_InitPIN(c.real, pPin, ulPinLen);
    call_end(&c);
  }
  explicit_bzero(typed, sizeof typed);
  if (rv == CKR_OK) { /* unblocked with the PUK: the card's counter starts over */
    int lock = pin_lock(COUNTER_PIN, c.card.card_id);
    if (lock < 0 || pin_store_locked(lock, COUNTER_PIN, c.card.card_id, SIM_PIN_TRIES) != 0) rv = CKR_GENERAL_ERROR;
    pin_unlock(lock);
  }
  return rv;
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin,
               CK_ULONG ulNewLen) {
  ENTER(C_SetPIN);
  struct call c;
  CK_SESSION_INFO info;
  CK_RV rv = session_begin(hSession, &c);
  if (rv != CKR_OK) return rv;
  count_softhsm(FN_C_GetSessionInfo);
  rv = c.fl->C_GetSessionInfo(c.real, &info);
  call_end(&c);
  if (rv != CKR_OK) return rv;
  /* on a PIN pad the reader asks for the current code, then the new one */
  char typed_old[64], typed_new[64];
  struct pin_check pc = { hSession, CKU_USER, pOldPin, pNewPin, ulOldLen, ulNewLen };
  rv = code_from_pad(&cfg, c.reader, &pc.pin, &pc.len, typed_old, sizeof typed_old);
  if (rv == CKR_OK) rv = code_from_pad(&cfg, c.reader, &pc.new_pin, &pc.new_len, typed_new, sizeof typed_new);
  if (rv == CKR_OK) {
    sleep_ms(cfg.login_ms);
    /* the SO changes the PUK: not counted */
    rv = info.state == CKS_RW_SO_FUNCTIONS ? run_check(&pc, 1) : counted_check(c.card.card_id, COUNTER_PIN, &pc, 1);
  }
  explicit_bzero(typed_old, sizeof typed_old);
  explicit_bzero(typed_new, sizeof typed_new);
  return rv;
}

/* ---- everything else: forwarded on the session's card ---- */

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject) {
  (void)hSession, (void)pTemplate, (void)ulCount, (void)phObject;
  ENTER(C_CreateObject);
  return CKR_FUNCTION_NOT_SUPPORTED; /* as Cryptolib CPS; cards are provisioned straight into SoftHSM2 */
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                   CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject) {
  (void)hSession, (void)hObject, (void)pTemplate, (void)ulCount, (void)phNewObject;
  ENTER(C_CopyObject);
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession) {
  ENTER(C_GetFunctionStatus);
  struct call c;
  CK_RV rv = session_begin(hSession, &c);
  if (rv != CKR_OK) return rv;
  call_end(&c);
  return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession) {
  ENTER(C_CancelFunction);
  struct call c;
  CK_RV rv = session_begin(hSession, &c);
  if (rv != CKR_OK) return rv;
  call_end(&c);
  return CKR_FUNCTION_NOT_PARALLEL;
}

/* C_Sign (data != NULL) and C_SignFinal. The card's signing time is spent only when a signature is produced,
 * not on a length query. An injected device error ends the signing operation, as a failed C_Sign does on a
 * real card (OpenSC stops the operation on any error but CKR_BUFFER_TOO_SMALL): SoftHSM2's operation is
 * completed into a scratch buffer, so the caller can start a new one on the same session. */
static CK_RV sign_call(enum sim_fn fn, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                       CK_ULONG_PTR sig_len) {
  struct sim_config cfg;
  CK_RV fault = enter(fn, &cfg);
  if (fault != CKR_OK && fault != CKR_DEVICE_ERROR) return fault;
  struct call c;
  CK_RV rv = session_begin(h, &c);
  if (rv != CKR_OK) return fault != CKR_OK ? fault : rv;
  if (fault == CKR_DEVICE_ERROR) {
    CK_BYTE scratch[1024];
    CK_ULONG n = sizeof scratch;
    count_softhsm(fn);
    if (fn == FN_C_Sign) c.fl->C_Sign(c.real, data, len, scratch, &n);
    else c.fl->C_SignFinal(c.real, scratch, &n);
    explicit_bzero(scratch, sizeof scratch);
    rv = fault;
  } else {
    if (sig && cfg.sign_ms > 0) {
      sleep_ms(cfg.sign_ms);
      rv = still_in(&c); /* the card may have left while it was signing */
    }
    if (rv == CKR_OK) {
      count_softhsm(fn);
      rv = fn == FN_C_Sign ? c.fl->C_Sign(c.real, data, len, sig, sig_len) : c.fl->C_SignFinal(c.real, sig, sig_len);
    }
  }
  call_end(&c);
  return rv;
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen) {
  return sign_call(FN_C_Sign, hSession, pData, ulDataLen, pSignature, pulSignatureLen);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return sign_call(FN_C_SignFinal, hSession, NULL, 0, pSignature, pulSignatureLen);
}


/* A forwarded session call: `mech` is checked against the hidden mechanisms, `delay` (ms) is the card's
 * working time, slept before forwarding. `args` passes c.real in place of the caller's session handle. */
#define FORWARD(fn, params, mech, delay, args)                 \
  CK_RV fn params {                                            \
    ENTER(fn);                                                 \
    struct call c;                                             \
    CK_RV rv = session_begin(hSession, &c);                    \
    if (rv != CKR_OK) return rv;                               \
    rv = check_mechanism(&cfg, &c, mech);                      \
    if (rv == CKR_OK) {                                        \
      sleep_ms(delay);                                         \
      count_softhsm(FN_##fn);                                  \
      rv = c.fl->fn args;                                      \
    }                                                          \
    call_end(&c);                                              \
    return rv;                                                 \
  }

#define S CK_SESSION_HANDLE hSession
#define BYTES(p, n) CK_BYTE_PTR p, CK_ULONG n
#define OUT(p, n) CK_BYTE_PTR p, CK_ULONG_PTR n

FORWARD(C_Logout, (S), NULL, 0, (c.real))
FORWARD(C_GetOperationState, (S, OUT(pState, pulLen)), NULL, 0, (c.real, pState, pulLen))
FORWARD(C_SetOperationState, (S, BYTES(pState, ulLen), CK_OBJECT_HANDLE hEnc, CK_OBJECT_HANDLE hAuth), NULL, 0,
        (c.real, pState, ulLen, hEnc, hAuth))
FORWARD(C_DestroyObject, (S, CK_OBJECT_HANDLE hObject), NULL, 0, (c.real, hObject))
FORWARD(C_GetObjectSize, (S, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize), NULL, 0, (c.real, hObject, pulSize))
FORWARD(C_GetAttributeValue, (S, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), NULL, 0,
        (c.real, hObject, pTemplate, ulCount))
FORWARD(C_SetAttributeValue, (S, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), NULL, 0,
        (c.real, hObject, pTemplate, ulCount))
FORWARD(C_FindObjectsInit, (S, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), NULL, 0, (c.real, pTemplate, ulCount))
FORWARD(C_FindObjects, (S, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMax, CK_ULONG_PTR pulCount), NULL, 0,
        (c.real, phObject, ulMax, pulCount))
FORWARD(C_FindObjectsFinal, (S), NULL, 0, (c.real))
FORWARD(C_EncryptInit, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), pMechanism, 0,
        (c.real, pMechanism, hKey))
FORWARD(C_Encrypt, (S, BYTES(pData, ulDataLen), OUT(pOut, pulOutLen)), NULL, 0, (c.real, pData, ulDataLen, pOut, pulOutLen))
FORWARD(C_EncryptUpdate, (S, BYTES(pPart, ulPartLen), OUT(pOut, pulOutLen)), NULL, 0,
        (c.real, pPart, ulPartLen, pOut, pulOutLen))
FORWARD(C_EncryptFinal, (S, OUT(pOut, pulOutLen)), NULL, 0, (c.real, pOut, pulOutLen))
FORWARD(C_DecryptInit, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), pMechanism, 0,
        (c.real, pMechanism, hKey))
FORWARD(C_Decrypt, (S, BYTES(pData, ulDataLen), OUT(pOut, pulOutLen)), NULL, 0, (c.real, pData, ulDataLen, pOut, pulOutLen))
FORWARD(C_DecryptUpdate, (S, BYTES(pPart, ulPartLen), OUT(pOut, pulOutLen)), NULL, 0,
        (c.real, pPart, ulPartLen, pOut, pulOutLen))
FORWARD(C_DecryptFinal, (S, OUT(pOut, pulOutLen)), NULL, 0, (c.real, pOut, pulOutLen))
FORWARD(C_DigestInit, (S, CK_MECHANISM_PTR pMechanism), pMechanism, 0, (c.real, pMechanism))
FORWARD(C_Digest, (S, BYTES(pData, ulDataLen), OUT(pOut, pulOutLen)), NULL, 0, (c.real, pData, ulDataLen, pOut, pulOutLen))
FORWARD(C_DigestUpdate, (S, BYTES(pPart, ulPartLen)), NULL, 0, (c.real, pPart, ulPartLen))
FORWARD(C_DigestKey, (S, CK_OBJECT_HANDLE hKey), NULL, 0, (c.real, hKey))
FORWARD(C_DigestFinal, (S, OUT(pOut, pulOutLen)), NULL, 0, (c.real, pOut, pulOutLen))
FORWARD(C_SignInit, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), pMechanism, 0, (c.real, pMechanism, hKey))
FORWARD(C_SignUpdate, (S, BYTES(pPart, ulPartLen)), NULL, 0, (c.real, pPart, ulPartLen))
FORWARD(C_SignRecoverInit, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), pMechanism, 0,
        (c.real, pMechanism, hKey))
FORWARD(C_SignRecover, (S, BYTES(pData, ulDataLen), OUT(pSignature, pulSignatureLen)), NULL, pSignature ? cfg.sign_ms : 0,
        (c.real, pData, ulDataLen, pSignature, pulSignatureLen))
FORWARD(C_VerifyInit, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), pMechanism, 0,
        (c.real, pMechanism, hKey))
FORWARD(C_Verify, (S, BYTES(pData, ulDataLen), BYTES(pSignature, ulSignatureLen)), NULL, 0,
        (c.real, pData, ulDataLen, pSignature, ulSignatureLen))
FORWARD(C_VerifyUpdate, (S, BYTES(pPart, ulPartLen)), NULL, 0, (c.real, pPart, ulPartLen))
FORWARD(C_VerifyFinal, (S, BYTES(pSignature, ulSignatureLen)), NULL, 0, (c.real, pSignature, ulSignatureLen))
FORWARD(C_VerifyRecoverInit, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), pMechanism, 0,
        (c.real, pMechanism, hKey))
FORWARD(C_VerifyRecover, (S, BYTES(pSignature, ulSignatureLen), OUT(pData, pulDataLen)), NULL, 0,
        (c.real, pSignature, ulSignatureLen, pData, pulDataLen))
FORWARD(C_DigestEncryptUpdate, (S, BYTES(pPart, ulPartLen), OUT(pOut, pulOutLen)), NULL, 0,
        (c.real, pPart, ulPartLen, pOut, pulOutLen))
FORWARD(C_DecryptDigestUpdate, (S, BYTES(pPart, ulPartLen), OUT(pOut, pulOutLen)), NULL, 0,
        (c.real, pPart, ulPartLen, pOut, pulOutLen))
FORWARD(C_SignEncryptUpdate, (S, BYTES(pPart, ulPartLen), OUT(pOut, pulOutLen)), NULL, 0,
        (c.real, pPart, ulPartLen, pOut, pulOutLen))
FORWARD(C_DecryptVerifyUpdate, (S, BYTES(pPart, ulPartLen), OUT(pOut, pulOutLen)), NULL, 0,
        (c.real, pPart, ulPartLen, pOut, pulOutLen))
FORWARD(C_GenerateKey, (S, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                        CK_OBJECT_HANDLE_PTR phKey), pMechanism, 0, (c.real, pMechanism, pTemplate, ulCount, phKey))
FORWARD(C_GenerateKeyPair, (S, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPubTemplate, CK_ULONG ulPubCount,
                            CK_ATTRIBUTE_PTR pPrivTemplate, CK_ULONG ulPrivCount, CK_OBJECT_HANDLE_PTR phPub,
                            CK_OBJECT_HANDLE_PTR phPriv), pMechanism, 0,
        (c.real, pMechanism, pPubTemplate, ulPubCount, pPrivTemplate, ulPrivCount, phPub, phPriv))
FORWARD(C_WrapKey, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrapping, CK_OBJECT_HANDLE hKey,
                    OUT(pWrapped, pulWrappedLen)), pMechanism, 0,
        (c.real, pMechanism, hWrapping, hKey, pWrapped, pulWrappedLen))
FORWARD(C_UnwrapKey, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrapping, BYTES(pWrapped, ulWrappedLen),
                      CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey), pMechanism, 0,
        (c.real, pMechanism, hUnwrapping, pWrapped, ulWrappedLen, pTemplate, ulCount, phKey))
FORWARD(C_DeriveKey, (S, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBase, CK_ATTRIBUTE_PTR pTemplate,
                      CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey), pMechanism, 0,
        (c.real, pMechanism, hBase, pTemplate, ulCount, phKey))
FORWARD(C_SeedRandom, (S, BYTES(pSeed, ulSeedLen)), NULL, 0, (c.real, pSeed, ulSeedLen))
FORWARD(C_GenerateRandom, (S, BYTES(pRandom, ulRandomLen)), NULL, 0, (c.real, pRandom, ulRandomLen))

#undef S
#undef BYTES
#undef OUT

static CK_FUNCTION_LIST g_functions = {
  .version = { 2, 20 },
#define SIM_FN_ENTRY(name) .name = name,
  SIM_FUNCTIONS(SIM_FN_ENTRY)
#undef SIM_FN_ENTRY
};
