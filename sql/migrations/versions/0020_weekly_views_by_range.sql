-- 0020: the weekly summary's views read one week by its recebido_em range (issue 15, the scale curve).
-- 0004/0006 derived each comment's week as f_semana_iso(recebido_em), a STABLE function (it follows the
-- session time zone), and every caller filters "semana = ...": no index can serve that, so each of the
-- weekly statistics' nine queries read the whole covering index (59 s at 10M comments, linear in the
-- history: bench/scale.py). Here the weeks come from a series of week starts (v_semanas, labelled with
-- the same f_semana_iso, so the labels are unchanged) joined to comentarios on a recebido_em range: the
-- filter on semana applies to ~100 series rows and each remaining week is one index range (1.2 s at 10M).
-- Same columns and rows (tests/bench/test_scale.py compares with the 0004/0006 definitions); the views
-- built on v_semana_comentarios (volume, categories, artists, albums) follow it unchanged.

CREATE VIEW v_semanas AS
SELECT f_semana_iso(d) AS semana, d AS inicio, d + interval '7 days' AS fim
  FROM generate_series(date_trunc('week', (SELECT min(recebido_em) FROM comentarios)),
                       greatest(now(), (SELECT max(recebido_em) FROM comentarios)), interval '1 week') AS d;
CREATE OR REPLACE VIEW v_semana_comentarios AS
SELECT w.semana, w.inicio::date AS inicio, c.id, c.texto, c.artista, c.album, c.recebido_em, c.status,
       c.categoria_atual AS categoria, k.confianca, c.classificacao_atual_id
  FROM v_semanas w
  JOIN comentarios c ON c.recebido_em >= w.inicio AND c.recebido_em < w.fim
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;
-- The planner cannot know a week is a small part of the table (the bounds come from the series): with a
-- plain join it hashes all of classificacao_tags (2.3 s at 10M); per comment (LATERAL ... OFFSET 0) it
-- probes classificacao_tags_pkey for the week's comments only (0.26 s, same rows).
CREATE OR REPLACE VIEW v_semana_tags AS
SELECT w.semana, t.codigo, tx.rotulo, count(*)::int AS total
  FROM v_semanas w
  JOIN comentarios c ON c.recebido_em >= w.inicio AND c.recebido_em < w.fim
  CROSS JOIN LATERAL (SELECT t.codigo FROM classificacao_tags t
                       WHERE t.classificacao_id = c.classificacao_atual_id OFFSET 0) t
  JOIN taxonomia_tags tx ON tx.codigo = t.codigo
 GROUP BY 1, t.codigo, tx.rotulo;
