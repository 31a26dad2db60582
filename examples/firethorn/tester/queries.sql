-- The replayed query list: what users of a catalogue archive ask, each under a name.
-- Every query runs directly on pgcat and through firethorn, and the answers must agree.
-- Rules for new queries (see tester/querylist.py):
--   * an ORDER BY must give a total order (end it with source_id), or the two runs may
--     order ties differently; without ORDER BY, rows are compared as a multiset;
--   * `-- expect: rejected` marks a statement both routes must refuse.
-- Cone searches use the (zone, ra) index: zones are 0.5° strips of declination, so a
-- circle of radius R around (RA, DEC) lies in zones floor((DEC ± R + 90) / 0.5) and in
-- RA ± R / cos(DEC); angdist() then keeps what is really inside.

-- name: count-all
SELECT count(*) AS sources FROM stars;

-- name: count-by-kind
SELECT kind, count(*) AS sources FROM stars GROUP BY kind;

-- name: first-rows
SELECT source_id, ra, dec, kind, mag_r FROM stars ORDER BY source_id LIMIT 20;

-- name: one-source
SELECT * FROM stars WHERE source_id = 123456;

-- name: source-list
SELECT source_id, ra, dec, mag_g, mag_r FROM stars WHERE source_id IN (7, 77, 777, 7777, 77777, 277777) ORDER BY source_id;

-- name: cone-cluster-1
SELECT source_id, ra, dec, mag_r, angdist(ra, dec, 265.653, -5.8886) AS distance
FROM stars
WHERE zone BETWEEN floor((-5.8886 - 0.2 + 90) / 0.5) AND floor((-5.8886 + 0.2 + 90) / 0.5)
  AND ra BETWEEN 265.653 - 0.2 / cos(radians(-5.8886)) AND 265.653 + 0.2 / cos(radians(-5.8886))
  AND angdist(ra, dec, 265.653, -5.8886) < 0.2
ORDER BY distance, source_id;

-- name: cone-cluster-6-count
SELECT count(*) AS members
FROM stars
WHERE zone BETWEEN floor((31.9173 - 0.5 + 90) / 0.5) AND floor((31.9173 + 0.5 + 90) / 0.5)
  AND ra BETWEEN 26.1747 - 0.5 / cos(radians(31.9173)) AND 26.1747 + 0.5 / cos(radians(31.9173))
  AND angdist(ra, dec, 26.1747, 31.9173) < 0.5;

-- name: cone-empty-sky
SELECT source_id, ra, dec, mag_r
FROM stars
WHERE zone BETWEEN floor((10.0 - 0.1 + 90) / 0.5) AND floor((10.0 + 0.1 + 90) / 0.5)
  AND ra BETWEEN 180.0 - 0.1 / cos(radians(10.0)) AND 180.0 + 0.1 / cos(radians(10.0))
  AND angdist(ra, dec, 180.0, 10.0) < 0.1;

-- name: cone-wide-bright
SELECT source_id, ra, dec, mag_g, mag_r, mag_i
FROM stars
WHERE zone BETWEEN floor((0.0 - 5 + 90) / 0.5) AND floor((0.0 + 5 + 90) / 0.5)
  AND ra BETWEEN 95.0 AND 105.0
  AND angdist(ra, dec, 100.0, 0.0) < 5
  AND mag_r < 16
ORDER BY mag_r, source_id;

-- name: cone-across-ra-zero
SELECT source_id, ra, dec, mag_r
FROM stars
WHERE zone BETWEEN floor((0.0 - 2 + 90) / 0.5) AND floor((0.0 + 2 + 90) / 0.5)
  AND (ra < 2 OR ra > 358)
  AND angdist(ra, dec, 0.0, 0.0) < 2
ORDER BY source_id;

-- name: cone-near-pole
SELECT count(*) AS sources, round(avg(mag_r)::numeric, 3) AS mean_r
FROM stars WHERE dec > 88;

-- name: box-search
SELECT source_id, ra, dec, kind FROM stars
WHERE ra BETWEEN 150 AND 152 AND dec BETWEEN 1 AND 3
ORDER BY ra, source_id;

-- name: bright-stars
SELECT source_id, ra, dec, mag_r FROM stars WHERE kind = 'star' AND mag_r < 12.5 ORDER BY mag_r, source_id;

-- name: faint-galaxies-count
SELECT count(*) AS galaxies FROM stars WHERE kind = 'galaxy' AND mag_r BETWEEN 21 AND 21.5;

-- name: magnitude-histogram
SELECT floor(mag_r)::int AS bin, count(*) AS sources FROM stars GROUP BY bin ORDER BY bin;

-- name: colour-cut-red
SELECT source_id, mag_g - mag_r AS g_r, mag_r FROM stars
WHERE mag_g - mag_r > 1.42 AND mag_r < 17
ORDER BY source_id;

-- name: colour-colour-qso
SELECT source_id, mag_g - mag_r AS g_r, mag_r - mag_i AS r_i FROM stars
WHERE mag_g - mag_r < 0.1 AND mag_r - mag_i < 0.03 AND mag_r < 19;

-- name: colour-stats-by-kind
SELECT kind, count(*) AS n,
       round(avg(mag_g - mag_r)::numeric, 4) AS mean_g_r,
       round(stddev(mag_g - mag_r)::numeric, 4) AS sd_g_r
FROM stars GROUP BY kind ORDER BY kind;

-- name: mean-magnitudes
SELECT avg(mag_g) AS g, avg(mag_r) AS r, avg(mag_i) AS i, avg(mag_z) AS z FROM stars;

-- name: high-proper-motion
SELECT source_id, ra, dec, pm_ra, pm_dec, sqrt(pm_ra ^ 2 + pm_dec ^ 2) AS pm_total
FROM stars WHERE sqrt(pm_ra ^ 2 + pm_dec ^ 2) > 24
ORDER BY pm_total DESC, source_id;

-- name: nearby-stars
SELECT source_id, ra, dec, parallax, 1000 / parallax AS distance_pc FROM stars
WHERE kind = 'star' AND parallax > 8 ORDER BY parallax DESC, source_id;

-- name: variables-bright
SELECT source_id, ra, dec, mag_r FROM stars WHERE variable AND mag_r < 14 ORDER BY source_id;

-- name: variable-fraction
SELECT kind, round(100.0 * count(*) FILTER (WHERE variable) / count(*), 2) AS percent_variable
FROM stars GROUP BY kind;

-- name: cluster-census
SELECT cluster_id, count(*) AS members, avg(ra) AS ra, avg(dec) AS dec,
       avg(pm_ra) AS pm_ra, avg(pm_dec) AS pm_dec, avg(parallax) AS parallax
FROM stars WHERE cluster_id IS NOT NULL GROUP BY cluster_id ORDER BY cluster_id;

-- name: cluster-members-by-motion
SELECT source_id, ra, dec, pm_ra, pm_dec, mag_r
FROM stars
WHERE zone BETWEEN floor((14.3003 - 1 + 90) / 0.5) AND floor((14.3003 + 1 + 90) / 0.5)
  AND ra BETWEEN 127.7246 - 1 / cos(radians(14.3003)) AND 127.7246 + 1 / cos(radians(14.3003))
  AND angdist(ra, dec, 127.7246, 14.3003) < 1
  AND abs(pm_ra - (-10.37)) < 0.6 AND abs(pm_dec - (-10.74)) < 0.6;

-- name: cluster-sequence
SELECT round(mag_r::numeric, 0) AS r_bin, round(avg(mag_g - mag_r)::numeric, 3) AS mean_g_r, count(*) AS n
FROM stars WHERE cluster_id = 3 GROUP BY r_bin ORDER BY r_bin;

-- name: self-join-close-pairs
SELECT a.source_id AS first, b.source_id AS second, angdist(a.ra, a.dec, b.ra, b.dec) * 3600 AS separation_arcsec
FROM stars a JOIN stars b
  ON b.zone BETWEEN a.zone - 1 AND a.zone + 1
 AND b.ra BETWEEN a.ra - 0.002 AND a.ra + 0.002
 AND b.source_id > a.source_id
WHERE a.cluster_id = 6
  AND angdist(a.ra, a.dec, b.ra, b.dec) < 2.0 / 3600
ORDER BY first, second;

-- name: self-join-neighbour-count
SELECT a.source_id, count(b.source_id) AS neighbours
FROM stars a JOIN stars b
  ON b.zone BETWEEN a.zone - 1 AND a.zone + 1
 AND b.ra BETWEEN a.ra - 0.05 AND a.ra + 0.05
 AND b.source_id <> a.source_id
 AND angdist(a.ra, a.dec, b.ra, b.dec) < 0.02
WHERE a.source_id BETWEEN 1000 AND 1300
GROUP BY a.source_id;

-- name: brighter-than-cluster-mean
SELECT s.source_id, s.cluster_id, s.mag_r, c.mean_r
FROM stars s
JOIN (SELECT cluster_id, avg(mag_r) AS mean_r FROM stars WHERE cluster_id IS NOT NULL GROUP BY cluster_id) c
  ON c.cluster_id = s.cluster_id
WHERE s.mag_r < c.mean_r - 4.5
ORDER BY s.cluster_id, s.source_id;

-- name: window-rank-per-cluster
SELECT cluster_id, source_id, mag_r, rank
FROM (SELECT cluster_id, source_id, mag_r,
             row_number() OVER (PARTITION BY cluster_id ORDER BY mag_r, source_id) AS rank
      FROM stars WHERE cluster_id IS NOT NULL) ranked
WHERE rank <= 3
ORDER BY cluster_id, rank;

-- name: cte-zone-density
WITH per_zone AS (
    SELECT zone, count(*) AS n FROM stars GROUP BY zone
)
SELECT zone, n, round(n / (2 * pi() * 180 / pi() * (sin(radians((zone + 1) * 0.5 - 90)) - sin(radians(zone * 0.5 - 90))) * 180 / pi())::numeric, 3) AS per_sq_deg
FROM per_zone WHERE zone % 30 = 0 ORDER BY zone;

-- name: percentiles
SELECT kind,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY mag_r) AS median_r,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY mag_r) AS p90_r
FROM stars GROUP BY kind;

-- name: distinct-kinds
SELECT DISTINCT kind FROM stars;

-- name: exists-subquery
SELECT count(*) AS with_bright_neighbour FROM stars a
WHERE a.source_id <= 2000
  AND EXISTS (SELECT 1 FROM stars b
              WHERE b.zone BETWEEN a.zone - 1 AND a.zone + 1
                AND b.ra BETWEEN a.ra - 0.5 AND a.ra + 0.5
                AND b.mag_r < 13 AND b.source_id <> a.source_id
                AND angdist(a.ra, a.dec, b.ra, b.dec) < 0.25);

-- name: union-extremes
(SELECT 'brightest' AS which, source_id, mag_r FROM stars ORDER BY mag_r, source_id LIMIT 3)
UNION ALL
(SELECT 'faintest', source_id, mag_r FROM stars ORDER BY mag_r DESC, source_id LIMIT 3);

-- name: case-classes
SELECT CASE WHEN mag_r < 15 THEN 'bright' WHEN mag_r < 19 THEN 'medium' ELSE 'faint' END AS class,
       kind, count(*) AS n
FROM stars GROUP BY 1, 2;

-- name: types-and-values
SELECT 1::smallint AS small, 2::bigint AS big, 1.5::numeric(4, 2) AS exact, 'text' AS word,
       true AS yes, NULL::int AS nothing, DATE '2016-03-01' AS day,
       interval '90 minutes' AS span, 'NaN'::float8 AS not_a_number, ARRAY[1, 2, 3] AS list;

-- name: over-the-row-limit
SELECT source_id, ra, dec, mag_r FROM stars WHERE mag_r > 21.5 ORDER BY source_id;

-- name: over-the-row-limit-unordered
SELECT source_id, mag_r FROM stars WHERE kind = 'star';

-- name: division-by-zero
SELECT source_id, mag_r / 0 AS broken FROM stars WHERE source_id = 1;

-- name: no-such-column
SELECT source_id, redshift FROM stars WHERE source_id = 1;

-- name: no-deletes
-- expect: rejected
DELETE FROM stars WHERE source_id = 1;

-- name: no-second-statement
-- expect: rejected
SELECT 1; DROP TABLE stars;

-- name: no-select-into
-- expect: rejected
SELECT * INTO stars_copy FROM stars WHERE source_id < 10;
