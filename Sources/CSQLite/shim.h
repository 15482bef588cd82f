// The system libsqlite3 (Debian's libsqlite3-dev), for the bank's embedded store.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: sqlite3 copies a bound value.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
