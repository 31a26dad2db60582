"""Ambassador forwarders: socat-style proxies, many per process, on one epoll loop.

The process is `python -I -m netplugins.forwarder CONFIG.json` (see __main__ and config);
composer drives it through netplugins.forwarder.api. Standard library only, so that the
long-lived process stays small.
"""
