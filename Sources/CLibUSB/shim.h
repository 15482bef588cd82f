#ifndef UKEY_CLIBUSB_SHIM_H
#define UKEY_CLIBUSB_SHIM_H
#include <libusb.h>
#endif
