"""The operating-system account this process runs under, read at the edge.

From the real uid (`os.getuid()`) and the password database, never from
environment variables such as `USER` or `LOGNAME`, which the caller sets at
will. The CLI reads it once per command; a production workspace binds it to
a user (peer authentication).
"""

from __future__ import annotations

import os
import pwd

from matchgate.domain.identity import OsAccount


def current_account() -> OsAccount:
    uid = os.getuid()
    try:
        login = pwd.getpwuid(uid).pw_name
    except KeyError:
        login = f"uid:{uid}"  # an account without a name is still one account
    return OsAccount(login=login, uid=uid)
