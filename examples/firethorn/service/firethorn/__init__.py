"""firethorn: a small web service that runs users' SQL queries against a star catalogue.

POST /queries {"sql": …} queues a query; worker threads run it on the catalogue database
(through the `catalogue` ambassador, read-only, with row and time limits) and keep its
history and results in the metadata database; GET /queries/{id} and
GET /queries/{id}/results read them back. Standard library plus psycopg2.
"""
