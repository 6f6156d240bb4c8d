"""The HTTP gateway of the CRM suite (Flask under gunicorn, plain threads)."""

import warnings

# nameko imports eventlet (which warns that it is deprecated) although the
# gateway never runs on it; keep that notice out of every worker's log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
