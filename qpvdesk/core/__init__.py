"""The application without a window: storage, domain, services, exchange, reports.

Never imports Qt (a test checks it).
"""
