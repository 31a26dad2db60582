-- The catalogue: one table of sources, as a survey archive would publish it.
CREATE DATABASE catalogue;
\connect catalogue

-- Zones are 0.5° strips of declination: a cone search first narrows to a few zones
-- and an RA range on the (zone, ra) index, then tests the exact distance.
CREATE TABLE stars (
    source_id  bigint PRIMARY KEY,
    ra         double precision NOT NULL CHECK (ra >= 0 AND ra < 360),  -- degrees, J2000
    dec        double precision NOT NULL CHECK (dec BETWEEN -90 AND 90),
    zone       integer GENERATED ALWAYS AS (floor((dec + 90.0) / 0.5)::integer) STORED,
    kind       text NOT NULL CHECK (kind IN ('star', 'galaxy', 'qso')),
    mag_g      real,  -- AB magnitudes
    mag_r      real,
    mag_i      real,
    mag_z      real,
    mag_r_err  real,
    pm_ra      real,  -- proper motion, mas/yr
    pm_dec     real,
    parallax   real,  -- mas
    variable   boolean NOT NULL DEFAULT false,
    cluster_id integer  -- set for members of the synthetic open clusters
);

COMMENT ON TABLE stars IS 'Synthetic star catalogue made by generate_catalogue.py';

-- Angular distance in degrees between two positions (haversine: exact at small angles).
CREATE FUNCTION angdist(ra1 double precision, dec1 double precision, ra2 double precision, dec2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT degrees(2 * asin(least(1, sqrt(
        sin(radians(dec2 - dec1) / 2) ^ 2
        + cos(radians(dec1)) * cos(radians(dec2)) * sin(radians(ra2 - ra1) / 2) ^ 2))))
$$;
