/* Internal interfaces of the simulated CPx reader module (see README.md for the behaviour and file formats). */
#ifndef CPXSIM_H
#define CPXSIM_H

#include <stddef.h>
#include <stdint.h>
#include "p11.h"
#include "sim_functions.h"

#define SIM_MAX_READERS 16
#define SIM_MAX_HIDDEN 32
#define SIM_PIN_TRIES 3
#define SIM_PIN_MIN 4
#define SIM_PIN_MAX 8
#define SIM_PUK_TRIES 3
#define SIM_PUK_LEN 8
#define SIM_ID_MAX 128

enum sim_fault { FAULT_NONE = 0, FAULT_DEVICE_ERROR, FAULT_ABORT, FAULT_NOT_SUPPORTED, FAULT_NO_EVENT };

/* The card's two counters: the user PIN's tries and the PUK's (state files pins/<card> and puks/<card>). */
enum sim_counter { COUNTER_PIN = 0, COUNTER_PUK };

/* The simulator's settings (file `config` in the state dir), re-read whenever the file changes. */
struct sim_config {
  int readers;
  long login_ms, sign_ms, pinpad_ms, pinpad_timeout_ms;
  /* The middleware's own card detection period (0: every call looks at the readers). */
  long detect_ms;
  unsigned char pinpad[SIM_MAX_READERS];
  unsigned char unplugged[SIM_MAX_READERS];
  unsigned char fault[FN_COUNT];
  CK_MECHANISM_TYPE hidden[SIM_MAX_HIDDEN];
  int nhidden;
};

/* What a reader file (`readers/<n>.card`) says: which SoftHSM token is in the reader. */
struct sim_card {
  char serial[SIM_ID_MAX];
  char card_id[SIM_ID_MAX];
  char insertion[SIM_ID_MAX]; /* changes on every insertion, so re-inserting the same card is a change */
};

/* state.c: the state directory shared with the control library (native/sim/control.ts) */
int state_open(const char *dir);          /* 0 on success; prints why on stderr otherwise */
void state_close(void);
const char *state_dir(void);
const char *state_softhsm_conf(void);
void config_get(struct sim_config *out);
int config_hides(const struct sim_config *cfg, CK_MECHANISM_TYPE m);
int reader_card(int reader, struct sim_card *out); /* 1 = card present, 0 = empty reader */
int counter_max(enum sim_counter which);
int pin_tries(enum sim_counter which, const char *card_id);  /* unlocked read, for token flags */
int pin_lock(enum sim_counter which, const char *card_id);   /* returns a held lock (fd) or -1 */
int pin_tries_locked(int lock, enum sim_counter which, const char *card_id);
int pin_store_locked(int lock, enum sim_counter which, const char *card_id, int tries);
void pin_unlock(int lock);
int pinpad_take(int reader, char *buf, size_t cap, size_t *len); /* 1 = a line was typed (and is consumed) */
void count_call(enum sim_fn fn);
void count_softhsm(enum sim_fn fn);
void sleep_ms(long ms);

/* backend.c: SoftHSM2 instances the calls are forwarded to */
#define SIM_MAX_INSTANCES (SIM_MAX_READERS + 1)
CK_RV backend_start(void);                 /* loads and initialises the first instance */
void backend_stop(void);                   /* finalises every instance (handles stay loaded) */
CK_FUNCTION_LIST_PTR backend_functions(int inst);
int backend_find(const char *serial, int *inst, CK_SLOT_ID *slot);
int backend_is_cps4(int inst, CK_SLOT_ID slot); /* from the token label, as Cryptolib tells the generations apart */
CK_RV backend_refresh(const char *serial, const int *busy, int *reinitialised, int *inst, CK_SLOT_ID *slot);

#endif
