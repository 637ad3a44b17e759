-- Weekly summary statistics, one row per ISO week (and category / tag / artist / album).
-- Weeks are ISO weeks of recebido_em in the session's time zone (alumusic.db sets it from
-- TIMEZONE, America/Sao_Paulo by default), labelled like '2026-W47'. Categories are the current
-- classification; unclassified comments count in the volume only. Callers filter on "semana";
-- week-over-week changes compare two rows of the same view.

-- ISO week label of a moment ('2026-W47'); STABLE because it follows the session time zone.
CREATE OR REPLACE FUNCTION f_semana_iso(timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE STRICT
    AS $$ SELECT to_char($1, 'IYYY-"W"IW') $$;

-- Every comment with its week and current category (NULL while unclassified).
CREATE VIEW v_semana_comentarios AS
SELECT f_semana_iso(c.recebido_em)          AS semana,
       date_trunc('week', c.recebido_em)::date AS inicio,
       c.id, c.texto, c.artista, c.album, c.recebido_em, c.status,
       k.categoria, k.confianca, c.classificacao_atual_id
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;

-- Volume: received, classified, SPAM and its share of the classified comments.
CREATE VIEW v_semana_volume AS
SELECT semana,
       min(inicio)                                            AS inicio,
       count(*)::int                                          AS total,
       count(categoria)::int                                  AS classificados,
       (count(*) - count(categoria))::int                     AS nao_classificados,
       count(*) FILTER (WHERE categoria = 'SPAM')::int        AS spam,
       round(100.0 * count(*) FILTER (WHERE categoria = 'SPAM') / NULLIF(count(categoria), 0), 1) AS pct_spam
  FROM v_semana_comentarios
 GROUP BY semana;

-- Category mix of the classified comments.
CREATE VIEW v_semana_categorias AS
SELECT semana, categoria, total,
       round(100.0 * total / sum(total) OVER (PARTITION BY semana), 1) AS pct
  FROM (SELECT semana, categoria, count(*)::int AS total
          FROM v_semana_comentarios
         WHERE categoria IS NOT NULL
         GROUP BY semana, categoria) s;

-- Tags of the current classifications.
CREATE VIEW v_semana_tags AS
SELECT f_semana_iso(c.recebido_em) AS semana, t.codigo, tx.rotulo, count(*)::int AS total
  FROM comentarios c
  JOIN classificacao_tags t ON t.classificacao_id = c.classificacao_atual_id
  JOIN taxonomia_tags tx ON tx.codigo = t.codigo
 GROUP BY 1, t.codigo, tx.rotulo;

-- Per artist: volume and each category.
CREATE VIEW v_semana_artistas AS
SELECT semana, artista,
       count(*)::int                                         AS total,
       count(*) FILTER (WHERE categoria = 'ELOGIO')::int     AS elogios,
       count(*) FILTER (WHERE categoria = 'CRÍTICA')::int    AS criticas,
       count(*) FILTER (WHERE categoria = 'SUGESTÃO')::int   AS sugestoes,
       count(*) FILTER (WHERE categoria = 'DÚVIDA')::int     AS duvidas,
       count(*) FILTER (WHERE categoria = 'SPAM')::int       AS spam
  FROM v_semana_comentarios
 WHERE artista IS NOT NULL
 GROUP BY semana, artista;

-- Per album (of an artist): volume, praise and criticism.
CREATE VIEW v_semana_albuns AS
SELECT semana, artista, album,
       count(*)::int                                         AS total,
       count(*) FILTER (WHERE categoria = 'ELOGIO')::int     AS elogios,
       count(*) FILTER (WHERE categoria = 'CRÍTICA')::int    AS criticas
  FROM v_semana_comentarios
 WHERE album IS NOT NULL
 GROUP BY semana, artista, album;
