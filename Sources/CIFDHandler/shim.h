#ifndef UKEY_CIFDHANDLER_SHIM_H
#define UKEY_CIFDHANDLER_SHIM_H
/* pcsc-lite's IFD handler API (v3). Headers only: the driver is loaded by pcscd and must not
 * link libpcsclite. The UKeyDriver target adds -I/usr/include/PCSC so that these headers find
 * pcsclite.h and wintypes.h. */
#include <PCSC/ifdhandler.h>
#include <PCSC/reader.h>
#endif
