-- 0023: a search whose results show masked text matches only what the mask leaves.
--
-- API readers without the admin role get personal data masked (alumusic.domain.pii.mask), but the
-- free-text filter matched the raw text: "?texto=98765" answered whether a masked phone number
-- held those digits, and 81 requests recovered one digit by digit. Such a search now also has to
-- match the text with its stored spans (comentarios.dados_pessoais, 0008) blanked out.
--
-- 1. f_sem_dados_pessoais(texto, spans): the text with every span replaced by one space, so a
--    fragment can neither match inside personal data nor join the words on either side of it.
--    It applies the spans detection stored; it does not detect (that lives in alumusic.domain.pii).
--    Offsets are code points, PostgreSQL's character positions on UTF-8 text (1-based here).
-- 2. v_comentarios_atuais gains dados_pessoais at the end, for that recheck.

CREATE OR REPLACE FUNCTION f_sem_dados_pessoais(texto text, spans jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    span jsonb;
    resultado text := texto;
BEGIN
    IF texto IS NULL OR spans IS NULL OR jsonb_typeof(spans) <> 'array' THEN
        RETURN texto;
    END IF;
    -- From the last span back, so the earlier offsets still point at the same characters.
    FOR span IN SELECT e FROM jsonb_array_elements(spans) e ORDER BY (e ->> 'inicio')::int DESC LOOP
        resultado := overlay(resultado PLACING ' ' FROM (span ->> 'inicio')::int + 1
                             FOR (span ->> 'fim')::int - (span ->> 'inicio')::int);
    END LOOP;
    RETURN resultado;
END $$;

-- 0015's view plus the spans at the end (CREATE OR REPLACE VIEW may only append).
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
       c.dados_pessoais
  FROM comentarios c
  LEFT JOIN classificacoes k ON k.id = c.classificacao_atual_id;
