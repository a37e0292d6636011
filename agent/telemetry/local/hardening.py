"""DuckDB locked down for queries over a bundle: whatever the SQL guard misses, the engine
itself refuses to touch the machine.

`harden(con, allowed_dirs=[bundle, cache])` turns external access off except for the given
folders (DuckDB's `enable_external_access = false` with `allowed_directories`), so a query
that slipped past the guard cannot read `/etc/hostname`, open a path-named table, `COPY ...
TO` a file, `ATTACH` a database or `INSTALL`/`LOAD` an extension outside them; extensions are
never installed or auto-loaded (json and icu, all the engines use, are built in); and the
configuration is locked (`lock_configuration = true`), so no `SET` can undo any of it.
DuckDB itself refuses to turn external access back on while the database is open.

Call it once per connection, before any query a model wrote runs, and after the settings
the engines need (the time zone, here) are in place: a locked configuration refuses every
later `SET` except the client's own (`search_path`). Inside the allowed folders DuckDB still
reads *and writes*; the guard refuses every statement but SELECT, so nothing asks it to.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb


def harden(con: duckdb.DuckDBPyConnection, *, allowed_dirs: Iterable[Path] = ()) -> None:
    """Lock `con` down (see the module docstring); `allowed_dirs` are the only folders it
    may still read (the bundle, a cache), resolved so `..` and symlinks cannot widen them."""
    folders = [str(Path(d).resolve()).rstrip("/") + "/" for d in allowed_dirs]
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET TimeZone = 'UTC'")  # every engine assumes UTC; set before the lock
    # No progress bar: on a long scan DuckDB prints it to stdout (into `--format json`).
    con.execute("SET enable_progress_bar = false")
    if folders:  # a bound parameter: folder names are never spliced into the SQL
        con.execute("SET allowed_directories = ?", [folders])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def is_locked(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `harden` ran on `con` (its configuration can no longer change)."""
    row = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    return bool(row and row[0])
