"""`python -m web`: see web/server.py."""
import sys

from web.server import main

sys.exit(main())
