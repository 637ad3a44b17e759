-- 0019: an album's comments in time order (issue 14, the grid's block p95).
-- The grid shows the newest matches first (ORDER BY recebido_em DESC LIMIT 50). With an album filter
-- and free text the planner walked the whole table's recebido_em index backwards, expecting the
-- album's matches to be spread evenly over time; an older album's are not, so the first block read
-- 115k rows (240 ms at 1M comments) where the album's own rows in time order find them at once
-- (3-13 ms, bench/alerts_search.py). Artists already have (artista, recebido_em) (0001).
-- The composite index also serves every equality lookup and the dropdown's skip scan over album,
-- so it replaces the single-column one. A plain CREATE INDEX: writes wait for the build (about a
-- second per million comments here).

CREATE INDEX comentarios_album_recebido_idx ON comentarios (album, recebido_em);
DROP INDEX comentarios_album_idx;
