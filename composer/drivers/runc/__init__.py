"""The runc driver: containers under runc with one supervisor each (composer/runtime,
composer/shim), images from the local OCI store (composer/images), log files
(composer/logs), bridges from netplugins, hosts files for names, ambassadors and published
ports as forwarder processes. driver.py is its face; the modules beside it are its parts."""
