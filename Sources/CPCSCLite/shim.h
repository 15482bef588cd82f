#ifndef UKEY_CPCSCLITE_SHIM_H
#define UKEY_CPCSCLITE_SHIM_H
/* libpcsclite, the PC/SC client library (pkg-config libpcsclite, apt libpcsclite-dev), for the
 * PCSC module. pkg-config adds -I/usr/include/PCSC, which winscard.h needs to find pcsclite.h
 * and wintypes.h. reader.h brings CM_IOCTL_GET_FEATURE_REQUEST, FEATURE_* and the
 * PCSCv2_PART10_PROPERTY_* tags (PC/SC part 10). The UKey driver never imports this module:
 * pcscd loads the driver, which must not link libpcsclite. */
#include <PCSC/winscard.h>
#include <PCSC/reader.h>
#endif
