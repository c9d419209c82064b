"""Sends events to a leadscore server with Segment's own Python library,
unchanged, pointed at the server: the proof that real clients work.

Usage: segment_python.py HOST WRITE_KEY
"""

import sys

import segment.analytics as analytics

host, write_key = sys.argv[1], sys.argv[2]
analytics.write_key = write_key
analytics.host = host
analytics.gzip = True  # exercise compressed batches too
analytics.sync_mode = False
errors = []
analytics.on_error = lambda error, items: errors.append(repr(error))

# An anonymous visitor browses, then fills in a form and identifies.
analytics.page(anonymous_id="ga-py-1", name="Pricing", properties={"path": "/pricing"})
analytics.page(anonymous_id="ga-py-1", name="Demo", properties={"path": "/demo"})
analytics.identify(
    "py-lead-1",
    {"email": "thu@vinamilk.com.vn", "name": "Nguyễn Thu", "seniority": "director", "country": "VN"},
    anonymous_id="ga-py-1",
)
analytics.track("py-lead-1", "Form Submitted", {"form": "demo"})
analytics.group("py-lead-1", "vinamilk", {"name": "Vinamilk", "industry": "Retail"})
analytics.track("py-lead-2", "Email Opened", {"campaign": "tet-2027"})
analytics.alias("py-lead-2-old", "py-lead-2")
analytics.flush()
analytics.shutdown()
if errors:
    print("errors:", errors, file=sys.stderr)
    sys.exit(1)
print("sent")
