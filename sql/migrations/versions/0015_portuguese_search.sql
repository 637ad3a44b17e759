-- Search that understands Portuguese (issue 14): stemmed full-text search next to the trigram index.
--
-- texto_busca (0006) is already lower(unaccent(texto)); the stock `portuguese` configuration
-- stems it ("lindas" and "linda" -> "lind"; "musicas" -> "music"). The query goes through the
-- same normalisation, so accents and case never matter on either side. The IMMUTABLE wrappers
-- pin the configuration, which makes the expression usable in a stored column and an index (a bare
-- to_tsvector(text) depends on default_text_search_config and is not IMMUTABLE).
CREATE OR REPLACE FUNCTION f_tsv_busca(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT to_tsvector('pg_catalog.portuguese'::regconfig, $1) $$;

-- websearch_to_tsquery never raises on user input ("a -b", quotes, stray operators are all fine).
CREATE OR REPLACE FUNCTION f_tsq_busca(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT websearch_to_tsquery('pg_catalog.portuguese'::regconfig, public.f_texto_busca($1)) $$;

-- Stored, not an expression index only: a query that walks the received-time index for its newest
-- page (or counts matches) rechecks rows one by one, and computing to_tsvector per row made those
-- 3-4x slower than the trigram search alone (bench/alerts_search.py). Adding the column rewrites the
-- table once (like 0006's texto_busca).
ALTER TABLE comentarios
    ADD COLUMN IF NOT EXISTS texto_tsv tsvector GENERATED ALWAYS AS (f_tsv_busca(f_texto_busca(texto))) STORED;
CREATE INDEX IF NOT EXISTS comentarios_texto_tsv_idx ON comentarios USING gin (texto_tsv);

-- 0006's view plus the new column at the end (CREATE OR REPLACE VIEW may only append).
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
       c.texto_busca,
       c.texto_tsv
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;
