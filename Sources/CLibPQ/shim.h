// libpq, PostgreSQL's client library (Debian's libpq-dev), for the bank's shared store.
#include <libpq-fe.h>
