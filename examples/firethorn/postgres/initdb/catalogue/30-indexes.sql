-- Indexes after the load: building them once is much faster than updating them per row.
\connect catalogue
CREATE INDEX stars_zone_ra ON stars (zone, ra);
CREATE INDEX stars_mag_r ON stars (mag_r);
CREATE INDEX stars_cluster ON stars (cluster_id) WHERE cluster_id IS NOT NULL;
VACUUM ANALYZE stars;
