"""The server's routes: the JSON API and the pages, each an ``APIRouter``."""
