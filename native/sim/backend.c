/* The SoftHSM2 instances behind the simulated readers.
 *
 * SoftHSM2 reads its token directory once, in C_Initialize: a token created later by another process
 * (the provisioning of a freshly inserted card) stays invisible until the library is finalised and
 * initialised again, and that invalidates every session it has open. So the module keeps several
 * independent SoftHSM2 instances, each loaded from its own private copy of the library (a different file
 * is a different instance for the dynamic loader). A new card is looked for in the instances that already
 * know it; otherwise an instance without open sessions is re-initialised; only when every instance has
 * sessions open (cards in use in other readers) is one more copy loaded. Copies are never loaded from the
 * system path, so a program that also uses SoftHSM2 directly (the provisioning code, in a test process)
 * never shares its SoftHSM2 state with the simulator. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#define DEFAULT_SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

struct token {
  char serial[sizeof(((CK_TOKEN_INFO *)0)->serialNumber) + 1];
  char label[sizeof(((CK_TOKEN_INFO *)0)->label) + 1];
  CK_SLOT_ID slot;
};
struct instance {
  void *dl;
  CK_FUNCTION_LIST_PTR fl;
  int up;
  struct token *tokens;
  CK_ULONG ntokens;
};

/* dlopen handles outlive C_Finalize: unloading a C++ library that initialised OpenSSL is not worth the risk */
static struct instance g_inst[SIM_MAX_INSTANCES];
static int g_ninst;

static const char *source_module(void) {
  const char *env = getenv("CPX_SIM_SOFTHSM_MODULE");
  return env && *env ? env : DEFAULT_SOFTHSM;
}

static int copy_file(const char *src, const char *dst) {
  char tmp[PATH_MAX];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dst, (long)getpid());
  if (n < 0 || (size_t)n >= sizeof tmp) return -1;
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (out < 0) {
    close(in);
    return -1;
  }
  char buf[65536];
  int ok = 1;
  for (;;) {
    ssize_t r = read(in, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ok = r == 0;
      break;
    }
    for (ssize_t off = 0; off < r;) {
      ssize_t w = write(out, buf + off, (size_t)(r - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        ok = 0;
        break;
      }
      off += w;
    }
    if (!ok) break;
  }
  close(in);
  if (close(out) != 0) ok = 0;
  /* rename: another process loading the same copy sees the whole file or none */
  if (!ok || rename(tmp, dst) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Private copy number k of the SoftHSM2 library, under <state>/lib/, refreshed when the system one changes. */
static int private_copy(int k, char *out, size_t cap) {
  const char *src = source_module();
  struct stat s, d;
  if (stat(src, &s) != 0) {
    fprintf(stderr, "cpxsim: SoftHSM2 module %s not found (install softhsm2, or set CPX_SIM_SOFTHSM_MODULE)\n", src);
    return -1;
  }
  int n = snprintf(out, cap, "%s/lib", state_dir());
  if (n < 0 || (size_t)n >= cap) return -1;
  if (mkdir(out, 0700) != 0 && errno != EEXIST) return -1;
  n = snprintf(out, cap, "%s/lib/softhsm2-%d.so", state_dir(), k);
  if (n < 0 || (size_t)n >= cap) return -1;
  if (stat(out, &d) == 0 && d.st_size == s.st_size && d.st_mtime >= s.st_mtime) return 0;
  if (copy_file(src, out) != 0) {
    fprintf(stderr, "cpxsim: cannot copy %s to %s: %s\n", src, out, strerror(errno));
    return -1;
  }
  return 0;
}

static CK_RV load(int k) {
  char path[PATH_MAX];
  if (private_copy(k, path, sizeof path) != 0) return CKR_GENERAL_ERROR;
  void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    fprintf(stderr, "cpxsim: cannot load %s: %s\n", path, dlerror());
    return CKR_GENERAL_ERROR;
  }
  CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
  CK_FUNCTION_LIST_PTR fl = NULL;
  if (!get || get(&fl) != CKR_OK || !fl) {
    fprintf(stderr, "cpxsim: %s is not a PKCS#11 module\n", path);
    dlclose(dl);
    return CKR_GENERAL_ERROR;
  }
  g_inst[k].dl = dl;
  g_inst[k].fl = fl;
  return CKR_OK;
}

static void trim_copy(char *dst, const unsigned char *src, size_t n) {
  while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0')) n--;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Which initialised tokens (by serial) this instance sees, and in which of its slots. */
static CK_RV scan(struct instance *in) {
  free(in->tokens);
  in->tokens = NULL;
  in->ntokens = 0;
  CK_ULONG n = 0;
  count_softhsm(FN_C_GetSlotList);
  CK_RV rv = in->fl->C_GetSlotList(CK_TRUE, NULL, &n);
  if (rv != CKR_OK) return rv;
  CK_SLOT_ID *slots = calloc(n ? n : 1, sizeof *slots);
  struct token *tokens = calloc(n ? n : 1, sizeof *tokens);
  if (!slots || !tokens) {
    free(slots);
    free(tokens);
    return CKR_HOST_MEMORY;
  }
  count_softhsm(FN_C_GetSlotList);
  rv = in->fl->C_GetSlotList(CK_TRUE, slots, &n);
  CK_ULONG found = 0;
  for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
    CK_TOKEN_INFO ti;
    count_softhsm(FN_C_GetTokenInfo);
    if (in->fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK || !(ti.flags & CKF_TOKEN_INITIALIZED)) continue;
    trim_copy(tokens[found].serial, ti.serialNumber, sizeof ti.serialNumber);
    trim_copy(tokens[found].label, ti.label, sizeof ti.label);
    tokens[found++].slot = slots[i];
  }
  free(slots);
  if (rv != CKR_OK) {
    free(tokens);
    return rv;
  }
  in->tokens = tokens;
  in->ntokens = found;
  return CKR_OK;
}

static void fini(int k) {
  struct instance *in = &g_inst[k];
  if (in->up) {
    count_softhsm(FN_C_Finalize);
    in->fl->C_Finalize(NULL);
    in->up = 0;
  }
  free(in->tokens);
  in->tokens = NULL;
  in->ntokens = 0;
}

static CK_RV init(int k) {
  struct instance *in = &g_inst[k];
  /* SoftHSM2 reads SOFTHSM2_CONF in C_Initialize: point it at the state's own configuration and token
   * directory, never at the user's */
  if (setenv("SOFTHSM2_CONF", state_softhsm_conf(), 1) != 0) return CKR_HOST_MEMORY;
  CK_C_INITIALIZE_ARGS args;
  memset(&args, 0, sizeof args);
  args.flags = CKF_OS_LOCKING_OK;
  count_softhsm(FN_C_Initialize);
  CK_RV rv = in->fl->C_Initialize(&args);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) { /* left initialised by an earlier failed start */
    count_softhsm(FN_C_Finalize);
    in->fl->C_Finalize(NULL);
    count_softhsm(FN_C_Initialize);
    rv = in->fl->C_Initialize(&args);
  }
  if (rv != CKR_OK) {
    fprintf(stderr, "cpxsim: SoftHSM2 C_Initialize failed (0x%lx) with SOFTHSM2_CONF=%s\n", (unsigned long)rv,
            state_softhsm_conf());
    return rv;
  }
  in->up = 1;
  rv = scan(in);
  if (rv != CKR_OK) fini(k);
  return rv;
}

CK_RV backend_start(void) {
  if (g_ninst == 0) {
    CK_RV rv = load(0);
    if (rv != CKR_OK) return rv;
    g_ninst = 1;
  }
  return init(0);
}

void backend_stop(void) {
  for (int k = 0; k < g_ninst; k++) fini(k);
}

CK_FUNCTION_LIST_PTR backend_functions(int inst) { return g_inst[inst].fl; }

static int find_in(int k, const char *serial, CK_SLOT_ID *slot) {
  const struct instance *in = &g_inst[k];
  if (!in->up) return 0;
  for (CK_ULONG i = 0; i < in->ntokens; i++)
    if (strcmp(in->tokens[i].serial, serial) == 0) {
      *slot = in->tokens[i].slot;
      return 1;
    }
  return 0;
}

int backend_find(const char *serial, int *inst, CK_SLOT_ID *slot) {
  for (int k = 0; k < g_ninst; k++)
    if (find_in(k, serial, slot)) {
      *inst = k;
      return 1;
    }
  return 0;
}

int backend_is_cps4(int inst, CK_SLOT_ID slot) {
  const struct instance *in = &g_inst[inst];
  for (CK_ULONG i = 0; in->up && i < in->ntokens; i++)
    if (in->tokens[i].slot == slot) return strncmp(in->tokens[i].label, "CPS4", 4) == 0;
  return 0;
}

/* Called with no forwarded call in flight (the module holds its instance lock for writing). busy[k] is
 * the number of sessions open on instance k. */
CK_RV backend_refresh(const char *serial, const int *busy, int *reinitialised, int *inst, CK_SLOT_ID *slot) {
  *reinitialised = -1;
  int k = 0;
  while (k < g_ninst && busy[k] > 0) k++;
  if (k == g_ninst) {
    if (g_ninst == SIM_MAX_INSTANCES) {
      fprintf(stderr, "cpxsim: too many SoftHSM2 instances busy at once\n");
      return CKR_GENERAL_ERROR;
    }
    CK_RV rv = load(k);
    if (rv != CKR_OK) return rv;
    g_ninst++;
  } else {
    fini(k);
    *reinitialised = k;
  }
  CK_RV rv = init(k);
  if (rv != CKR_OK) return rv;
  if (!find_in(k, serial, slot)) return CKR_TOKEN_NOT_RECOGNIZED;
  *inst = k;
  return CKR_OK;
}
