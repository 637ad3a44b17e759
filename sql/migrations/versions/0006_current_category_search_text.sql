-- Report and search speed (issue 7 follow-up, measured on 1,000,000 comments: bench/dashboard.py,
-- docs/BENCHMARKS.md "## Dashboard").
--
-- 1. comentarios.categoria_atual: a copy of the current classification's categoria, kept by the
--    same trigger that keeps classificacao_atual_id (classificacoes is append-only, so the copy can
--    only go stale if the pointer moves, and the trigger moves both together). The report views
--    aggregate the 7/14-day windows from one covering index instead of joining 1M classifications.
-- 2. comentarios.texto_busca: f_texto_busca(texto) stored at insert. The trigram index is built on
--    it, and the free-text filter's recheck becomes a plain LIKE instead of unaccent() per row.
--
-- "Current" keeps its meaning: a manual correction always wins; an automatic classification
-- replaces only another automatic one; the newest wins within the same origem.

-- Indexes replaced below; dropped first so the backfill does not maintain them.
DROP INDEX IF EXISTS comentarios_texto_trgm_idx;          -- 0001: expression index on f_texto_busca(texto)
DROP INDEX IF EXISTS comentarios_janela_relatorio_idx;    -- 0005
DROP INDEX IF EXISTS comentarios_lancamento_idx;          -- 0005

ALTER TABLE comentarios ADD COLUMN IF NOT EXISTS categoria_atual text;

UPDATE comentarios c
   SET categoria_atual = k.categoria
  FROM classificacoes k
 WHERE k.id = c.classificacao_atual_id
   AND c.categoria_atual IS DISTINCT FROM k.categoria;

-- Adding a stored generated column rewrites the table once (which also drops the dead row
-- versions the backfill left behind).
ALTER TABLE comentarios
    ADD COLUMN IF NOT EXISTS texto_busca text GENERATED ALWAYS AS (f_texto_busca(texto)) STORED;

-- Same rule as 0001's trigger, now moving the pointer and the category together.
CREATE OR REPLACE FUNCTION trg_classificacao_atual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE comentarios c
       SET classificacao_atual_id = NEW.id,
           categoria_atual = NEW.categoria
     WHERE c.id = NEW.comentario_id
       AND (NEW.origem = 'manual'
            OR c.classificacao_atual_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM classificacoes k
                            WHERE k.id = c.classificacao_atual_id AND k.origem = 'manual'));
    RETURN NULL;
END $$;

CREATE INDEX IF NOT EXISTS comentarios_texto_busca_trgm_idx ON comentarios USING gin (texto_busca gin_trgm_ops);

-- The report's 7/14-day and 48-hour windows: everything they read, so an index-only scan of the
-- window answers them (album and the pointer kept for the weekly views and the tags chart).
CREATE INDEX IF NOT EXISTS comentarios_janela_atual_idx
    ON comentarios (recebido_em) INCLUDE (categoria_atual, artista, album, classificacao_atual_id);

-- "Criticism after a release": each release reads its artist/album's first 30 days.
CREATE INDEX IF NOT EXISTS comentarios_lancamento_atual_idx
    ON comentarios (artista, album, recebido_em) INCLUDE (categoria_atual);

-- Index-only scans skip the heap only on pages the visibility map marks all-visible. Comments are
-- inserted and then updated once by classification, so the newest pages (exactly the report's
-- window) churn: vacuum this table after 2 % of changes instead of the default 20 %.
ALTER TABLE comentarios SET (autovacuum_vacuum_scale_factor = 0.02,
                             autovacuum_vacuum_insert_scale_factor = 0.02,
                             autovacuum_analyze_scale_factor = 0.02);

-- ---------------------------------------------------------------------------------------------
-- Views: same columns, names and types as before (CREATE OR REPLACE), reading categoria_atual.

-- The join to classificacoes is only for the provenance columns; queries that do not select them
-- (filters, counts) lose the join entirely (LEFT JOIN on a unique key, PostgreSQL removes it).
CREATE OR REPLACE VIEW v_comentarios_atuais AS
SELECT c.id, c.texto, c.artista, c.album, c.musica, c.tipo, c.publicado_em, c.recebido_em,
       c.fonte, c.enviado_por, c.status, c.tentativas, c.ultimo_erro,
       c.classificacao_atual_id AS classificacao_id,
       c.categoria_atual        AS categoria,
       k.confianca,
       k.origem,
       k.classificador,
       k.versao        AS versao_classificador,
       k.modelo,
       k.autor,
       k.criado_em     AS classificado_em,
       COALESCE((SELECT array_agg(t.codigo ORDER BY t.codigo)
                   FROM classificacao_tags t WHERE t.classificacao_id = c.classificacao_atual_id), '{}') AS tags,
       c.texto_busca
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;

CREATE OR REPLACE VIEW v_relatorio_categorias_por_artista AS
WITH base AS (
    SELECT c.artista, c.categoria_atual AS categoria, count(*)::int AS total
      FROM comentarios c
     WHERE c.recebido_em >= now() - interval '7 days'
       AND c.artista IS NOT NULL AND c.categoria_atual IS NOT NULL
     GROUP BY c.artista, c.categoria_atual
), top AS (
    SELECT artista FROM base GROUP BY artista ORDER BY sum(total) DESC, artista LIMIT 10
)
SELECT b.artista, b.categoria, b.total
  FROM base b JOIN top USING (artista);

-- One aggregate per (release, day since release) over an index range: 11 releases x 31 days
-- are ~340 index-only range scans, no sort or hash of the ~400,000 comments they cover.
-- Days without classified comments give no row, as before.
CREATE OR REPLACE VIEW v_relatorio_critica_pos_lancamento AS
SELECT l.artista, l.album, l.lancado_em, d.dias_desde_lancamento, n.total, n.criticas,
       round(100.0 * n.criticas / n.total, 1) AS pct_critica
  FROM lancamentos l
 CROSS JOIN LATERAL generate_series(0, 30) AS d(dias_desde_lancamento)
 CROSS JOIN LATERAL (
       SELECT count(*)::int AS total, count(*) FILTER (WHERE c.categoria_atual = 'CRÍTICA')::int AS criticas
         FROM comentarios c
        WHERE c.artista = l.artista AND c.album = l.album
          AND c.recebido_em >= l.lancado_em + d.dias_desde_lancamento
          AND c.recebido_em < l.lancado_em + d.dias_desde_lancamento + 1
          AND c.categoria_atual IS NOT NULL) n
 WHERE l.lancado_em >= current_date - 120
   AND n.total > 0;

CREATE OR REPLACE VIEW v_relatorio_mix_diario AS
SELECT c.recebido_em::date AS dia, c.categoria_atual AS categoria, count(*)::int AS total
  FROM comentarios c
 WHERE c.recebido_em >= date_trunc('day', now()) - interval '6 days'
   AND c.categoria_atual IS NOT NULL
 GROUP BY c.recebido_em::date, c.categoria_atual;

-- Counted per (artista, last 7 days or the 7 before) first, then pivoted: the window's rows are
-- aggregated once instead of evaluating five FILTERs on each of them.
CREATE OR REPLACE VIEW v_relatorio_artistas_em_alta AS
WITH janela AS (
    SELECT c.artista, c.recebido_em >= now() - interval '7 days' AS recente,
           count(*) AS total,
           count(*) FILTER (WHERE c.categoria_atual = 'CRÍTICA') AS criticas,
           count(*) FILTER (WHERE c.categoria_atual = 'SPAM') AS spam
      FROM comentarios c
     WHERE c.recebido_em >= now() - interval '14 days'
       AND c.artista IS NOT NULL AND c.categoria_atual IS NOT NULL
     GROUP BY 1, 2
), por_artista AS (
    SELECT artista,
           COALESCE(sum(total) FILTER (WHERE recente), 0)        AS t7,
           COALESCE(sum(total) FILTER (WHERE NOT recente), 0)    AS t7_anterior,
           COALESCE(sum(criticas) FILTER (WHERE recente), 0)     AS criticas_7d,
           COALESCE(sum(spam) FILTER (WHERE recente), 0)         AS spam_7d
      FROM janela
     GROUP BY artista
)
SELECT artista,
       t7::int          AS total_7d,
       t7_anterior::int AS total_7d_anterior,
       round(100.0 * (t7 - t7_anterior) / GREATEST(t7_anterior, 1), 1) AS variacao_pct,
       round(100.0 * criticas_7d / GREATEST(t7, 1), 1)                 AS pct_critica_7d,
       round(100.0 * spam_7d / GREATEST(t7, 1), 1)                     AS pct_spam_7d
  FROM por_artista
 WHERE t7 >= 5;

-- Weekly views (0004): the category now comes from comentarios; classificacoes is joined only
-- for confianca (and removed by the planner when a query does not read it).
CREATE OR REPLACE VIEW v_semana_comentarios AS
SELECT f_semana_iso(c.recebido_em)          AS semana,
       date_trunc('week', c.recebido_em)::date AS inicio,
       c.id, c.texto, c.artista, c.album, c.recebido_em, c.status,
       c.categoria_atual AS categoria, k.confianca, c.classificacao_atual_id
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;
