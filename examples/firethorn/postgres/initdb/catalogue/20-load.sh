# Fill the catalogue: generated rows streamed straight into COPY (no file in between).
python3 /usr/local/lib/firethorn/generate_catalogue.py --rows "${CATALOGUE_ROWS:-300000}" --seed "${CATALOGUE_SEED:-2016}" \
    | run_sql -d catalogue -c "COPY stars ($(python3 /usr/local/lib/firethorn/generate_catalogue.py --columns)) FROM STDIN (FORMAT csv)"
