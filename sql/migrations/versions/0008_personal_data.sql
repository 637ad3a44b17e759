-- 0008: personal data in comments (LGPD).
--
-- 1. comentarios.dados_pessoais: the personal data found in the text at ingest (alumusic.pii),
--    as typed spans [{"tipo": "email", "inicio": 10, "fim": 31}, ...] over the raw text, which is
--    never altered by detection. Rows from before this revision hold [] until
--    `python -m alumusic comentarios detectar-dados` fills them.
-- 2. comentarios.texto_removido_em / texto_removido_por: when and why ('apagamento' on request,
--    'retencao' by policy) the raw text was cleared. The row, its artist, album, dates, current
--    category and tags stay, so every count in the views stays true.
-- 3. History may be deleted, only by an erasure: the append-only trigger lets a DELETE through
--    when the transaction set alumusic.apagamento = 'on' (SET LOCAL), and an UPDATE of tag
--    explanations likewise (they may quote the text).
-- 4. apagamentos: one row per erasure or retention run (who, when, how many, why, which
--    criteria), never the erased text. exportacoes: one row per CSV export (who, filters, rows,
--    whether personal data was included).

ALTER TABLE comentarios
    ADD COLUMN dados_pessoais      jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN texto_removido_em   timestamptz,
    ADD COLUMN texto_removido_por  text CHECK (texto_removido_por IN ('apagamento', 'retencao'));

CREATE INDEX comentarios_texto_mantido_idx ON comentarios (recebido_em) WHERE texto_removido_em IS NULL;

CREATE OR REPLACE FUNCTION trg_somente_insercao() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('alumusic.apagamento', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TABLE apagamentos (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feito_em        timestamptz NOT NULL DEFAULT now(),
    autor           text NOT NULL,                 -- curator, API client, 'cli:<user>', 'retencao'
    origem          text NOT NULL CHECK (origem IN ('api', 'painel', 'cli', 'retencao')),
    motivo          text NOT NULL CHECK (length(btrim(motivo)) > 0),
    criterio        jsonb NOT NULL,                -- ids / fonte / antes / dias: never the text
    quantidade      integer NOT NULL CHECK (quantidade >= 0)
);

CREATE TABLE exportacoes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feito_em        timestamptz NOT NULL DEFAULT now(),
    usuario         text NOT NULL,
    origem          text NOT NULL CHECK (origem IN ('botao', 'link')),
    filtros         jsonb NOT NULL,
    formato         text NOT NULL,
    dados_pessoais  text NOT NULL CHECK (dados_pessoais IN ('mascarar', 'incluir')),
    linhas          integer CHECK (linhas >= 0)
);
CREATE INDEX exportacoes_feito_em_idx ON exportacoes (feito_em DESC);
