-- A taxonomy that grows (issue 14): tags the LLM proposes when none fits, aggregated with their
-- examples for curators, who approve (the tag enters taxonomia_tags), merge into an existing tag,
-- or reject. Rules in alumusic/domain/proposals.py; SQL in repositories/tag_proposals.py.

-- One row per proposed code: the same code proposed again (even after a decision) adds an
-- example to this row; a rejected code therefore never comes back as a new proposal.
CREATE TABLE propostas_tags (
    codigo        text PRIMARY KEY CHECK (codigo ~ '^[a-z]+_[a-z0-9_]+$' AND length(codigo) <= 64),
    area          text NOT NULL GENERATED ALWAYS AS (split_part(codigo, '_', 1)) STORED,
    rotulo        text NOT NULL CHECK (length(btrim(rotulo)) > 0),
    descricao     text NOT NULL CHECK (length(btrim(descricao)) > 0),
    estado        text NOT NULL DEFAULT 'pendente'
                      CHECK (estado IN ('pendente', 'aprovada', 'mesclada', 'rejeitada')),
    mesclada_em   text REFERENCES taxonomia_tags (codigo),   -- the existing tag it was merged into
    decidido_por  text,                                      -- the curator (from the session)
    decidido_em   timestamptz,
    criado_em     timestamptz NOT NULL DEFAULT now(),
    CHECK ((estado = 'mesclada') = (mesclada_em IS NOT NULL)),
    CHECK ((estado = 'pendente') = (decidido_em IS NULL)),
    CHECK (estado = 'pendente' OR decidido_por IS NOT NULL),
    CHECK (mesclada_em IS DISTINCT FROM codigo)
);
CREATE INDEX propostas_tags_estado_idx ON propostas_tags (estado, criado_em);

-- The classifications whose model proposed the code, with the model's explanation. An erasure
-- (LGPD, repositories/erasure.py) deletes a comment's older classifications: their examples go
-- with them (ON DELETE CASCADE).
CREATE TABLE propostas_tags_exemplos (
    codigo            text NOT NULL REFERENCES propostas_tags (codigo),
    classificacao_id  bigint NOT NULL REFERENCES classificacoes (id) ON DELETE CASCADE,
    explicacao        text NOT NULL CHECK (length(btrim(explicacao)) > 0),
    criado_em         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (codigo, classificacao_id)
);
CREATE INDEX propostas_tags_exemplos_classificacao_idx ON propostas_tags_exemplos (classificacao_id);

-- The model's explanation may quote the comment: when its text is removed (erasure or retention,
-- which set texto_removido_em), the explanation goes too, as erasure.py does for tag explanations.
-- A row trigger on that one column: the queue's frequent updates never fire it.
CREATE FUNCTION trg_exemplos_sem_texto() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.propostas_tags_exemplos e
       SET explicacao = 'removida com o texto'
      FROM public.classificacoes k
     WHERE k.comentario_id = NEW.id AND e.classificacao_id = k.id
       AND e.explicacao <> 'removida com o texto';
    RETURN NULL;
END $$;

CREATE TRIGGER comentarios_exemplos_sem_texto AFTER UPDATE OF texto_removido_em ON comentarios
    FOR EACH ROW WHEN (NEW.texto_removido_em IS NOT NULL)
    EXECUTE FUNCTION trg_exemplos_sem_texto();

-- The taxonomy version: a short hash of what changes classifications -- the active codes and the
-- merges (a merged code becomes its target's tag). Deterministic (a fresh database seeded from the
-- same file has the same version) and kept in one row by statement triggers, so every
-- classification records it cheaply (the column default below) whoever inserts it.
CREATE FUNCTION f_calcular_versao_taxonomia() RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT 'tx' || left(md5(coalesce(string_agg(item, ',' ORDER BY item), '')), 10)
      FROM (SELECT codigo AS item FROM public.taxonomia_tags WHERE ativo
            UNION ALL
            SELECT codigo || '>' || mesclada_em FROM public.propostas_tags WHERE estado = 'mesclada') s
    $$;

CREATE TABLE taxonomia_versao (
    unica          boolean PRIMARY KEY DEFAULT true CHECK (unica),
    versao         text NOT NULL,
    atualizada_em  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO taxonomia_versao (versao) VALUES (f_calcular_versao_taxonomia());

CREATE FUNCTION f_versao_taxonomia() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT versao FROM public.taxonomia_versao $$;

CREATE FUNCTION trg_versao_taxonomia() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    nova text := public.f_calcular_versao_taxonomia();
BEGIN
    UPDATE public.taxonomia_versao SET versao = nova, atualizada_em = now() WHERE versao <> nova;
    RETURN NULL;
END $$;

CREATE TRIGGER taxonomia_tags_versao AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON taxonomia_tags
    FOR EACH STATEMENT EXECUTE FUNCTION trg_versao_taxonomia();
CREATE TRIGGER propostas_tags_versao AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON propostas_tags
    FOR EACH STATEMENT EXECUTE FUNCTION trg_versao_taxonomia();

-- Each classification records the taxonomy it was made against. Earlier rows stay NULL
-- ("before versioned taxonomies"): the column is added without a default, then given one.
ALTER TABLE classificacoes ADD COLUMN versao_taxonomia text;
ALTER TABLE classificacoes ALTER COLUMN versao_taxonomia SET DEFAULT f_versao_taxonomia();
