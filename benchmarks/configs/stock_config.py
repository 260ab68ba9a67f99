"""Stock Superset: only what it cannot start without (the metadata database and SECRET_KEY).

Everything else stays at Superset 6.1.0's defaults: NullCache for chart data, SQLAlchemy's pool
(5 + 10, no pre-ping), no rate limits outside SUPERSET_ENV=production. The values come from the
same environment contract as the twin, so both variants use the same database and users.
"""

import os

from superset_stack.contract import parse

_runtime = parse(os.environ)
SECRET_KEY = _runtime.secret_key
SQLALCHEMY_DATABASE_URI = _runtime.database_uri
