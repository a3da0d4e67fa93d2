"""HTTP layer: controllers, guards, error mapping, the HTTP policy.

The application itself (``create_app``) is composed above both the API and the pages, in
``gigstation.application``.
"""
