-- 0013: the release catalog that catalogue managers maintain (API, CSV import, dashboard page).
--
-- 1. lancamentos gets a type: 'album' (comments match on their album) or 'musica' (a single:
--    comments match on their song). The column album keeps its name (demo data and existing
--    readers use it) and holds the release's title: the album's, or the song's for 'musica'.
--    One release per (artista, tipo, album); texts are trimmed and non-empty.
-- 2. Who created or last changed each release, and when (API client, curator or CLI).
-- 3. API clients may hold the role 'catalogo' (manage releases).
-- 4. The "criticism after release" view matches song releases on comentarios.musica and
--    reports the type; its earlier columns keep their names and order.

ALTER TABLE lancamentos
    ADD COLUMN tipo text NOT NULL DEFAULT 'album' CHECK (tipo IN ('album', 'musica')),
    ADD COLUMN criado_em timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN atualizado_em timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN autor text CHECK (length(autor) <= 200),
    ADD CONSTRAINT lancamentos_textos_check CHECK (
        artista = btrim(artista) AND artista <> '' AND length(artista) <= 300
        AND album = btrim(album) AND album <> '' AND length(album) <= 300
    ) NOT VALID;  -- rows written before the catalog are not re-checked
ALTER TABLE lancamentos DROP CONSTRAINT IF EXISTS lancamentos_artista_album_key;
ALTER TABLE lancamentos ADD CONSTRAINT lancamentos_artista_tipo_album_key UNIQUE (artista, tipo, album);
CREATE INDEX lancamentos_lancado_em_idx ON lancamentos (lancado_em);

ALTER TABLE api_clientes DROP CONSTRAINT IF EXISTS api_clientes_papeis_check;
ALTER TABLE api_clientes ADD CONSTRAINT api_clientes_papeis_check
    CHECK (papeis <@ ARRAY['ingest', 'read', 'admin', 'catalogo']::text[]);

-- Song releases read their artist/song's first 30 days, like albums do (comentarios_lancamento_atual_idx).
CREATE INDEX IF NOT EXISTS comentarios_lancamento_musica_idx
    ON comentarios (artista, musica, recebido_em) INCLUDE (categoria_atual) WHERE musica IS NOT NULL;

CREATE OR REPLACE VIEW v_relatorio_critica_pos_lancamento AS
SELECT l.artista, l.album, l.lancado_em, d.dias_desde_lancamento, n.total, n.criticas,
       round(100.0 * n.criticas / n.total, 1) AS pct_critica, l.tipo
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
   AND l.tipo = 'album'
   AND n.total > 0
UNION ALL
SELECT l.artista, l.album, l.lancado_em, d.dias_desde_lancamento, n.total, n.criticas,
       round(100.0 * n.criticas / n.total, 1) AS pct_critica, l.tipo
  FROM lancamentos l
 CROSS JOIN LATERAL generate_series(0, 30) AS d(dias_desde_lancamento)
 CROSS JOIN LATERAL (
       SELECT count(*)::int AS total, count(*) FILTER (WHERE c.categoria_atual = 'CRÍTICA')::int AS criticas
         FROM comentarios c
        WHERE c.artista = l.artista AND c.musica = l.album
          AND c.recebido_em >= l.lancado_em + d.dias_desde_lancamento
          AND c.recebido_em < l.lancado_em + d.dias_desde_lancamento + 1
          AND c.categoria_atual IS NOT NULL) n
 WHERE l.lancado_em >= current_date - 120
   AND l.tipo = 'musica'
   AND n.total > 0;
