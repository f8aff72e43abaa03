/* Which PKCS#11 header we compile against: Debian's p11-kit copy by default, or the OASIS headers bundled
 * with pkcs11js (make OASIS=1) on machines without libp11-kit-dev. Both describe the same v2.x ABI. */
#ifndef CPXSIM_P11_H
#define CPXSIM_P11_H

#ifdef CPXSIM_OASIS_HEADERS
#include <pkcs11.h> /* pkcs11js's copy defines the platform macros (CK_PTR, ...) itself */
#else
#include <p11-kit/pkcs11.h>
#endif

#endif
