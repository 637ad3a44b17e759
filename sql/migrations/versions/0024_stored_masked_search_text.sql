-- 0024: the text a masked search matches, stored (bench.masked_search).
--
-- 0023 rechecked a candidate with spans by blanking them per row (f_sem_dados_pessoais, then
-- f_texto_busca and to_tsvector, twice per row): ~90 µs a row, so a word that sits mostly inside
-- personal data ("gmail") took 716 ms for a reader's first page at 200,000 comments, against 4 ms
-- for an admin. Stored like texto_busca (0006) and texto_tsv (0015), NULL for the rows without
-- spans (most of them): recomputed whenever the text or its spans change (ingest, detection,
-- erasure). No index: they are only read for the raw match's candidates.

ALTER TABLE comentarios
    ADD COLUMN IF NOT EXISTS texto_busca_mascarado text GENERATED ALWAYS AS (
        CASE WHEN dados_pessoais = '[]'::jsonb THEN NULL
             ELSE f_texto_busca(f_sem_dados_pessoais(texto, dados_pessoais)) END) STORED,
    ADD COLUMN IF NOT EXISTS texto_tsv_mascarado tsvector GENERATED ALWAYS AS (
        CASE WHEN dados_pessoais = '[]'::jsonb THEN NULL
             ELSE f_tsv_busca(f_texto_busca(f_sem_dados_pessoais(texto, dados_pessoais))) END) STORED;

-- 0023's view plus the two columns at the end (CREATE OR REPLACE VIEW may only append).
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
       c.texto_tsv,
       c.dados_pessoais,
       c.texto_busca_mascarado,
       c.texto_tsv_mascarado
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;
